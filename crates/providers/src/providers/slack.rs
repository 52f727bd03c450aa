//! Slack: `X-Slack-Signature: v0=<hex>`, HMAC-SHA256 of `v0:{timestamp}:{body}` with the app's
//! signing secret as UTF-8, the timestamp in `X-Slack-Request-Timestamp`.
//!
//! Events API bodies are JSON: the id is `event_id`, the type `event.type` (else the body's
//! `type`); a `url_verification` body is answered with its `challenge` once it verifies. Slash
//! commands are form-encoded: the id is `trigger_id`, the type the command (`/deploy`).

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::json;

use crate::MalformedEvent;
use crate::engine::{Answer, Named, Request};
use crate::key::Key;
use crate::spec::*;
use crate::wire::JsonStr;

/// Slack.
pub const PROVIDER: Provider = Provider {
    name: "slack",
    title: "Slack",
    docs: "https://api.slack.com/authentication/verifying-requests-from-slack",
    setup: "api.slack.com/apps → your app → Basic Information: the Signing Secret is the secret; paste the Hookway URL under Event Subscriptions (or Interactivity, Slash Commands).",
    evidence: Evidence::Documented,
    spec: Spec {
        signature: Carrier::Versioned { name: "X-Slack-Signature", version: "v0", encoding: Encoding::Hex },
        signed: &[Part::text("v0:"), Part::Timestamp, Part::text(":"), Part::Body],
        timestamp: Some(Timestamp { at: TimestampAt::Header("X-Slack-Request-Timestamp"), format: TimeFormat::UnixSeconds, checked: true }),
        handshake: Some(Handshake::Verified { shown: "url_verification: answers its challenge", answer: handshake }),
        kept_headers: &["X-Slack-Retry-Num", "X-Slack-Retry-Reason"],
        hooks: Hooks { presented: None, identify: Some(identify), sign: None, signed: None, url_variant: None },
        ..Spec::BODY_HMAC
    },
};

#[derive(Deserialize)]
struct Inner<'a> {
    #[serde(borrow, rename = "type")]
    event_type: Option<JsonStr<'a>>,
}

#[derive(Deserialize)]
struct Callback<'a> {
    #[serde(borrow)]
    event_id: Option<JsonStr<'a>>,
    #[serde(borrow, rename = "type")]
    callback_type: Option<JsonStr<'a>>,
    #[serde(borrow)]
    event: Option<Inner<'a>>,
    #[serde(borrow)]
    challenge: Option<JsonStr<'a>>,
}

fn identify<'r>(request: &Request<'r>) -> Result<Named<'r>, MalformedEvent> {
    if let Ok(callback) = serde_json::from_slice::<Callback<'_>>(request.body) {
        let event_type = callback.event.and_then(|event| event.event_type).or(callback.callback_type);
        return Ok(Named { id: callback.event_id.map(|id| id.0), event_type: event_type.map(|t| t.0) });
    }
    let mut named = Named::default();
    for (key, value) in form_urlencoded::parse(request.body) {
        match key.as_ref() {
            "trigger_id" => named.id = Some(Cow::Owned(value.into_owned())),
            "command" => named.event_type = Some(Cow::Owned(value.into_owned())),
            _ => {}
        }
    }
    Ok(named)
}

fn handshake(request: &Request<'_>, _key: &Key) -> Option<Answer> {
    let callback: Callback<'_> = serde_json::from_slice(request.body).ok()?;
    let challenge = callback.challenge.filter(|_| callback.callback_type.is_some_and(|t| t.0 == "url_verification"))?;
    Some(Answer::json(&json!({ "challenge": challenge.0 })))
}
