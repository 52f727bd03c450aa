//! Stytch: delivered by Svix — `svix-id`, `svix-timestamp` and `svix-signature` (`v1,<base64>`
//! entries), HMAC-SHA256 of `{id}.{timestamp}.{body}` with the endpoint's `whsec_` base64 secret,
//! the timestamp checked against the tolerance. The id is `svix-id`; the type is Stytch's event
//! type, `source.object_type.action` in lower case (`direct.user.create`), built from those three
//! fields of the signed body (Stytch's body has no `type`).

use std::borrow::Cow;

use serde::Deserialize;

use super::standard_webhooks::SVIX_SPEC;
use crate::MalformedEvent;
use crate::engine::{Named, Request};
use crate::spec::*;
use crate::wire::{self, JsonStr};

/// Stytch.
pub const PROVIDER: Provider = Provider {
    name: "stytch",
    title: "Stytch",
    docs: "https://stytch.com/docs/guides/webhooks/overview",
    setup: "In the Stytch dashboard, under Webhooks, add an endpoint with the URL https://<api>/webhooks/<source> and copy its signing secret (whsec_…).",
    evidence: Evidence::Verifier("svix 2.9.1"),
    spec: Spec {
        hooks: Hooks { identify: Some(identify), ..SVIX_SPEC.hooks },
        ..SVIX_SPEC
    },
};

#[derive(Deserialize)]
struct Event<'a> {
    #[serde(borrow)]
    source: Option<JsonStr<'a>>,
    #[serde(borrow)]
    object_type: Option<JsonStr<'a>>,
    #[serde(borrow)]
    action: Option<JsonStr<'a>>,
}

fn identify<'r>(request: &Request<'r>) -> Result<Named<'r>, MalformedEvent> {
    let id = wire::optional_header(request.headers, "svix-id").map(Cow::Borrowed);
    let event_type = serde_json::from_slice::<Event<'_>>(request.body).ok().and_then(|event| {
        let parts = [event.source?, event.object_type?, event.action?];
        Some(Cow::Owned(parts.map(|part| part.0.to_ascii_lowercase()).join(".")))
    });
    Ok(Named { id, event_type })
}
