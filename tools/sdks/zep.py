"""Zep, with svix (tools/requirements.txt), the library Zep's docs recommend verifying its webhooks
with: Webhook(secret).verify over the svix-* headers; signing uses the same library's Webhook.sign."""

from support.svix_library import sign, verify  # noqa: F401 (this case's sign and verify)

SECRET = "whsec_emVwLXRlc3Qtd2ViaG9vay1zaWduaW5nLXNlY3JldA=="
BODY = '{"event_name": "episode.processed", "account_id": "6f1c2b3a-8d4e-4f5a-9b6c-7d8e9f0a1b2c", "project_uid": "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f", "user_id": "user-1234"}'
