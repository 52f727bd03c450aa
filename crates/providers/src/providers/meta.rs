//! Meta (Facebook, Instagram, WhatsApp, Messenger): `X-Hub-Signature-256: sha256=<hex>`, HMAC-SHA256
//! of the body with the app secret as UTF-8, no timestamp. The type is the body's `object` (`page`,
//! `instagram`, `whatsapp_business_account`); a delivery may batch several entries and carries no
//! id, so the body's digest stands for it.
//!
//! Subscribing, Meta checks the endpoint with `GET ?hub.mode=subscribe&hub.challenge=…&hub.verify_token=…`:
//! when the verify token is the one typed into the app dashboard (the source's
//! `verifyTokenParameter`, compared in constant time) the answer is the challenge, else 403.

use subtle::ConstantTimeEq as _;

use crate::engine::{Answer, Request};
use crate::key::Key;
use crate::spec::*;
use crate::wire;

/// Meta.
pub const PROVIDER: Provider = Provider {
    name: "meta",
    title: "Meta (Facebook, Instagram, WhatsApp)",
    docs: "https://developers.facebook.com/docs/graph-api/webhooks/getting-started",
    setup: "App Dashboard → your app → Webhooks (or WhatsApp → Configuration): paste the Hookway URL as the Callback URL and a Verify Token; Settings → Basic → App Secret is the secret.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "X-Hub-Signature-256", prefix: "sha256=", encoding: Encoding::Hex },
        event_type: Some(Locate::Pointer("/object")),
        handshake: Some(Handshake::Get {
            shown: "GET hub.challenge: echoes it when hub.verify_token matches",
            needs_token: true,
            answer: subscribe,
        }),
        ..Spec::BODY_HMAC
    },
};

fn subscribe(request: &Request<'_>, keys: &[Key]) -> Option<Answer> {
    if wire::query_parameter(request.url, "hub.mode")? != "subscribe" {
        return None;
    }
    let token = wire::query_parameter(request.url, "hub.verify_token")?;
    let challenge = wire::query_parameter(request.url, "hub.challenge")?;
    let known = keys
        .iter()
        .filter(|key| key.is_verify_token())
        .filter_map(Key::token_bytes)
        .any(|expected| bool::from(token.as_bytes().ct_eq(expected)));
    known.then(|| Answer::text(challenge))
}
