"""Sohar Health sends its webhooks through Svix, and its docs verify them with the Svix SDK:
svix 2.9.1's Webhook signs and verifies (`svix-id`, `svix-timestamp`, `svix-signature`)."""

import datetime
import json
import uuid

from svix.webhooks import Webhook, WebhookVerificationError

SECRET = "whsec_ZGCn1S6BxcHRFvqVTeSMfUEAJYQa0Gmt"
BODY = json.dumps(
    {"verificationId": "3b0f2b7e-9d7c-4c55-8a1e-6f0e8e1c2d4a", "id": "patient-1234", "status": "complete"},
    separators=(",", ":"),
)


def sign(secret, body, url, now):
    msg = "msg_" + uuid.uuid4().hex
    at = datetime.datetime.fromtimestamp(now, tz=datetime.timezone.utc)
    return {"svix-id": msg, "svix-timestamp": str(now), "svix-signature": Webhook(secret).sign(msg, at, body.decode())}


def verify(secret, body, url, headers):
    try:
        Webhook(secret).verify(body.decode(), headers)
    except WebhookVerificationError:
        return False
    return True
