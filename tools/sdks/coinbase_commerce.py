"""Coinbase Commerce, with coinbase-commerce's Webhook.construct_event. The SDK only verifies; sign
follows its code: the hex HMAC-SHA256 of the body with the shared secret, in X-CC-Webhook-Signature."""

import hashlib
import hmac
import importlib

from support import package

SECRET = "cc-shared-secret-9f1e"
BODY = '{"attempt_number":1,"event":{"api_version":"2018-03-22","created_at":"2023-08-30T19:29:20Z","data":{"id":"2aee9dd1-67b8-43ef-8dfe-977959850f27","code":"XA6G6ZFR"},"id":"0b2bad4f-a6d4-4f39-9b47-bd0f3da1da03","resource":"event","type":"charge:created"},"id":"f7a7b3c1-9a1e-4f2b-8a3d-7f4e3c2b1a90","scheduled_for":"2023-08-30T19:29:20Z"}'


def sign(secret, body, url, now):
    return {"X-CC-Webhook-Signature": hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}


def verify(secret, body, url, headers):
    sdk = package("coinbase_commerce")
    importlib.import_module("coinbase_commerce.webhook")
    try:
        sdk.webhook.Webhook.construct_event(body.decode(), headers["x-cc-webhook-signature"], secret)
        return True
    except sdk.error.SignatureVerificationError:
        return False
