//! The generic HMAC-SHA256 scheme of seeds 000, 002 and 003, for any sender not covered by a
//! named scheme: a configurable signature header with an optional prefix (`sha256=`), a template
//! of the signed bytes (`{timestamp}.{body}`, `{id}.{timestamp}.{body}`, ...), hex or base64, an
//! optional timestamp header, and the event's id and type from a header or a JSON pointer.

use std::borrow::Cow;

use http::{HeaderMap, HeaderName};
use serde_json::Value;

use super::{Mac, Named, Part, Presented, VerifyError, decode_mac, encode_mac, header, optional_header, timestamp};
use crate::config::{Encoding, HmacConfig, Problem};

/// A configured generic HMAC sender.
#[derive(Debug, Clone)]
pub struct HmacScheme {
    signature_header: String,
    prefix: String,
    pub(super) template: Vec<Part>,
    encoding: Encoding,
    timestamp_header: Option<String>,
    id: Option<Locator>,
    event_type: Option<Locator>,
}

/// Where a value is found.
#[derive(Debug, Clone)]
enum Locator {
    Header(String),
    Pointer(String),
}

impl HmacScheme {
    /// Checks and compiles the settings; a [`Problem`]'s field is relative to the `hmac` object.
    pub fn new(config: &HmacConfig) -> Result<HmacScheme, Problem> {
        check_header_name("signatureHeader", &config.signature_header)?;
        for (field, name) in [
            ("timestampHeader", &config.timestamp_header),
            ("idHeader", &config.id_header),
            ("typeHeader", &config.type_header),
        ] {
            if let Some(name) = name {
                check_header_name(field, name)?;
            }
        }
        let template = parse_template(&config.template)?;
        if template.contains(&Part::Timestamp) && config.timestamp_header.is_none() {
            return Err(problem(
                "template",
                "`{timestamp}` needs `timestampHeader`, the header the timestamp is sent in",
            ));
        }
        if template.contains(&Part::Id) && config.id_header.is_none() {
            return Err(problem("template", "`{id}` needs `idHeader`, the header the id is sent in"));
        }
        Ok(HmacScheme {
            signature_header: config.signature_header.clone(),
            prefix: config.prefix.clone(),
            template,
            encoding: config.encoding,
            timestamp_header: config.timestamp_header.clone(),
            id: locator("id", config.id_header.as_ref(), config.id_pointer.as_ref())?,
            event_type: locator("type", config.type_header.as_ref(), config.type_pointer.as_ref())?,
        })
    }

    pub(super) fn presented<'h>(&self, headers: &'h HeaderMap) -> Result<Presented<'h>, VerifyError> {
        let value = header(headers, &self.signature_header)?;
        let signature = value
            .strip_prefix(self.prefix.as_str())
            .and_then(|encoded| decode_mac(encoded, self.encoding))
            .ok_or_else(|| VerifyError::MalformedHeader(Cow::Owned(self.signature_header.clone())))?;
        let signed_at = match &self.timestamp_header {
            Some(name) => Some(timestamp(header(headers, name)?, name)?),
            None => None,
        };
        let id = match &self.id {
            Some(Locator::Header(name)) if self.template.contains(&Part::Id) => Some(header(headers, name)?),
            _ => None,
        };
        Ok(Presented { signatures: vec![signature], timestamp: signed_at, id })
    }

    pub(super) fn headers(&self, mac: &Mac, id: &str, timestamp: &str) -> Vec<(String, String)> {
        let mut headers = Vec::new();
        if let Some(Locator::Header(name)) = &self.id {
            headers.push((name.clone(), id.to_owned()));
        }
        if let Some(name) = &self.timestamp_header {
            headers.push((name.clone(), timestamp.to_owned()));
        }
        headers.push((self.signature_header.clone(), format!("{}{}", self.prefix, encode_mac(mac, self.encoding))));
        headers
    }

    pub(super) fn identify<'a>(&self, headers: &'a HeaderMap, body: &[u8]) -> Named<'a> {
        let uses_pointer = [&self.id, &self.event_type].into_iter().any(|l| matches!(l, Some(Locator::Pointer(_))));
        let json: Option<Value> = if uses_pointer { serde_json::from_slice(body).ok() } else { None };
        let find = |locator: &Option<Locator>| -> Option<Cow<'a, str>> {
            match locator.as_ref()? {
                Locator::Header(name) => optional_header(headers, name).map(Cow::Borrowed),
                Locator::Pointer(pointer) => match json.as_ref()?.pointer(pointer)? {
                    Value::String(text) => Some(Cow::Owned(text.clone())),
                    Value::Number(number) => Some(Cow::Owned(number.to_string())),
                    _ => None,
                },
            }
        };
        Named { id: find(&self.id), event_type: find(&self.event_type), challenge: None }
    }

    pub(super) fn type_header(&self) -> Option<&str> {
        match &self.event_type {
            Some(Locator::Header(name)) => Some(name),
            _ => None,
        }
    }

    pub(super) fn kept_headers(&self) -> Vec<String> {
        let located = [&self.id, &self.event_type].into_iter().filter_map(|locator| match locator {
            Some(Locator::Header(name)) => Some(name),
            _ => None,
        });
        located.chain(&self.timestamp_header).map(|name| name.to_ascii_lowercase()).collect()
    }
}

fn problem(field: &str, message: impl Into<String>) -> Problem {
    Problem { field: field.to_owned(), message: message.into() }
}

fn check_header_name(field: &str, name: &str) -> Result<(), Problem> {
    HeaderName::from_bytes(name.as_bytes())
        .map(drop)
        .map_err(|_| problem(field, format!("`{name}` is not a valid HTTP header name")))
}

fn locator(what: &str, header: Option<&String>, pointer: Option<&String>) -> Result<Option<Locator>, Problem> {
    match (header, pointer) {
        (Some(_), Some(_)) => {
            Err(problem(&format!("{what}Pointer"), format!("give `{what}Header` or `{what}Pointer`, not both")))
        }
        (Some(name), None) => Ok(Some(Locator::Header(name.clone()))),
        (None, Some(pointer)) if pointer.starts_with('/') => Ok(Some(Locator::Pointer(pointer.clone()))),
        (None, Some(pointer)) => {
            Err(problem(&format!("{what}Pointer"), format!("`{pointer}` is not a JSON pointer such as /{what}")))
        }
        (None, None) => Ok(None),
    }
}

/// Splits `{timestamp}.{body}` into its parts; `{body}` must appear exactly once.
fn parse_template(template: &str) -> Result<Vec<Part>, Problem> {
    let mut parts = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            parts.push(Part::Text(Cow::Owned(rest[..open].to_owned())));
        }
        let close = rest[open..].find('}').ok_or_else(|| problem("template", "a `{` is never closed"))? + open;
        parts.push(match &rest[open + 1..close] {
            "body" => Part::Body,
            "timestamp" => Part::Timestamp,
            "id" => Part::Id,
            other => {
                return Err(problem(
                    "template",
                    format!("unknown placeholder `{{{other}}}`: use {{body}}, {{timestamp}} or {{id}}"),
                ));
            }
        });
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        parts.push(Part::Text(Cow::Owned(rest.to_owned())));
    }
    match parts.iter().filter(|part| **part == Part::Body).count() {
        1 => Ok(parts),
        _ => Err(problem("template", "must contain `{body}` exactly once")),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{headers, signed_headers, verify};
    use super::super::{Scheme, SignRequest, VerifyError};
    use super::*;

    fn settings() -> HmacConfig {
        HmacConfig {
            signature_header: "X-Signature".into(),
            prefix: "sha256=".into(),
            template: "{timestamp}.{body}".into(),
            encoding: Encoding::Hex,
            timestamp_header: Some("X-Timestamp".into()),
            id_header: None,
            id_pointer: Some("/id".into()),
            type_header: None,
            type_pointer: Some("/type".into()),
        }
    }

    fn scheme(config: HmacConfig) -> Scheme {
        Scheme::Hmac(Box::new(HmacScheme::new(&config).unwrap()))
    }

    // Computed independently with Python's hmac module.
    const SECRET: &str = "partner-secret";
    const BODY: &[u8] = br#"{"id": "ord_42", "type": "order.created"}"#;
    const SIGNATURE: &str = "sha256=1ce1be6085f2f15055a7b3c515ea1ab3f655db01bf1550fb3319bb746b684260";
    const NOW: i64 = 1_700_000_000;

    #[test]
    fn a_timestamped_hex_signature_verifies_and_names_the_event_by_pointers() {
        let scheme = scheme(settings());
        let headers = headers(&[("X-Timestamp", "1700000000"), ("x-signature", SIGNATURE)]);
        assert_eq!(verify(&scheme, &[SECRET], &headers, BODY, NOW), Ok(()));
        let identity = scheme.identify("partner", &headers, BODY).unwrap();
        assert_eq!((identity.id.as_str(), identity.event_type.as_deref()), ("ord_42", Some("order.created")));
    }

    #[test]
    fn its_tampered_and_stale_forms_are_refused() {
        let scheme = scheme(settings());
        let signed = headers(&[("X-Timestamp", "1700000000"), ("X-Signature", SIGNATURE)]);
        assert_eq!(verify(&scheme, &[SECRET], &signed, &BODY[1..], NOW), Err(VerifyError::Mismatch));
        assert!(matches!(verify(&scheme, &[SECRET], &signed, BODY, NOW + 301), Err(VerifyError::TooOld { .. })));
        let unprefixed = headers(&[("X-Timestamp", "1700000000"), ("X-Signature", &SIGNATURE[7..])]);
        assert_eq!(
            verify(&scheme, &[SECRET], &unprefixed, BODY, NOW).unwrap_err().to_string(),
            "malformed X-Signature header"
        );
    }

    #[test]
    fn every_shape_it_signs_it_verifies() {
        let shapes = [
            HmacConfig { prefix: String::new(), template: "{body}".into(), timestamp_header: None, ..settings() },
            HmacConfig { encoding: Encoding::Base64, ..settings() },
            HmacConfig {
                template: "{id}.{timestamp}.{body}".into(),
                id_header: Some("X-Webhook-Id".into()),
                id_pointer: None,
                ..settings()
            },
        ];
        for shape in shapes {
            let scheme = scheme(shape);
            let request = SignRequest { id: "evt_9", timestamp: NOW, body: BODY };
            let headers = signed_headers(&scheme, SECRET, &request);
            assert_eq!(verify(&scheme, &[SECRET], &headers, BODY, NOW), Ok(()), "{scheme:?}");
        }
    }

    #[test]
    fn the_id_is_part_of_what_an_id_template_signs() {
        let scheme = scheme(HmacConfig {
            template: "{id}.{timestamp}.{body}".into(),
            id_header: Some("X-Webhook-Id".into()),
            id_pointer: None,
            ..settings()
        });
        let mut headers = signed_headers(&scheme, SECRET, &SignRequest { id: "evt_9", timestamp: NOW, body: BODY });
        headers.insert("x-webhook-id", "evt_10".parse().unwrap());
        assert_eq!(verify(&scheme, &[SECRET], &headers, BODY, NOW), Err(VerifyError::Mismatch));
    }

    #[test]
    fn bad_settings_are_named() {
        let cases = [
            (
                HmacConfig { template: "{timestamp}".into(), ..settings() },
                "template: must contain `{body}` exactly once",
            ),
            (HmacConfig { template: "{ts}.{body}".into(), ..settings() }, "template: unknown placeholder `{ts}`"),
            (HmacConfig { template: "{body".into(), ..settings() }, "template: a `{` is never closed"),
            (
                HmacConfig { signature_header: "X Sig".into(), ..settings() },
                "signatureHeader: `X Sig` is not a valid HTTP header name",
            ),
            (
                HmacConfig { id_header: Some("X-Id".into()), ..settings() },
                "idPointer: give `idHeader` or `idPointer`, not both",
            ),
            (
                HmacConfig { type_pointer: Some("type".into()), ..settings() },
                "typePointer: `type` is not a JSON pointer",
            ),
        ];
        for (config, expected) in cases {
            let error = HmacScheme::new(&config).unwrap_err().to_string();
            assert!(error.starts_with(expected), "{error} should start with {expected}");
        }
    }
}
