"""Signs and verifies webhooks with the providers' official SDKs, for tools/cli/tests/official_sdks.rs.

    official_sdks.py sign PROVIDER SECRET BODY_FILE URL NOW      prints the headers, `Name: value`
    official_sdks.py verify PROVIDER SECRET BODY_FILE URL NOW    headers on stdin; exit 0 if the SDK accepts
    official_sdks.py cases                                       the cases of tools/sdks/, a JSON line each

A provider is driven here, or by its own module, tools/sdks/<provider>.py (`-` written `_`), which
has SECRET and BODY (the case the test runs; PUBLIC too, the key `hookway verify` takes, where
SECRET is a test private key), sign(secret, body, url, now) returning the headers,
and verify(secret, body, url, headers) with the header names in lower case; its SDK is pinned in
tools/sdks/requirements-*.txt. A provider whose official SDK is a Node.js package has instead
tools/sdks/<provider>.mjs, the same in JavaScript, run by node through tools/sdks/run.mjs; its SDK
is pinned in tools/sdks/package.json and package-lock.json (installed into tools/sdks/node_modules).

SECRET is what `hookway sign` takes: the secret, or for Discord and SendGrid the test private key
(the SDK verifies with its public key). Where an SDK only verifies, signing follows its own code.
"""

import base64
import datetime
import hashlib
import hmac
import importlib.util
import json
import pathlib
import subprocess
import sys
import tempfile
import urllib.parse
import uuid


MODULES = pathlib.Path(__file__).parent / "sdks"


class NodeModule:
    """A module tools/sdks/<stem>.mjs, driven by node through tools/sdks/run.mjs."""

    def __init__(self, stem):
        self.stem = stem
        case = json.loads(self.run("case").stdout)
        self.SECRET, self.BODY, self.PUBLIC = case["secret"], case["body"], case["public"]

    def run(self, mode, *args, stdin=""):
        command = ["node", str(MODULES / "run.mjs"), mode, self.stem, *args]
        done = subprocess.run(command, input=stdin, capture_output=True, text=True)
        if mode != "verify" and done.returncode != 0:
            raise SystemExit(f"{' '.join(command[:4])}: {done.stdout}{done.stderr}")
        return done

    def sign(self, secret, body, url, now):
        with tempfile.NamedTemporaryFile() as file:
            file.write(body)
            file.flush()
            return json.loads(self.run("sign", secret, file.name, url, str(now)).stdout)

    def verify(self, secret, body, url, headers, now):
        with tempfile.NamedTemporaryFile() as file:
            file.write(body)
            file.flush()
            done = self.run("verify", secret, file.name, url, str(now), stdin=json.dumps(headers))
        print(done.stdout + done.stderr, end="")
        return done.returncode == 0


def module(provider):
    """The provider's own module in tools/sdks/, if it has one."""
    stem = provider.replace("-", "_")
    path = MODULES / f"{stem}.py"
    if not path.exists():
        return NodeModule(stem) if (MODULES / f"{stem}.mjs").exists() else None
    # Under a name of its own: tools/sdks/openai.py must not hide the `openai` package it drives;
    # tools/sdks/ comes last on the path, for what the modules share (tools/sdks/support).
    if str(MODULES) not in sys.path:
        sys.path.append(str(MODULES))
    spec = importlib.util.spec_from_file_location(f"hookway_sdk_{path.stem}", path)
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


def cases():
    stems = {path.stem for path in MODULES.glob("*.py")} | ({path.stem for path in MODULES.glob("*.mjs")} - {"run"})
    for stem in sorted(stems):
        found = module(stem)
        case = {"provider": stem.replace("_", "-"), "secret": found.SECRET, "body": found.BODY}
        # A provider that signs with a private key: SECRET signs, PUBLIC verifies.
        case["public"] = getattr(found, "PUBLIC", found.SECRET)
        print(json.dumps(case))


def sendgrid_key(private_b64):
    from cryptography.hazmat.primitives import serialization

    return serialization.load_der_private_key(base64.b64decode(private_b64), password=None)


def sign(provider, secret, body, url, now):
    own = module(provider)
    if own is not None:
        return own.sign(secret, body, url, now)
    text = body.decode()
    if provider == "stripe":
        from stripe import WebhookSignature

        return {"Stripe-Signature": WebhookSignature.generate_signature_header(text, secret, timestamp=now)}
    if provider == "slack":
        from slack_sdk.signature import SignatureVerifier

        sig = SignatureVerifier(secret).generate_signature(timestamp=str(now), body=text)
        return {"X-Slack-Request-Timestamp": str(now), "X-Slack-Signature": sig}
    if provider == "twilio":
        from twilio.request_validator import RequestValidator

        params = dict(urllib.parse.parse_qsl(text))
        return {"X-Twilio-Signature": RequestValidator(secret).compute_signature(url, params)}
    if provider == "hubspot":
        from hubspot.utils.signature import Signature

        ts = str(now * 1000)
        sig = Signature.get_signature(secret, text, "v3", http_uri=url, http_method="POST", timestamp=ts)
        return {"X-HubSpot-Signature-v3": sig, "X-HubSpot-Request-Timestamp": ts}
    if provider in ("svix", "clerk", "resend"):
        from svix.webhooks import Webhook

        msg = "msg_" + uuid.uuid4().hex
        at = datetime.datetime.fromtimestamp(now, tz=datetime.timezone.utc)
        return {"svix-id": msg, "svix-timestamp": str(now), "svix-signature": Webhook(secret).sign(msg, at, text)}
    if provider == "standard-webhooks":
        from standardwebhooks.webhooks import Webhook

        msg = "msg_" + uuid.uuid4().hex
        at = datetime.datetime.fromtimestamp(now, tz=datetime.timezone.utc)
        return {"webhook-id": msg, "webhook-timestamp": str(now), "webhook-signature": Webhook(secret).sign(msg, at, text)}
    if provider == "paddle":
        from paddle_billing.Notifications.PaddleSignature import PaddleSignature

        h1 = PaddleSignature.calculate_hmac(secret, f"{now}:{text}".encode()).hexdigest()
        return {"Paddle-Signature": f"ts={now};h1={h1}"}
    if provider == "square":
        sig = base64.b64encode(hmac.new(secret.encode(), (url + text).encode(), hashlib.sha256).digest()).decode()
        return {"X-Square-HmacSha256-Signature": sig}
    if provider == "sendgrid":
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec

        sig = sendgrid_key(secret).sign(f"{now}".encode() + body, ec.ECDSA(hashes.SHA256()))
        return {
            "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(sig).decode(),
            "X-Twilio-Email-Event-Webhook-Timestamp": str(now),
        }
    raise SystemExit(f"no SDK signs as {provider}")


def verify(provider, secret, body, url, headers, now):
    text = body.decode()
    h = {name.lower(): value for name, value in headers.items()}
    own = module(provider)
    if isinstance(own, NodeModule):
        return own.verify(secret, body, url, h, now)
    if own is not None:
        return own.verify(secret, body, url, h)
    if provider == "stripe":
        from stripe import WebhookSignature

        return WebhookSignature.verify_header(text, h["stripe-signature"], secret, tolerance=300)
    if provider == "slack":
        from slack_sdk.signature import SignatureVerifier

        return SignatureVerifier(secret).is_valid(text, h["x-slack-request-timestamp"], h["x-slack-signature"])
    if provider == "twilio":
        from twilio.request_validator import RequestValidator

        params = dict(urllib.parse.parse_qsl(text))
        return RequestValidator(secret).validate(url, params, h["x-twilio-signature"])
    if provider == "hubspot":
        from hubspot.utils.signature import Signature

        return Signature.is_valid(h["x-hubspot-signature-v3"], secret, text, url, "POST", "v3", h["x-hubspot-request-timestamp"])
    if provider in ("svix", "clerk", "resend"):
        from svix.webhooks import Webhook

        Webhook(secret).verify(text, h)
        return True
    if provider == "standard-webhooks":
        from standardwebhooks.webhooks import Webhook

        Webhook(secret).verify(text, h)
        return True
    if provider == "paddle":
        from paddle_billing.Notifications.PaddleSignature import PaddleSignature
        from paddle_billing.Notifications.Secret import Secret

        return PaddleSignature().verify(h["paddle-signature"], text, Secret(secret))
    if provider == "square":
        from square.utils.webhooks_helper import verify_signature

        return verify_signature(
            request_body=text, signature_header=h["x-square-hmacsha256-signature"], signature_key=secret, notification_url=url
        )
    if provider == "sendgrid":
        from cryptography.hazmat.primitives import serialization
        from sendgrid.helpers.eventwebhook import EventWebhook

        public = sendgrid_key(secret).public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        hook = EventWebhook()
        key = hook.convert_public_key_to_ecdsa(base64.b64encode(public).decode())
        return hook.verify_signature(
            text, h["x-twilio-email-event-webhook-signature"], h["x-twilio-email-event-webhook-timestamp"], key
        )
    raise SystemExit(f"no SDK verifies as {provider}")


def main():
    if sys.argv[1:] == ["cases"]:
        cases()
        return
    mode, provider, secret, body_file, url, now = sys.argv[1:7]
    body = open(body_file, "rb").read()
    if mode == "sign":
        for name, value in sign(provider, secret, body, url, int(now)).items():
            print(f"{name}: {value}")
        return
    headers = dict(line.split(": ", 1) for line in sys.stdin.read().splitlines() if ": " in line)
    try:
        valid = verify(provider, secret, body, url, headers, int(now))
    except Exception as error:  # the SDKs refuse by raising
        print(f"refused: {error!r}")
        valid = False
    # Only a plain True is acceptance: a module returning anything else refused.
    sys.exit(0 if valid is True else 1)


if __name__ == "__main__":
    main()
