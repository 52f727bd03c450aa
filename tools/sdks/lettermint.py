"""Lettermint: lettermint's Webhook.verify_signature verifies (X-Lettermint-Signature
"t=<seconds>,v1=<hex>", HMAC-SHA256 of "<t>.<body>" with the whsec_ secret as text, and
X-Lettermint-Delivery equal to t); it only verifies, so signing follows its code."""

import hashlib
import hmac

from lettermint import exceptions, webhook

SECRET = "whsec_lettermint_test_secret"
BODY = '{"id":"0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","event":"message.delivered","timestamp":"2023-11-14T22:13:20.000Z","data":{"message_id":"0199a1b2-0000-7000-8000-000000000001","recipient":"alice@example.com","response":{"status_code":250,"enhanced_status_code":"2.0.0","content":"OK"},"metadata":{},"tag":null}}'


def sign(secret, body, url, now):
    digest = hmac.new(secret.encode(), f"{now}.".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Lettermint-Signature": f"t={now},v1={digest}", "X-Lettermint-Delivery": str(now)}


def verify(secret, body, url, headers):
    try:
        webhook.Webhook(secret).verify_signature(body, headers["x-lettermint-signature"], headers.get("x-lettermint-delivery"))
    except exceptions.WebhookVerificationError:
        return False
    return True
