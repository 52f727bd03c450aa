//! Webflow: `x-webflow-signature: <hex>`, HMAC-SHA256 of `{timestamp}:{body}` with the OAuth
//! application's client secret (or, for a webhook made with a site token, the webhook's secret) as
//! UTF-8; `x-webflow-timestamp` is Unix milliseconds, checked against the tolerance (Webflow
//! advises 5 minutes). The type is the body's `triggerType` (`form_submission`); the body names no
//! event id, so its digest stands for one.

use crate::spec::*;

/// Webflow.
pub const PROVIDER: Provider = Provider {
    name: "webflow",
    title: "Webflow",
    docs: "https://developers.webflow.com/data/docs/working-with-webhooks#validating-request-signatures",
    setup: "Create the webhook with Webflow's API (POST /v2/sites/{site_id}/webhooks) or the site settings' Apps & Integrations > Webhooks, with the URL https://<api>/webhooks/<source>; the secret is the OAuth app's client secret, or the secret shown for a webhook made in the site settings.",
    evidence: Evidence::Sdk("webflow-api 3.3.4"),
    spec: Spec {
        signature: Carrier::Header { name: "x-webflow-signature", prefix: "", encoding: Encoding::Hex },
        signed: &[Part::Timestamp, Part::text(":"), Part::Body],
        timestamp: Some(Timestamp {
            at: TimestampAt::Header("x-webflow-timestamp"),
            format: TimeFormat::UnixMillis,
            checked: true,
        }),
        event_type: Some(Locate::Pointer("/triggerType")),
        ..Spec::BODY_HMAC
    },
};
