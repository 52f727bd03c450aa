//! [Standard Webhooks](https://www.standardwebhooks.com): `webhook-id`, `webhook-timestamp` and
//! `webhook-signature` (a space-separated list of `v1,<base64>`), over `{id}.{timestamp}.{body}`,
//! with a `whsec_`-prefixed base64 secret. Svix, which wrote the specification, sends the same
//! headers prefixed `svix-`; both are accepted.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use http::HeaderMap;
use serde::Deserialize;

use super::{
    JsonStr, Mac, Named, Part, Presented, VerifyError, decode_mac, encode_mac, header, optional_header, timestamp,
};
use crate::config::Encoding;
use crate::secret::{KeyError, SigningKey};

pub(super) const TEMPLATE: &[Part] = &[Part::Id, Part::text("."), Part::Timestamp, Part::text("."), Part::Body];
pub(super) const KEPT_HEADERS: &[&str] = &["webhook-id", "webhook-timestamp", "svix-id", "svix-timestamp"];

/// The header names of the specification, and Svix's.
struct Names {
    id: &'static str,
    timestamp: &'static str,
    signature: &'static str,
}

const STANDARD: Names = Names { id: "webhook-id", timestamp: "webhook-timestamp", signature: "webhook-signature" };
const SVIX: Names = Names { id: "svix-id", timestamp: "svix-timestamp", signature: "svix-signature" };

fn names(headers: &HeaderMap) -> &'static Names {
    if !headers.contains_key(STANDARD.signature) && headers.contains_key(SVIX.signature) { &SVIX } else { &STANDARD }
}

pub(super) fn presented(headers: &HeaderMap) -> Result<Presented<'_>, VerifyError> {
    let names = names(headers);
    let id = header(headers, names.id)?;
    let timestamp = timestamp(header(headers, names.timestamp)?, names.timestamp)?;
    let signatures: Vec<Mac> = header(headers, names.signature)?
        .split(' ')
        .filter_map(|entry| entry.strip_prefix("v1,"))
        .filter_map(|encoded| decode_mac(encoded, Encoding::Base64))
        .collect();
    if signatures.is_empty() {
        return Err(VerifyError::NoAcceptedSignature { header: names.signature, version: "v1" });
    }
    Ok(Presented { signatures, timestamp: Some(timestamp), id: Some(id) })
}

/// A secret is `whsec_` followed by the base64 key; the prefix is optional, as in the
/// specification's own libraries.
pub(super) fn key(secret: &str, expires_at: Option<i64>) -> Result<SigningKey, KeyError> {
    let encoded = secret.strip_prefix("whsec_").unwrap_or(secret);
    let key = BASE64
        .decode(encoded)
        .map_err(|_| KeyError::Malformed("a Standard Webhooks secret is `whsec_` followed by base64"))?;
    SigningKey::new(&key, expires_at)
}

pub(super) fn headers(mac: &Mac, id: &str, timestamp: &str) -> Vec<(String, String)> {
    vec![
        (STANDARD.id.to_owned(), id.to_owned()),
        (STANDARD.timestamp.to_owned(), timestamp.to_owned()),
        (STANDARD.signature.to_owned(), format!("v1,{}", encode_mac(mac, Encoding::Base64))),
    ]
}

/// The id is `webhook-id`; the type is the payload's `type`, which the specification makes the
/// first field of every payload.
pub(super) fn identify<'a>(headers: &'a HeaderMap, body: &'a [u8]) -> Named<'a> {
    #[derive(Deserialize)]
    struct Payload<'a> {
        #[serde(borrow, rename = "type")]
        event_type: Option<JsonStr<'a>>,
    }
    let names = names(headers);
    let payload: Option<Payload<'_>> = serde_json::from_slice(body).ok();
    Named {
        id: optional_header(headers, names.id).map(Into::into),
        event_type: payload.and_then(|payload| payload.event_type).map(|t| t.0),
        challenge: None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{headers, verify};
    use super::super::{Scheme, VerifyError};

    // From the Standard Webhooks libraries' own tests (python, go).
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TIMESTAMP: &str = "1614265330";
    const SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const NOW: i64 = 1_614_265_330;

    fn check(signature: &str, secrets: &[&str], body: &[u8]) -> Result<(), VerifyError> {
        let headers =
            headers(&[("webhook-id", ID), ("webhook-timestamp", TIMESTAMP), ("webhook-signature", signature)]);
        verify(&Scheme::StandardWebhooks, secrets, &headers, body, NOW)
    }

    #[test]
    fn the_published_vector_verifies() {
        assert_eq!(check(SIGNATURE, &[SECRET], BODY), Ok(()));
    }

    #[test]
    fn the_prefix_of_the_secret_is_optional() {
        assert_eq!(check(SIGNATURE, &["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], BODY), Ok(()));
    }

    #[test]
    fn any_v1_entry_of_the_list_may_match() {
        let list = format!("v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v1a,abc {SIGNATURE}");
        assert_eq!(check(&list, &[SECRET], BODY), Ok(()));
    }

    #[test]
    fn only_v1_entries_count() {
        let other_version = SIGNATURE.replacen("v1,", "v2,", 1);
        assert_eq!(
            check(&other_version, &[SECRET], BODY),
            Err(VerifyError::NoAcceptedSignature { header: "webhook-signature", version: "v1" })
        );
    }

    #[test]
    fn the_tampered_vector_is_refused() {
        assert_eq!(check(SIGNATURE, &[SECRET], br#"{"test": 2432232315}"#), Err(VerifyError::Mismatch));
        let other_id =
            headers(&[("webhook-id", "msg_other"), ("webhook-timestamp", TIMESTAMP), ("webhook-signature", SIGNATURE)]);
        assert_eq!(verify(&Scheme::StandardWebhooks, &[SECRET], &other_id, BODY, NOW), Err(VerifyError::Mismatch));
    }

    #[test]
    fn svix_headers_are_accepted() {
        let headers = headers(&[("svix-id", ID), ("svix-timestamp", TIMESTAMP), ("svix-signature", SIGNATURE)]);
        assert_eq!(verify(&Scheme::StandardWebhooks, &[SECRET], &headers, BODY, NOW), Ok(()));
    }

    #[test]
    fn a_malformed_timestamp_is_refused() {
        let headers =
            headers(&[("webhook-id", ID), ("webhook-timestamp", "yesterday"), ("webhook-signature", SIGNATURE)]);
        let error = verify(&Scheme::StandardWebhooks, &[SECRET], &headers, BODY, NOW).unwrap_err();
        assert_eq!(error.to_string(), "malformed webhook-timestamp header");
    }

    #[test]
    fn a_secret_that_is_not_base64_is_refused() {
        assert!(Scheme::StandardWebhooks.key("whsec_not base64!", None).is_err());
    }

    #[test]
    fn the_event_is_named_by_its_id_header_and_payload_type() {
        let headers = headers(&[("webhook-id", ID)]);
        let identity =
            Scheme::StandardWebhooks.identify("sw", &headers, br#"{"type": "user.created", "data": {}}"#).unwrap();
        assert_eq!((identity.id.as_str(), identity.event_type.as_deref()), (ID, Some("user.created")));
    }
}
