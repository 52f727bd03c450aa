"""Retell AI, with retell-sdk 6.2.13: its webhook_auth signs, and `Retell().verify` verifies.

`x-retell-signature: v=<unix ms>,d=<hex>`, HMAC-SHA256 of the body followed by the timestamp, with
the API key as the secret.
"""

import json

from retell import Retell
from retell.lib.webhook_auth import symmetric

SECRET = "key_5f7a8b9c0d1e2f3a4b5c6d7e8f90"
BODY = json.dumps(
    {"event": "call_ended", "call": {"call_type": "phone_call", "call_id": "Jabr9TXYYJHfvl6Syypi88rdAHYHmcq6",
     "agent_id": "oBeDLoLOeuAbiuaMFXRtDOLriTJ5tSxD", "call_status": "ended", "start_timestamp": 1714608475945,
     "end_timestamp": 1714608491736, "disconnection_reason": "user_hangup"}},
    separators=(",", ":"),
)


def sign(secret, body, url, now):
    return {"x-retell-signature": symmetric["sign"](body.decode(), secret, now * 1000)}


def verify(secret, body, url, headers):
    return bool(Retell(api_key=secret).verify(body.decode(), secret, headers.get("x-retell-signature", "")))
