//! Discord (interactions endpoint): `X-Signature-Ed25519: <hex>`, an Ed25519 signature of the
//! timestamp (`X-Signature-Timestamp`, Unix seconds) followed by the body, verified with the
//! application's public key as the developer portal shows it (hex). The id and type are the
//! interaction's `id` and `type` (a number: `2` is a command).
//!
//! Discord checks the endpoint with a signed `PING` (`"type": 1`), answered `{"type": 1}` once it
//! verifies; it also sends bad signatures on purpose, which must be refused.

use serde_json::json;

use crate::engine::{Answer, Request};
use crate::key::Key;
use crate::spec::*;
use crate::wire;

/// Discord.
pub const PROVIDER: Provider = Provider {
    name: "discord",
    title: "Discord",
    docs: "https://discord.com/developers/docs/interactions/overview#setting-up-an-endpoint-validating-security-request-headers",
    setup: "Developer Portal → your application → General Information: the Public Key is the secret; paste the Hookway URL as the Interactions Endpoint URL.",
    evidence: Evidence::Sdk("discord-interactions 4.4.0, Discord's own verifier"),
    spec: Spec {
        algorithm: Algorithm::Ed25519,
        signature: Carrier::Header { name: "X-Signature-Ed25519", prefix: "", encoding: Encoding::Hex },
        signed: &[Part::Timestamp, Part::Body],
        timestamp: Some(Timestamp {
            at: TimestampAt::Header("X-Signature-Timestamp"),
            format: TimeFormat::UnixSeconds,
            checked: true,
        }),
        id: Some(Locate::Pointer("/id")),
        event_type: Some(Locate::Pointer("/type")),
        secret: SecretFormat::Ed25519Hex,
        handshake: Some(Handshake::Verified { shown: "PING: answers {\"type\": 1}", answer: ping }),
        ..Spec::BODY_HMAC
    },
};

fn ping(request: &Request<'_>, _key: &Key) -> Option<Answer> {
    (wire::pointer(request.body, "/type").ok().flatten()? == "1").then(|| Answer::json(&json!({ "type": 1 })))
}
