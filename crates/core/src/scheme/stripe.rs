//! Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>...][,v0=<hex>]` over `{t}.{body}`, the
//! endpoint secret used as its UTF-8 bytes. Only `v1` entries count: a header that carries only
//! `v0` (a test-mode scheme) is refused, so a sender cannot downgrade. The event's id and type are
//! the body's `id` and `type`.

use std::borrow::Cow;

use http::HeaderMap;
use serde::Deserialize;

use super::{
    JsonStr, Mac, MalformedEvent, Named, Part, Presented, VerifyError, decode_mac, encode_mac, header, timestamp,
};
use crate::config::Encoding;

const SIGNATURE: &str = "Stripe-Signature";

pub(super) const TEMPLATE: &[Part] = &[Part::Timestamp, Part::text("."), Part::Body];
pub(super) const KEPT_HEADERS: &[&str] = &[];

pub(super) fn presented(headers: &HeaderMap) -> Result<Presented<'_>, VerifyError> {
    let value = header(headers, SIGNATURE)?;
    let mut signed_at = None;
    let mut signatures: Vec<Mac> = Vec::new();
    for (key, entry) in value.split(',').filter_map(|pair| pair.trim().split_once('=')) {
        match key {
            "t" if signed_at.is_none() => signed_at = Some(timestamp(entry, SIGNATURE)?),
            "v1" => signatures.extend(decode_mac(entry, Encoding::Hex)),
            _ => {}
        }
    }
    let signed_at = signed_at.ok_or(VerifyError::MalformedHeader(Cow::Borrowed(SIGNATURE)))?;
    if signatures.is_empty() {
        return Err(VerifyError::NoAcceptedSignature { header: SIGNATURE, version: "v1" });
    }
    Ok(Presented { signatures, timestamp: Some(signed_at), id: None })
}

pub(super) fn headers(mac: &Mac, timestamp: &str) -> Vec<(String, String)> {
    vec![(SIGNATURE.to_owned(), format!("t={timestamp},v1={}", encode_mac(mac, Encoding::Hex)))]
}

/// Every Stripe event is a JSON object with an `id` (`evt_...`) and a `type`.
pub(super) fn identify(body: &[u8]) -> Result<Named<'_>, MalformedEvent> {
    #[derive(Deserialize)]
    struct Event<'a> {
        #[serde(borrow)]
        id: Option<JsonStr<'a>>,
        #[serde(borrow, rename = "type")]
        event_type: Option<JsonStr<'a>>,
    }
    let event: Event<'_> = serde_json::from_slice(body).map_err(|_| MalformedEvent::NotJson)?;
    Ok(Named {
        id: Some(event.id.ok_or(MalformedEvent::MissingField("id"))?.0),
        event_type: Some(event.event_type.ok_or(MalformedEvent::MissingField("type"))?.0),
        challenge: None,
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::{headers, verify};
    use super::super::{MalformedEvent, Scheme, VerifyError};

    // Computed independently with Python's hmac module.
    const SECRET: &str = "whsec_test_secret";
    const BODY: &[u8] = br#"{"id": "evt_1NG8Du2eZvKYlo2CUI79vXWy", "object": "event", "type": "invoice.paid"}"#;
    const V1: &str = "9e3fb9ea65f267aa3bc4a45dc9df24eaa294488d15633daa44c0780cb6577272";
    const NOW: i64 = 1_700_000_000;

    fn check(value: &str, body: &[u8]) -> Result<(), VerifyError> {
        verify(&Scheme::Stripe, &[SECRET], &headers(&[("Stripe-Signature", value)]), body, NOW)
    }

    #[test]
    fn a_v1_signature_verifies() {
        assert_eq!(check(&format!("t=1700000000,v1={V1}"), BODY), Ok(()));
    }

    #[test]
    fn any_v1_entry_may_match_and_v0_entries_are_ignored() {
        let value = format!(
            "t=1700000000,v1={},v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39,v1={V1}",
            "0".repeat(64)
        );
        assert_eq!(check(&value, BODY), Ok(()));
    }

    #[test]
    fn a_header_with_only_v0_is_a_downgrade_and_refused() {
        assert_eq!(
            check(&format!("t=1700000000,v0={V1}"), BODY),
            Err(VerifyError::NoAcceptedSignature { header: "Stripe-Signature", version: "v1" })
        );
    }

    #[test]
    fn a_tampered_body_or_timestamp_is_refused() {
        assert_eq!(check(&format!("t=1700000000,v1={V1}"), &BODY[1..]), Err(VerifyError::Mismatch));
        assert_eq!(check(&format!("t=1700000001,v1={V1}"), BODY), Err(VerifyError::Mismatch));
    }

    #[test]
    fn a_header_without_timestamp_is_malformed() {
        assert_eq!(check(&format!("v1={V1}"), BODY).unwrap_err().to_string(), "malformed Stripe-Signature header");
        assert_eq!(
            check(&format!("t=soon,v1={V1}"), BODY).unwrap_err().to_string(),
            "malformed Stripe-Signature header"
        );
    }

    #[test]
    fn the_event_is_named_by_the_body() {
        let identity = Scheme::Stripe.identify("stripe", &headers(&[]), BODY).unwrap();
        assert_eq!(identity.id, "evt_1NG8Du2eZvKYlo2CUI79vXWy");
        assert_eq!(identity.event_type.as_deref(), Some("invoice.paid"));
    }

    #[test]
    fn a_body_that_names_no_event_is_malformed() {
        assert_eq!(Scheme::Stripe.identify("stripe", &headers(&[]), b"id=evt_1"), Err(MalformedEvent::NotJson));
        assert_eq!(
            Scheme::Stripe.identify("stripe", &headers(&[]), br#"{"type": "x"}"#),
            Err(MalformedEvent::MissingField("id"))
        );
    }
}
