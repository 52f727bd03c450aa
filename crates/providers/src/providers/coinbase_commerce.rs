//! Coinbase Commerce: `X-CC-Webhook-Signature: <hex>`, HMAC-SHA256 of the body with the shared
//! webhook secret as UTF-8. No timestamp is signed. The id is the event's `event.id`, the type
//! its `event.type` (`charge:confirmed`).

use crate::spec::*;

/// Coinbase Commerce.
pub const PROVIDER: Provider = Provider {
    name: "coinbase-commerce",
    title: "Coinbase Commerce",
    docs: "https://docs.cdp.coinbase.com/commerce/api-arcitecture/webhooks-security",
    setup: "In Coinbase Commerce, Settings → Notifications → Add an endpoint: paste the Hookway URL \
            `https://<api>/webhooks/<source>`; the shared webhook secret shown there is the source's \
            secret.",
    evidence: Evidence::Sdk("coinbase-commerce 1.0.1"),
    spec: Spec {
        signature: Carrier::Header { name: "X-CC-Webhook-Signature", prefix: "", encoding: Encoding::Hex },
        id: Some(Locate::Pointer("/event/id")),
        event_type: Some(Locate::Pointer("/event/type")),
        ..Spec::BODY_HMAC
    },
};
