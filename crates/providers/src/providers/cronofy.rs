//! Cronofy: `Cronofy-HMAC-SHA256: <base64>[,<base64>…]`, HMAC-SHA256 of the body with the OAuth
//! application's client secret as UTF-8, no timestamp. While a client secret is rotated the header
//! carries one signature for each active secret, comma-separated: a request verifies when any of
//! them matches a configured key. The type is the body's `notification.type` (`change`); a push
//! notification names no event id, so the body's digest stands for one.

use crate::VerifyError;
use crate::engine::{Presented, Request, SignRequest, Signed};
use crate::spec::*;
use crate::wire::{self, Signature};

const HEADER: &str = "Cronofy-HMAC-SHA256";

/// Cronofy.
pub const PROVIDER: Provider = Provider {
    name: "cronofy",
    title: "Cronofy",
    docs: "https://docs.cronofy.com/developers/api/push-notifications/authentication/",
    setup: "The secret is the client secret of your Cronofy application (app.cronofy.com > Developer > your application); create a notification channel through Cronofy's API (POST /v1/channels) with callback_url https://<api>/webhooks/<source>.",
    evidence: Evidence::Sdk("pycronofy 2.1.1"),
    spec: Spec {
        signature: Carrier::Custom { shown: "Cronofy-HMAC-SHA256: <base64>[,<base64>…]" },
        event_type: Some(Locate::Pointer("/notification/type")),
        hooks: Hooks { presented: Some(presented), identify: None, sign: Some(sign), signed: None, url_variant: None },
        ..Spec::BODY_HMAC
    },
};

fn presented<'r>(request: &Request<'r>) -> Result<Presented<'r>, VerifyError> {
    let value = wire::header(request.headers, HEADER)?;
    let signatures: Vec<Signature> =
        value.split(',').filter_map(|entry| Signature::decode(entry.trim(), Encoding::Base64)).collect();
    if signatures.is_empty() {
        return Err(wire::malformed(HEADER));
    }
    Ok(Presented { signatures, ..Presented::default() })
}

fn sign(_request: &SignRequest<'_>, _timestamp: &str, signature: &[u8], _asymmetric: bool) -> Signed {
    Signed { headers: vec![(HEADER.to_owned(), wire::encode(signature, Encoding::Base64))], body: None }
}
