// MailerSend, with mailersend 3.4.0: `MailerSendUtils.verifyWebHook` verifies the `Signature`
// header (HMAC-SHA256 of the body with the webhook's signing secret, hex). The SDK only verifies,
// so signing follows its own rule.
import { createHmac } from "node:crypto";
import utils from "mailersend/lib/services/mailersend.utils.js";

const { MailerSendUtils } = utils;

export const SECRET = "mailersend-signing-secret";
export const BODY = JSON.stringify({
  type: "activity.sent",
  domain_id: "yv69oxl5kl785kw2",
  created_at: "2023-11-14T22:13:20.000000Z",
  webhook_id: "zk8d6z1kq4l3v2x7",
  url: "https://hooks.example.com/webhooks/mailersend",
  data: {
    object: "activity",
    id: "62f114f8165fe0d8db0288e3",
    type: "sent",
    created_at: "2023-11-14T22:13:20.000000Z",
    email: { object: "email", id: "62f114f7165fe0d8db0288e2", subject: "Test subject", status: "sent" },
    morph: null,
    template_id: "7nxe3yjmxpx2p0dy",
  },
});

export function sign(secret, body, url, now) {
  return { Signature: createHmac("sha256", secret).update(body).digest("hex") };
}

export function verify(secret, body, url, headers) {
  return MailerSendUtils.verifyWebHook(body, headers["signature"], secret);
}
