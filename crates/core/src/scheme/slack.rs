//! Slack: `X-Slack-Signature: v0=<hex>` over `v0:{timestamp}:{body}`, with the timestamp in
//! `X-Slack-Request-Timestamp` and the app's signing secret used as its UTF-8 bytes.
//!
//! Events API bodies are JSON: the id is `event_id`, the type `event.type` (else the body's
//! `type`), and a `url_verification` body carries the challenge to answer. Slash commands are
//! form-encoded: the id is `trigger_id`, the type the command (`/deploy`).

use std::borrow::Cow;

use http::HeaderMap;
use serde::Deserialize;

use super::{JsonStr, Mac, Named, Part, Presented, VerifyError, decode_mac, encode_mac, header, timestamp};
use crate::config::Encoding;

const SIGNATURE: &str = "X-Slack-Signature";
const TIMESTAMP: &str = "X-Slack-Request-Timestamp";

pub(super) const TEMPLATE: &[Part] = &[Part::text("v0:"), Part::Timestamp, Part::text(":"), Part::Body];
pub(super) const KEPT_HEADERS: &[&str] = &[TIMESTAMP, "X-Slack-Retry-Num", "X-Slack-Retry-Reason"];

pub(super) fn presented(headers: &HeaderMap) -> Result<Presented<'_>, VerifyError> {
    let signed_at = timestamp(header(headers, TIMESTAMP)?, TIMESTAMP)?;
    let signature = header(headers, SIGNATURE)?;
    let signature = match signature.split_once('=') {
        Some(("v0", hex)) => {
            decode_mac(hex, Encoding::Hex).ok_or(VerifyError::MalformedHeader(Cow::Borrowed(SIGNATURE)))?
        }
        Some(_) => return Err(VerifyError::NoAcceptedSignature { header: SIGNATURE, version: "v0" }),
        None => return Err(VerifyError::MalformedHeader(Cow::Borrowed(SIGNATURE))),
    };
    Ok(Presented { signatures: vec![signature], timestamp: Some(signed_at), id: None })
}

pub(super) fn headers(mac: &Mac, timestamp: &str) -> Vec<(String, String)> {
    vec![
        (TIMESTAMP.to_owned(), timestamp.to_owned()),
        (SIGNATURE.to_owned(), format!("v0={}", encode_mac(mac, Encoding::Hex))),
    ]
}

pub(super) fn identify<'a>(_headers: &HeaderMap, body: &'a [u8]) -> Named<'a> {
    #[derive(Deserialize)]
    struct Inner<'a> {
        #[serde(borrow, rename = "type")]
        event_type: Option<JsonStr<'a>>,
    }
    #[derive(Deserialize)]
    struct Callback<'a> {
        #[serde(borrow)]
        event_id: Option<JsonStr<'a>>,
        #[serde(borrow, rename = "type")]
        callback_type: Option<JsonStr<'a>>,
        #[serde(borrow)]
        event: Option<Inner<'a>>,
        #[serde(borrow)]
        challenge: Option<JsonStr<'a>>,
    }
    if let Ok(callback) = serde_json::from_slice::<Callback<'_>>(body) {
        let is_handshake = callback.callback_type.as_ref().is_some_and(|t| t.0 == "url_verification");
        return Named {
            id: callback.event_id.map(|id| id.0),
            event_type: callback.event.and_then(|event| event.event_type).or(callback.callback_type).map(|t| t.0),
            challenge: if is_handshake { callback.challenge.map(|c| c.0) } else { None },
        };
    }
    let mut named = Named::default();
    for (key, value) in form_urlencoded::parse(body) {
        match &*key {
            "trigger_id" => named.id = Some(value),
            "command" => named.event_type = Some(value),
            _ => {}
        }
    }
    named
}

#[cfg(test)]
mod tests {
    use super::super::tests::{headers, verify};
    use super::super::{Scheme, VerifyError};

    // Slack docs, "Verifying requests from Slack".
    const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
    const TIMESTAMP: &str = "1531420618";
    const SIGNATURE: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
    const BODY: &[u8] = b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const NOW: i64 = 1_531_420_618;

    fn check(timestamp: &str, signature: &str, body: &[u8]) -> Result<(), VerifyError> {
        let headers = headers(&[("X-Slack-Request-Timestamp", timestamp), ("X-Slack-Signature", signature)]);
        verify(&Scheme::Slack, &[SECRET], &headers, body, NOW)
    }

    #[test]
    fn the_documented_example_verifies() {
        assert_eq!(check(TIMESTAMP, SIGNATURE, BODY), Ok(()));
    }

    #[test]
    fn its_tampered_forms_are_refused() {
        assert_eq!(check(TIMESTAMP, SIGNATURE, &BODY[..BODY.len() - 1]), Err(VerifyError::Mismatch));
        assert_eq!(check("1531420619", SIGNATURE, BODY), Err(VerifyError::Mismatch));
        assert_eq!(
            check(TIMESTAMP, &SIGNATURE.replacen("v0=", "v1=", 1), BODY),
            Err(VerifyError::NoAcceptedSignature { header: "X-Slack-Signature", version: "v0" })
        );
        assert_eq!(
            check(TIMESTAMP, &SIGNATURE[3..], BODY).unwrap_err().to_string(),
            "malformed X-Slack-Signature header"
        );
    }

    #[test]
    fn a_slash_command_is_named_by_its_trigger_and_command() {
        let identity = Scheme::Slack.identify("slack", &headers(&[]), BODY).unwrap();
        assert_eq!(identity.id, "398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c");
        assert_eq!(identity.event_type.as_deref(), Some("/webhook-collect"));
        assert_eq!(identity.challenge, None);
    }

    #[test]
    fn an_event_callback_is_named_by_its_event() {
        let body =
            br#"{"type": "event_callback", "event_id": "Ev08MFMKH6", "event": {"type": "app_mention", "text": "hi"}}"#;
        let identity = Scheme::Slack.identify("slack", &headers(&[]), body).unwrap();
        assert_eq!((identity.id.as_str(), identity.event_type.as_deref()), ("Ev08MFMKH6", Some("app_mention")));
    }

    #[test]
    fn url_verification_carries_its_challenge() {
        let body = br#"{"token": "Jhj5dZrVaK7ZwHHjRyZWjbDl", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification"}"#;
        let identity = Scheme::Slack.identify("slack", &headers(&[]), body).unwrap();
        assert_eq!(identity.challenge.as_deref(), Some("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"));
        assert_eq!(identity.event_type.as_deref(), Some("url_verification"));
    }
}
