//! Sumsub: `X-Payload-Digest: <hex>`, the HMAC of the body with the webhook's secret key as UTF-8,
//! no timestamp, its algorithm named in `X-Payload-Digest-Alg`. Hookway verifies
//! `HMAC_SHA256_HEX` (Sumsub's default) and refuses the SHA-1 and SHA-512 choices: keep the
//! webhook's digest algorithm at SHA256. The type is the body's `type` (`applicantReviewed`); the
//! body names no event id (`applicantId` is the applicant's), so its digest stands for one.

use crate::VerifyError;
use crate::engine::{Presented, Request, SignRequest, Signed};
use crate::spec::*;
use crate::wire::{self, Signature};

const DIGEST: &str = "X-Payload-Digest";
const ALGORITHM: &str = "X-Payload-Digest-Alg";
const SHA256: &str = "HMAC_SHA256_HEX";

/// Sumsub.
pub const PROVIDER: Provider = Provider {
    name: "sumsub",
    title: "Sumsub",
    docs: "https://docs.sumsub.com/docs/webhook-manager",
    setup: "In the Sumsub dashboard, open Dev space > Webhooks, create a webhook with the Target URL https://<api>/webhooks/<source> and the SHA256 digest algorithm, and set its Secret key (the same text is configured here).",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Custom { shown: "X-Payload-Digest (X-Payload-Digest-Alg: HMAC_SHA256_HEX)" },
        event_type: Some(Locate::Pointer("/type")),
        hooks: Hooks { presented: Some(presented), identify: None, sign: Some(sign), signed: None, url_variant: None },
        ..Spec::BODY_HMAC
    },
};

fn presented<'r>(request: &Request<'r>) -> Result<Presented<'r>, VerifyError> {
    if wire::optional_header(request.headers, ALGORITHM).is_some_and(|algorithm| algorithm != SHA256) {
        return Err(VerifyError::NoAcceptedSignature { header: ALGORITHM.to_owned(), version: SHA256.to_owned() });
    }
    let digest = wire::header(request.headers, DIGEST)?;
    let signature = Signature::decode(digest, Encoding::Hex).ok_or_else(|| wire::malformed(DIGEST))?;
    Ok(Presented { signatures: vec![signature], ..Presented::default() })
}

fn sign(_request: &SignRequest<'_>, _timestamp: &str, signature: &[u8], _asymmetric: bool) -> Signed {
    Signed {
        headers: vec![(DIGEST.to_owned(), hex::encode(signature)), (ALGORITHM.to_owned(), SHA256.to_owned())],
        body: None,
    }
}

#[cfg(test)]
mod tests {
    use http::HeaderMap;

    use crate::engine::Request;
    use crate::{Scheme, VerifyError};

    #[test]
    fn a_digest_of_another_algorithm_is_refused() {
        let scheme = Scheme::named("sumsub").unwrap();
        let key = scheme.key("secret", None).unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("x-payload-digest", "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3".parse().unwrap());
        headers.insert("x-payload-digest-alg", "HMAC_SHA1_HEX".parse().unwrap());
        let request = Request { method: "POST", url: "", headers: &headers, body: b"{}" };
        assert!(matches!(scheme.verify(&request, &[key], 300, 0), Err(VerifyError::NoAcceptedSignature { .. })));
    }
}
