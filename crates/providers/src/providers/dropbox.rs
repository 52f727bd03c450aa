//! Dropbox: `X-Dropbox-Signature: <hex>`, HMAC-SHA256 of the body with the app secret as UTF-8, no
//! timestamp. A notification names no event (`{"list_folder": {"accounts": [...]}}`), so the
//! body's digest stands for its id. Dropbox first checks the endpoint with
//! `GET ?challenge=<value>`, answered with the value as `text/plain` and
//! `X-Content-Type-Options: nosniff`.

use crate::engine::{Answer, Request};
use crate::key::Key;
use crate::spec::*;
use crate::wire;

/// Dropbox.
pub const PROVIDER: Provider = Provider {
    name: "dropbox",
    title: "Dropbox",
    docs: "https://www.dropbox.com/developers/reference/webhooks",
    setup: "App Console → your app → Settings: the App secret is the secret; add the Hookway URL under Webhooks (Dropbox sends the challenge first).",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "X-Dropbox-Signature", prefix: "", encoding: Encoding::Hex },
        handshake: Some(Handshake::Get { shown: "GET ?challenge=: echoes it", needs_token: false, answer: challenge }),
        ..Spec::BODY_HMAC
    },
};

fn challenge(request: &Request<'_>, _keys: &[Key]) -> Option<Answer> {
    let challenge = wire::query_parameter(request.url, "challenge")?;
    let mut answer = Answer::text(challenge);
    answer.headers.push(("x-content-type-options", "nosniff"));
    Some(answer)
}
