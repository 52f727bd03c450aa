//! DocuSign Connect: `X-DocuSign-Signature-1`, `X-DocuSign-Signature-2`, … — one header for each
//! HMAC key active on the account (up to 100), each the base64 HMAC-SHA256 of the body with that
//! key as UTF-8, no timestamp. Configure every active key: a request verifies when any header
//! matches any key, so a key can be added before the old one is deleted. The type is the JSON
//! body's `event` (`envelope-completed`); the body names no event id (`data.envelopeId` is the
//! envelope's), so its digest stands for one.

use std::borrow::Cow;

use crate::VerifyError;
use crate::engine::{Presented, Request, SignRequest, Signed};
use crate::spec::*;
use crate::wire::{self, Signature};

/// The most HMAC keys an account has, and so signature headers a request carries.
const MOST_KEYS: usize = 100;

/// DocuSign.
pub const PROVIDER: Provider = Provider {
    name: "docusign",
    title: "DocuSign",
    docs: "https://developers.docusign.com/platform/webhooks/connect/hmac/",
    setup: "In DocuSign eSignature Settings > Connect, add an HMAC key under Connect Keys and copy it (shown once); in the Connect configuration set the URL to Publish to https://<api>/webhooks/<source>, choose JSON, and tick Include HMAC Signature.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Custom { shown: "X-DocuSign-Signature-1, -2, …" },
        event_type: Some(Locate::Pointer("/event")),
        hooks: Hooks { presented: Some(presented), identify: None, sign: Some(sign), signed: None, url_variant: None },
        ..Spec::BODY_HMAC
    },
};

fn presented<'r>(request: &Request<'r>) -> Result<Presented<'r>, VerifyError> {
    let mut presented = Presented::default();
    for index in 1..=MOST_KEYS {
        let name = format!("X-DocuSign-Signature-{index}");
        let Some(value) = wire::optional_header(request.headers, &name) else { break };
        presented.signatures.push(Signature::decode(value, Encoding::Base64).ok_or_else(|| wire::malformed(&name))?);
    }
    if presented.signatures.is_empty() {
        return Err(VerifyError::MissingHeader(Cow::Borrowed("X-DocuSign-Signature-1")));
    }
    Ok(presented)
}

fn sign(_request: &SignRequest<'_>, _timestamp: &str, signature: &[u8], _asymmetric: bool) -> Signed {
    Signed {
        headers: vec![("X-DocuSign-Signature-1".to_owned(), wire::encode(signature, Encoding::Base64))],
        body: None,
    }
}
