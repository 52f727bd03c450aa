"""A module's `sign` and `verify` for a provider whose documentation tells receivers to verify with
the Standard Webhooks library (tools/requirements.txt): `from support.standard_library import sign, verify`."""

from support import standard_webhooks, verified


def sign(secret, body, url, now):
    """The `webhook-*` headers of `body` at `now`, signed with standardwebhooks and the whsec_ secret."""
    return standard_webhooks(secret, body, now)


def verify(secret, body, url, request_headers):
    """Whether standardwebhooks' Webhook.verify accepts `body` under the headers."""
    from standardwebhooks.webhooks import Webhook

    return verified(Webhook(secret), body, request_headers)
