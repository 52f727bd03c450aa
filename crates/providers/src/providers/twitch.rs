//! Twitch EventSub: `Twitch-Eventsub-Message-Signature: sha256=<hex>`, HMAC-SHA256 of the message id,
//! timestamp and body concatenated (`Twitch-Eventsub-Message-Id`, `Twitch-Eventsub-Message-Timestamp`
//! in RFC 3339) with the subscription's secret as UTF-8. The type is
//! `Twitch-Eventsub-Subscription-Type` (`channel.follow`).
//!
//! A new subscription is confirmed with a signed `webhook_callback_verification` message, answered
//! with its `challenge` as `text/plain` once the signature verifies.

use crate::engine::{Answer, Request};
use crate::key::Key;
use crate::spec::*;
use crate::wire;

/// Twitch EventSub.
pub const PROVIDER: Provider = Provider {
    name: "twitch",
    title: "Twitch EventSub",
    docs: "https://dev.twitch.tv/docs/eventsub/handling-webhook-events/#verifying-the-event-message",
    setup: "Create an EventSub subscription (POST /eventsub/subscriptions) with the webhook transport: the Hookway URL as callback and a secret you choose (10 to 100 characters).",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header {
            name: "Twitch-Eventsub-Message-Signature",
            prefix: "sha256=",
            encoding: Encoding::Hex,
        },
        signed: &[Part::Id, Part::Timestamp, Part::Body],
        timestamp: Some(Timestamp {
            at: TimestampAt::Header("Twitch-Eventsub-Message-Timestamp"),
            format: TimeFormat::Rfc3339,
            checked: true,
        }),
        id: Some(Locate::Header("Twitch-Eventsub-Message-Id")),
        event_type: Some(Locate::Header("Twitch-Eventsub-Subscription-Type")),
        handshake: Some(Handshake::Verified {
            shown: "webhook_callback_verification: answers its challenge",
            answer: verification,
        }),
        kept_headers: &[
            "Twitch-Eventsub-Message-Type",
            "Twitch-Eventsub-Message-Retry",
            "Twitch-Eventsub-Subscription-Version",
        ],
        ..Spec::BODY_HMAC
    },
};

fn verification(request: &Request<'_>, _key: &Key) -> Option<Answer> {
    let kind = wire::optional_header(request.headers, "Twitch-Eventsub-Message-Type")?;
    if kind != "webhook_callback_verification" {
        return None;
    }
    wire::pointer(request.body, "/challenge").ok().flatten().map(Answer::text)
}
