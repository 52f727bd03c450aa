"""incident.io's webhooks are sent by Svix under the `webhook-` header names; its docs tell
receivers to verify them with Svix's libraries, whose verify accepts either family of names."""

import json

from support.svix_library import sign_webhook_names as sign, verify  # noqa: F401 (this case's sign and verify)

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
