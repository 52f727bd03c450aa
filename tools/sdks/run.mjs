// Drives a Node.js SDK module, tools/sdks/<stem>.mjs, for tools/official_sdks.py.
//
//   node run.mjs case STEM                              {"secret", "body", "public"} as JSON
//   node run.mjs sign STEM SECRET BODY_FILE URL NOW     the headers as JSON
//   node run.mjs verify STEM SECRET BODY_FILE URL NOW   headers as JSON on stdin; exit 0 if the SDK accepts
//
// A module exports SECRET, BODY (PUBLIC too where SECRET is a test private key),
// sign(secret, body, url, now) returning the headers (or a promise of them), and
// verify(secret, body, url, headers) returning whether its SDK accepts (or a promise of it), with
// the header names in lower case; body is a Buffer, now Unix seconds. While signing and verifying,
// Date.now() reads NOW, the clock `hookway verify --now` is given (`new Date()` does not).

import { readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join } from "node:path";

const here = dirname(fileURLToPath(import.meta.url));
const [mode, stem, secret, bodyFile, url, now] = process.argv.slice(2);
const sdk = await import(pathToFileURL(join(here, `${stem}.mjs`)).href);

if (mode === "case") {
  process.stdout.write(JSON.stringify({ secret: sdk.SECRET, body: sdk.BODY, public: sdk.PUBLIC ?? sdk.SECRET }) + "\n");
  process.exit(0);
}
const at = Number(now);
Date.now = () => at * 1000;
const body = readFileSync(bodyFile);
if (mode === "sign") {
  process.stdout.write(JSON.stringify(await sdk.sign(secret, body, url, at)) + "\n");
  process.exit(0);
}
if (mode === "verify") {
  const headers = Object.fromEntries(
    Object.entries(JSON.parse(readFileSync(0, "utf8"))).map(([name, value]) => [name.toLowerCase(), value]),
  );
  let valid = false;
  try {
    valid = (await sdk.verify(secret, body, url, headers)) === true;
  } catch (error) {
    // The SDKs refuse by throwing.
    process.stdout.write(`refused: ${error}\n`);
  }
  process.exit(valid ? 0 : 1);
}
process.stderr.write(`usage: node run.mjs case|sign|verify STEM [SECRET BODY_FILE URL NOW]\n`);
process.exit(2);
