// Zoom, with @zoom/rivet 0.4.0 (Zoom's own SDK): its `AwsLambdaReceiver` verifies a request
// (`x-zm-signature: v0=<hex>` over `v0:{x-zm-request-timestamp}:{body}`) and answers 200 when it
// does, 400 when not. Rivet re-serialises the parsed body to check it, so the case's body is compact
// JSON, as Zoom sends it. The SDK only verifies, so signing follows its own rule.
import { createHmac } from "node:crypto";
import { AwsLambdaReceiver } from "@zoom/rivet/meetings";

export const SECRET = "zoom-secret-token";
export const BODY = JSON.stringify({
  event: "meeting.started",
  event_ts: 1700000000000,
  payload: { account_id: "D8cJuqWVQ623CI4Q8yQK0Q", object: { id: "89690511934", topic: "Standup" } },
});

export function sign(secret, body, url, now) {
  const signature = createHmac("sha256", secret).update(`v0:${now}:`).update(body).digest("hex");
  return { "x-zm-signature": `v0=${signature}`, "x-zm-request-timestamp": String(now) };
}

export async function verify(secret, body, url, headers) {
  console.debug = () => {}; // the receiver logs each event it is given
  const receiver = new AwsLambdaReceiver({ webhooksSecretToken: secret });
  receiver.init({ eventEmitter: { emit: async () => {} } });
  const response = await receiver.start()({ headers, body: body.toString("utf8") }, {});
  return response.statusCode === 200;
}
