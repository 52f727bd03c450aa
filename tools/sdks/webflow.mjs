// Webflow, with webflow-api 3.3.4: `WebflowClient.webhooks.verifySignature` verifies
// (`x-webflow-signature`, `x-webflow-timestamp`). The SDK only verifies, so signing follows its own
// rule: HMAC-SHA256 of `{timestamp}:{body}`, hex, the timestamp in Unix milliseconds.
import { createHmac } from "node:crypto";
import { WebflowClient } from "webflow-api";

export const SECRET = "wf_client_secret_3c1f0d9e";
export const BODY = JSON.stringify({
  triggerType: "form_submission",
  payload: {
    name: "Contact Us",
    siteId: "65427cf400e02b306eaa049c",
    data: { "First Name": "Zaphod", email: "zaphod@heartofgold.ai" },
    submittedAt: "2023-11-14T22:13:20.000Z",
    id: "6321ca84df3949bfc6752327",
  },
});

export function sign(secret, body, url, now) {
  const timestamp = String(now * 1000);
  const signature = createHmac("sha256", secret).update(`${timestamp}:`).update(body).digest("hex");
  return { "x-webflow-timestamp": timestamp, "x-webflow-signature": signature };
}

export function verify(secret, body, url, headers) {
  const client = new WebflowClient({ accessToken: "unused" });
  return client.webhooks.verifySignature({ headers, body: body.toString("utf8"), secret });
}
