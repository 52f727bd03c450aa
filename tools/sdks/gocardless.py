"""GoCardless, with gocardless-pro's webhooks.parse. The SDK only verifies; sign follows its code:
the hex HMAC-SHA256 of the body with the webhook endpoint's secret, in Webhook-Signature."""

import hashlib
import hmac

from gocardless_pro import webhooks
from gocardless_pro.errors import InvalidSignatureError

SECRET = "ElfJ-3tF9I_zutNVK2lBABQrw-BgAhkZKIlvmbgk"
BODY = '{"events":[{"id":"EV0000ED6V59V1","created_at":"2015-04-17T15:24:26.817Z","resource_type":"payments","action":"submitted","links":{"payment":"PM00008Q30R2BR"},"details":{"origin":"gocardless","cause":"payment_submitted"},"metadata":{}}],"meta":{"webhook_id":"WB00001QGR5VAM"}}'


def sign(secret, body, url, now):
    return {"Webhook-Signature": hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}


def verify(secret, body, url, headers):
    try:
        webhooks.parse(body, secret, headers["webhook-signature"])
        return True
    except InvalidSignatureError:
        return False
