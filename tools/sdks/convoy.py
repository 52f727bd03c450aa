"""Convoy, with convoy-python 0.2.0: its `Webhook` signs and verifies.

Simple signatures, Convoy's default: `X-Convoy-Signature: <hex>`, HMAC-SHA512 of the body with the
endpoint's secret as UTF-8.
"""

import json

from convoy.utils.webhook import Webhook

SECRET = "convoy-endpoint-secret"
BODY = json.dumps({"event_type": "invoice.paid", "data": {"id": "inv_1", "amount": 1000}}, separators=(",", ":"))


def sign(secret, body, url, now):
    return {"X-Convoy-Signature": Webhook(secret, encoding="hex", hash="sha512").create_signature(body.decode())}


def verify(secret, body, url, headers):
    # It answers True, or the text of what failed.
    return Webhook(secret, encoding="hex", hash="sha512").verify_signature(body.decode(), headers.get("x-convoy-signature", "")) is True
