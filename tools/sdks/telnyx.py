"""Telnyx: the telnyx SDK's webhooks.unwrap verifies (Ed25519 over `{timestamp}|{body}`, within
300 seconds of now); it only verifies, so signing follows its code with PyNaCl. SECRET is the
test private key (an Ed25519 seed in hex), as `hookway sign --private-key` takes it; the SDK
verifies with its public key in base64, as Telnyx's portal shows it."""

import base64
import contextlib
import importlib
from unittest import mock

import nacl.signing

SECRET = "1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100"
# The public key, in base64 as Telnyx shows it.
PUBLIC = base64.b64encode(bytes(nacl.signing.SigningKey(bytes.fromhex(SECRET)).verify_key)).decode()
BODY = '{"data":{"event_type":"message.received","id":"b301ed3f-1490-491f-995f-6e64e69674d4","occurred_at":"2023-11-14T22:13:20.000+00:00","payload":{"direction":"inbound","from":{"phone_number":"+13125550100"},"id":"84cca175-9755-4859-b67f-4730d7f58aa3","text":"Hello from Telnyx!","to":[{"phone_number":"+13125550199","status":"webhook_delivered"}],"type":"SMS"},"record_type":"event"},"meta":{"attempt":1,"delivered_to":"https://example.com/webhooks"}}'


@contextlib.contextmanager
def sdk():
    """The SDK's module, imported when first used."""
    yield importlib.import_module("telnyx")


def key(seed_hex):
    return nacl.signing.SigningKey(bytes.fromhex(seed_hex))


def sign(secret, body, url, now):
    signed = key(secret).sign(f"{now}|".encode() + body)
    return {"telnyx-signature-ed25519": base64.b64encode(signed.signature).decode(), "telnyx-timestamp": str(now)}


def verify(secret, body, url, headers, now=None):
    public = base64.b64encode(bytes(key(secret).verify_key)).decode()
    clock = mock.patch("time.time", return_value=float(now)) if now is not None else contextlib.nullcontext()
    with sdk() as telnyx, clock:
        try:
            telnyx.Telnyx(api_key="KEY_unused", public_key=public).webhooks.unwrap(body.decode(), headers=headers)
        except ValueError:
            return False
    return True
