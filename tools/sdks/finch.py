"""Finch, with finch-api 2.9.1: `Finch().webhooks.verify_signature` verifies (`finch-event-id`,
`finch-timestamp`, `finch-signature: v1,<base64>` over `{id}.{timestamp}.{body}`, keyed with the
base64-decoded secret). The SDK only verifies, so sign follows its code with Python's hmac."""

import base64
import hashlib
import hmac
import json
import uuid

from finch import Finch

# The client loads its resources when first asked for them: asked here, while it can.
WEBHOOKS = Finch(access_token="unused").webhooks

SECRET = "c2VjcmV0LWZpbmNoLXdlYmhvb2sta2V5LTAwMDAwMQ=="
BODY = json.dumps(
    {
        "account_id": "7a8f2b1c-3d4e-4f5a-9b6c-1d2e3f4a5b6c",
        "company_id": "0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f",
        "connection_id": "a1b2c3d4-e5f6-4789-8abc-def012345678",
        "event_type": "account.updated",
        "data": {"status": "connected", "authentication_method": {"type": "credential"}},
    },
    separators=(",", ":"),
)


def sign(secret, body, url, now):
    event_id = str(uuid.uuid4())
    mac = hmac.new(base64.b64decode(secret), f"{event_id}.{now}.".encode() + body, hashlib.sha256)
    return {"finch-event-id": event_id, "finch-timestamp": str(now), "finch-signature": "v1," + base64.b64encode(mac.digest()).decode()}


def verify(secret, body, url, headers):
    try:
        WEBHOOKS.verify_signature(body, headers, secret=secret)
    except ValueError:
        return False
    return True
