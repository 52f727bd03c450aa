"""Chunkr, with svix (tools/requirements.txt), the library Chunkr's docs verify its webhooks with:
Webhook(secret).verify over the svix-* headers; signing uses the same library's Webhook.sign."""

from support import svix_library

SECRET = "whsec_Z2h1bmtyLXRlc3Qtc2VjcmV0LWtleS0zMmJ5dA=="
BODY = '{"event_type":"task.parse.updated","message":null,"status":"Starting","task_id":"5d7a2f1e-8c4b-4a9e-b3f6-1e2d9c7a0b58"}'


def sign(secret, body, url, now):
    return svix_library.sign(secret, body, now)


def verify(secret, body, url, headers):
    return svix_library.verify(secret, body, headers)
