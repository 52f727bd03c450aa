"""Liveblocks, with liveblocks 3.23.0: `WebhookHandler(secret).verify_request` verifies (Standard
Webhooks, `whsec_` secret). The SDK only verifies, so the specification's own library,
standardwebhooks, signs."""

import datetime
import json
import uuid

from liveblocks.webhooks import WebhookHandler
from standardwebhooks.webhooks import Webhook

SECRET = "whsec_sFOnQ5c0RrXGyh4b/4Bh7zZWMrLnc1IP"
BODY = json.dumps(
    {
        "type": "storageUpdated",
        "data": {"roomId": "my-room-id", "projectId": "my-project-id", "updatedAt": "2023-11-14T22:13:20.000Z"},
    },
    separators=(",", ":"),
)


def sign(secret, body, url, now):
    msg = "msg_" + uuid.uuid4().hex
    at = datetime.datetime.fromtimestamp(now, tz=datetime.timezone.utc)
    signature = Webhook(secret).sign(msg, at, body.decode())
    return {"webhook-id": msg, "webhook-timestamp": str(now), "webhook-signature": signature}


def verify(secret, body, url, headers):
    try:
        WebhookHandler(secret).verify_request(headers=headers, raw_body=body.decode())
    except ValueError:
        return False
    return True
