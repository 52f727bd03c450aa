//! Ashby: `Ashby-Signature: sha256=<hex>`, HMAC-SHA256 of the body with the webhook's secret token
//! as UTF-8, no timestamp. The type is the body's `action` (`applicationSubmit`); no id is named,
//! so the body's digest stands for it.

use crate::spec::*;

/// Ashby.
pub const PROVIDER: Provider = Provider {
    name: "ashby",
    title: "Ashby",
    docs: "https://developers.ashbyhq.com/docs/authenticating-webhooks",
    setup: "In Ashby, Admin → Integrations → Webhooks → New: pick the webhook type, paste the Hookway URL https://<api>/webhooks/<source> as the request URL, and set a secret token; that token is the secret.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "Ashby-Signature", prefix: "sha256=", encoding: Encoding::Hex },
        event_type: Some(Locate::Pointer("/action")),
        ..Spec::BODY_HMAC
    },
};
