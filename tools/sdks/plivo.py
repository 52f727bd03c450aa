"""Plivo: plivo's validate_v3_signature verifies (HMAC-SHA256 of the URL, its sorted query, the
sorted form parameters and the nonce); it only verifies, so signing uses its own
get_signature_v3 over its own construct_post_url."""

import contextlib
import importlib
import urllib.parse
import uuid

SECRET = "MjRlODc0ZjY3ZjNhYjA4YzU5MDk0ZDcyNzFmODk1"
BODY = "From=14155550100&MessageUUID=c3e4a8c8-5d9b-11ee-8f7e-0242ac110002&Text=Hello%2C+Plivo&To=14155550199&TotalAmount=0.00000&TotalRate=0.00000&Type=sms&Units=1"


@contextlib.contextmanager
def sdk():
    """The SDK's module, imported when first used."""
    yield importlib.import_module("plivo.utils.signature_v3")


def params(body):
    return dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))


def sign(secret, body, url, now, nonce=None):
    nonce = nonce or uuid.uuid4().hex
    with sdk() as v3:
        base = v3.construct_post_url(url, params(body)).decode()
        signature = v3.get_signature_v3(secret.encode(), base, nonce.encode()).decode()
    return {"X-Plivo-Signature-V3": signature, "X-Plivo-Signature-V3-Nonce": nonce}


def verify(secret, body, url, headers):
    with sdk() as v3:
        return v3.validate_v3_signature(
            "POST", url, headers["x-plivo-signature-v3-nonce"], secret, headers["x-plivo-signature-v3"], params(body)
        )
