"""Stack Auth, with svix (tools/requirements.txt), the library Stack Auth's docs verify its webhooks
with: Webhook(secret).verify over the svix-* headers; signing uses the same library's Webhook.sign."""

from support import svix_library

SECRET = "whsec_c3RhY2stYXV0aC10ZXN0LXNpZ25pbmctc2VjcmV0"
BODY = '{"type": "team.created", "data": {"id": "2209422a-eef7-4668-967d-be79409972c5", "display_name": "My Team"}}'


def sign(secret, body, url, now):
    return svix_library.sign(secret, body, now)


def verify(secret, body, url, headers):
    return svix_library.verify(secret, body, headers)
