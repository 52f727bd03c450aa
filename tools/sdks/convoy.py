"""Convoy, with convoy-python 0.2.0: its `Webhook` signs and verifies.

Simple signatures, Convoy's default: `X-Convoy-Signature: <hex>`, HMAC-SHA512 of the body with the
endpoint's secret as UTF-8.
"""

import json
import pathlib
import sys

# This module's name is the SDK's: the SDK is imported with this directory out of the path, and
# this module back under its name once it has it.
_this, _path = sys.modules.pop(__name__), sys.path[:]
sys.path[:] = [entry for entry in sys.path if pathlib.Path(entry or ".").resolve() != pathlib.Path(__file__).resolve().parent]
try:
    from convoy.utils.webhook import Webhook
finally:
    sys.path[:], sys.modules[__name__] = _path, _this

SECRET = "convoy-endpoint-secret"
BODY = json.dumps({"event_type": "invoice.paid", "data": {"id": "inv_1", "amount": 1000}}, separators=(",", ":"))


def sign(secret, body, url, now):
    return {"X-Convoy-Signature": Webhook(secret, encoding="hex", hash="sha512").create_signature(body.decode())}


def verify(secret, body, url, headers):
    # It answers True, or the text of what failed.
    return Webhook(secret, encoding="hex", hash="sha512").verify_signature(body.decode(), headers.get("x-convoy-signature", "")) is True
