//! Coinbase Commerce: `X-CC-Webhook-Signature: <hex>`, HMAC-SHA256 of the raw body with the
//! webhook shared secret as UTF-8. No timestamp is signed. The id is the body's `event.id`, the
//! type its `event.type` (`charge:confirmed`).

use crate::spec::*;

/// Coinbase Commerce.
pub const PROVIDER: Provider = Provider {
    name: "coinbase-commerce",
    title: "Coinbase Commerce",
    docs: "https://docs.cdp.coinbase.com/commerce/api-arcitecture/webhooks-security",
    setup: "In Coinbase Commerce, Settings → Notifications: add `https://<api>/webhooks/<source>` as a webhook endpoint, then use Show shared secret; that secret is the key.",
    evidence: Evidence::Sdk("coinbase-commerce 1.0.1"),
    spec: Spec {
        signature: Carrier::Header { name: "X-CC-Webhook-Signature", prefix: "", encoding: Encoding::Hex },
        id: Some(Locate::Pointer("/event/id")),
        event_type: Some(Locate::Pointer("/event/type")),
        ..Spec::BODY_HMAC
    },
};
