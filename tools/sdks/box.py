"""Box, with boxsdk (box_sdk_gen): signed by compute_webhook_signature, verified by
WebhooksManager.validate_message with the key as both its primary and its secondary key."""

import datetime
from unittest import mock

from box_sdk_gen.internal.utils import compute_webhook_signature
from box_sdk_gen.managers import webhooks
from box_sdk_gen.managers.webhooks import WebhooksManager

SECRET = "SamplePrimaryKey0123456789abcdef"
BODY = '{"type":"webhook_event","id":"eb0c4e06-751f-442c-86f8-fd5bb404dbec","created_at":"2016-07-11T10:10:32-07:00","trigger":"FILE.UPLOADED","webhook":{"id":"53","type":"webhook"},"created_by":{"type":"user","id":"2","name":"John Q. Developer","login":"johnq@dev.name"},"source":{"id":"73","type":"file","name":"test.txt"}}'


def sign(secret, body, url, now):
    at = datetime.datetime.fromtimestamp(now, tz=datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    headers = {"box-delivery-timestamp": at, "box-signature-version": "1", "box-signature-algorithm": "HmacSHA256"}
    headers["box-signature-primary"] = compute_webhook_signature(body.decode(), headers, secret)
    return {
        "BOX-DELIVERY-TIMESTAMP": at,
        "BOX-SIGNATURE-PRIMARY": headers["box-signature-primary"],
        "BOX-SIGNATURE-VERSION": "1",
        "BOX-SIGNATURE-ALGORITHM": "HmacSHA256",
    }


def verify(secret, body, url, headers):
    # validate_message reads the clock: it is pinned to the delivery time, so only the signature counts.
    sent = webhooks.date_time_to_epoch_seconds(webhooks.date_time_from_string(headers["box-delivery-timestamp"]))
    with mock.patch.object(webhooks, "get_epoch_time_in_seconds", return_value=sent):
        return WebhooksManager.validate_message(body.decode(), headers, secret, secondary_key=secret)
