//! Zoom: `x-zm-signature: v0=<hex>`, HMAC-SHA256 of `v0:{timestamp}:{body}` with the app's secret
//! token as UTF-8, the timestamp in `x-zm-request-timestamp`. The type is the body's `event`
//! (`meeting.started`); no event id is sent, so the body's digest stands for it.
//!
//! Zoom validates the endpoint with a signed `endpoint.url_validation` event, answered — once it
//! verifies — with `{"plainToken", "encryptedToken"}`, the latter the hex HMAC-SHA256 of the plain
//! token with the secret token.

use serde_json::json;

use crate::engine::{Answer, Request};
use crate::key::Key;
use crate::spec::*;
use crate::wire;

/// Zoom.
pub const PROVIDER: Provider = Provider {
    name: "zoom",
    title: "Zoom",
    docs: "https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events",
    setup: "App Marketplace → your app → Features → Access: the Secret Token is the secret; paste the Hookway URL as the Event notification endpoint URL (Zoom validates it first).",
    evidence: Evidence::Sdk("@zoom/rivet 0.4.0"),
    spec: Spec {
        signature: Carrier::Versioned { name: "x-zm-signature", version: "v0", encoding: Encoding::Hex },
        signed: &[Part::text("v0:"), Part::Timestamp, Part::text(":"), Part::Body],
        timestamp: Some(Timestamp {
            at: TimestampAt::Header("x-zm-request-timestamp"),
            format: TimeFormat::UnixSeconds,
            checked: true,
        }),
        event_type: Some(Locate::Pointer("/event")),
        handshake: Some(Handshake::Verified {
            shown: "endpoint.url_validation: answers the HMAC'd plainToken",
            answer: url_validation,
        }),
        kept_headers: &["x-zm-trackingid"],
        ..Spec::BODY_HMAC
    },
};

fn url_validation(request: &Request<'_>, key: &Key) -> Option<Answer> {
    if wire::pointer(request.body, "/event").ok().flatten()? != "endpoint.url_validation" {
        return None;
    }
    let plain = wire::pointer(request.body, "/payload/plainToken").ok().flatten()?;
    let encrypted = hex::encode(key.hmac(plain.as_bytes())?);
    Some(Answer::json(&json!({ "plainToken": plain, "encryptedToken": encrypted })))
}
