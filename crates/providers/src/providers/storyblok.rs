//! Storyblok: `webhook-signature: <hex>`, HMAC-SHA1 of the body with the webhook's secret as UTF-8,
//! no timestamp. The type is the body's `action` (`published`); the body names no event id
//! (`story_id` is the story's), so its digest stands for one.

use crate::spec::*;

/// Storyblok.
pub const PROVIDER: Provider = Provider {
    name: "storyblok",
    title: "Storyblok",
    docs: "https://www.storyblok.com/docs/concepts/webhooks",
    setup: "In the Storyblok space, open Settings > Webhooks, add a webhook with the Endpoint URL https://<api>/webhooks/<source>, and set its Webhook secret (the same text is configured here).",
    evidence: Evidence::Rule,
    spec: Spec {
        algorithm: Algorithm::HmacSha1,
        signature: Carrier::Header { name: "webhook-signature", prefix: "", encoding: Encoding::Hex },
        event_type: Some(Locate::Pointer("/action")),
        ..Spec::BODY_HMAC
    },
};
