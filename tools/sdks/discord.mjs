// Discord, with discord-interactions 4.4.0, the library of Discord's docs: `verifyKey` verifies
// (`X-Signature-Ed25519` over `{X-Signature-Timestamp}{body}`, with the application's public key).
// It only verifies, so Node's Ed25519 signs with a test key; SECRET is its 32-byte seed, in hex.
import { createPrivateKey, createPublicKey, sign as ed25519 } from "node:crypto";
import { verifyKey } from "discord-interactions";

export const SECRET = "2a".repeat(32);
export const PUBLIC = publicHex(SECRET);
export const BODY = JSON.stringify({ id: "1181020201230040041", application_id: "1181000000000000000", type: 2, data: { name: "ping", type: 1 } });

function privateKey(seedHex) {
  const pkcs8 = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), Buffer.from(seedHex, "hex")]);
  return createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" });
}

function publicHex(seedHex) {
  return createPublicKey(privateKey(seedHex)).export({ format: "der", type: "spki" }).subarray(-32).toString("hex");
}

export function sign(secret, body, url, now) {
  const signature = ed25519(null, Buffer.concat([Buffer.from(String(now)), body]), privateKey(secret));
  return { "X-Signature-Ed25519": signature.toString("hex"), "X-Signature-Timestamp": String(now) };
}

export function verify(secret, body, url, headers) {
  return verifyKey(body, headers["x-signature-ed25519"], headers["x-signature-timestamp"], publicHex(secret));
}
