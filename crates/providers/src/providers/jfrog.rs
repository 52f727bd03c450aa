//! JFrog Platform (Artifactory webhooks, with "Use secret for payload signing"):
//! `X-JFrog-Event-Auth: <hex>`, HMAC-SHA256 of the raw body with the webhook's secret token as
//! UTF-8, no timestamp. Without that option JFrog sends the secret itself in the same header,
//! which Hookway does not accept: it proves nothing about the body. The type is the body's
//! `event_type` (`deployed`), within its `domain` (`artifact`); there is no event id, so a digest
//! of the body stands for it.

use crate::spec::*;

/// JFrog.
pub const PROVIDER: Provider = Provider {
    name: "jfrog",
    title: "JFrog",
    docs: "https://jfrog.com/help/r/jfrog-platform-administration-documentation/webhooks",
    setup: "In the JFrog Platform, open Administration > General > Webhooks > New Webhook, paste `https://<api>/webhooks/<source>` as the URL, set a Secret token and check Use secret for payload signing: that token is the secret.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "X-JFrog-Event-Auth", prefix: "", encoding: Encoding::Hex },
        event_type: Some(Locate::Pointer("/event_type")),
        ..Spec::BODY_HMAC
    },
};
