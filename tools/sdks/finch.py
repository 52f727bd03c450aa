"""Finch, with finch-api 2.9.1: `client.webhooks.verify_signature` verifies.

The SDK only verifies, so signing follows its code: HMAC-SHA256 of `{id}.{timestamp}.{body}` with
the base64-decoded secret, sent as `finch-signature: v1,<base64>` with `finch-event-id` and
`finch-timestamp`.
"""

import base64
import hashlib
import hmac
import json
import uuid

from finch import Finch

SECRET = base64.b64encode(b"finch-test-webhook-secret-bytes!").decode()
BODY = json.dumps(
    {"account_id": "52eb4b0f-5b69-4c37-a4a2-9c7bfc4c6a5b", "company_id": "7a1c0ac5-5b29-4f5a-8a2b-0d8b2c6f4e3a",
     "connection_id": "1d1f4f0e-9b1e-4c61-9d4e-4a7a52d1c8f2", "event_type": "directory.created",
     "data": {"individual_id": "1c7f2b3a-0e7d-4f0b-9c1d-6a1b5e2d9f40"}}
)


def sign(secret, body, url, now):
    event_id = str(uuid.uuid4())
    signed = f"{event_id}.{now}.{body.decode()}".encode()
    signature = base64.b64encode(hmac.new(base64.b64decode(secret), signed, hashlib.sha256).digest()).decode()
    return {"finch-event-id": event_id, "finch-timestamp": str(now), "finch-signature": f"v1,{signature}"}


def verify(secret, body, url, headers):
    client = Finch(access_token="unused", webhook_secret=secret)
    try:
        client.webhooks.verify_signature(payload=body, headers=headers, secret=secret)
    except ValueError:
        return False
    return True
