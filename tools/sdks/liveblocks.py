"""Liveblocks, with liveblocks 3.23.0: `WebhookHandler(secret).verify_request` verifies (Standard
Webhooks, `whsec_` secret). The SDK only verifies, so the specification's own library,
standardwebhooks, signs."""

import json

from liveblocks.webhooks import WebhookHandler
from support import standard_webhooks


SECRET = "whsec_sFOnQ5c0RrXGyh4b/4Bh7zZWMrLnc1IP"
BODY = json.dumps(
    {
        "type": "storageUpdated",
        "data": {"roomId": "my-room-id", "projectId": "my-project-id", "updatedAt": "2023-11-14T22:13:20.000Z"},
    },
    separators=(",", ":"),
)


def sign(secret, body, url, now):
    return standard_webhooks(secret, body, now)


def verify(secret, body, url, headers):
    try:
        WebhookHandler(secret).verify_request(headers=headers, raw_body=body.decode())
    except ValueError:
        return False
    return True
