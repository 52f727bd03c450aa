"""LINE: line-bot-sdk's SignatureValidator verifies; it only verifies, so signing follows its code
(base64 HMAC-SHA256 of the body with the channel secret)."""

import base64
import hashlib
import hmac

from linebot.v3.webhook import SignatureValidator

SECRET = "8cbd5e1b0f9a4ac7b8d0a3e6f2c41d57"
BODY = '{"destination":"U0123456789abcdef0123456789abcdef","events":[{"type":"message","message":{"type":"text","id":"468789577898262530","quoteToken":"q3Plxr4AgKd","text":"Hello, world"},"webhookEventId":"01H810YECXQQZ37VAXPF6H9E6T","deliveryContext":{"isRedelivery":false},"timestamp":1692251666727,"source":{"type":"user","userId":"U4af4980629abcdef0123456789abcdef"},"replyToken":"38ef843bde154d9b91c21320ffd17a0f","mode":"active"}]}'


def sign(secret, body, url, now):
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return {"X-Line-Signature": base64.b64encode(digest).decode()}


def verify(secret, body, url, headers):
    return SignatureValidator(secret).validate(body.decode(), headers["x-line-signature"])
