"""OpenMeter delivers its notifications through Svix, and its docs verify them with the Svix
library: svix 2.9.1's Webhook signs and verifies (`svix-id`, `svix-timestamp`, `svix-signature`)."""

import datetime
import json
import uuid

from svix.webhooks import Webhook, WebhookVerificationError

SECRET = "whsec_Q2hhbmdlTWVPcGVuTWV0ZXJUZXN0S2V5MDE="
BODY = json.dumps(
    {
        "id": "01J5WM7ZQ3F1B4H8G6N2R5T9VX",
        "type": "entitlements.balance.threshold",
        "data": {
            "entitlement": {"id": "01J5WM25BAXSCBKG2D9NDYJB6S", "featureKey": "llm_tokens", "subjectKey": "notification-test-2"},
            "threshold": {"type": "NUMBER", "value": 2000},
        },
    },
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
