"""Mailtrap: mailtrap's webhooks.verify_signature verifies (hex HMAC-SHA256 of the raw body in
Mailtrap-Signature); it only verifies, so signing follows its code."""

import hashlib
import hmac

from mailtrap import webhooks

SECRET = "mailtrap-webhook-signing-secret"
BODY = '{"events":[{"event":"delivery","message_id":"1df37d17-0286-4d8b-8edf-bc4ec5be86e6","sending_stream":"transactional","email":"receiver@example.com","timestamp":1700000000,"event_id":"bede7236-2284-43d6-a953-1fdcafd0fdbc"}]}'


def sign(secret, body, url, now):
    return {"Mailtrap-Signature": hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}


def verify(secret, body, url, headers):
    return webhooks.verify_signature(body, headers["mailtrap-signature"], secret)
