// Mux, with @mux/mux-node 15.3.0: `webhooks.verifySignature` verifies (`Mux-Signature: t=…,v1=…`).
// The SDK only verifies, so signing follows its own rule: HMAC-SHA256 of `{t}.{body}`, hex.
import { createHmac } from "node:crypto";
import Mux from "@mux/mux-node";

export const SECRET = "mux-signing-secret";
export const BODY = JSON.stringify({
  type: "video.asset.ready",
  id: "3a56ac3d-33da-4366-855b-f592d898409d",
  created_at: "2023-11-14T22:13:20.000000Z",
  data: { id: "0201p02fGKPE7MrbC269XRD7LpcHhrmbu0002" },
});

export function sign(secret, body, url, now) {
  const v1 = createHmac("sha256", secret).update(`${now}.`).update(body).digest("hex");
  return { "Mux-Signature": `t=${now},v1=${v1}` };
}

export async function verify(secret, body, url, headers) {
  const mux = new Mux({ tokenId: "unused", tokenSecret: "unused" });
  await mux.webhooks.verifySignature(body.toString("utf8"), headers, secret);
  return true;
}
