//! Bitrise (outgoing webhooks with a secret): `Bitrise-Hook-Signature: sha256=<hex>`, HMAC-SHA256
//! of the raw body with the webhook's secret as UTF-8, no timestamp. The type is
//! `Bitrise-Event-Type` (`build/triggered`, `build/finished`), which is not signed; there is no
//! event id (a build's `build_slug` is the same in both events), so a digest of the body stands
//! for it.

use crate::spec::*;

/// Bitrise.
pub const PROVIDER: Provider = Provider {
    name: "bitrise",
    title: "Bitrise",
    docs: "https://devcenter.bitrise.io/en/apps/webhooks/adding-outgoing-webhooks.html",
    setup: "In Bitrise, open the app's Settings > Integrations > Outgoing webhooks > Add webhook, paste `https://<api>/webhooks/<source>` as the URL and set a Secret: that is the secret.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "Bitrise-Hook-Signature", prefix: "sha256=", encoding: Encoding::Hex },
        event_type: Some(Locate::Header("Bitrise-Event-Type")),
        ..Spec::BODY_HMAC
    },
};
