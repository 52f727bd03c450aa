"""Sohar Health sends its webhooks through Svix, and its docs verify them with the Svix SDK:
svix 2.9.1's Webhook signs and verifies (`svix-id`, `svix-timestamp`, `svix-signature`)."""

import json

from support.svix_library import sign, verify  # noqa: F401 (this case's sign and verify)

SECRET = "whsec_ZGCn1S6BxcHRFvqVTeSMfUEAJYQa0Gmt"
BODY = json.dumps(
    {"verificationId": "3b0f2b7e-9d7c-4c55-8a1e-6f0e8e1c2d4a", "id": "patient-1234", "status": "complete"},
    separators=(",", ":"),
)
