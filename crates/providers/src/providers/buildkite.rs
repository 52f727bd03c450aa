//! Buildkite (Pipelines webhooks, signature mode): `X-Buildkite-Signature:
//! timestamp=<unix>,signature=<hex>`, HMAC-SHA256 of `{timestamp}.{body}` with the webhook's token
//! as UTF-8; the timestamp is checked against the tolerance. The type is the body's `event`
//! (`build.finished`), which `X-Buildkite-Event` repeats; Buildkite sends no event id, so a digest
//! of the body stands for it. A webhook set to send its token as it is (`X-Buildkite-Token`) is not
//! accepted: it proves neither the body nor the time.

use crate::spec::*;

/// Buildkite.
pub const PROVIDER: Provider = Provider {
    name: "buildkite",
    title: "Buildkite",
    docs: "https://buildkite.com/docs/apis/webhooks/pipelines#webhook-signature",
    setup: "In Buildkite, open Settings > Notification Services > Add Webhook, paste `https://<api>/webhooks/<source>` as the Webhook URL and choose to send the token as X-Buildkite-Signature: the Token shown there is the secret.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Pairs {
            name: "X-Buildkite-Signature",
            separator: ',',
            timestamp_key: Some("timestamp"),
            signature_key: "signature",
            encoding: Encoding::Hex,
        },
        signed: &[Part::Timestamp, Part::text("."), Part::Body],
        timestamp: Some(Timestamp { at: TimestampAt::Pairs, format: TimeFormat::UnixSeconds, checked: true }),
        event_type: Some(Locate::Pointer("/event")),
        kept_headers: &["X-Buildkite-Event"],
        ..Spec::BODY_HMAC
    },
};
