"""Razorpay, with razorpay's Utility.verify_webhook_signature. The SDK only verifies; sign follows
its code: the hex HMAC-SHA256 of the body with the webhook secret, in X-Razorpay-Signature."""

import importlib
import hashlib
import hmac
import uuid


SECRET = "rzp_webhook_secret_2Kd8"
BODY = '{"entity":"event","account_id":"acc_BFQ7uQEaa7j2z7","event":"payment.captured","contains":["payment"],"payload":{"payment":{"entity":{"id":"pay_DESlfW9H8K9uqM","entity":"payment","amount":100,"currency":"INR","status":"captured"}}},"created_at":1567674606}'


def sign(secret, body, url, now):
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Razorpay-Signature": signature, "X-Razorpay-Event-Id": "Ll" + uuid.uuid4().hex[:12]}


def verify(secret, body, url, headers):
    razorpay = importlib.import_module("razorpay")
    client = razorpay.Client(auth=("rzp_test_key", "rzp_test_secret"))
    try:
        return client.utility.verify_webhook_signature(body.decode(), headers["x-razorpay-signature"], secret)
    except razorpay.errors.SignatureVerificationError:
        return False
