"""OpenMeter, whose notifications Svix sends: its docs verify them with svix's Webhook, as
Autumn's do, so this case signs and verifies with tools/sdks/autumn.py's functions (svix is pinned
in tools/sdks/requirements-commerce.txt)."""

import importlib.util
import pathlib

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
BODY = '{"id":"01J9Z3XK8Q6T2V4W5Y7A8B9C0D","type":"entitlements.balance.threshold","timestamp":"2025-06-01T12:00:00Z","data":{"subject":{"key":"customer-1"},"feature":{"key":"api_requests"},"threshold":{"type":"PERCENT","value":80},"value":{"balance":200,"usage":800}}}'

_spec = importlib.util.spec_from_file_location("hookway_sdk_autumn", pathlib.Path(__file__).with_name("autumn.py"))
_autumn = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_autumn)
sign = _autumn.sign
verify = _autumn.verify
