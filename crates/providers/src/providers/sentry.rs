//! Sentry (integration platform): `Sentry-Hook-Signature: <hex>`, HMAC-SHA256 of the body with the
//! integration's client secret as UTF-8. `Sentry-Hook-Timestamp` is not signed, so it is kept but not
//! checked. The id is `Request-ID`, the type `Sentry-Hook-Resource` (`issue`).

use crate::spec::*;

/// Sentry.
pub const PROVIDER: Provider = Provider {
    name: "sentry",
    title: "Sentry",
    docs: "https://docs.sentry.io/organization/integrations/integration-platform/webhooks/#sentry-hook-signature",
    setup: "Settings → Developer Settings → your integration: paste the Hookway URL as the Webhook URL; the integration's Client Secret is the secret.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "Sentry-Hook-Signature", prefix: "", encoding: Encoding::Hex },
        id: Some(Locate::Header("Request-ID")),
        event_type: Some(Locate::Header("Sentry-Hook-Resource")),
        kept_headers: &["Sentry-Hook-Timestamp"],
        ..Spec::BODY_HMAC
    },
};
