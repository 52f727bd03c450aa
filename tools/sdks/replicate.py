"""Replicate, with replicate 1.0.7: `replicate.webhooks.validate` verifies (Standard Webhooks names).

The SDK only verifies, and verifies the Standard Webhooks rule (`webhook-id`, `webhook-timestamp`,
`webhook-signature: v1,<base64>` over `{id}.{timestamp}.{body}`), so the specification's own
library, standardwebhooks 1.1.0, signs.
"""

import json

from replicate.webhook import WebhookSigningSecret, WebhookValidationError, Webhooks
from support import standard_webhooks


SECRET = "whsec_5WbX5kEWLlfzsGNjH64I8lOOqUB6e8FH"
BODY = json.dumps(
    {"id": "ufawqhfynnddngldkgtslldrkq", "model": "replicate/hello-world",
     "version": "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa",
     "input": {"text": "Alice"}, "logs": "", "output": "hello Alice", "error": None, "status": "succeeded",
     "created_at": "2023-11-14T22:13:20.000000Z", "urls": {}}
)


def sign(secret, body, url, now):
    return standard_webhooks(secret, body, now)


def verify(secret, body, url, headers):
    try:
        Webhooks.validate(headers=headers, body=body.decode(), secret=WebhookSigningSecret(key=secret), tolerance=300)
    except WebhookValidationError:
        return False
    return True
