"""Orb, with orb-billing's webhooks.verify_signature: X-Orb-Timestamp (ISO 8601) and
X-Orb-Signature `v1=<hex>`, the HMAC-SHA256 of `v1:{timestamp}:{body}` with the webhook secret. The
SDK only verifies; sign follows its code."""

import datetime
import hashlib
import hmac

from support import package

SECRET = "orb_webhook_secret_5d3e"
BODY = '{"id":"4f2c8e1a9b7d6c5e","created_at":"2023-11-14T22:13:20.000000+00:00","type":"subscription.started","properties":{}}'


def timestamp(now):
    return datetime.datetime.fromtimestamp(now, tz=datetime.timezone.utc).replace(tzinfo=None).isoformat()


def sign(secret, body, url, now):
    at = timestamp(now)
    signature = hmac.new(secret.encode(), f"v1:{at}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Orb-Timestamp": at, "X-Orb-Signature": f"v1={signature}"}


def verify(secret, body, url, headers):
    try:
        package("orb").Orb(api_key="test", webhook_secret=secret).webhooks.verify_signature(body.decode(), headers)
        return True
    except ValueError:
        return False
