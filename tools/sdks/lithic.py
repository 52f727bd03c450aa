"""Lithic, with lithic's webhooks.verify_signature (Standard Webhooks, whsec_ secret). The SDK only
verifies; sign uses standardwebhooks, the library lithic's verify_signature calls."""

import importlib
from standardwebhooks.webhooks import WebhookVerificationError

from support import standard_webhooks

SECRET = "whsec_zlFsbBZ8Xcodlpcu6NDTdSzZRLSdhkst"
BODY = '{"event_type":"card.created","card_token":"ba6f1a6b-6f0f-4bd4-8a3c-6b9a2c8e5d41"}'


def sign(secret, body, url, now):
    return standard_webhooks(secret, body, now)


def verify(secret, body, url, headers):
    try:
        importlib.import_module("lithic").Lithic(api_key="test").webhooks.verify_signature(body.decode(), headers, secret=secret)
        return True
    except WebhookVerificationError:
        return False
