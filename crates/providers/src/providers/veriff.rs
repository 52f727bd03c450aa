//! Veriff: `X-HMAC-SIGNATURE: <hex>`, HMAC-SHA256 of the body with the integration's shared secret
//! key as UTF-8, no timestamp; `X-AUTH-CLIENT` carries the integration's API key (kept, not
//! checked). A decision webhook's type is `decision.<verification.status>` (`decision.approved`),
//! an event webhook's its `action` (`submitted`). Neither names an event id (`verification.id` and
//! `id` are the session's), so the body's digest stands for one.

use std::borrow::Cow;

use serde::Deserialize;

use crate::MalformedEvent;
use crate::engine::{Named, Request};
use crate::spec::*;
use crate::wire::JsonStr;

/// Veriff.
pub const PROVIDER: Provider = Provider {
    name: "veriff",
    title: "Veriff",
    docs: "https://devdocs.veriff.com/v1/docs/hmac-authentication-and-endpoint-security",
    setup: "In the Veriff Customer Portal, open the integration's settings: copy its Shared secret key, and set its Webhook decisions URL (and Webhook events URL) to https://<api>/webhooks/<source>.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "X-HMAC-SIGNATURE", prefix: "", encoding: Encoding::Hex },
        kept_headers: &["X-AUTH-CLIENT"],
        hooks: Hooks { presented: None, identify: Some(identify), sign: None, signed: None, url_variant: None },
        ..Spec::BODY_HMAC
    },
};

#[derive(Deserialize)]
struct Verification<'a> {
    #[serde(borrow)]
    status: Option<JsonStr<'a>>,
}

#[derive(Deserialize)]
struct Webhook<'a> {
    #[serde(borrow)]
    verification: Option<Verification<'a>>,
    #[serde(borrow)]
    action: Option<JsonStr<'a>>,
}

fn identify<'r>(request: &Request<'r>) -> Result<Named<'r>, MalformedEvent> {
    let webhook: Option<Webhook<'_>> = serde_json::from_slice(request.body).ok();
    let event_type = webhook.and_then(|webhook| match (webhook.verification, webhook.action) {
        (Some(Verification { status: Some(status) }), _) => Some(Cow::Owned(format!("decision.{}", status.0))),
        (_, Some(action)) => Some(action.0),
        _ => None,
    });
    Ok(Named { id: None, event_type })
}
