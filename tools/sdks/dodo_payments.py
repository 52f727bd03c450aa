"""Dodo Payments, with dodopayments' webhooks.unwrap (Standard Webhooks, whsec_ secret). The SDK only
verifies; sign uses standardwebhooks, the library unwrap calls."""

from dodopayments import DodoPayments
from standardwebhooks.webhooks import WebhookVerificationError

from support import standard_webhooks

SECRET = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
BODY = '{"business_id":"bus_P5Hp3nSC5YnZ4wV3vD2Kz","type":"payment.succeeded","timestamp":"2025-01-01T12:00:00Z","data":{"payload_type":"Payment","payment_id":"pay_2IjeQm4hqU6RA4Z4kwDee","total_amount":1000,"currency":"USD","status":"succeeded"}}'


def sign(secret, body, url, now):
    return standard_webhooks(secret, body, now)


def verify(secret, body, url, headers):
    try:
        DodoPayments(bearer_token="test", webhook_key=secret).webhooks.unwrap(body.decode(), headers=headers)
        return True
    except WebhookVerificationError:
        return False
