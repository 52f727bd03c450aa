"""Stack Auth, with svix (tools/requirements.txt), the library Stack Auth's docs verify its webhooks
with: Webhook(secret).verify over the svix-* headers; signing uses the same library's Webhook.sign."""

from support.svix_library import sign, verify  # noqa: F401 (this case's sign and verify)

SECRET = "whsec_c3RhY2stYXV0aC10ZXN0LXNpZ25pbmctc2VjcmV0"
BODY = '{"type": "team.created", "data": {"id": "2209422a-eef7-4668-967d-be79409972c5", "display_name": "My Team"}}'
