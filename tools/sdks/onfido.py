"""Onfido, with onfido-python's WebhookEventVerifier. The SDK only verifies: sign follows its code."""

import hashlib
import hmac

from onfido import webhook_event_verifier as verifier

SECRET = "_ABC123abc123ABC123abc123ABC123_"
BODY = '{"payload":{"resource_type":"check","action":"check.completed","object":{"id":"b0b96d2b-7cb5-4a1f-9bd2-a0f1b4b5b5e1","status":"complete","completed_at_iso8601":"2024-01-15T10:00:00Z","href":"https://api.onfido.com/v3.6/checks/b0b96d2b-7cb5-4a1f-9bd2-a0f1b4b5b5e1"}}}'


def sign(secret, body, url, now):
    return {"X-SHA2-Signature": hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}


def verify(secret, body, url, headers):
    try:
        verifier.WebhookEventVerifier(secret).read_payload(body.decode(), headers["x-sha2-signature"])
    except verifier.OnfidoInvalidSignatureError:
        return False
    return True
