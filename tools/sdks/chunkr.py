"""Chunkr, with svix (tools/requirements.txt), the library Chunkr's docs verify its webhooks with:
Webhook(secret).verify over the svix-* headers; signing uses the same library's Webhook.sign."""

from support.svix_library import sign, verify  # noqa: F401 (this case's sign and verify)

SECRET = "whsec_Z2h1bmtyLXRlc3Qtc2VjcmV0LWtleS0zMmJ5dA=="
BODY = '{"event_type":"task.parse.updated","message":null,"status":"Starting","task_id":"5d7a2f1e-8c4b-4a9e-b3f6-1e2d9c7a0b58"}'
