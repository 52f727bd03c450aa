"""WorkOS, with workos's Webhooks.verify_header. The SDK only verifies: sign follows its code."""

import hashlib
import hmac
from unittest import mock

from workos.webhooks._resource import Webhooks

SECRET = "workos_webhook_secret_7Hc2"
BODY = '{"id":"event_01FKJ843CVE8F7BXQSPFH0M53V","event":"dsync.user.created","data":{"id":"directory_user_01E1X1B89NH8Z3SDFJR4H7RGX7","object":"directory_user","directory_id":"directory_01ECAZ4NV9QMV47GW873HDCX74","state":"active"},"created_at":"2021-06-25T19:07:33.155Z"}'


def sign(secret, body, url, now):
    t = str(now * 1000)
    digest = hmac.new(secret.encode(), f"{t}.{body.decode()}".encode(), hashlib.sha256).hexdigest()
    return {"WorkOS-Signature": f"t={t}, v1={digest}"}


def verify(secret, body, url, headers):
    # verify_header reads the clock: it is pinned to the signed time, so only the signature counts.
    t = int(headers["workos-signature"].split(",")[0].strip()[2:]) / 1000
    with mock.patch("time.time", return_value=t):
        try:
            Webhooks(client=None).verify_header(event_body=body, event_signature=headers["workos-signature"], secret=secret, tolerance=180)
        except ValueError:
            return False
    return True
