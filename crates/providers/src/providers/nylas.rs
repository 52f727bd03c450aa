//! Nylas (API v3): `X-Nylas-Signature: <hex>`, HMAC-SHA256 of the body with the webhook's
//! `webhook_secret` as UTF-8, no timestamp. The id is the body's `id`, the type its `type`
//! (`event.created`). When a webhook is created or its URL changed, Nylas first checks the
//! endpoint with `GET ?challenge=<value>`, answered with the value as `text/plain` within ten
//! seconds.

use crate::engine::{Answer, Request};
use crate::key::Key;
use crate::spec::*;
use crate::wire;

/// Nylas.
pub const PROVIDER: Provider = Provider {
    name: "nylas",
    title: "Nylas",
    docs: "https://developer.nylas.com/docs/v3/notifications/webhooks/",
    setup: "In the Nylas Dashboard, open Notifications > Webhooks (or call POST /v3/webhooks) and create a webhook with the URL https://<api>/webhooks/<source>; copy the webhook_secret shown once it is created.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "X-Nylas-Signature", prefix: "", encoding: Encoding::Hex },
        id: Some(Locate::Pointer("/id")),
        event_type: Some(Locate::Pointer("/type")),
        handshake: Some(Handshake::Get { shown: "GET ?challenge=: echoes it", needs_token: false, answer: challenge }),
        ..Spec::BODY_HMAC
    },
};

fn challenge(request: &Request<'_>, _keys: &[Key]) -> Option<Answer> {
    wire::query_parameter(request.url, "challenge").map(Answer::text)
}
