// Linear, with @linear/sdk 98.0.0: `LinearWebhookClient(secret).verify` verifies
// (`Linear-Signature`, and the body's `webhookTimestamp` within a minute of its clock). The SDK
// only verifies, so signing follows its own rule: HMAC-SHA256 of the body, hex. The case's body is
// stamped when it is listed, as Linear stamps each delivery.
import { createHmac, randomUUID } from "node:crypto";
import { LinearWebhookClient } from "@linear/sdk/webhooks";

export const SECRET = "lin_wh_signing_secret";
export const BODY = JSON.stringify({
  action: "create",
  type: "Issue",
  data: { id: "2174add1-f7c8-44e3-bbf3-2d60b5ea8bc9", title: "Bug" },
  url: "https://linear.app/issue/LIN-1",
  createdAt: new Date().toISOString(),
  organizationId: "0f4c1e7a",
  webhookTimestamp: Date.now(),
  webhookId: "000042e3-d123-4980-b49f-8e140eef9329",
});

export function sign(secret, body, url, now) {
  return {
    "Linear-Signature": createHmac("sha256", secret).update(body).digest("hex"),
    "Linear-Delivery": randomUUID(),
    "Linear-Event": JSON.parse(body).type,
  };
}

export function verify(secret, body, url, headers) {
  return new LinearWebhookClient(secret).verify(body, headers["linear-signature"], headers["linear-timestamp"]);
}
