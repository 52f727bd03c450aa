"""Emailit: emailit's WebhookSignature signs (compute_signature) and verifies (verify): hex
HMAC-SHA256 of "{timestamp}.{body}" in X-Emailit-Signature, the timestamp in X-Emailit-Timestamp."""

import emailit

SECRET = "emailit-webhook-signing-secret"
BODY = '{"event_id":"evt_2bH7kNwP5mQaV1sXgIdKe6pZr","type":"email.delivered","data":{"object":{"id":"em_4yM2nTvR8oPcX3uZiKeLg7sB","object":"email","from":"hello@example.com","to":["alice@example.com"],"subject":"Welcome","status":"delivered"}}}'


def sign(secret, body, url, now):
    signature = emailit.WebhookSignature.compute_signature(body.decode(), str(now), secret)
    return {"X-Emailit-Signature": signature, "X-Emailit-Timestamp": str(now)}


def verify(secret, body, url, headers):
    try:
        emailit.WebhookSignature.verify(body.decode(), headers["x-emailit-signature"], headers["x-emailit-timestamp"], secret)
    except emailit.ApiErrorException:
        return False
    return True
