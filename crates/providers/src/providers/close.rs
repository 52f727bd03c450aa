//! Close: `close-sig-hash: <hex>`, HMAC-SHA256 of the timestamp followed directly by the body,
//! keyed with the subscription's `signature_key` decoded from hex. The timestamp is
//! `close-sig-timestamp` (Unix seconds), checked against the tolerance. The id is `event.id`
//! (`ev_…`), the type `{event.object_type}.{event.action}` (`lead.created`).

use std::borrow::Cow;

use crate::MalformedEvent;
use crate::engine::{Named, Request};
use crate::spec::*;
use crate::wire;

/// Close.
pub const PROVIDER: Provider = Provider {
    name: "close",
    title: "Close",
    docs: "https://developer.close.com/topics/webhooks/",
    setup: "Create the subscription with Close's API (POST /api/v1/webhook/ with url https://<api>/webhooks/<source>); the response's signature_key, a hex string, is the secret.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "close-sig-hash", prefix: "", encoding: Encoding::Hex },
        signed: &[Part::Timestamp, Part::Body],
        timestamp: Some(Timestamp {
            at: TimestampAt::Header("close-sig-timestamp"),
            format: TimeFormat::UnixSeconds,
            checked: true,
        }),
        secret: SecretFormat::HexBytes,
        hooks: Hooks { presented: None, identify: Some(identify), sign: None, signed: None, url_variant: None },
        ..Spec::BODY_HMAC
    },
};

fn identify<'r>(request: &Request<'r>) -> Result<Named<'r>, MalformedEvent> {
    Ok(dotted(request.body, "/event/id", "/event/object_type", "/event/action"))
}

/// The id at `id`, and the type `{first}.{second}`, from the JSON pointers given; what is missing
/// (or a body that is not JSON) is `None`.
pub fn dotted<'b>(body: &'b [u8], id: &str, first: &str, second: &str) -> Named<'b> {
    let at = |pointer: &str| wire::pointer(body, pointer).ok().flatten();
    let event_type = match (at(first), at(second)) {
        (Some(first), Some(second)) => Some(Cow::Owned(format!("{first}.{second}"))),
        _ => None,
    };
    Named { id: at(id), event_type }
}
