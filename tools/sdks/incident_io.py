"""incident.io's webhooks are sent by Svix under the `webhook-` header names; its docs tell
receivers to verify them with Svix's libraries, whose verify accepts either family of names."""

import datetime
import json
import uuid

from svix.webhooks import Webhook

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
BODY = json.dumps(
    {
        "event_type": "public_incident.incident_created_v2",
        "public_incident.incident_created_v2": {
            "id": "01FDAG4SAP5TYPT98WGR2N7W91",
            "name": "Our database is sad",
            "reference": "INC-123",
        },
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
