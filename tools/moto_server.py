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
call's signature, the operation its `X-Amz-Target` (JSON protocols: SQS, DynamoDB, SSM,
EventBridge, Step Functions), its `Action` (the query protocol: SNS) or, for the REST protocols
of S3 and of Lambda's Invoke, its method, path and query. DynamoDB's calls also count the capacity units
they consume, from their request: a read of an item is half a unit (a whole one when strongly
consistent), a write one unit (two in a transaction), items being under 1 KB (`make cost` records
the table's largest, and its calls test checks it).

Beside the counts it keeps what IAM would be asked of each call (`GET /_hookway/requests`, read by
the IAM check, testing/iam): caller, service, operation, region and account, and the resources and
condition keys the call touches — the queue URL (and the KMS key of a queue a message is sent
to), the table and the partition key values (for `dynamodb:LeadingKeys`), the bucket, key and
listed prefix, the SSM parameter names and whether they are decrypted, the Firehose delivery
stream, the SNS topic (and its KMS key), the EventBridge buses of a PutEvents, the Step Functions
state machine or execution, the Lambda function and qualifier, the CloudFormation stack —
one entry per distinct call, with how many times it was made. A call moto does not see — the
local gateway plays Lambda's Invoke API — is added by whoever serves it, with `POST
/_hookway/requests` and an entry of the same shape.

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

from moto.core import DEFAULT_ACCOUNT_ID  # noqa: E402
from moto.dynamodb.models import dynamodb_backends  # noqa: E402
from moto.dynamodb.responses import DynamoHandler  # noqa: E402
from moto.moto_server.werkzeug_app import DomainDispatcherApplication  # noqa: E402
from moto.server import main  # noqa: E402

_LOOPBACK = ("127.0.0.1", "localhost", "[::1]")
_dispatch = DomainDispatcherApplication.__call__


_calls = Counter()
_units = Counter()
_calls_lock = threading.Lock()
_APP = re.compile(r"\bapp/([A-Za-z0-9!#$%&'*+\-.^_`|~]+)")
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")
_requests = Counter()


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


def _read_body(environ):
    """The request's body, left readable for moto (one without a length is left as it is, unread)."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if not length:
        return b""
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def _request(environ, service):
    """The request's parameters: its JSON body (JSON protocols), or its form and query (the query
    protocol); none for S3, whose bodies are objects."""
    if service == "s3":
        return {}
    body = _read_body(environ)
    if environ.get("HTTP_X_AMZ_TARGET") or body[:1] == b"{":
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            return {}
        return request if isinstance(request, dict) else {}
    form = parse_qs(environ.get("QUERY_STRING", "")) | parse_qs(body.decode("utf-8", "replace"))
    return {name: values[0] for name, values in form.items()}


def _count(environ):
    scope = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    if scope is None:
        return
    region, service = scope.group(1), scope.group(2)
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        operation = target.rsplit(".", 1)[-1]
    elif service == "s3":
        operation = _s3_operation(environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""))
    elif service == "lambda" and environ["REQUEST_METHOD"] == "POST" and environ.get("PATH_INFO", "").endswith("/invocations"):
        # Lambda's REST protocol: POST /2015-03-31/functions/NAME/invocations.
        operation = "Invoke"
    else:
        operation = parse_qs(environ.get("QUERY_STRING", "")).get("Action", ["?"])[0]
    agent = environ.get("HTTP_X_AMZ_USER_AGENT", "") + " " + environ.get("HTTP_USER_AGENT", "")
    app = _APP.search(agent)
    caller = app.group(1) if app else "other"
    key = (caller, service, operation)
    request = _request(environ, service)
    reads, writes = _capacity(operation, request) if service == "dynamodb" else (0.0, 0.0)
    if operation == "?":
        operation = request.get("Action", operation)
    entry = {"caller": caller, "service": service, "operation": operation, "region": region, "account": DEFAULT_ACCOUNT_ID}
    entry.update(_resources(service, operation, environ, request, region))
    with _calls_lock:
        _calls[key] += 1
        _units[key + ("read",)] += reads
        _units[key + ("write",)] += writes
        _requests[json.dumps(entry, sort_keys=True)] += 1


def _resources(service, operation, environ, request, region):
    """What IAM needs of a call besides its action: the resources it touches and the values of the
    condition keys our policies use."""
    # WSGI hands the path decoded, as latin-1 characters of its bytes.
    path = environ.get("PATH_INFO", "").encode("latin-1", "replace").decode("utf-8", "replace")
    if service == "sqs":
        found = {
            "queueUrl": request.get("QueueUrl"),
            "queueName": request.get("QueueName"),
            # Tags given to CreateQueue: AWS asks for sqs:TagQueue as well.
            "tagged": True if operation == "CreateQueue" and (request.get("tags") or request.get("Tags")) else None,
            # A message sent to a queue with a KMS key: SQS asks KMS for it on the sender's behalf.
            "kmsKey": _queue_key(request.get("QueueUrl"), region) if operation.startswith("SendMessage") else None,
        }
    elif service == "sns":
        topic = request.get("TopicArn")
        found = {"topicArn": topic, "kmsKey": _topic_key(topic) if operation.startswith("Publish") else None}
    elif service == "events":
        # PutEvents names each entry's bus, by name or ARN; an entry that names none goes to `default`.
        entries = request.get("Entries") if isinstance(request.get("Entries"), list) else []
        buses = sorted({entry.get("EventBusName") or "default" for entry in entries if isinstance(entry, dict)})
        found = {"buses": buses or None}
    elif service == "states":
        found = {"stateMachineArn": request.get("stateMachineArn"), "executionArn": request.get("executionArn")}
    elif service == "dynamodb":
        found = {"tables": _tables(operation, request, region)}
    elif service == "s3":
        bucket, _, key = path.lstrip("/").partition("/")
        params = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        found = {"bucket": bucket or None, "key": key or None, "prefix": params.get("prefix", [None])[0]}
    elif service == "ssm":
        names = request.get("Names") or ([request["Name"]] if "Name" in request else [])
        found = {
            "parameters": names or None,
            "path": request.get("Path"),
            "withDecryption": bool(request.get("WithDecryption")) or None,
            "parameterType": request.get("Type"),
            "keyId": request.get("KeyId"),
        }
    elif service == "firehose":
        found = {"deliveryStream": request.get("DeliveryStreamName")}
    elif service == "lambda":
        # /2015-03-31/functions/NAME/invocations: NAME may be a name, `name:qualifier` or an ARN.
        parts = path.strip("/").split("/")
        params = parse_qs(environ.get("QUERY_STRING", ""))
        found = {
            "function": parts[2] if len(parts) > 2 and parts[1] == "functions" else None,
            "qualifier": params.get("Qualifier", [None])[0],
        }
    elif service == "cloudformation":
        found = {"stack": request.get("StackName")}
    else:
        found = {}
    return {name: value for name, value in found.items() if value is not None}


def _queue_key(url, region):
    """The KMS key a queue (by its URL, `.../ACCOUNT/NAME`) encrypts messages with, if any."""
    from moto.sqs.models import sqs_backends

    if not url:
        return None
    parts = url.rstrip("/").split("/")
    name, account = parts[-1], parts[-2] if len(parts) > 1 else ""
    try:
        queue = sqs_backends[account if account.isdigit() else DEFAULT_ACCOUNT_ID][region].queues[name]
    except KeyError:
        return None
    return getattr(queue, "kms_master_key_id", None) or None


def _topic_key(arn):
    """The KMS key a topic (by its ARN) encrypts messages with, if any."""
    from moto.sns.models import sns_backends

    parts = (arn or "").split(":")
    if len(parts) < 6:
        return None
    try:
        topic = sns_backends[parts[4]][parts[3]].topics[arn]
    except KeyError:
        return None
    return getattr(topic, "kms_master_key_id", None) or None


def _tables(operation, request, region):
    """The tables a DynamoDB call touches, each with the partition key values it names and, in a
    transaction, the action of each part."""
    def keys(table, items):
        attribute = _hash_key(table, region)
        values = [_scalar(item.get(attribute)) for item in items if attribute]
        return sorted({value for value in values if value is not None})

    if operation in ("BatchGetItem", "BatchWriteItem"):
        tables = []
        for name, entries in request.get("RequestItems", {}).items():
            if operation == "BatchGetItem":
                items = entries.get("Keys", [])
            else:
                items = [e.get("PutRequest", {}).get("Item") or e.get("DeleteRequest", {}).get("Key") or {} for e in entries]
            tables.append({"name": name, "partitionKeys": keys(name, items)})
        return tables
    if operation in ("TransactWriteItems", "TransactGetItems"):
        parts = {"ConditionCheck": "ConditionCheckItem", "Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "Get": "GetItem"}
        tables = []
        for entry in request.get("TransactItems", []):
            for part, action in parts.items():
                if part in entry:
                    name = entry[part].get("TableName")
                    item = entry[part].get("Key") or entry[part].get("Item") or {}
                    tables.append({"name": name, "partitionKeys": keys(name, [item]), "action": action})
        return tables
    name = request.get("TableName")
    if name is None:
        return None
    table = {"name": name}
    item = request.get("Key") or request.get("Item")
    if operation in ("Query", "Scan") and request.get("IndexName"):
        # Authorised on the index's ARN (table/NAME/index/INDEX).
        table["index"] = request["IndexName"]
    if item is not None:
        table["partitionKeys"] = keys(name, [item])
    elif operation == "Query":
        value = _queried_key(name, request, region)
        table["partitionKeys"] = [value] if value is not None else []
    return [table]


def _hash_key(table, region, index=None):
    """The partition key attribute of a table, or of one of its indexes."""
    try:
        found = dynamodb_backends[DEFAULT_ACCOUNT_ID][region].tables[table]
        if index is None:
            return found.hash_key_attr
        schema = next(i.schema for i in found.all_indexes() if i.name == index)
        return next(key["AttributeName"] for key in schema if key["KeyType"] == "HASH")
    except (KeyError, StopIteration):
        return None


def _queried_key(table, request, region):
    """The partition key value a Query's key condition names: the table's, or the index's it queries."""
    attribute = _hash_key(table, region, request.get("IndexName"))
    names = request.get("ExpressionAttributeNames", {})
    values = request.get("ExpressionAttributeValues", {})
    for name, value in re.findall(r"(#?[A-Za-z0-9_]+)\s*=\s*(:[A-Za-z0-9_]+)", request.get("KeyConditionExpression", "")):
        if names.get(name, name) == attribute:
            return _scalar(values.get(value))
    condition = request.get("KeyConditions", {}).get(attribute, {})
    listed = condition.get("AttributeValueList") or [None]
    return _scalar(listed[0])


def _scalar(value):
    """A key attribute's value as IAM sees it: its string, number or base64."""
    if not isinstance(value, dict):
        return None
    for kind in ("S", "N", "B"):
        if kind in value:
            return str(value[kind])
    return None


def _request_log(start_response):
    with _calls_lock:
        entries = [dict(json.loads(entry), count=n) for entry, n in sorted(_requests.items())]
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(entries).encode()]


def _record(environ, start_response):
    """An entry made by the local service that served the call (the gateway's Invoke API)."""
    try:
        entry = json.loads(_read_body(environ))
        valid = isinstance(entry, dict) and all(isinstance(entry.get(k), str) for k in ("caller", "service", "operation"))
    except ValueError:
        valid = False
    if not valid:
        start_response("400 Bad Request", [("Content-Type", "text/plain")])
        return [b"an entry is a JSON object with caller, service and operation\n"]
    entry.setdefault("account", DEFAULT_ACCOUNT_ID)
    entry.pop("count", None)
    with _calls_lock:
        _requests[json.dumps(entry, sort_keys=True)] += 1
    start_response("204 No Content", [])
    return [b""]


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
    if environ.get("PATH_INFO") == "/_hookway/requests":
        if environ["REQUEST_METHOD"] == "GET":
            return _request_log(start_response)
        if environ["REQUEST_METHOD"] == "POST":
            return _record(environ, start_response)
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
