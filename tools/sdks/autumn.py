"""Autumn, whose webhooks Svix sends: its docs verify them with svix's Webhook (tools/requirements.txt),
which signs them too."""

from support.svix_library import sign, verify  # noqa: F401 (this case's sign and verify)

SECRET = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
BODY = '{"type":"customer.products.updated","data":{"scenario":"upgrade","customer":{"id":"user_123","name":"Jane Doe","email":"jane@example.com"},"updated_product":{"id":"pro","name":"Pro"}}}'
