"""ElevenLabs, with elevenlabs 2.78.0: `ElevenLabs().webhooks.construct_event` verifies.

The SDK only verifies, so sign follows its code: `ElevenLabs-Signature: t=<unix>,v0=<hex>`,
HMAC-SHA256 of `{t}.{body}` with the webhook secret as UTF-8.
"""

import hashlib
import hmac
import json

from elevenlabs import ElevenLabs
from elevenlabs.errors import BadRequestError

# The client loads its parts when first asked for them: asked here, while it can.
WEBHOOKS = ElevenLabs(api_key="unused").webhooks

SECRET = "wsec_3b7d1f0e9a2c4e6b8d0f1a3c5e7b9d2f"
BODY = json.dumps(
    {"type": "post_call_transcription", "event_timestamp": 1739537297,
     "data": {"agent_id": "xyz", "conversation_id": "abc", "status": "done"}},
    separators=(",", ":"),
)


def sign(secret, body, url, now):
    digest = hmac.new(secret.encode(), f"{now}.".encode() + body, hashlib.sha256).hexdigest()
    return {"ElevenLabs-Signature": f"t={now},v0={digest}"}


def verify(secret, body, url, headers):
    try:
        WEBHOOKS.construct_event(body.decode(), headers.get("elevenlabs-signature", ""), secret)
    except BadRequestError:
        return False
    return True
