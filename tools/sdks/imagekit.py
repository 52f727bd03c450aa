"""ImageKit, with imagekitio 5.11.0: `ImageKit().webhooks.unwrap` verifies (Standard Webhooks
headers, keyed with the webhook secret's UTF-8 bytes). The SDK only verifies; it hands the
base64 of the secret to standardwebhooks, so sign does the same with standardwebhooks' sign."""

import base64
import json

from standardwebhooks.webhooks import WebhookVerificationError

from imagekitio import ImageKit
from support import standard_webhooks

# The client loads its resources when first asked for them: asked here, while it can.
WEBHOOKS = ImageKit(private_key="unused").webhooks


SECRET = "ik-webhook-secret-5c0f8e2a9b7d4e1f"
BODY = json.dumps(
    {
        "type": "video.transformation.ready",
        "id": "58e6d24d-6098-4319-be8d-40c3cb0a402d",
        "created_at": "2023-11-14T22:13:20.000Z",
        "request": {"url": "https://ik.imagekit.io/demo/sample-video.mp4?tr=f-webm,q-10", "x_request_id": "fa98fa2e-d6cd-45b4-acf5-bc1d2bbb8ba9"},
        "data": {"asset": {"url": "https://ik.imagekit.io/demo/sample-video.mp4"}, "transformation": {"type": "video-transformation"}},
    },
    separators=(",", ":"),
)


def sign(secret, body, url, now):
    # The SDK keys the HMAC with the secret's own bytes: the library takes them base64-encoded.
    return standard_webhooks(base64.b64encode(secret.encode()).decode(), body, now)


def verify(secret, body, url, headers):
    try:
        WEBHOOKS.unwrap(body.decode(), headers=headers, key=secret)
    except WebhookVerificationError:
        return False
    return True
