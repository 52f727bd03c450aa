"""Recall.ai, with svix (tools/requirements.txt), the library Recall.ai's docs recommend verifying
its webhooks with: Webhook(secret).verify over the webhook-* headers; signing uses the same
library's Webhook.sign, under the webhook-* names Recall.ai sends."""

from support.svix_library import sign_webhook_names as sign, verify  # noqa: F401 (this case's sign and verify)

SECRET = "whsec_cmVjYWxsLWFpLXRlc3Qtd29ya3NwYWNlLXNlY3JldA=="
BODY = '{"event": "bot.done", "data": {"data": {"code": "done", "sub_code": null, "updated_at": "2024-11-15T21:12:01.000000Z"}, "bot": {"id": "8f4c2a1e-5b7d-4e3a-9c6f-2d1b0a9e8c7f", "metadata": {}}}}'
