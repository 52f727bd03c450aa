"""Orb, with its official SDK orb-billing (tools/sdks/requirements-commerce.txt).

The SDK only verifies (Orb(...).webhooks.verify_signature); signing follows its code: the hex
HMAC-SHA256 of `v1:{X-Orb-Timestamp}:{body}`, sent as `v1=<hex>`, with an ISO 8601 timestamp.
"""

import datetime
import hashlib
import hmac

from orb import Orb

SECRET = "orb_whsec_8f2a6c4e1b9d7f3a5c2e8b6d4f1a9c7e"
BODY = '{"id":"Vk4Ty8JgqBTXj7pY","created_at":"2025-06-01T12:00:00+00:00","type":"subscription.started","properties":{},"subscription":{"id":"7mNcKfa5oSxJ2W8z","status":"active","customer":{"id":"XuxCbt7x9L82yyeF","external_customer_id":"cus_123"}}}'


def sign(secret, body, url, now):
    timestamp = datetime.datetime.fromtimestamp(now, tz=datetime.timezone.utc).replace(tzinfo=None).isoformat()
    mac = hmac.new(secret.encode(), b"v1:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {"X-Orb-Timestamp": timestamp, "X-Orb-Signature": f"v1={mac}"}


def verify(secret, body, url, headers):
    client = Orb(api_key="unused", webhook_secret=secret)
    try:
        client.webhooks.verify_signature(body.decode(), headers, secret=secret)
    except ValueError:
        return False
    return True
