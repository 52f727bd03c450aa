"""Mailtrap: mailtrap's webhooks.verify_signature verifies (hex HMAC-SHA256 of the raw body in
Mailtrap-Signature); it only verifies, so signing follows its code."""

import contextlib
import hashlib
import hmac
import importlib
import pathlib
import sys

SECRET = "mailtrap-webhook-signing-secret"
BODY = '{"events":[{"event":"delivery","message_id":"1df37d17-0286-4d8b-8edf-bc4ec5be86e6","sending_stream":"transactional","email":"receiver@example.com","timestamp":1700000000,"event_id":"bede7236-2284-43d6-a953-1fdcafd0fdbc"}]}'


@contextlib.contextmanager
def sdk():
    """mailtrap.webhooks, which this module's name hides while tools/sdks/ is on the path: the
    package stands under its name while in use."""
    here = pathlib.Path(__file__).resolve().parent
    path, mine = sys.path[:], sys.modules.pop("mailtrap", None)
    sys.path[:] = [entry for entry in path if pathlib.Path(entry or ".").resolve() != here]
    try:
        yield importlib.import_module("mailtrap.webhooks")
    finally:
        sys.path[:] = path
        if mine is not None:
            sys.modules["mailtrap"] = mine


def sign(secret, body, url, now):
    return {"Mailtrap-Signature": hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}


def verify(secret, body, url, headers):
    with sdk() as webhooks:
        return webhooks.verify_signature(body, headers["mailtrap-signature"], secret)
