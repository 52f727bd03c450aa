"""Polar, with its official SDK polar-sdk (tools/sdks/requirements-commerce.txt).

The SDK only verifies (polar.v2026_10.webhooks.validate_event); signing follows Polar's docs and
the SDK's own rule: Standard Webhooks, keyed with the webhook secret's UTF-8 bytes, here with the
standardwebhooks library handed the secret base64-encoded, as Polar's docs tell a custom verifier.
"""

import base64
import json

from polar.webhooks import PolarWebhookVerificationError, validate_event
from support import standard_webhooks


SECRET = "polar_whs_ZQsTzvEXgBMwn5jXKX4UpFUqDiSEoUxtbkiM8Kl7Xn1"
BODY = '{"type":"order.paid","timestamp":"2025-06-01T12:00:00.000000Z","data":{"id":"a7bb8f2c-4f4d-4d0c-9d46-0f6d6b2a1e01","status":"paid","total_amount":2000,"currency":"usd"}}'

def sign(secret, body, url, now):
    # The SDK keys the HMAC with the secret's own bytes: the library takes them base64-encoded.
    return standard_webhooks(base64.b64encode(secret.encode()).decode(), body, now)


def verify(secret, body, url, headers):
    # The SDK's own check of the signature and the JSON, loading the payload as it is rather than
    # into this SDK version's typed models (which the sample's fields need not fill).
    kind = json.loads(body).get("type")
    try:
        validate_event(body, headers, secret, frozenset({kind}), lambda data: data)
    except PolarWebhookVerificationError:
        return False
    return True
