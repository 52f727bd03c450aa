"""Polar, with its official SDK polar-sdk (tools/sdks/requirements-commerce.txt).

The SDK only verifies (polar.v2026_10.webhooks.validate_event); signing follows Polar's docs and
the SDK's own rule: Standard Webhooks, keyed with the webhook secret's UTF-8 bytes, here with the
standardwebhooks library handed the secret base64-encoded, as Polar's docs tell a custom verifier.
"""

import base64
import datetime
import uuid

import standardwebhooks
from polar.v2026_10.webhooks import validate_event
from polar.webhooks import PolarWebhookError, PolarWebhookVerificationError

SECRET = "polar_whs_ZQsTzvEXgBMwn5jXKX4UpFUqDiSEoUxtbkiM8Kl7Xn1"
BODY = '{"type":"order.paid","timestamp":"2025-06-01T12:00:00.000000Z","data":{"id":"a7bb8f2c-4f4d-4d0c-9d46-0f6d6b2a1e01","status":"paid","total_amount":2000,"currency":"usd"}}'

def sign(secret, body, url, now):
    msg_id = str(uuid.uuid4())
    at = datetime.datetime.fromtimestamp(now, tz=datetime.timezone.utc)
    key = base64.b64encode(secret.encode()).decode()
    signature = standardwebhooks.Webhook(key).sign(msg_id, at, body.decode())
    return {"webhook-id": msg_id, "webhook-timestamp": str(now), "webhook-signature": signature}


def verify(secret, body, url, headers):
    try:
        validate_event(body, headers, secret)
    except PolarWebhookVerificationError:
        return False
    except PolarWebhookError:
        # Raised only once the signature verified: the payload did not load into the SDK's typed
        # models (an event type or field this SDK version does not know).
        return True
    return True
