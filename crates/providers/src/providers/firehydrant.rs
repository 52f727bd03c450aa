//! FireHydrant (webhooks and the runbook step Send a Webhook): `fh-signature: <hex>`, HMAC-SHA256 of
//! the raw body with the webhook's HMAC secret as UTF-8, no timestamp. The body is what the
//! webhook or runbook step sends, with no fixed id or type, so a digest of the body stands for
//! the id.

use crate::spec::*;

/// FireHydrant.
pub const PROVIDER: Provider = Provider {
    name: "firehydrant",
    title: "FireHydrant",
    docs: "https://docs.firehydrant.com/docs/runbook-step-send-a-webhook#signature-verification",
    setup: "In FireHydrant, add a webhook under Settings > Webhooks (or a Send a Webhook runbook step) with the endpoint `https://<api>/webhooks/<source>` and an HMAC Secret: that is the secret.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "fh-signature", prefix: "", encoding: Encoding::Hex },
        ..Spec::BODY_HMAC
    },
};
