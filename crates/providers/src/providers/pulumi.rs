//! Pulumi Cloud: `Pulumi-Webhook-Signature: <hex>`, HMAC-SHA256 of the raw body with the webhook's
//! shared secret as UTF-8, no timestamp (sent only when the webhook has a secret, which Hookway
//! requires). The id is `Pulumi-Webhook-ID`, the type `Pulumi-Webhook-Kind` (`stack_update`);
//! neither is signed.

use crate::spec::*;

/// Pulumi Cloud.
pub const PROVIDER: Provider = Provider {
    name: "pulumi",
    title: "Pulumi Cloud",
    docs: "https://www.pulumi.com/docs/pulumi-cloud/webhooks/#headers",
    setup: "In Pulumi Cloud, open the organization's or stack's Settings > Webhooks > Create webhook > Webhook, paste `https://<api>/webhooks/<source>` as the Payload URL and set a Secret: that is the secret.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "Pulumi-Webhook-Signature", prefix: "", encoding: Encoding::Hex },
        id: Some(Locate::Header("Pulumi-Webhook-ID")),
        event_type: Some(Locate::Header("Pulumi-Webhook-Kind")),
        ..Spec::BODY_HMAC
    },
};
