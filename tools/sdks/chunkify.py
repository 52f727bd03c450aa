"""Chunkify, with its official SDK chunkify-sdk (tools/sdks/requirements-py2.txt).

The SDK only verifies (Chunkify(...).webhooks.unwrap, with the standardwebhooks library and the
`whsec_` secret); signing follows it with that library's Webhook.sign.
"""

import importlib

from support import standard_webhooks

SECRET = "whsec_Y2h1bmtpZnktd2ViaG9vay10ZXN0LWtleS0zMg=="
BODY = '{"id":"notf_2GxNkT7cW0fZ3jM5pS8tX1aB4e","event":"job.completed","date":"2025-06-01T12:00:42Z","data":{"files":[{"id":"file_2GxNkS4bU7eX0hK2nQ5rV8yA1d","audio_bitrate":128000,"audio_codec":"aac","created_at":"2025-06-01T12:00:41Z","duration":93,"height":1080,"job_id":"job_2GxNkQ8vR4mT7wY1zB3cD5fH9jL","mime_type":"video/mp4","path":"videos/2025/06/output.mp4","size":48211234,"storage_id":"stor_2GxNkR1aS5dV8gJ0mP3qT6wZ9c","url":"https://storage.example.com/videos/2025/06/output.mp4","video_bitrate":4000000,"video_codec":"h264","video_framerate":30.0,"width":1920}],"job":{"id":"job_2GxNkQ8vR4mT7wY1zB3cD5fH9jL","billable_time":42,"created_at":"2025-06-01T12:00:00Z","format":{"id":"mp4_h264","width":1920,"height":1080,"crf":21},"progress":100,"source_id":"src_2G6MJiNz71bHQGNzGwKx5cJwPFS","status":"completed","storage":{"id":"stor_2GxNkR1aS5dV8gJ0mP3qT6wZ9c","path":"videos/2025/06"},"transcoder":{"auto":false,"quantity":4,"type":"8vCPU"}}}}'


def sign(secret, body, url, now):
    return standard_webhooks(secret, body, now)


def verify(secret, body, url, headers):
    from standardwebhooks.webhooks import WebhookVerificationError

    client = importlib.import_module("chunkify").Chunkify(project_access_token="unused", webhook_key=secret)
    try:
        client.webhooks.unwrap(body.decode(), headers=headers)
    except (WebhookVerificationError, ValueError):
        # standardwebhooks lets a malformed signature header escape as a bare ValueError.
        return False
    return True
