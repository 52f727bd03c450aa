//! RevenueCat signs nothing: the webhook's optional authorization header value, set in its
//! dashboard, is sent as it is in `Authorization` with every request and compared here in
//! constant time. The value authenticates the sender, not the body. The id is the body's
//! `event.id`, the type its `event.type` (`INITIAL_PURCHASE`).

use crate::spec::*;

/// RevenueCat.
pub const PROVIDER: Provider = Provider {
    name: "revenuecat",
    title: "RevenueCat",
    docs: "https://www.revenuecat.com/docs/integrations/webhooks",
    setup: "In the RevenueCat dashboard, Integrations → Webhooks → + New: paste the Hookway URL \
            `https://<api>/webhooks/<source>` and set an authorization header value (e.g. a long \
            random `Bearer …`); that whole value is the source's secret.",
    evidence: Evidence::Rule,
    spec: Spec {
        algorithm: Algorithm::Token,
        signature: Carrier::Token { name: "Authorization" },
        signed: &[],
        id: Some(Locate::Pointer("/event/id")),
        event_type: Some(Locate::Pointer("/event/type")),
        ..Spec::BODY_HMAC
    },
};
