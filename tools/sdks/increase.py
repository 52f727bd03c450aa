"""Increase, with increase's events.unwrap: Standard Webhooks headers, HMAC-SHA256 keyed with the
secret's UTF-8 bytes (unwrap passes the client's webhook secret to standardwebhooks as bytes). The
SDK only verifies; sign uses standardwebhooks with the same bytes."""

import importlib
from standardwebhooks.webhooks import WebhookVerificationError

from support import standard_webhooks

SECRET = "increase_webhook_secret_4f2a"
BODY = '{"associated_object_id":"account_in71c4amph0vgo2qllky","associated_object_type":"account","category":"account.created","created_at":"2020-01-31T23:59:59Z","id":"event_001dzz0r20rzr4zrhrr1364hy80","type":"event"}'


def sign(secret, body, url, now):
    return standard_webhooks(secret.encode(), body, now)


def verify(secret, body, url, headers):
    try:
        importlib.import_module("increase").Increase(api_key="test", webhook_secret=secret).events.unwrap(body.decode(), headers=headers)
        return True
    except WebhookVerificationError:
        return False
