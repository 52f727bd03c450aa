//! Revolut: `Revolut-Signature: v1=<hex>[,v1=<hex>...]` (one entry a signing secret, several while
//! a rotated secret is still valid), HMAC-SHA256 of `v1.{timestamp}.{body}` with the webhook's
//! signing secret (`wsk_…`) as UTF-8, where the timestamp is `Revolut-Request-Timestamp` as sent
//! (Unix milliseconds), checked against the tolerance. Revolut sends no event id; the type is the
//! body's `event` (`ORDER_COMPLETED`).

use crate::spec::*;

/// Revolut.
pub const PROVIDER: Provider = Provider {
    name: "revolut",
    title: "Revolut",
    docs: "https://developer.revolut.com/docs/guides/accept-payments/tutorials/work-with-webhooks/verify-the-payload-signature",
    setup: "Create the webhook with Revolut's API (Create a webhook) with `https://<api>/webhooks/<source>` as its url; the signing_secret it returns (`wsk_…`) is the key.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Pairs {
            name: "Revolut-Signature",
            separator: ',',
            timestamp_key: None,
            signature_key: "v1",
            encoding: Encoding::Hex,
        },
        signed: &[Part::text("v1."), Part::Timestamp, Part::text("."), Part::Body],
        timestamp: Some(Timestamp {
            at: TimestampAt::Header("Revolut-Request-Timestamp"),
            format: TimeFormat::UnixMillis,
            checked: true,
        }),
        event_type: Some(Locate::Pointer("/event")),
        ..Spec::BODY_HMAC
    },
};
