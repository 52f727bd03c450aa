"""Whop, with its official SDK whop-sdk (tools/sdks/requirements-commerce.txt).

The SDK only verifies (whop_sdk.lib.verify_webhook.unwrap, keyed with the secret's UTF-8 bytes);
signing follows its rule with the standardwebhooks library it uses, handed the secret
base64-encoded as the SDK does.
"""

import base64

from support import standard_webhooks


SECRET = "ws_5b2d8c1f9e7a4d3c6b0a1f2e9d8c7b6a5f4e3d2c1b0a9f8e"
BODY = '{"id":"msg_2xK9pLmQ4rT7vW1yZ3bN5cD8","api_version":"v1","timestamp":"2025-06-01T12:00:00.000Z","type":"payment.succeeded","data":{"id":"pay_Qd8sK2mL9xT4vB","status":"paid","total":25.0,"currency":"usd"}}'


def sign(secret, body, url, now):
    # The SDK keys the HMAC with the secret's own bytes: the library takes them base64-encoded.
    return standard_webhooks(base64.b64encode(secret.encode()).decode(), body, now)


def verify(secret, body, url, headers):
    from whop_sdk.lib.verify_webhook import WebhookVerificationError, unwrap

    try:
        unwrap(body, headers=headers, key=secret)
    except WebhookVerificationError:
        return False
    return True
