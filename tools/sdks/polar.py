"""Polar, with polar-sdk's webhooks validate_event (API version 2026-10): Standard Webhooks headers,
HMAC-SHA256 keyed with the secret's UTF-8 bytes. The SDK only verifies; sign follows its code."""

import base64
import hashlib
import hmac
import importlib
import uuid

from support import package

SECRET = "polar_whs_test_5f2d8c1a9b3e7f60"
BODY = '{"type":"customer.created","timestamp":"2025-01-01T00:00:00Z","api_version":"2026-10","data":{"id":"992fae2a-2a17-4b7a-8d9e-e287cf90131b","created_at":"2025-01-01T00:00:00Z","modified_at":null,"metadata":{},"external_id":null,"email":"customer@example.com","email_verified":true,"type":"individual","name":"Jane Doe","billing_name":null,"billing_address":null,"tax_id":null,"locale":null,"organization_id":"1dbfc517-0bbf-4301-9ba8-555ca42b9737","default_payment_method_id":null,"deleted_at":null,"first_user_event_at":null,"avatar_url":null}}'


def sign(secret, body, url, now):
    msg = "msg_" + uuid.uuid4().hex
    mac = hmac.new(secret.encode(), f"{msg}.{now}.".encode() + body, hashlib.sha256).digest()
    return {"webhook-id": msg, "webhook-timestamp": str(now), "webhook-signature": "v1," + base64.b64encode(mac).decode()}


def verify(secret, body, url, headers):
    package("polar")
    webhooks = importlib.import_module("polar.v2026_10.webhooks")
    try:
        webhooks.validate_event(body, headers, secret)
        return True
    except webhooks.PolarWebhookVerificationError:
        return False
