//! GitHub: `X-Hub-Signature-256: sha256=<hex>` over the body, the webhook secret used as its UTF-8
//! bytes, with no timestamp. The delivery id is `X-GitHub-Delivery`, the event `X-GitHub-Event`.

use std::borrow::Cow;

use http::HeaderMap;

use super::{Mac, Named, Presented, VerifyError, decode_mac, encode_mac, header, optional_header};
use crate::config::Encoding;

const SIGNATURE: &str = "X-Hub-Signature-256";
const DELIVERY: &str = "X-GitHub-Delivery";
pub(super) const EVENT: &str = "X-GitHub-Event";

pub(super) const KEPT_HEADERS: &[&str] = &[
    DELIVERY,
    EVENT,
    "X-GitHub-Hook-ID",
    "X-GitHub-Hook-Installation-Target-Type",
    "X-GitHub-Hook-Installation-Target-ID",
];

pub(super) fn presented(headers: &HeaderMap) -> Result<Presented<'_>, VerifyError> {
    let signature = header(headers, SIGNATURE)?
        .strip_prefix("sha256=")
        .and_then(|hex| decode_mac(hex, Encoding::Hex))
        .ok_or(VerifyError::MalformedHeader(Cow::Borrowed(SIGNATURE)))?;
    Ok(Presented { signatures: vec![signature], timestamp: None, id: None })
}

pub(super) fn headers(mac: &Mac, id: &str) -> Vec<(String, String)> {
    vec![
        (DELIVERY.to_owned(), id.to_owned()),
        (SIGNATURE.to_owned(), format!("sha256={}", encode_mac(mac, Encoding::Hex))),
    ]
}

pub(super) fn identify(headers: &HeaderMap) -> Named<'_> {
    Named {
        id: optional_header(headers, DELIVERY).map(Into::into),
        event_type: optional_header(headers, EVENT).map(Into::into),
        challenge: None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{headers, verify};
    use super::super::{Scheme, VerifyError};

    // GitHub docs, "Validating webhook deliveries".
    const SECRET: &str = "It's a Secret to Everybody";
    const SIGNATURE: &str = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    const BODY: &[u8] = b"Hello, World!";

    fn check(signature: &str, secret: &str, body: &[u8]) -> Result<(), VerifyError> {
        verify(&Scheme::Github, &[secret], &headers(&[("X-Hub-Signature-256", signature)]), body, 0)
    }

    #[test]
    fn the_documented_example_verifies() {
        assert_eq!(check(SIGNATURE, SECRET, BODY), Ok(()));
        assert_eq!(check(&SIGNATURE.to_uppercase().replacen("SHA256", "sha256", 1), SECRET, BODY), Ok(()), "hex case");
    }

    #[test]
    fn its_tampered_forms_are_refused() {
        assert_eq!(check(SIGNATURE, SECRET, b"Hello, World?"), Err(VerifyError::Mismatch));
        assert_eq!(check(SIGNATURE, "It's a Secret to Nobody", BODY), Err(VerifyError::Mismatch));
    }

    #[test]
    fn a_signature_without_its_prefix_or_of_the_wrong_length_is_malformed() {
        let malformed = "malformed X-Hub-Signature-256 header";
        assert_eq!(check(&SIGNATURE[7..], SECRET, BODY).unwrap_err().to_string(), malformed);
        assert_eq!(check(&SIGNATURE[..70], SECRET, BODY).unwrap_err().to_string(), malformed);
        assert_eq!(
            check("sha1=757107ea0eb2509fc211221cce984b8a37570b6d", SECRET, BODY).unwrap_err().to_string(),
            malformed
        );
    }

    #[test]
    fn the_event_is_named_by_its_headers() {
        let headers =
            headers(&[("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958"), ("X-GitHub-Event", "ping")]);
        let identity = Scheme::Github.identify("github", &headers, BODY).unwrap();
        assert_eq!(identity.id, "72d3162e-cc78-11e3-81ab-4c9367dc0958");
        assert_eq!(identity.event_type.as_deref(), Some("ping"));
    }
}
