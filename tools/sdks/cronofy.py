"""Cronofy, with pycronofy's Client.hmac_valid. The SDK only verifies: sign follows its code."""

import base64
import hashlib
import hmac

import pycronofy

SECRET = "cronofy-client-secret-5d1e9a"
BODY = '{"notification":{"type":"change","changes_since":"2013-12-16T08:47:58Z"},"channel":{"channel_id":"chn_54cf7c7cb4ad4c1027000001","callback_url":"https://hooks.example.com/webhooks/cronofy","filters":{}}}'


def sign(secret, body, url, now):
    return {"Cronofy-HMAC-SHA256": base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()}


def verify(secret, body, url, headers):
    return pycronofy.Client(client_id="hookway", client_secret=secret).hmac_valid(headers["cronofy-hmac-sha256"], body.decode())
