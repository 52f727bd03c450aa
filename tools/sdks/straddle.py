"""Straddle, with svix (tools/requirements.txt), the library Straddle's docs verify its webhooks with:
Webhook(secret).verify over the svix-* headers; signing uses the same library's Webhook.sign."""

from support.svix_library import sign, verify  # noqa: F401 (this case's sign and verify)

SECRET = "whsec_3kR8vQ2mZx7LpN4tW9yB6cF1hJ5gD0sA"
BODY = '{"event_type":"charge.created.v1","event_id":"1b9e3f2a-6c4d-4e8b-9a7f-2d5c8e1f4a6b","account_id":"7c2e9a1b-3d5f-4a8c-b6e2-9f1d4c7a3e5b","data":{"id":"0f6a2c8e-4b1d-4e7a-9c3f-5d8b2e6a1c4f","amount":10000,"currency":"USD","description":"Monthly subscription","external_id":"order_1001","paykey":"758c519d.02.c16f8a7b3e1d4f6a9c2e5b8d1f4a7c0e3b6d9f2a5c8e1b4d7f0a3c6e9b2d5f8a1","payment_date":"2025-06-02","status":"created","created_at":"2025-06-01T12:00:00Z","updated_at":"2025-06-01T12:00:00Z"}}'
