//! Twilio: `X-Twilio-Signature: <base64>`, HMAC-SHA1 with the account's auth token as UTF-8 of the
//! full URL Twilio called followed by the form parameters of the body, sorted by name, each as name
//! then value. A JSON body is signed instead through the URL's `bodySHA256` query parameter, the
//! hex SHA-256 of the body. The URL is the source's `publicUrl` behind a custom domain or a proxy,
//! else the one the request came to. The id is `I-Twilio-Idempotency-Token`.

use std::borrow::Cow;

use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use crate::VerifyError;
use crate::engine::{Presented, Request};
use crate::spec::*;
use crate::wire::{self, Signature};

const SIGNATURE: &str = "X-Twilio-Signature";

/// Twilio.
pub const PROVIDER: Provider = Provider {
    name: "twilio",
    title: "Twilio",
    docs: "https://www.twilio.com/docs/usage/webhooks/webhooks-security#validating-signatures-from-twilio",
    spec: Spec {
        algorithm: Algorithm::HmacSha1,
        signature: Carrier::Header { name: SIGNATURE, prefix: "", encoding: Encoding::Base64 },
        signed: &[Part::Url, Part::SortedForm],
        id: Some(Locate::Header("I-Twilio-Idempotency-Token")),
        hooks: Hooks { presented: Some(presented), identify: None, sign: None, signed: Some(signed) },
        ..Spec::BODY_HMAC
    },
};

/// The signature; a `bodySHA256` in the URL must be the body's digest.
fn presented<'r>(request: &Request<'r>) -> Result<Presented<'r>, VerifyError> {
    let signature = Signature::decode(wire::header(request.headers, SIGNATURE)?, Encoding::Base64)
        .ok_or_else(|| wire::malformed(SIGNATURE))?;
    if request.url.is_empty() {
        return Err(VerifyError::NoUrl);
    }
    if let Some(expected) = wire::query_parameter(request.url, "bodySHA256") {
        let digest = hex::encode(Sha256::digest(request.body));
        if !bool::from(digest.as_bytes().ct_eq(expected.to_ascii_lowercase().as_bytes())) {
            return Err(VerifyError::Mismatch);
        }
    }
    Ok(Presented { signatures: vec![signature], ..Presented::default() })
}

/// The URL, then the sorted form parameters unless the body is signed by its digest.
fn signed(request: &Request<'_>, _presented: &Presented<'_>) -> Vec<u8> {
    let mut bytes = request.url.as_bytes().to_vec();
    if wire::query_parameter(request.url, "bodySHA256").is_none() {
        for (name, value) in wire::sorted_form(request.body) {
            bytes.extend_from_slice(name.as_bytes());
            bytes.extend_from_slice(Cow::as_ref(&value).as_bytes());
        }
    }
    bytes
}
