//! HCP Terraform (Terraform Cloud, and Terraform Enterprise): `X-TFE-Notification-Signature:
//! <hex>`, HMAC-SHA512 of the raw body with the notification configuration's token as UTF-8, no
//! timestamp. The type is the first notification's `trigger` (`run:completed`); the payload has
//! no delivery id, so a digest of the body stands for it.

use crate::spec::*;

/// HCP Terraform.
pub const PROVIDER: Provider = Provider {
    name: "terraform-cloud",
    title: "HCP Terraform",
    docs: "https://developer.hashicorp.com/terraform/cloud-docs/api-docs/notification-configurations#notification-authenticity",
    setup: "In HCP Terraform, open the workspace's Settings > Notifications > Create a Notification > Webhook, paste `https://<api>/webhooks/<source>` as the Webhook URL and set a Token: that token is the secret.",
    evidence: Evidence::Rule,
    spec: Spec {
        algorithm: Algorithm::HmacSha512,
        signature: Carrier::Header { name: "X-TFE-Notification-Signature", prefix: "", encoding: Encoding::Hex },
        event_type: Some(Locate::Pointer("/notifications/0/trigger")),
        ..Spec::BODY_HMAC
    },
};
