"""Codat, with svix 2.9.1: Codat's docs tell users to verify its webhooks with Svix's library.

`svix.webhooks.Webhook.sign` signs and `Webhook.verify` verifies, under the `svix-` header names.
"""

import json

from support.svix_library import sign, verify  # noqa: F401 (this case's sign and verify)

SECRET = "whsec_Y29kYXQtdGVzdC1zaWduaW5nLXNlY3JldCE="
BODY = json.dumps(
    {"id": "bae71d36-ff47-420a-b4a6-f8c9ddf41140", "eventType": "company.created",
     "generatedDate": "2024-09-29T20:26:10.344522Z",
     "payload": {"id": "0498e921-9b53-4396-a412-4f2f5983b0a2", "name": "Toft stores",
                 "description": "Online retailer", "redirect": "https://link.codat.io/company/0498e921-9b53-4396-a412-4f2f5983b0a2",
                 "created": "2024-09-29T20:26:10Z", "createdByUserName": "Codat", "tags": {}}}
)
