//! Maxio Advanced Billing (formerly Chargify): `X-Chargify-Webhook-Signature-Hmac-Sha-256: <hex>`,
//! HMAC-SHA256 of the body with the site's shared key as UTF-8. No timestamp is signed. The body
//! is a form (`application/x-www-form-urlencoded`): the id is its `id` field (numeric, the
//! webhook's), the type its `event` field (`signup_success`), the data `payload[...]` fields.

use std::borrow::Cow;

use crate::MalformedEvent;
use crate::engine::{Named, Request};
use crate::spec::*;

/// Maxio Advanced Billing (Chargify).
pub const PROVIDER: Provider = Provider {
    name: "chargify",
    title: "Maxio Advanced Billing (Chargify)",
    docs: "https://docs.maxio.com/hc/en-us/articles/24266136649869-Webhooks-Reference",
    setup: "In Advanced Billing, Config → Settings → Webhooks: add an endpoint with the Hookway URL \
            `https://<api>/webhooks/<source>`; the site's shared key (Config → Integrations) is the \
            source's secret.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header {
            name: "X-Chargify-Webhook-Signature-Hmac-Sha-256",
            prefix: "",
            encoding: Encoding::Hex,
        },
        kept_headers: &["X-Chargify-Webhook-Id"],
        hooks: Hooks { presented: None, identify: Some(identify), sign: None, signed: None, url_variant: None },
        ..Spec::BODY_HMAC
    },
};

/// The form's `id` and `event` fields.
fn identify<'r>(request: &Request<'r>) -> Result<Named<'r>, MalformedEvent> {
    let mut named = Named::default();
    for (name, value) in form_urlencoded::parse(request.body) {
        match name.as_ref() {
            "id" if named.id.is_none() => named.id = Some(Cow::Owned(value.into_owned())),
            "event" if named.event_type.is_none() => named.event_type = Some(Cow::Owned(value.into_owned())),
            _ => {}
        }
    }
    Ok(named)
}
