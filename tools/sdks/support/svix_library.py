"""Svix's headers, signed and verified with the svix library (tools/requirements.txt), for the
providers whose docs tell users to verify their webhooks with it."""

import datetime
import uuid


def sign(secret, body, now):
    """The svix-* headers of `body` at `now`, signed with svix's Webhook.sign and the whsec_ secret."""
    from svix.webhooks import Webhook

    msg_id = "msg_" + uuid.uuid4().hex
    at = datetime.datetime.fromtimestamp(now, tz=datetime.timezone.utc)
    return {"svix-id": msg_id, "svix-timestamp": str(now), "svix-signature": Webhook(secret).sign(msg_id, at, body.decode())}


def verify(secret, body, headers):
    """Whether svix's Webhook.verify accepts `body` under `headers`."""
    from svix.webhooks import Webhook, WebhookVerificationError

    try:
        Webhook(secret).verify(body, headers)
    except (WebhookVerificationError, ValueError):
        # A malformed signature header can escape as a bare ValueError.
        return False
    return True
