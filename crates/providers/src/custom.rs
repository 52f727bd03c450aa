//! The generic HMAC sender, for any partner not in the catalog: a signature header with an optional
//! prefix (`sha256=`), a template of the signed bytes (`{timestamp}.{body}`, `{method}{url}{body}`,
//! ...), SHA-1, SHA-256 or SHA-512, hex or base64, an optional timestamp header, and the event's id
//! and type from a header or a JSON pointer. It runs on the same engine as every provider: GitHub
//! and Shopify are presets of exactly this.

use std::borrow::Cow;

use http::HeaderName;

use crate::spec::{
    Algorithm, Carrier, Encoding, Hooks, IdStyle, Locate, Part, SecretFormat, Spec, TimeFormat, Timestamp, TimestampAt,
};

/// How a generic HMAC sender signs, as settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomSettings {
    /// The header carrying the signature, e.g. `X-Signature`.
    pub signature_header: String,
    /// Text before the encoded signature, e.g. `sha256=`.
    pub prefix: String,
    /// The signed bytes: `{body}` once, and optionally `{timestamp}`, `{id}`, `{method}`, `{url}`
    /// and literal text, e.g. `{timestamp}.{body}`.
    pub template: String,
    /// The hash of the HMAC.
    pub algorithm: Algorithm,
    /// The signature's encoding.
    pub encoding: Encoding,
    /// The header carrying the signed Unix timestamp (seconds); required by `{timestamp}`.
    pub timestamp_header: Option<String>,
    /// The header carrying the event id; required by `{id}`.
    pub id_header: Option<String>,
    /// Whether the template signs the id of `id_header`: must be said (`Some(false)`) for an
    /// `id_header` the template leaves out, whose events are then keyed by their body, so that
    /// a replay under a new id is one event; checked against the template when said.
    pub id_signed: Option<bool>,
    /// A JSON pointer to the event id in the body (instead of `id_header`).
    pub id_pointer: Option<String>,
    /// The header carrying the event type.
    pub type_header: Option<String>,
    /// A JSON pointer to the event type in the body (instead of `type_header`).
    pub type_pointer: Option<String>,
}

/// Why settings are refused; `field` is the settings' field, in `hookway.json`'s spelling.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct SettingsError {
    /// The field at fault, e.g. `template`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// A generic HMAC sender, compiled.
#[derive(Debug, Clone)]
pub struct Custom {
    signature_header: String,
    prefix: String,
    parts: Vec<Part>,
    algorithm: Algorithm,
    encoding: Encoding,
    timestamp_header: Option<String>,
    id: Option<Located>,
    event_type: Option<Located>,
}

#[derive(Debug, Clone)]
enum Located {
    Header(String),
    Pointer(String),
}

impl Located {
    fn as_locate(&self) -> Locate<'_> {
        match self {
            Located::Header(name) => Locate::Header(name),
            Located::Pointer(pointer) => Locate::Pointer(pointer),
        }
    }
}

impl Custom {
    /// Checks and compiles the settings.
    pub fn new(settings: &CustomSettings) -> Result<Custom, SettingsError> {
        check_header_name("signatureHeader", &settings.signature_header)?;
        for (field, name) in [
            ("timestampHeader", &settings.timestamp_header),
            ("idHeader", &settings.id_header),
            ("typeHeader", &settings.type_header),
        ] {
            if let Some(name) = name {
                check_header_name(field, name)?;
            }
        }
        if !matches!(settings.algorithm, Algorithm::HmacSha1 | Algorithm::HmacSha256 | Algorithm::HmacSha512) {
            return Err(problem("algorithm", "the generic scheme is HMAC: sha1, sha256 or sha512"));
        }
        let parts = parse_template(&settings.template)?;
        if parts.contains(&Part::Timestamp) && settings.timestamp_header.is_none() {
            return Err(problem(
                "template",
                "`{timestamp}` needs `timestampHeader`, the header the timestamp is sent in",
            ));
        }
        if parts.contains(&Part::Id) && settings.id_header.is_none() {
            return Err(problem("template", "`{id}` needs `idHeader`, the header the id is sent in"));
        }
        if let Some(header) = &settings.id_header {
            match (parts.contains(&Part::Id), settings.id_signed) {
                (false, None) => {
                    return Err(problem(
                        "idSigned",
                        format!(
                            "the template does not sign `{header}`, so a captured request verifies under any id: \
                             add `{{id}}` to the template if the sender signs it, or say `\"idSigned\": false` \
                             (its events are then keyed by source and body)"
                        ),
                    ));
                }
                (false, Some(true)) => {
                    return Err(problem("idSigned", "true, but the template has no `{id}`"));
                }
                (true, Some(false)) => {
                    return Err(problem("idSigned", "false, but the template signs `{id}`"));
                }
                _ => {}
            }
        }
        Ok(Custom {
            signature_header: settings.signature_header.clone(),
            prefix: settings.prefix.clone(),
            parts,
            algorithm: settings.algorithm,
            encoding: settings.encoding,
            timestamp_header: settings.timestamp_header.clone(),
            id: located("id", settings.id_header.as_ref(), settings.id_pointer.as_ref())?,
            event_type: located("type", settings.type_header.as_ref(), settings.type_pointer.as_ref())?,
        })
    }

    /// The descriptor the engine reads.
    pub fn spec(&self) -> Spec<'_> {
        Spec {
            algorithm: self.algorithm,
            signature: Carrier::Header { name: &self.signature_header, prefix: &self.prefix, encoding: self.encoding },
            signed: &self.parts,
            timestamp: self.timestamp_header.as_deref().map(|name| Timestamp {
                at: TimestampAt::Header(name),
                format: TimeFormat::UnixSeconds,
                checked: true,
            }),
            id: self.id.as_ref().map(Located::as_locate),
            event_type: self.event_type.as_ref().map(Located::as_locate),
            naming_required: false,
            secret: SecretFormat::Text,
            id_style: IdStyle::Uuid,
            handshake: None,
            kept_headers: &[],
            hooks: Hooks::default(),
        }
    }
}

fn problem(field: &str, message: impl Into<String>) -> SettingsError {
    SettingsError { field: field.to_owned(), message: message.into() }
}

fn check_header_name(field: &str, name: &str) -> Result<(), SettingsError> {
    HeaderName::from_bytes(name.as_bytes())
        .map(drop)
        .map_err(|_| problem(field, format!("`{name}` is not a valid HTTP header name")))
}

fn located(what: &str, header: Option<&String>, pointer: Option<&String>) -> Result<Option<Located>, SettingsError> {
    match (header, pointer) {
        (Some(_), Some(_)) => {
            Err(problem(&format!("{what}Pointer"), format!("give `{what}Header` or `{what}Pointer`, not both")))
        }
        (Some(name), None) => Ok(Some(Located::Header(name.clone()))),
        (None, Some(pointer)) if pointer.starts_with('/') => Ok(Some(Located::Pointer(pointer.clone()))),
        (None, Some(pointer)) => {
            Err(problem(&format!("{what}Pointer"), format!("`{pointer}` is not a JSON pointer such as /{what}")))
        }
        (None, None) => Ok(None),
    }
}

/// Splits `{timestamp}.{body}` into its parts; `{body}` must appear exactly once.
fn parse_template(template: &str) -> Result<Vec<Part>, SettingsError> {
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
            "method" => Part::Method,
            "url" => Part::Url,
            other => {
                return Err(problem(
                    "template",
                    format!(
                        "unknown placeholder `{{{other}}}`: use {{body}}, {{timestamp}}, {{id}}, {{method}} or {{url}}"
                    ),
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
    use http::HeaderMap;

    use super::*;
    use crate::engine::{Request, SignRequest};
    use crate::{Scheme, VerifyError};

    fn settings() -> CustomSettings {
        CustomSettings {
            signature_header: "X-Signature".into(),
            prefix: "sha256=".into(),
            template: "{timestamp}.{body}".into(),
            algorithm: Algorithm::HmacSha256,
            encoding: Encoding::Hex,
            timestamp_header: Some("X-Timestamp".into()),
            id_header: None,
            id_signed: None,
            id_pointer: Some("/id".into()),
            type_header: None,
            type_pointer: Some("/type".into()),
        }
    }

    fn scheme(settings: CustomSettings) -> Scheme {
        Scheme::Custom(Box::new(Custom::new(&settings).unwrap()))
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        pairs.iter().map(|(name, value)| (name.parse().unwrap(), value.parse().unwrap())).collect()
    }

    fn verify(scheme: &Scheme, headers: &HeaderMap, body: &[u8], now: i64) -> Result<(), VerifyError> {
        let key = scheme.key(SECRET, None).unwrap();
        scheme.verify(&Request::post(headers, body), &[key], 300, now)
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
        assert_eq!(verify(&scheme, &headers, BODY, NOW), Ok(()));
        let identity = scheme.identify("partner", &Request::post(&headers, BODY)).unwrap();
        assert_eq!((identity.id.as_str(), identity.event_type.as_deref()), ("ord_42", Some("order.created")));
    }

    #[test]
    fn its_tampered_and_stale_forms_are_refused() {
        let scheme = scheme(settings());
        let signed = headers(&[("X-Timestamp", "1700000000"), ("X-Signature", SIGNATURE)]);
        assert_eq!(verify(&scheme, &signed, &BODY[1..], NOW), Err(VerifyError::Mismatch));
        assert!(matches!(verify(&scheme, &signed, BODY, NOW + 301), Err(VerifyError::TooOld { .. })));
        let unprefixed = headers(&[("X-Timestamp", "1700000000"), ("X-Signature", &SIGNATURE[7..])]);
        assert_eq!(verify(&scheme, &unprefixed, BODY, NOW).unwrap_err().to_string(), "malformed X-Signature header");
    }

    #[test]
    fn every_shape_it_signs_it_verifies() {
        let shapes = [
            CustomSettings { prefix: String::new(), template: "{body}".into(), timestamp_header: None, ..settings() },
            CustomSettings { encoding: Encoding::Base64, ..settings() },
            CustomSettings { algorithm: Algorithm::HmacSha1, ..settings() },
            CustomSettings {
                algorithm: Algorithm::HmacSha512,
                template: "{method} {url}\n{body}".into(),
                ..settings()
            },
            CustomSettings {
                template: "{id}.{timestamp}.{body}".into(),
                id_header: Some("X-Webhook-Id".into()),
                id_pointer: None,
                ..settings()
            },
        ];
        for shape in shapes {
            let scheme = scheme(shape);
            let key = scheme.key(SECRET, None).unwrap();
            let request = SignRequest { id: "evt_9", timestamp: NOW, body: BODY, method: "POST", url: "https://x/y" };
            let signed = scheme.sign(&key, &request).unwrap();
            let headers = headers(&signed.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect::<Vec<_>>());
            let sent = Request { method: "POST", url: "https://x/y", headers: &headers, body: BODY };
            assert_eq!(scheme.verify(&sent, &[key], 300, NOW), Ok(()), "{scheme:?}");
        }
    }

    #[test]
    fn bad_settings_are_named() {
        let cases = [
            (
                CustomSettings { template: "{timestamp}".into(), ..settings() },
                "template: must contain `{body}` exactly once",
            ),
            (CustomSettings { template: "{ts}.{body}".into(), ..settings() }, "template: unknown placeholder `{ts}`"),
            (CustomSettings { template: "{body".into(), ..settings() }, "template: a `{` is never closed"),
            (
                CustomSettings { signature_header: "X Sig".into(), ..settings() },
                "signatureHeader: `X Sig` is not a valid HTTP header name",
            ),
            (
                CustomSettings { id_header: Some("X-Id".into()), id_signed: Some(false), ..settings() },
                "idPointer: give `idHeader` or `idPointer`, not both",
            ),
            (
                CustomSettings { id_header: Some("X-Id".into()), id_pointer: None, ..settings() },
                "idSigned: the template does not sign `X-Id`, so a captured request verifies under any id",
            ),
            (
                CustomSettings {
                    id_header: Some("X-Id".into()),
                    id_pointer: None,
                    id_signed: Some(true),
                    ..settings()
                },
                "idSigned: true, but the template has no `{id}`",
            ),
            (
                CustomSettings {
                    template: "{id}.{body}".into(),
                    id_header: Some("X-Id".into()),
                    id_pointer: None,
                    id_signed: Some(false),
                    ..settings()
                },
                "idSigned: false, but the template signs `{id}`",
            ),
            (
                CustomSettings { type_pointer: Some("type".into()), ..settings() },
                "typePointer: `type` is not a JSON pointer",
            ),
        ];
        for (settings, expected) in cases {
            let error = Custom::new(&settings).unwrap_err().to_string();
            assert!(error.starts_with(expected), "{error} should start with {expected}");
        }
    }
}
