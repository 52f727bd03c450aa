//! The wire helpers every provider shares: header lookup, timestamps, signature decoding and
//! encoding, JSON pointers into a body without building its tree, and form parameters.

use std::borrow::Cow;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD as BASE64, URL_SAFE_NO_PAD as BASE64_URL};
use http::HeaderMap;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::VerifyError;
use crate::spec::{Encoding, TimeFormat};

/// The longest signature any algorithm presents: a DER-encoded P-256 ECDSA signature.
pub const MAX_SIGNATURE_LEN: usize = 72;

/// A decoded signature, kept inline: no allocation per request.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Signature {
    bytes: [u8; MAX_SIGNATURE_LEN],
    len: u8,
}

impl Signature {
    /// Decodes `text`; `None` when it is not `encoding`, or longer than any signature.
    pub fn decode(text: &str, encoding: Encoding) -> Option<Signature> {
        let mut bytes = [0u8; MAX_SIGNATURE_LEN];
        let len = match encoding {
            Encoding::Hex => {
                let len = text.len() / 2;
                if !text.len().is_multiple_of(2) || len > MAX_SIGNATURE_LEN {
                    return None;
                }
                hex::decode_to_slice(text, &mut bytes[..len]).ok()?;
                len
            }
            Encoding::Base64 => {
                if text.len() > MAX_SIGNATURE_LEN.div_ceil(3) * 4 {
                    return None;
                }
                BASE64.decode_slice(text, &mut bytes).ok()?
            }
            Encoding::Base64Url => {
                if text.len() > MAX_SIGNATURE_LEN.div_ceil(3) * 4 {
                    return None;
                }
                BASE64_URL.decode_slice(text.trim_end_matches('='), &mut bytes).ok()?
            }
        };
        u8::try_from(len).ok().filter(|len| *len > 0).map(|len| Signature { bytes, len })
    }

    /// A signature of these bytes; `None` when longer than any signature.
    pub fn from_bytes(bytes: &[u8]) -> Option<Signature> {
        let len = u8::try_from(bytes.len()).ok().filter(|len| usize::from(*len) <= MAX_SIGNATURE_LEN)?;
        let mut inline = [0u8; MAX_SIGNATURE_LEN];
        inline[..bytes.len()].copy_from_slice(bytes);
        Some(Signature { bytes: inline, len })
    }

    /// The signature's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({})", hex::encode(self.as_bytes()))
    }
}

/// Encodes a signature.
pub fn encode(bytes: &[u8], encoding: Encoding) -> String {
    match encoding {
        Encoding::Hex => hex::encode(bytes),
        Encoding::Base64 => BASE64.encode(bytes),
        Encoding::Base64Url => BASE64_URL.encode(bytes),
    }
}

/// A header's value; absent and non-ASCII values are errors naming the header.
pub fn header<'h>(headers: &'h HeaderMap, name: &str) -> Result<&'h str, VerifyError> {
    match headers.get(name) {
        None => Err(VerifyError::MissingHeader(Cow::Owned(name.to_owned()))),
        Some(value) => value.to_str().map_err(|_| malformed(name)),
    }
}

/// A header's value where it is optional, e.g. an id header used only to name the event.
pub fn optional_header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|value| value.to_str().ok()).filter(|value| !value.is_empty())
}

/// The error of a header that is present but not of the provider's form.
pub fn malformed(name: &str) -> VerifyError {
    VerifyError::MalformedHeader(Cow::Owned(name.to_owned()))
}

/// A timestamp in `format`, as Unix seconds; `what` names it in the error.
pub fn timestamp(text: &str, format: TimeFormat, what: &str) -> Result<i64, VerifyError> {
    let integer = || text.parse::<i64>().ok().filter(|_| !text.starts_with('+'));
    match format {
        TimeFormat::UnixSeconds => integer(),
        TimeFormat::UnixMillis => integer().map(|millis| millis.div_euclid(1000)),
        TimeFormat::Rfc3339 => humantime::parse_rfc3339_weak(text).ok().and_then(|time| {
            let seconds = time.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
            i64::try_from(seconds).ok()
        }),
    }
    .ok_or_else(|| malformed(what))
}

/// A JSON body's string (or number, as text) at `pointer`, borrowed where it has no escapes. The
/// body is walked, not built: only the fields on the pointer's path are read.
pub fn pointer<'b>(body: &'b [u8], pointer: &str) -> Result<Option<Cow<'b, str>>, serde_json::Error> {
    let segments: Vec<Cow<'_, str>> = pointer
        .split('/')
        .skip(1)
        .map(|segment| match segment.contains('~') {
            true => Cow::Owned(segment.replace("~1", "/").replace("~0", "~")),
            false => Cow::Borrowed(segment),
        })
        .collect();
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let found = Walk { path: &segments }.deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(found)
}

/// Follows a pointer's remaining path through whatever value comes next.
struct Walk<'p, 'q> {
    path: &'p [Cow<'q, str>],
}

impl<'de> DeserializeSeed<'de> for Walk<'_, '_> {
    type Value = Option<Cow<'de, str>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_, '_> {
    type Value = Option<Cow<'de, str>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match self.path.split_first() {
                Some((first, rest)) if found.is_none() && *first == key => {
                    found = map.next_value_seed(Walk { path: rest })?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(found)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let index = self.path.first().and_then(|first| first.parse::<usize>().ok());
        let mut found = None;
        let mut at = 0;
        loop {
            let element = match index {
                Some(index) if index == at => seq.next_element_seed(Walk { path: &self.path[1..] })?,
                _ => seq.next_element::<IgnoredAny>()?.map(|_| None),
            };
            match element {
                Some(value) => found = found.or(value),
                None => return Ok(found),
            }
            at += 1;
        }
    }

    fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
        Ok(self.path.is_empty().then_some(Cow::Borrowed(text)))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok(self.path.is_empty().then(|| Cow::Owned(text.to_owned())))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<Self::Value, E> {
        Ok(self.path.is_empty().then_some(Cow::Owned(text)))
    }

    fn visit_i64<E: de::Error>(self, number: i64) -> Result<Self::Value, E> {
        Ok(self.path.is_empty().then(|| Cow::Owned(number.to_string())))
    }

    fn visit_u64<E: de::Error>(self, number: u64) -> Result<Self::Value, E> {
        Ok(self.path.is_empty().then(|| Cow::Owned(number.to_string())))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// A JSON body's string field, borrowed where it has no escapes.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct JsonStr<'a>(#[serde(borrow)] pub Cow<'a, str>);

/// The form parameters of an `application/x-www-form-urlencoded` body, sorted by name then
/// value, each pair once, as Twilio signs them.
pub fn sorted_form(body: &[u8]) -> Vec<(Cow<'_, str>, Cow<'_, str>)> {
    let mut pairs: Vec<_> = form_urlencoded::parse(body).collect();
    pairs.sort();
    pairs.dedup();
    pairs
}

/// A query parameter of a URL (the first of that name), decoded.
pub fn query_parameter<'u>(url: &'u str, name: &str) -> Option<Cow<'u, str>> {
    let query = url.split_once('?')?.1;
    let query = query.split_once('#').map_or(query, |(query, _)| query);
    form_urlencoded::parse(query.as_bytes()).find(|(key, _)| key == name).map(|(_, value)| value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_find_strings_and_numbers_without_building_the_tree() {
        let body = br#"{"a": {"b": [10, {"c": "deep"}], "n": 42, "e": "x\"y"}, "id": "evt_1"}"#;
        assert_eq!(pointer(body, "/id").unwrap().as_deref(), Some("evt_1"));
        assert!(matches!(pointer(body, "/id").unwrap(), Some(Cow::Borrowed(_))), "borrowed");
        assert_eq!(pointer(body, "/a/b/1/c").unwrap().as_deref(), Some("deep"));
        assert_eq!(pointer(body, "/a/n").unwrap().as_deref(), Some("42"));
        assert_eq!(pointer(body, "/a/e").unwrap().as_deref(), Some("x\"y"));
        assert_eq!(pointer(body, "/a/b/0").unwrap().as_deref(), Some("10"));
        assert_eq!(pointer(body, "/a").unwrap(), None, "an object is no name");
        assert_eq!(pointer(body, "/missing").unwrap(), None);
        assert!(pointer(b"not json", "/id").is_err());
        assert!(pointer(br#"{"id": "a"} trailing"#, "/id").is_err());
    }

    #[test]
    fn signatures_decode_in_either_encoding_up_to_the_longest() {
        let bytes = [7u8; 64];
        for encoding in [Encoding::Hex, Encoding::Base64, Encoding::Base64Url] {
            let text = encode(&bytes, encoding);
            assert_eq!(Signature::decode(&text, encoding).unwrap().as_bytes(), bytes);
            assert_eq!(Signature::decode("not a signature!", encoding), None);
            assert_eq!(Signature::decode(&encode(&[1u8; 73], encoding), encoding), None);
        }
        assert_eq!(Signature::decode("", Encoding::Hex), None);
    }

    #[test]
    fn timestamps_in_every_format() {
        assert_eq!(timestamp("1700000000", TimeFormat::UnixSeconds, "t"), Ok(1_700_000_000));
        assert_eq!(timestamp("1700000000999", TimeFormat::UnixMillis, "t"), Ok(1_700_000_000));
        assert_eq!(timestamp("2023-11-14T22:13:20.123Z", TimeFormat::Rfc3339, "t"), Ok(1_700_000_000));
        assert!(timestamp("+1", TimeFormat::UnixSeconds, "t").is_err());
        assert!(timestamp("soon", TimeFormat::Rfc3339, "t").is_err());
    }

    #[test]
    fn forms_sort_and_queries_decode() {
        let sorted = sorted_form(b"To=%2B1&Body=hi+there&AccountSid=AC1");
        let names: Vec<_> = sorted.iter().map(|(name, _)| name.as_ref()).collect();
        assert_eq!(names, ["AccountSid", "Body", "To"]);
        assert_eq!(sorted[1].1, "hi there");
        assert_eq!(query_parameter("https://x/y?hub.challenge=a%20b&z=1", "hub.challenge").as_deref(), Some("a b"));
        assert_eq!(query_parameter("https://x/y", "challenge"), None);
    }
}
