//! Greenhouse: `Signature: sha256 <hex>`, HMAC-SHA256 of the whole body with the web hook's secret
//! key as UTF-8, no timestamp. The type is the body's `action` (`candidate_hired`); no id is
//! named, so the body's digest stands for it.

use crate::spec::*;

/// Greenhouse.
pub const PROVIDER: Provider = Provider {
    name: "greenhouse",
    title: "Greenhouse",
    docs: "https://developers.greenhouse.io/webhooks.html#authentication",
    setup: "In Greenhouse Recruiting, Configure → Dev Center → Web Hooks → Web Hooks: pick the event, paste the Hookway URL https://<api>/webhooks/<source> as the endpoint, and enter a secret key; that key is the secret.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "Signature", prefix: "sha256 ", encoding: Encoding::Hex },
        event_type: Some(Locate::Pointer("/action")),
        ..Spec::BODY_HMAC
    },
};
