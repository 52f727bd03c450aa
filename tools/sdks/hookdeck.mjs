// Hookdeck, with @hookdeck/sdk 0.4.0: `verifyWebhookSignature` verifies (`x-hookdeck-signature`,
// or `x-hookdeck-signature-2` during a secret's rotation). The SDK only verifies, so signing follows
// its own rule: HMAC-SHA256 of the body, base64.
import { createHmac, randomBytes } from "node:crypto";
import helpers from "@hookdeck/sdk/webhooks/helpers.js";

export const SECRET = "hookdeck-signing-secret";
export const BODY = JSON.stringify({ type: "invoice.paid", data: { id: "inv_1" } });

export function sign(secret, body, url, now) {
  return {
    "x-hookdeck-signature": createHmac("sha256", secret).update(body).digest("base64"),
    "x-hookdeck-eventid": `evt_${randomBytes(12).toString("hex")}`,
  };
}

export async function verify(secret, body, url, headers) {
  const result = await helpers.verifyWebhookSignature({ headers, rawBody: body.toString("utf8"), signingSecret: secret });
  return result.isValidSignature;
}
