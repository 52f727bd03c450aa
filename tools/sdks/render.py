"""Render signs with Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`),
and its example receivers verify with the specification's own library, standardwebhooks."""

import json

from support.standard_library import sign, verify  # noqa: F401 (this case's sign and verify)

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
BODY = json.dumps(
    {
        "type": "deploy_ended",
        "timestamp": "2023-11-14T22:13:20.000Z",
        "data": {"id": "evj-cq7kvs2j1k6c73b8cbi0", "serviceId": "srv-cq7kv82j1k6c73b8c9tg"},
    },
    separators=(",", ":"),
)
