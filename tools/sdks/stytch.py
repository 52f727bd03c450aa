"""Stytch, whose docs tell receivers to verify with Svix's library: svix's Webhook signs and verifies."""

from support.svix_library import sign, verify  # noqa: F401 (this case's sign and verify)

SECRET = "whsec_c3R5dGNoLXRlc3Qtc2lnbmluZy1zZWNyZXQtMDE="
BODY = '{"action":"CREATE","event_id":"webhook-event-test-00000000-0000-0000-0000-000000000000","id":"user-test-00000000-0000-0000-0000-000000000000","object_type":"user","project_id":"project-test-00000000-0000-0000-0000-000000000000","source":"DIRECT","timestamp":"2024-11-21T06:47:49.555247073Z","vertical":"CONSUMER"}'
