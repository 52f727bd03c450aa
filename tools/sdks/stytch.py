"""Stytch, whose docs tell receivers to verify with Svix's library: svix's Webhook signs and verifies."""

import datetime

from svix.webhooks import Webhook

SECRET = "whsec_c3R5dGNoLXRlc3Qtc2lnbmluZy1zZWNyZXQtMDE="
BODY = '{"action":"CREATE","event_id":"webhook-event-test-00000000-0000-0000-0000-000000000000","id":"user-test-00000000-0000-0000-0000-000000000000","object_type":"user","project_id":"project-test-00000000-0000-0000-0000-000000000000","source":"DIRECT","timestamp":"2024-11-21T06:47:49.555247073Z","vertical":"CONSUMER"}'


def sign(secret, body, url, now):
    msg = "msg_2pQZ4hT8x9yVQ3u7bK1cN5mRtWs"
    at = datetime.datetime.fromtimestamp(now, tz=datetime.timezone.utc)
    return {"svix-id": msg, "svix-timestamp": str(now), "svix-signature": Webhook(secret).sign(msg, at, body.decode())}


def verify(secret, body, url, headers):
    Webhook(secret).verify(body.decode(), headers)
    return True
