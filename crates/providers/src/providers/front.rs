//! Front (application webhooks): `X-Front-Signature: <base64>`, HMAC-SHA256 of
//! `{timestamp}:{body}` with the app's signing key as UTF-8, the timestamp in
//! `X-Front-Request-Timestamp` in Unix milliseconds, checked against the tolerance. The type is the
//! body's `type` (`inbound_received`), the id the event's `payload.id` (`evt_…`).
//!
//! Saving the webhook in Front sends a signed `sync` request with an `X-Front-Challenge` header:
//! once it verifies it is answered with the challenge as plain text, as Front requires, never enqueued. Front's
//! rule webhooks sign differently (HMAC-SHA1 of the body with the API secret) and are not this
//! scheme.

use crate::engine::{Answer, Request};
use crate::key::Key;
use crate::spec::*;
use crate::wire;

const CHALLENGE: &str = "X-Front-Challenge";

/// Front.
pub const PROVIDER: Provider = Provider {
    name: "front",
    title: "Front",
    docs: "https://dev.frontapp.com/docs/application-webhooks",
    setup: "In Front, Settings > Developers, open your app: its Basic information shows the signing key; add an Application webhook feature with the URL https://<api>/webhooks/<source>.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "X-Front-Signature", prefix: "", encoding: Encoding::Base64 },
        signed: &[Part::Timestamp, Part::text(":"), Part::Body],
        timestamp: Some(Timestamp {
            at: TimestampAt::Header("X-Front-Request-Timestamp"),
            format: TimeFormat::UnixMillis,
            checked: true,
        }),
        id: Some(Locate::Pointer("/payload/id")),
        event_type: Some(Locate::Pointer("/type")),
        handshake: Some(Handshake::Verified { shown: "X-Front-Challenge: answers its challenge", answer: handshake }),
        ..Spec::BODY_HMAC
    },
};

fn handshake(request: &Request<'_>, _key: &Key) -> Option<Answer> {
    let challenge = wire::optional_header(request.headers, CHALLENGE)?;
    Some(Answer::text(challenge))
}
