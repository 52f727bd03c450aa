"""Anthropic (Claude Managed Agents webhooks), with its official SDK anthropic
(tools/sdks/requirements-py2.txt).

The SDK only verifies (Anthropic(...).beta.webhooks.unwrap, with the standardwebhooks library and
the `whsec_` signing secret); signing follows it with that library's Webhook.sign.
"""

import importlib

from support import standard_webhooks

SECRET = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
BODY = '{"type":"event","id":"evt_011CZkZYZd9rLxgXb1Pj4PWF","created_at":"2026-03-18T14:22:01Z","data":{"type":"session.idled","id":"sesn_011CZkZAtmR3yMPDzynEDxu7","organization_id":"8a3f2c1e-5b7d-4e9a-a2c6-1f0d3b8e7a45","workspace_id":"wrkspc_01JZ4Q8Y7N2K5M9P3R6T1V0W"}}'


def sign(secret, body, url, now):
    return standard_webhooks(secret, body, now)


def verify(secret, body, url, headers):
    from standardwebhooks.webhooks import WebhookVerificationError

    client = importlib.import_module("anthropic").Anthropic(api_key="unused", webhook_key=secret)
    try:
        client.beta.webhooks.unwrap(body.decode(), headers=headers)
    except (WebhookVerificationError, ValueError):
        # standardwebhooks lets a malformed signature header escape as a bare ValueError.
        return False
    return True
