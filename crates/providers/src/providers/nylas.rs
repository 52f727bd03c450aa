//! Nylas (API v3 webhooks): `X-Nylas-Signature: <hex>`, HMAC-SHA256 of the body with the
//! webhook's secret (`webhook_secret`, returned when the webhook is created) as UTF-8, no
//! timestamp. The id is the body's `id`, the type its `type` (`message.created`).
//!
//! Nylas checks the endpoint with `GET ?challenge=<value>` when the webhook is created or
//! re-activated, answered with the value, exactly, as `text/plain`.

use crate::engine::{Answer, Request};
use crate::key::Key;
use crate::spec::*;
use crate::wire;

/// Nylas.
pub const PROVIDER: Provider = Provider {
    name: "nylas",
    title: "Nylas",
    docs: "https://developer.nylas.com/docs/v3/notifications/webhooks/#verify-webhook-signatures",
    setup: "Create the webhook in the Nylas Dashboard (Notifications, Create webhook) or with `POST /v3/webhooks`, with `https://<api>/webhooks/<source>` as its URL; the `webhook_secret` is shown once, when it is created.",
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
    let mut answer = Answer::text(wire::query_parameter(request.url, "challenge")?);
    // Echoed text a browser must not sniff into a page.
    answer.headers.push(("x-content-type-options", "nosniff"));
    Some(answer)
}
