"""Lithic, with lithic's webhooks.verify_signature (Standard Webhooks, whsec_ secret). The SDK only
verifies; sign uses standardwebhooks, the library lithic's verify_signature calls."""

import datetime
import uuid

from installed import package
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

SECRET = "whsec_zlFsbBZ8Xcodlpcu6NDTdSzZRLSdhkst"
BODY = '{"event_type":"card.created","card_token":"ba6f1a6b-6f0f-4bd4-8a3c-6b9a2c8e5d41"}'


def sign(secret, body, url, now):
    msg = "msg_" + uuid.uuid4().hex
    at = datetime.datetime.fromtimestamp(now, tz=datetime.timezone.utc)
    signature = Webhook(secret).sign(msg, at, body.decode())
    return {"webhook-id": msg, "webhook-timestamp": str(now), "webhook-signature": signature}


def verify(secret, body, url, headers):
    try:
        package("lithic").Lithic(api_key="test").webhooks.verify_signature(body.decode(), headers, secret=secret)
        return True
    except WebhookVerificationError:
        return False
