"""BoldSign, with boldsign's WebhookUtility: signed by its _generate_hmac_signature, verified by its
signature check."""

from boldsign import webhook_utility
WebhookUtility = webhook_utility.WebhookUtility

SECRET = "boldsign-webhook-secret-key-0b5e"
BODY = '{"event":{"id":"a9f4e7f2-8c1b-4d2e-9f3a-6b7c8d9e0f12","created":1700000000,"eventType":"Completed","clientId":null,"environment":"Test"},"data":{"object":"document","documentId":"0c7f4d3e-2b1a-4c5d-8e9f-a0b1c2d3e4f5","messageTitle":"NDA","status":"Completed","senderDetail":{"name":"Alex Gayle","emailAddress":"alexgayle@cubeflakes.com"}}}'


def sign(secret, body, url, now):
    signature = WebhookUtility._generate_hmac_signature(secret, body.decode(), str(now))
    return {"X-BoldSign-Signature": f"t={now}, s0={signature}", "X-BoldSign-Event": "Completed"}


def verify(secret, body, url, headers):
    header = headers["x-boldsign-signature"]
    sent = int(WebhookUtility._parse_boldsign_signature(header)["t"][0])
    # The check's clock is the signed time, so only the signature counts.
    try:
        WebhookUtility._validate_signature(body.decode(), header, secret, WebhookUtility.DEFAULT_TIME_TOLERANCE, sent)
    except webhook_utility.BoldSignSignatureException:
        return False
    return True
