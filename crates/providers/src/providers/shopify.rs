//! Shopify: `X-Shopify-Hmac-SHA256: <base64>`, HMAC-SHA256 of the body with the app's client
//! secret as UTF-8, no timestamp. The id is `X-Shopify-Webhook-Id`, the type `X-Shopify-Topic`.
//! A preset of the generic HMAC engine, pinned by @shopify/shopify-api's `webhooks.validate`.

use crate::spec::*;

/// Shopify.
pub const PROVIDER: Provider = Provider {
    name: "shopify",
    title: "Shopify",
    docs: "https://shopify.dev/docs/apps/build/webhooks/subscribe/https#step-5-verify-the-webhook",
    setup: "Settings → Notifications → Webhooks (or your app's Partner Dashboard): paste the Hookway URL; the signing secret shown there (the app's client secret for app webhooks) is the secret.",
    evidence: Evidence::Sdk("@shopify/shopify-api 15.0.0"),
    spec: Spec {
        signature: Carrier::Header { name: "X-Shopify-Hmac-SHA256", prefix: "", encoding: Encoding::Base64 },
        id: Some(Locate::Header("X-Shopify-Webhook-Id")),
        event_type: Some(Locate::Header("X-Shopify-Topic")),
        kept_headers: &["X-Shopify-Shop-Domain", "X-Shopify-API-Version", "X-Shopify-Triggered-At", "X-Shopify-Event-Id"],
        ..Spec::BODY_HMAC
    },
};
