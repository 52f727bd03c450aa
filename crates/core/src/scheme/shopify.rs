//! Shopify: `X-Shopify-Hmac-SHA256: <base64>` over the body, the app's client secret used as its
//! UTF-8 bytes, with no timestamp. The id is `X-Shopify-Webhook-Id`, the type `X-Shopify-Topic`.

use std::borrow::Cow;

use http::HeaderMap;

use super::{Mac, Named, Presented, VerifyError, decode_mac, encode_mac, header, optional_header};
use crate::config::Encoding;

const SIGNATURE: &str = "X-Shopify-Hmac-SHA256";
const WEBHOOK_ID: &str = "X-Shopify-Webhook-Id";
pub(super) const TOPIC: &str = "X-Shopify-Topic";

pub(super) const KEPT_HEADERS: &[&str] = &[
    WEBHOOK_ID,
    TOPIC,
    "X-Shopify-Shop-Domain",
    "X-Shopify-API-Version",
    "X-Shopify-Triggered-At",
    "X-Shopify-Event-Id",
];

pub(super) fn presented(headers: &HeaderMap) -> Result<Presented<'_>, VerifyError> {
    let signature = decode_mac(header(headers, SIGNATURE)?, Encoding::Base64)
        .ok_or(VerifyError::MalformedHeader(Cow::Borrowed(SIGNATURE)))?;
    Ok(Presented { signatures: vec![signature], timestamp: None, id: None })
}

pub(super) fn headers(mac: &Mac, id: &str) -> Vec<(String, String)> {
    vec![(WEBHOOK_ID.to_owned(), id.to_owned()), (SIGNATURE.to_owned(), encode_mac(mac, Encoding::Base64))]
}

pub(super) fn identify(headers: &HeaderMap) -> Named<'_> {
    Named {
        id: optional_header(headers, WEBHOOK_ID).map(Into::into),
        event_type: optional_header(headers, TOPIC).map(Into::into),
        challenge: None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{headers, verify};
    use super::super::{Scheme, VerifyError};

    // Computed independently with Python's hmac and base64 modules.
    const SECRET: &str = "hush";
    const BODY: &[u8] = br#"{"topic": "orders/create", "id": 820982911946154508}"#;
    const SIGNATURE: &str = "sNTVoxKKQD0e+lMxVSwrpiKklsXZFMM+BM/8wfmgxiQ=";

    fn check(signature: &str, body: &[u8]) -> Result<(), VerifyError> {
        verify(&Scheme::Shopify, &[SECRET], &headers(&[("X-Shopify-Hmac-Sha256", signature)]), body, 0)
    }

    #[test]
    fn a_base64_signature_of_the_body_verifies() {
        assert_eq!(check(SIGNATURE, BODY), Ok(()));
    }

    #[test]
    fn its_tampered_forms_are_refused() {
        assert_eq!(check(SIGNATURE, &BODY[..BODY.len() - 1]), Err(VerifyError::Mismatch));
        assert_eq!(check("sNTVoxKKQD0e", BODY).unwrap_err().to_string(), "malformed X-Shopify-Hmac-SHA256 header");
    }

    #[test]
    fn the_event_is_named_by_its_headers() {
        let headers = headers(&[
            ("X-Shopify-Webhook-Id", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"),
            ("X-Shopify-Topic", "orders/create"),
        ]);
        let identity = Scheme::Shopify.identify("shopify", &headers, BODY).unwrap();
        assert_eq!(identity.id, "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043");
        assert_eq!(identity.event_type.as_deref(), Some("orders/create"));
    }
}
