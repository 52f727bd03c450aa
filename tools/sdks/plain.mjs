// Plain, with @team-plain/typescript-sdk 5.12.1: `verifyPlainWebhook` verifies
// (`Plain-Request-Signature`, then the body against the SDK's webhook schema and its
// `webhookDeliveryAttemptTimestamp` within 5 minutes of its clock). The SDK only verifies, so
// signing follows its own rule: HMAC-SHA256 of the body, hex. The case's body is a
// `customer.customer_created` event of the webhook version this SDK reads, stamped when it is
// listed, as Plain stamps each delivery attempt.
import { createHmac } from "node:crypto";
import { verifyPlainWebhook } from "@team-plain/typescript-sdk";

export const SECRET = "plain-request-signing-secret";
export const BODY = plainBody(new Date().toISOString());

function plainBody(at) {
  return JSON.stringify({
    timestamp: at,
    workspaceId: "w_01H9V9YJ7D6JH2K1ZQX4K8Y7AB",
    payload: {
      eventType: "customer.customer_created",
      customer: {
        id: "c_01H9V9YJ7D6JH2K1ZQX4K8Y7AD",
        email: { email: "ada@example.com", isVerified: true, verifiedAt: "2023-11-14T22:13:20.000Z" },
        externalId: null,
        fullName: "Ada Lovelace",
        shortName: "Ada",
        customerGroupMemberships: [],
        createdAt: "2023-11-14T22:13:20.000Z",
        createdBy: { actorType: "system", system: "plain" },
        updatedAt: "2023-11-14T22:13:20.000Z",
        updatedBy: { actorType: "system", system: "plain" },
      },
    },
    id: "pEv_01H9V9YJ7D6JH2K1ZQX4K8Y7AE",
    type: "customer.customer_created",
    webhookMetadata: {
      webhookTargetId: "whTarget_01H9V9YJ7D6JH2K1ZQX4K8Y7AF",
      webhookTargetVersion: "2026-02-27",
      webhookDeliveryAttemptId: "whAttempt_01H9V9YJ7D6JH2K1ZQX4K8Y7AG",
      webhookDeliveryAttemptNumber: 1,
      webhookDeliveryAttemptTimestamp: at,
    },
  });
}

export function sign(secret, body, url, now) {
  return { "Plain-Request-Signature": createHmac("sha256", secret).update(body).digest("hex") };
}

export function verify(secret, body, url, headers) {
  const result = verifyPlainWebhook(body.toString("utf8"), headers["plain-request-signature"], secret);
  if (result.error) {
    throw result.error;
  }
  return true;
}
