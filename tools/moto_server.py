"""moto_server, with one guarantee of DynamoDB that moto lacks — writes to an item apply one at a
time — and without the doors moto leaves open to the web pages a developer visits.

moto serves each request on a thread of its own, and applies an UpdateItem by reading the item,
changing it and storing it back: two concurrent `SET next = next + :interval` on one item can both
read the same value, which DynamoDB never lets happen. The worker's rate limit relies on that
atomicity (each request takes the next slot), so the local stack and the tests run moto through
this launcher, which handles one DynamoDB request at a time. Other services keep their threads:
an SQS long poll never waits behind a table.

It serves the local SDK clients and nothing else: moto's global CORS is off (moto answers any
origin's preflight otherwise, so any page could read a local SecureString or reset the stack
through /moto-api/reset), a request with an `Origin` header — which only a browser sends — is
refused, and so is one whose `Host` is not a loopback name (DNS rebinding).

Usage: the same as moto_server (`-H 127.0.0.1 -p 4566`).
"""

import os
import sys
import threading

# Read by moto.settings when moto is imported: before the imports below.
os.environ["MOTO_DISABLE_GLOBAL_CORS"] = "true"

from moto.dynamodb.responses import DynamoHandler  # noqa: E402
from moto.moto_server.werkzeug_app import DomainDispatcherApplication  # noqa: E402
from moto.server import main  # noqa: E402

_LOOPBACK = ("127.0.0.1", "localhost", "[::1]")
_dispatch = DomainDispatcherApplication.__call__


def _local_only(self, environ, start_response):
    host = environ.get("HTTP_HOST", "")
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    if environ.get("HTTP_ORIGIN") is not None or name not in _LOOPBACK:
        start_response("403 Forbidden", [("Content-Type", "text/plain")])
        return [b"moto serves this machine's AWS clients only: no browser origin, a loopback Host\n"]
    return _dispatch(self, environ, start_response)


DomainDispatcherApplication.__call__ = _local_only

_one_at_a_time = threading.Lock()
_call_action = DynamoHandler.call_action


def _serialized_call_action(self):
    with _one_at_a_time:
        return _call_action(self)


DynamoHandler.call_action = _serialized_call_action

if __name__ == "__main__":
    main(sys.argv[1:])
