//! Onfleet: `X-Onfleet-Signature: <hex>`, HMAC-SHA512 of the raw body keyed with the bytes of the
//! organization's webhook secret, which the dashboard shows in hex. No timestamp is signed. A
//! delivery names its trigger (`triggerName`, `taskCompleted`) but carries no delivery id, so the
//! body's digest stands for its id. Creating a webhook, Onfleet first checks the URL with
//! `GET ?check=<value>`, answered with the value as text.

use crate::engine::{Answer, Request};
use crate::key::Key;
use crate::spec::*;
use crate::wire;

/// Onfleet.
pub const PROVIDER: Provider = Provider {
    name: "onfleet",
    title: "Onfleet",
    docs: "https://docs.onfleet.com/reference/secrets",
    setup: "In the Onfleet dashboard, Settings → API & Webhooks, copy the webhook secret (hex) and create a webhook for each trigger with the Hookway URL https://<api>/webhooks/<source>.",
    evidence: Evidence::Rule,
    spec: Spec {
        algorithm: Algorithm::HmacSha512,
        signature: Carrier::Header { name: "X-Onfleet-Signature", prefix: "", encoding: Encoding::Hex },
        event_type: Some(Locate::Pointer("/triggerName")),
        secret: SecretFormat::HexBytes,
        handshake: Some(Handshake::Get { shown: "GET ?check=: echoes it", needs_token: false, answer: check }),
        ..Spec::BODY_HMAC
    },
};

fn check(request: &Request<'_>, _keys: &[Key]) -> Option<Answer> {
    let mut answer = Answer::text(wire::query_parameter(request.url, "check")?);
    // Echoed text a browser must not sniff into a page.
    answer.headers.push(("x-content-type-options", "nosniff"));
    Some(answer)
}
