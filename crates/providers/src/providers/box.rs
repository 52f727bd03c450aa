//! Box: `BOX-SIGNATURE-PRIMARY` and
//! `BOX-SIGNATURE-SECONDARY`, each the base64 HMAC-SHA256 of the body followed by the
//! `BOX-DELIVERY-TIMESTAMP` header (RFC 3339, e.g. `2016-07-11T10:10:33-07:00`), one with the
//! application's primary signature key, one with its secondary key, both as UTF-8.
//! `BOX-SIGNATURE-VERSION` must be `1` and `BOX-SIGNATURE-ALGORITHM` `HmacSHA256`. The timestamp
//! is checked against the tolerance (Box's SDKs allow 10 minutes). Configure both keys to rotate
//! either: a request verifies when either signature matches either key. The id is the body's
//! `id`, the same on every retry (unlike `BOX-DELIVERY-ID`), the type its `trigger`
//! (`FILE.UPLOADED`).
//!
//! Box's SDKs also try the body with its non-ASCII characters escaped as `\uXXXX`; Hookway
//! verifies the bytes as sent.

use std::borrow::Cow;

use crate::VerifyError;
use crate::engine::{Presented, Request, SignRequest, Signed};
use crate::spec::*;
use crate::wire::{self, Signature};

const TIMESTAMP: &str = "BOX-DELIVERY-TIMESTAMP";
const PRIMARY: &str = "BOX-SIGNATURE-PRIMARY";
const SECONDARY: &str = "BOX-SIGNATURE-SECONDARY";
const VERSION: &str = "BOX-SIGNATURE-VERSION";
const ALGORITHM: &str = "BOX-SIGNATURE-ALGORITHM";

/// Box.
pub const PROVIDER: Provider = Provider {
    name: "box",
    title: "Box",
    docs: "https://developer.box.com/guides/webhooks/v2/signatures-v2",
    setup: "In the Box developer console, open the application's Webhooks tab, choose Manage signature keys and generate the primary and secondary keys (configure both); create the webhook with the address https://<api>/webhooks/<source>.",
    evidence: Evidence::Sdk("boxsdk 10.18.0"),
    spec: Spec {
        signature: Carrier::Custom { shown: "BOX-SIGNATURE-PRIMARY, BOX-SIGNATURE-SECONDARY" },
        signed: &[Part::Body, Part::Timestamp],
        timestamp: Some(Timestamp { at: TimestampAt::Custom, format: TimeFormat::Rfc3339, checked: true }),
        id: Some(Locate::Pointer("/id")),
        event_type: Some(Locate::Pointer("/trigger")),
        kept_headers: &["BOX-DELIVERY-ID"],
        hooks: Hooks { presented: Some(presented), identify: None, sign: Some(sign), signed: None, url_variant: None },
        ..Spec::BODY_HMAC
    },
};

fn presented<'r>(request: &Request<'r>) -> Result<Presented<'r>, VerifyError> {
    let headers = request.headers;
    if wire::header(headers, VERSION)? != "1" {
        return Err(wire::malformed(VERSION));
    }
    if wire::header(headers, ALGORITHM)? != "HmacSHA256" {
        return Err(wire::malformed(ALGORITHM));
    }
    let timestamp = wire::header(headers, TIMESTAMP)?;
    let seconds = unix_seconds(timestamp).ok_or_else(|| wire::malformed(TIMESTAMP))?;
    let mut presented = Presented { timestamp: Some((Cow::Borrowed(timestamp), seconds)), ..Presented::default() };
    for name in [PRIMARY, SECONDARY] {
        if let Some(value) = wire::optional_header(headers, name) {
            presented.signatures.push(Signature::decode(value, Encoding::Base64).ok_or_else(|| wire::malformed(name))?);
        }
    }
    if presented.signatures.is_empty() {
        return Err(VerifyError::MissingHeader(Cow::Borrowed(PRIMARY)));
    }
    Ok(presented)
}

/// RFC 3339 with `Z` or a numeric offset (`-07:00`), as Unix seconds.
fn unix_seconds(text: &str) -> Option<i64> {
    let (local, offset) = match text.len().checked_sub(6).and_then(|at| text.get(at..).map(|tail| (at, tail))) {
        Some((at, tail)) if matches!(tail.as_bytes(), [b'+' | b'-', _, _, b':', _, _]) => {
            let hours: i64 = tail[1..3].parse().ok()?;
            let minutes: i64 = tail[4..6].parse().ok()?;
            let sign = if tail.starts_with('-') { -1 } else { 1 };
            (&text[..at], sign * (hours * 3600 + minutes * 60))
        }
        _ => (text.strip_suffix('Z').or_else(|| text.strip_suffix('z'))?, 0),
    };
    let local = wire::timestamp(local, TimeFormat::Rfc3339, TIMESTAMP).ok()?;
    Some(local - offset)
}

fn sign(_request: &SignRequest<'_>, timestamp: &str, signature: &[u8], _asymmetric: bool) -> Signed {
    Signed {
        headers: vec![
            (TIMESTAMP.to_owned(), timestamp.to_owned()),
            (PRIMARY.to_owned(), wire::encode(signature, Encoding::Base64)),
            (VERSION.to_owned(), "1".to_owned()),
            (ALGORITHM.to_owned(), "HmacSHA256".to_owned()),
        ],
        body: None,
    }
}

#[cfg(test)]
mod tests {
    use super::unix_seconds;

    #[test]
    fn delivery_timestamps_read_with_their_offset() {
        assert_eq!(unix_seconds("2016-07-11T10:10:33-07:00"), Some(1_468_257_033));
        assert_eq!(unix_seconds("2016-07-11T17:10:33Z"), Some(1_468_257_033));
        assert_eq!(unix_seconds("2016-07-11T19:10:33+02:00"), Some(1_468_257_033));
        assert_eq!(unix_seconds("2016-07-11T17:10:33"), None, "no offset");
        assert_eq!(unix_seconds("yesterday"), None);
    }
}
