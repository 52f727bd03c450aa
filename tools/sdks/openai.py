"""OpenAI, with openai 3.63.0: `OpenAI().webhooks.verify_signature` verifies (Standard Webhooks).

The SDK only verifies, and verifies the Standard Webhooks rule (`webhook-id`, `webhook-timestamp`,
`webhook-signature: v1,<base64>` over `{id}.{timestamp}.{body}`), so the specification's own
library, standardwebhooks 1.1.0, signs.
"""

import json

from openai import InvalidWebhookSignatureError, OpenAI
from support import standard_webhooks

# The client loads its resources when first asked for them: asked here, while it can.
WEBHOOKS = OpenAI(api_key="unused").webhooks


SECRET = "whsec_RdvaYFYUXuIFuEbvZHwMfYFhUf7aMYjYcmM24+Aj40c="
BODY = json.dumps(
    {"id": "evt_685343a1381c819085d44c354e1b330e", "type": "response.completed", "object": "event",
     "created_at": 1750287018, "data": {"id": "resp_abc123"}}
)


def sign(secret, body, url, now):
    return standard_webhooks(secret, body, now)


def verify(secret, body, url, headers):
    try:
        WEBHOOKS.verify_signature(body, headers, secret=secret)
    except InvalidWebhookSignatureError:
        return False
    return True
