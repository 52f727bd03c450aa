"""EasyPost, with easypost 10.7.0: `easypost.util.validate_webhook` verifies.

The SDK only verifies, so sign follows its code: `X-Hmac-Signature: hmac-sha256-hex=<hex>`, HMAC-SHA256
of the raw body with the webhook secret, NFKD-normalised, as UTF-8.
"""

import hashlib
import hmac
import json
import unicodedata

from easypost.errors import SignatureVerificationError
from easypost.util import validate_webhook

SECRET = "easypost-webhook-secret"
BODY = json.dumps(
    {
        "object": "Event",
        "id": "evt_3c3b5ad2d4de11ec9f1e6b2d6b64b1c3",
        "mode": "test",
        "description": "tracker.updated",
        "result": {"object": "Tracker", "id": "trk_c8e0edb5bb284caa934a0d3db23a148a", "status": "in_transit"},
        "status": "pending",
    }
)


def sign(secret, body, url, now):
    key = unicodedata.normalize("NFKD", secret).encode()
    return {"X-Hmac-Signature": "hmac-sha256-hex=" + hmac.new(key, body, hashlib.sha256).hexdigest()}


def verify(secret, body, url, headers):
    # The SDK reads the header as EasyPost writes it.
    try:
        validate_webhook(body, {"X-Hmac-Signature": headers.get("x-hmac-signature")}, secret)
    except SignatureVerificationError:
        return False
    return True
