// Sanity, with @sanity/webhook 4.0.4: `encodeSignatureHeader` signs
// (`sanity-webhook-signature: t=<ms>,v1=<base64url>`) and `isValidSignature` verifies.
import { randomUUID } from "node:crypto";
import { encodeSignatureHeader, isValidSignature } from "@sanity/webhook";

export const SECRET = "sanity-webhook-secret";
export const BODY = JSON.stringify({
  _id: "movie_10681",
  _type: "movie",
  _rev: "Rq6BFgmZfOxYhsK1DoE5ZW",
  title: "WALL·E",
  releaseDate: "2008-06-22T00:00:00Z",
});

export async function sign(secret, body, url, now) {
  return {
    "sanity-webhook-signature": await encodeSignatureHeader(body.toString("utf8"), now * 1000, secret),
    "idempotency-key": `idem-${randomUUID()}`,
    "sanity-operation": "create",
  };
}

export function verify(secret, body, url, headers) {
  return isValidSignature(body.toString("utf8"), headers["sanity-webhook-signature"], secret);
}
