"""What the provider modules of tools/sdks/ share: the Standard Webhooks headers of a body, signed
with the specification's own library, which the SDKs of several providers verify with."""

import datetime
import uuid


def standard_webhooks(key, body, now):
    """The Standard Webhooks headers of `body` at `now`, signed with standardwebhooks, the library the
    SDKs verify with: `key` is a whsec_ secret, or the key's bytes."""
    from standardwebhooks.webhooks import Webhook

    msg = "msg_" + uuid.uuid4().hex
    at = datetime.datetime.fromtimestamp(now, tz=datetime.timezone.utc)
    return {"webhook-id": msg, "webhook-timestamp": str(now), "webhook-signature": Webhook(key).sign(msg, at, body.decode())}
