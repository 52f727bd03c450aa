"""Modern Treasury, with modern-treasury's webhooks.get_signature and validate_signature: the hex
HMAC-SHA256 of the body with the webhook key, in X-Signature."""

import importlib
import uuid


SECRET = "mt_webhook_key_7c1a"
BODY = '{"event":"completed","data":{"id":"1b1a3c2e-4f0d-4d55-9a2a-6f3f3c2b1a90","object":"payment_order","type":"ach","amount":1000,"direction":"credit","currency":"USD","status":"completed"}}'


def client(secret):
    return importlib.import_module("modern_treasury").ModernTreasury(api_key="test", organization_id="test", webhook_key=secret)


def sign(secret, body, url, now):
    signature = client(secret).webhooks.get_signature(body.decode())
    return {"X-Signature": signature, "X-Webhook-ID": str(uuid.uuid4()), "X-Topic": "payment_order"}


def verify(secret, body, url, headers):
    return client(secret).webhooks.validate_signature(body.decode(), headers)
