"""Replicate, with replicate 1.0.7: `replicate.webhooks.validate` verifies (Standard Webhooks names).

The SDK only verifies, and verifies the Standard Webhooks rule (`webhook-id`, `webhook-timestamp`,
`webhook-signature: v1,<base64>` over `{id}.{timestamp}.{body}`), so the specification's own
library, standardwebhooks 1.1.0, signs.
"""

import datetime
import json
import uuid

from standardwebhooks.webhooks import Webhook

from replicate.webhook import WebhookSigningSecret, WebhookValidationError, Webhooks

SECRET = "whsec_5WbX5kEWLlfzsGNjH64I8lOOqUB6e8FH"
BODY = json.dumps(
    {"id": "ufawqhfynnddngldkgtslldrkq", "model": "replicate/hello-world",
     "version": "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa",
     "input": {"text": "Alice"}, "logs": "", "output": "hello Alice", "error": None, "status": "succeeded",
     "created_at": "2023-11-14T22:13:20.000000Z", "urls": {}}
)


def sign(secret, body, url, now):
    webhook_id = f"msg_{uuid.uuid4().hex}"
    at = datetime.datetime.fromtimestamp(now, tz=datetime.timezone.utc)
    signature = Webhook(secret).sign(webhook_id, at, body.decode())
    return {"webhook-id": webhook_id, "webhook-timestamp": str(now), "webhook-signature": signature}


def verify(secret, body, url, headers):
    try:
        Webhooks.validate(headers=headers, body=body.decode(), secret=WebhookSigningSecret(key=secret), tolerance=300)
    except WebhookValidationError:
        return False
    return True
