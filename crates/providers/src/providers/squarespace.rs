//! Squarespace: `Squarespace-Signature: <hex>`, HMAC-SHA256 of the body keyed with the bytes of the
//! webhook subscription's secret, which Squarespace gives in hex (decoded before use, not its
//! text). No timestamp is signed; `createdOn` in the signed body says when the notification was
//! made. The id is the body's `id`, the type its `topic` (`order.create`). A rotated secret
//! replaces the old one at once.

use crate::spec::*;

/// Squarespace.
pub const PROVIDER: Provider = Provider {
    name: "squarespace",
    title: "Squarespace",
    docs: "https://developers.squarespace.com/webhooks/verifying-notifications",
    setup: "Create the subscription with the Webhook Subscriptions API (`POST /1.0/webhook_subscriptions`) \
            with `endpointUrl` set to the Hookway URL `https://<api>/webhooks/<source>`; the response's \
            hexadecimal `secret` (shown only then, or when rotated) is the source's secret.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "Squarespace-Signature", prefix: "", encoding: Encoding::Hex },
        secret: SecretFormat::HexBytes,
        id: Some(Locate::Pointer("/id")),
        event_type: Some(Locate::Pointer("/topic")),
        ..Spec::BODY_HMAC
    },
};
