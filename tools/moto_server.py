"""moto_server, with one guarantee of DynamoDB that moto lacks: writes to an item apply one at a time.

moto serves each request on a thread of its own, and applies an UpdateItem by reading the item,
changing it and storing it back: two concurrent `SET next = next + :interval` on one item can both
read the same value, which DynamoDB never lets happen. The worker's rate limit relies on that
atomicity (each request takes the next slot), so the local stack and the tests run moto through
this launcher, which handles one DynamoDB request at a time. Other services keep their threads:
an SQS long poll never waits behind a table.

Usage: the same as moto_server (`-H 127.0.0.1 -p 4566`).
"""

import sys
import threading

from moto.dynamodb.responses import DynamoHandler
from moto.server import main

_one_at_a_time = threading.Lock()
_call_action = DynamoHandler.call_action


def _serialized_call_action(self):
    with _one_at_a_time:
        return _call_action(self)


DynamoHandler.call_action = _serialized_call_action

if __name__ == "__main__":
    main(sys.argv[1:])
