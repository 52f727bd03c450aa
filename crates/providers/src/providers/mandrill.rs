//! Mandrill (Mailchimp Transactional): `X-Mandrill-Signature: <base64>`, HMAC-SHA1 with the
//! webhook's key as UTF-8 of the webhook's URL exactly as configured followed by the form
//! parameters of the body sorted by name, each as name then value (the body is one parameter,
//! `mandrill_events`, a JSON array). Nothing is timestamped. The URL is the source's `publicUrl`
//! behind a custom domain or a proxy, else the one the request came to. A delivery batches
//! events, so the body's digest stands for the id; no single type names it.

use crate::spec::*;

/// Mandrill.
pub const PROVIDER: Provider = Provider {
    name: "mandrill",
    title: "Mandrill",
    docs: "https://mailchimp.com/developer/transactional/guides/track-respond-activity-webhooks/#authenticating-webhook-requests",
    setup: "In Mandrill, Settings > Webhooks > Add a webhook: the post-to URL is https://<api>/webhooks/<source>; the webhook's key is shown in the webhooks list.",
    evidence: Evidence::Rule,
    spec: Spec {
        algorithm: Algorithm::HmacSha1,
        signature: Carrier::Header { name: "X-Mandrill-Signature", prefix: "", encoding: Encoding::Base64 },
        signed: &[Part::Url, Part::SortedForm],
        ..Spec::BODY_HMAC
    },
};
