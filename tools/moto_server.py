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

It also keeps the request log `make cost` reads: every AWS call is counted by caller, service and
operation, exactly (`GET /_hookway/calls` answers the counts as JSON). The caller is the SDK's
application name (`app/hookway-intake` in its user agent), the service the credential scope of the
call's signature, the operation its `X-Amz-Target` (JSON protocols: SQS, DynamoDB, SSM) or, for
S3's REST protocol, its method, path and query. DynamoDB's calls also count the capacity units
they consume, from their request: a read of an item is half a unit (a whole one when strongly
consistent), a write one unit (two in a transaction), items being under 1 KB (`make cost` records
the table's largest, and its calls test checks it).

Usage: the same as moto_server (`-H 127.0.0.1 -p 4566`).
"""

import io
import json
import os
import re
import sys
import threading
from collections import Counter
from urllib.parse import parse_qs

# Read by moto.settings when moto is imported: before the imports below.
os.environ["MOTO_DISABLE_GLOBAL_CORS"] = "true"

from moto.dynamodb.responses import DynamoHandler  # noqa: E402
from moto.moto_server.werkzeug_app import DomainDispatcherApplication  # noqa: E402
from moto.server import main  # noqa: E402

_LOOPBACK = ("127.0.0.1", "localhost", "[::1]")
_dispatch = DomainDispatcherApplication.__call__


_calls = Counter()
_units = Counter()
_calls_lock = threading.Lock()
_APP = re.compile(r"\bapp/([A-Za-z0-9!#$%&'*+\-.^_`|~]+)")
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")


def _s3_operation(method, path, query):
    """The S3 operation of a path-style request (`/bucket` or `/bucket/key`)."""
    has_key = "/" in path.strip("/")
    params = parse_qs(query, keep_blank_values=True)
    if not has_key:
        if method == "GET":
            return "ListObjectsV2" if params.get("list-type") == ["2"] else "ListObjects"
        if method == "POST" and "delete" in params:
            return "DeleteObjects"
        return {"PUT": "CreateBucket", "HEAD": "HeadBucket", "DELETE": "DeleteBucket"}.get(method, method + "Bucket")
    if "uploadId" in params or "uploads" in params:
        return "MultipartUpload"
    return {"PUT": "PutObject", "GET": "GetObject", "HEAD": "HeadObject", "DELETE": "DeleteObject"}.get(
        method, method + "Object"
    )


def _capacity(operation, request):
    """The (read, write) capacity units a DynamoDB request consumes, its items being under 1 KB."""

    def read(consistent, items=1):
        return (1.0 if consistent else 0.5) * items

    if operation == "BatchGetItem":
        tables = request.get("RequestItems", {}).values()
        return sum(read(t.get("ConsistentRead"), len(t.get("Keys", []))) for t in tables), 0.0
    if operation in ("GetItem", "Query", "Scan"):
        return read(request.get("ConsistentRead")), 0.0
    if operation in ("PutItem", "UpdateItem", "DeleteItem"):
        return 0.0, 1.0
    if operation == "BatchWriteItem":
        return 0.0, float(sum(len(r) for r in request.get("RequestItems", {}).values()))
    if operation == "TransactWriteItems":
        return 0.0, 2.0 * len(request.get("TransactItems", []))
    if operation == "TransactGetItems":
        return 2.0 * len(request.get("TransactItems", [])), 0.0
    return 0.0, 0.0


def _dynamodb_request(environ):
    """The request's JSON body, left readable for moto."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    try:
        return json.loads(body or b"{}")
    except ValueError:
        return {}


def _count(environ):
    scope = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    if scope is None:
        return
    service = scope.group(1)
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        operation = target.rsplit(".", 1)[-1]
    elif service == "s3":
        operation = _s3_operation(environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""))
    else:
        operation = parse_qs(environ.get("QUERY_STRING", "")).get("Action", ["?"])[0]
    agent = environ.get("HTTP_X_AMZ_USER_AGENT", "") + " " + environ.get("HTTP_USER_AGENT", "")
    app = _APP.search(agent)
    key = (app.group(1) if app else "other", service, operation)
    reads, writes = _capacity(operation, _dynamodb_request(environ)) if service == "dynamodb" else (0.0, 0.0)
    with _calls_lock:
        _calls[key] += 1
        _units[key + ("read",)] += reads
        _units[key + ("write",)] += writes


def _call_log(start_response):
    with _calls_lock:
        calls = [
            {
                "caller": c,
                "service": s,
                "operation": o,
                "count": n,
                "readUnits": _units[(c, s, o, "read")],
                "writeUnits": _units[(c, s, o, "write")],
            }
            for (c, s, o), n in sorted(_calls.items())
        ]
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(calls).encode()]


def _local_only(self, environ, start_response):
    host = environ.get("HTTP_HOST", "")
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    if environ.get("HTTP_ORIGIN") is not None or name not in _LOOPBACK:
        start_response("403 Forbidden", [("Content-Type", "text/plain")])
        return [b"moto serves this machine's AWS clients only: no browser origin, a loopback Host\n"]
    if environ.get("PATH_INFO") == "/_hookway/calls" and environ["REQUEST_METHOD"] == "GET":
        return _call_log(start_response)
    _count(environ)
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
