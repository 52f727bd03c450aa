"""Autumn, whose webhooks Svix sends: its docs verify them with svix's Webhook (svix is pinned in
tools/sdks/requirements-commerce.txt), which signs them too."""

import datetime
import uuid

from svix.webhooks import Webhook, WebhookVerificationError

SECRET = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
BODY = '{"type":"customer.products.updated","data":{"scenario":"upgrade","customer":{"id":"user_123","name":"Jane Doe","email":"jane@example.com"},"updated_product":{"id":"pro","name":"Pro"}}}'


def sign(secret, body, url, now):
    msg_id = "msg_" + uuid.uuid4().hex
    at = datetime.datetime.fromtimestamp(now, tz=datetime.timezone.utc)
    signature = Webhook(secret).sign(msg_id, at, body.decode())
    return {"svix-id": msg_id, "svix-timestamp": str(now), "svix-signature": signature}


def verify(secret, body, url, headers):
    try:
        Webhook(secret).verify(body, headers)
    except WebhookVerificationError:
        return False
    return True
