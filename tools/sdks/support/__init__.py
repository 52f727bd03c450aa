"""What the provider modules of tools/sdks/ share: the `{id}.{timestamp}.{body}` headers that the
Standard Webhooks library and Svix's sign, and a module's `sign`/`verify` pair for the providers
whose documentation verifies with one of those libraries rather than an SDK of their own."""

import datetime
import uuid


def headers(webhook, body, now, names="webhook"):
    """The `{names}-id`, `-timestamp` and `-signature` headers of `body` at `now`, signed by `webhook`
    (a standardwebhooks or svix `Webhook`)."""
    msg = "msg_" + uuid.uuid4().hex
    at = datetime.datetime.fromtimestamp(now, tz=datetime.timezone.utc)
    return {f"{names}-id": msg, f"{names}-timestamp": str(now), f"{names}-signature": webhook.sign(msg, at, body.decode())}


def standard_webhooks(key, body, now):
    """The Standard Webhooks headers of `body` at `now`, signed with standardwebhooks, the library the
    SDKs verify with: `key` is a whsec_ secret, or the key's bytes."""
    from standardwebhooks.webhooks import Webhook

    return headers(Webhook(key), body, now)


def verified(webhook, body, request_headers):
    """Whether `webhook` (a standardwebhooks or svix `Webhook`) accepts `body` under the headers."""
    # svix raises standardwebhooks' error (it is built on that library).
    from standardwebhooks.webhooks import WebhookVerificationError

    try:
        webhook.verify(body.decode(), request_headers)
    except (WebhookVerificationError, ValueError):
        # A malformed signature header escapes as a bare ValueError.
        return False
    return True
