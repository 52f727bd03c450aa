"""Whop, with whop-sdk's lib.verify_webhook.unwrap: Standard Webhooks headers, HMAC-SHA256 keyed with
the secret's UTF-8 bytes (unwrap base64-encodes the ws_ secret for standardwebhooks). The SDK only
verifies; sign uses standardwebhooks with the same bytes."""

from standardwebhooks.webhooks import WebhookVerificationError
from whop_sdk.lib.verify_webhook import unwrap

from support import standard_webhooks

SECRET = "ws_4f1c9e2a7b3d5f608e1a2c4b6d8f0e3a"
BODY = '{"id":"msg_2wtPQ3rVyp7n4nG1","api_version":"v1","timestamp":"2025-01-01T00:00:00.000Z","type":"payment.succeeded","company_id":"biz_xxxxxxxxxxxxxx","data":{"id":"pay_xxxxxxxxxxxxxx","status":"paid","total":10.0,"currency":"usd"}}'


def sign(secret, body, url, now):
    return standard_webhooks(secret.encode(), body, now)


def verify(secret, body, url, headers):
    try:
        unwrap(body, headers=headers, key=secret)
        return True
    except WebhookVerificationError:
        return False
