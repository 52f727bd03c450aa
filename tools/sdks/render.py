"""Render signs with Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`),
and its example receivers verify with the specification's own library, standardwebhooks."""

import datetime
import json
import uuid

from standardwebhooks.webhooks import Webhook

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
BODY = json.dumps(
    {
        "type": "deploy_ended",
        "timestamp": "2023-11-14T22:13:20.000Z",
        "data": {"id": "evj-cq7kvs2j1k6c73b8cbi0", "serviceId": "srv-cq7kv82j1k6c73b8c9tg"},
    },
    separators=(",", ":"),
)


def sign(secret, body, url, now):
    msg = "msg_" + uuid.uuid4().hex
    at = datetime.datetime.fromtimestamp(now, tz=datetime.timezone.utc)
    return {"webhook-id": msg, "webhook-timestamp": str(now), "webhook-signature": Webhook(secret).sign(msg, at, body.decode())}


def verify(secret, body, url, headers):
    Webhook(secret).verify(body.decode(), headers)
    return True
