//! Lettermint: `X-Lettermint-Signature: t=<seconds>,v1=<hex>`, HMAC-SHA256 of `{t}.{body}` with
//! the webhook's secret as UTF-8, `whsec_` prefix and all (not decoded). `t` is checked against
//! the tolerance; several `v1` entries may be present and any one verifies. The id is the body's
//! `id`, the type its `event` (`message.delivered`), also sent unsigned in `X-Lettermint-Event`.

use crate::spec::*;

/// Lettermint.
pub const PROVIDER: Provider = Provider {
    name: "lettermint",
    title: "Lettermint",
    docs: "https://docs.lettermint.co/platform/webhooks/signing",
    setup: "In Lettermint, open the project's Webhooks and create a webhook with the URL https://<api>/webhooks/<source>; its secret (whsec_…) is shown there and goes to Hookway as is.",
    evidence: Evidence::Sdk("lettermint 3.2.0"),
    spec: Spec {
        signature: Carrier::Pairs {
            name: "X-Lettermint-Signature",
            separator: ',',
            timestamp_key: Some("t"),
            signature_key: "v1",
            encoding: Encoding::Hex,
        },
        signed: &[Part::Timestamp, Part::text("."), Part::Body],
        timestamp: Some(Timestamp { at: TimestampAt::Pairs, format: TimeFormat::UnixSeconds, checked: true }),
        id: Some(Locate::Pointer("/id")),
        event_type: Some(Locate::Pointer("/event")),
        kept_headers: &["X-Lettermint-Attempt"],
        ..Spec::BODY_HMAC
    },
};
