"""What the provider modules of tools/sdks/ share.

The installed SDK package a module is named after: tools/official_sdks.py imports tools/sdks/<provider>.py by its provider's name with tools/sdks/ first
on the path, so a provider named like its SDK (razorpay, lithic, orb) shadows the package it
drives. A module asks for the package here, when it signs or verifies: the package is imported
from the environment, past tools/sdks/, and takes its own name in sys.modules (the provider
module stays with the caller that imported it).
"""

import datetime
import importlib
import os
import sys
import uuid

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def package(name):
    """The installed package `name`, never the provider module of that name in tools/sdks/."""
    found = sys.modules.get(name)
    if found is not None and os.path.dirname(os.path.abspath(getattr(found, "__file__", "") or "")) != HERE:
        return found
    sys.modules.pop(name, None)
    saved = sys.path[:]
    sys.path[:] = [entry for entry in sys.path if os.path.abspath(entry or os.curdir) != HERE]
    try:
        return importlib.import_module(name)
    finally:
        sys.path[:] = saved


def standard_webhooks(key, body, now):
    """The Standard Webhooks headers of `body` at `now`, signed with standardwebhooks, the library the
    SDKs verify with: `key` is a whsec_ secret, or the key's bytes."""
    from standardwebhooks.webhooks import Webhook

    msg = "msg_" + uuid.uuid4().hex
    at = datetime.datetime.fromtimestamp(now, tz=datetime.timezone.utc)
    return {"webhook-id": msg, "webhook-timestamp": str(now), "webhook-signature": Webhook(key).sign(msg, at, body.decode())}
