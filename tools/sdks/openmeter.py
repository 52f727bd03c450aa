"""OpenMeter, whose notifications Svix sends: its docs verify them with svix's Webhook
(tools/requirements.txt), which signs them too."""

from support.svix_library import sign, verify  # noqa: F401 (this case's sign and verify)

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
BODY = '{"id":"01J9Z3XK8Q6T2V4W5Y7A8B9C0D","type":"entitlements.balance.threshold","timestamp":"2025-06-01T12:00:00Z","data":{"subject":{"key":"customer-1"},"feature":{"key":"api_requests"},"threshold":{"type":"PERCENT","value":80},"value":{"balance":200,"usage":800}}}'
