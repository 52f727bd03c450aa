"""A module's `sign` and `verify` for a provider whose documentation tells receivers to verify with
the svix library (tools/requirements.txt): `from support.svix_library import sign, verify`, or
`sign_webhook_names` where the provider sends the `webhook-*` header names (svix verifies either)."""

from support import headers, verified


def sign(secret, body, url, now):
    """The `svix-*` headers of `body` at `now`, signed with svix's Webhook and the whsec_ secret."""
    from svix.webhooks import Webhook

    return headers(Webhook(secret), body, now, names="svix")


def sign_webhook_names(secret, body, url, now):
    """The same signature under the `webhook-*` names."""
    from svix.webhooks import Webhook

    return headers(Webhook(secret), body, now)


def verify(secret, body, url, request_headers):
    """Whether svix's Webhook.verify accepts `body` under the headers."""
    from svix.webhooks import Webhook

    return verified(Webhook(secret), body, request_headers)
