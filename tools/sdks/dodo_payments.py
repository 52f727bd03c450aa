"""Dodo Payments, with its official SDK dodopayments (tools/sdks/requirements-commerce.txt).

The SDK only verifies (DodoPayments(...).webhooks.unwrap, with the standardwebhooks library);
signing follows it with that library's Webhook.sign.
"""

from support import standard_webhooks


SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
BODY = '{"business_id":"bus_P9Xa1cT3mK7qW2","type":"payment.succeeded","timestamp":"2025-06-01T12:00:00Z","data":{"payload_type":"Payment","payment_id":"pay_Lm4Q8nR2sT6vX0","total_amount":2999,"currency":"USD","status":"succeeded"}}'


def sign(secret, body, url, now):
    return standard_webhooks(secret, body, now)


def verify(secret, body, url, headers):
    import dodopayments
    from standardwebhooks import WebhookVerificationError

    client = dodopayments.DodoPayments(bearer_token="unused", webhook_key=secret)
    try:
        client.webhooks.unwrap(body.decode(), headers=headers, key=secret)
    except (WebhookVerificationError, ValueError):
        # standardwebhooks lets a malformed signature header escape as a bare ValueError.
        return False
    return True
