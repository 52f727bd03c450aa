//! Checkout.com: `Cko-Signature: <hex>`, HMAC-SHA256 of the raw body with the signature key set
//! on the workflow's webhook action, as UTF-8. No timestamp is signed. The id and type are the
//! body's `id` and `type` (`payment_approved`).

use crate::spec::*;

/// Checkout.com.
pub const PROVIDER: Provider = Provider {
    name: "checkout-com",
    title: "Checkout.com",
    docs: "https://www.checkout.com/docs/developer-resources/webhooks/manage-webhooks/set-up-your-webhook-receiver",
    setup: "In the Checkout.com Dashboard, Developers → Workflows: add a webhook action with `https://<api>/webhooks/<source>` as its URL and a signature key; that key is the secret.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "Cko-Signature", prefix: "", encoding: Encoding::Hex },
        id: Some(Locate::Pointer("/id")),
        event_type: Some(Locate::Pointer("/type")),
        id_style: IdStyle::Prefixed("evt_"),
        ..Spec::BODY_HMAC
    },
};
