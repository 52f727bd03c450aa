"""Coinbase Commerce, with its official SDK coinbase-commerce (tools/sdks/requirements-commerce.txt).

The SDK only verifies (coinbase_commerce.webhook.WebhookSignature.verify_sig_header); signing
follows its code: the hex HMAC-SHA256 of the body with the shared secret.
"""

import hashlib
import hmac

from coinbase_commerce.error import SignatureVerificationError
from coinbase_commerce.webhook import WebhookSignature

SECRET = "c0inbase-commerce-shared-secret-7d2e"
BODY = '{"attempt_number":1,"event":{"api_version":"2018-03-22","created_at":"2025-06-01T12:00:00Z","data":{"code":"66BEOV2A","name":"The Sovereign Individual","pricing_type":"fixed_price"},"id":"24934862-d980-46cb-9402-43c81b0cdba6","resource":"event","type":"charge:confirmed"},"id":"f6a5a3c5-b2b2-4fa8-8ac5-0ab0f0a8f7a1","scheduled_for":"2025-06-01T12:00:00Z"}'


def sign(secret, body, url, now):
    return {"X-CC-Webhook-Signature": hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}


def verify(secret, body, url, headers):
    try:
        WebhookSignature.verify_sig_header(body.decode(), headers.get("x-cc-webhook-signature", ""), secret)
    except SignatureVerificationError:
        return False
    return True
