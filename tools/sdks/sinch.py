"""Sinch (Conversation API), with sinch 2.3.0: `ConversationSinchEvent.validate_authentication_header` verifies.

The SDK only verifies, so signing follows its code: HMAC-SHA256 of `{body}.{nonce}.{timestamp}`
with the secret as UTF-8, base64, in `x-sinch-webhook-signature`, with the nonce and timestamp
headers.
"""

import base64
import hashlib
import hmac
import json
import uuid

from sinch.domains.conversation.sinch_events.v1.conversation_sinch_event import ConversationSinchEvent

SECRET = "sinch-conversation-webhook-secret"
BODY = json.dumps(
    {"app_id": "01EB37HMH1M6SV18ASNS3G135H", "accepted_time": "2020-10-02T15:30:12.245Z",
     "event_time": "2020-10-02T15:30:11.902Z", "project_id": "c36f3d3d-1523-4edd-ae42-11995557ff61",
     "message": {"id": "01EKJ0TKFVDWQRG33N9QDCQTS7", "direction": "TO_APP",
                 "contact_message": {"text_message": {"text": "Hello"}},
                 "channel_identity": {"channel": "SMS", "identity": "46732001122", "app_id": ""},
                 "conversation_id": "01EKJ0TKEK8Z8JCP8P6QHVA3VZ", "contact_id": "01EKA07N79THJ20WSN6AS30TMW",
                 "metadata": "", "accept_time": "2020-10-02T15:30:12.234Z"},
     "correlation_id": ""}
)


def sign(secret, body, url, now):
    nonce = uuid.uuid4().hex
    signed = f"{body.decode()}.{nonce}.{now}".encode()
    signature = base64.b64encode(hmac.new(secret.encode(), signed, hashlib.sha256).digest()).decode()
    return {
        "x-sinch-webhook-signature": signature,
        "x-sinch-webhook-signature-nonce": nonce,
        "x-sinch-webhook-signature-timestamp": str(now),
    }


def verify(secret, body, url, headers):
    return ConversationSinchEvent(callback_secret=secret).validate_authentication_header(headers, body)
