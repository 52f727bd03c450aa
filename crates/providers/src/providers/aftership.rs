//! AfterShip (Tracking): `aftership-hmac-sha256: <base64>`, HMAC-SHA256 of the raw body with the
//! account's webhook secret as UTF-8. No timestamp is signed (the body's `ts` is not checked). The
//! id and type are the body's `event_id` and `event` (`tracking_update`).

use crate::spec::*;

/// AfterShip.
pub const PROVIDER: Provider = Provider {
    name: "aftership",
    title: "AfterShip",
    docs: "https://www.aftership.com/docs/tracking/webhook/webhook-signature",
    setup: "In AfterShip, Settings → Webhooks, add the Hookway URL https://<api>/webhooks/<source> as a webhook URL; the webhook secret shown on that page is the key.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "aftership-hmac-sha256", prefix: "", encoding: Encoding::Base64 },
        id: Some(Locate::Pointer("/event_id")),
        event_type: Some(Locate::Pointer("/event")),
        ..Spec::BODY_HMAC
    },
};
