//! WooCommerce: `X-WC-Webhook-Signature: <base64>`, HMAC-SHA256 of the body with the webhook's secret
//! as UTF-8, no timestamp. The id is `X-WC-Webhook-Delivery-ID`, the type `X-WC-Webhook-Topic`
//! (`order.created`).

use crate::spec::*;

/// WooCommerce.
pub const PROVIDER: Provider = Provider {
    name: "woocommerce",
    title: "WooCommerce",
    docs: "https://woocommerce.github.io/woocommerce-rest-api-docs/#webhooks",
    setup: "WooCommerce → Settings → Advanced → Webhooks → Add webhook: paste the Hookway URL as the Delivery URL and set a Secret.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "X-WC-Webhook-Signature", prefix: "", encoding: Encoding::Base64 },
        id: Some(Locate::Header("X-WC-Webhook-Delivery-ID")),
        event_type: Some(Locate::Header("X-WC-Webhook-Topic")),
        kept_headers: &["X-WC-Webhook-Source", "X-WC-Webhook-ID", "X-WC-Webhook-Resource", "X-WC-Webhook-Event"],
        ..Spec::BODY_HMAC
    },
};
