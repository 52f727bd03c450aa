//! Twilio: `X-Twilio-Signature: <base64>`, HMAC-SHA1 with the account's auth token as UTF-8 of the
//! full URL Twilio called followed by the form parameters of the body, sorted by name, each as name
//! then value. A JSON body is signed instead through the URL's `bodySHA256` query parameter, the
//! hex SHA-256 of the body. The URL is the source's `publicUrl` behind a custom domain or a proxy,
//! else the one the request came to. The id is `I-Twilio-Idempotency-Token`.
//!
//! Twilio does not always sign the URL as it was configured: it may add the scheme's default port
//! (`https://host:443/…`, `http://host:80/…`) or leave it out, and a proxy may do either to the
//! URL the request came to. As Twilio's own SDKs do, a signature over the URL with the default
//! port added or removed is accepted too. Any other port is part of the URL: a signature over
//! another port, or over none where the URL has a non-default one, does not verify.

use std::borrow::Cow;

use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use crate::VerifyError;
use crate::engine::{Presented, Request};
use crate::spec::*;
use crate::wire::{self, Signature};

const SIGNATURE: &str = "X-Twilio-Signature";

/// Twilio.
pub const PROVIDER: Provider = Provider {
    name: "twilio",
    title: "Twilio",
    docs: "https://www.twilio.com/docs/usage/webhooks/webhooks-security#validating-signatures-from-twilio",
    setup: "Console → Account Info: the Auth Token is the secret; paste the Hookway URL as the webhook of a phone number or messaging service (and set publicUrl to that exact URL).",
    evidence: Evidence::Documented,
    spec: Spec {
        algorithm: Algorithm::HmacSha1,
        signature: Carrier::Header { name: SIGNATURE, prefix: "", encoding: Encoding::Base64 },
        signed: &[Part::Url, Part::SortedForm],
        id: Some(Locate::Header("I-Twilio-Idempotency-Token")),
        hooks: Hooks {
            presented: Some(presented),
            identify: None,
            sign: None,
            signed: Some(signed),
            url_variant: Some(default_port_toggled),
        },
        ..Spec::BODY_HMAC
    },
};

/// The signature; a `bodySHA256` in the URL must be the body's digest.
fn presented<'r>(request: &Request<'r>) -> Result<Presented<'r>, VerifyError> {
    let signature = Signature::decode(wire::header(request.headers, SIGNATURE)?, Encoding::Base64)
        .ok_or_else(|| wire::malformed(SIGNATURE))?;
    if request.url.is_empty() {
        return Err(VerifyError::NoUrl);
    }
    if let Some(expected) = wire::query_parameter(request.url, "bodySHA256") {
        let digest = hex::encode(Sha256::digest(request.body));
        if !bool::from(digest.as_bytes().ct_eq(expected.to_ascii_lowercase().as_bytes())) {
            return Err(VerifyError::Mismatch);
        }
    }
    Ok(Presented { signatures: vec![signature], ..Presented::default() })
}

/// The URL, then the sorted form parameters unless the body is signed by its digest.
fn signed(request: &Request<'_>, _presented: &Presented<'_>) -> Vec<u8> {
    let mut bytes = request.url.as_bytes().to_vec();
    if wire::query_parameter(request.url, "bodySHA256").is_none() {
        for (name, value) in wire::sorted_form(request.body) {
            bytes.extend_from_slice(name.as_bytes());
            bytes.extend_from_slice(Cow::as_ref(&value).as_bytes());
        }
    }
    bytes
}

/// The URL with the scheme's default port (`https` 443, `http` 80) removed where it is written,
/// added where no port is; `None` for a non-default port, another scheme, or no URL at all.
fn default_port_toggled(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let default = match scheme.to_ascii_lowercase().as_str() {
        "https" => "443",
        "http" => "80",
        _ => return None,
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    // The port follows the host: after any user info, and after an IPv6 literal's brackets.
    let host_start = authority.rfind('@').map_or(0, |at| at + 1);
    let host_and_port = &authority[host_start..];
    let port_at = match host_and_port.rfind(']') {
        Some(bracket) => host_and_port[bracket..].find(':').map(|colon| bracket + colon),
        None => host_and_port.find(':'),
    };
    let without = |host_end: usize| format!("{scheme}://{}{tail}", &authority[..host_start + host_end]);
    match port_at {
        None if !host_and_port.is_empty() => Some(format!("{scheme}://{authority}:{default}{tail}")),
        Some(colon) if &host_and_port[colon + 1..] == default => Some(without(colon)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use http::HeaderMap;

    use super::default_port_toggled;
    use crate::engine::{Request, SignRequest};
    use crate::{Scheme, VerifyError};

    const FORM: &[u8] = b"CallSid=CA1234567890ABCDE&Caller=%2B12349013030&Digits=1234&From=%2B12349013030&To=%2B18005551212";

    /// Signs `body` at `signed_url`, then verifies it at `url`.
    fn verify_at(signed_url: &str, url: &str, body: &[u8]) -> Result<(), VerifyError> {
        let scheme = Scheme::named("twilio").unwrap();
        let key = scheme.key("12345", None).unwrap();
        let request = SignRequest { id: "idem-1", timestamp: 0, body, method: "POST", url: signed_url };
        let signed = scheme.sign(&key, &request).unwrap();
        let headers: HeaderMap = signed.headers.iter().map(|(n, v)| (n.parse().unwrap(), v.parse().unwrap())).collect();
        scheme.verify(&Request { method: "POST", url, headers: &headers, body }, &[key], 300, 0)
    }

    #[test]
    fn a_signature_with_the_default_port_verifies_without_it_and_the_other_way() {
        for (with, without) in [
            ("https://mycompany.com:443/myapp.php?foo=1&bar=2", "https://mycompany.com/myapp.php?foo=1&bar=2"),
            ("http://mycompany.com:80/myapp.php", "http://mycompany.com/myapp.php"),
            ("HTTPS://user:pw@mycompany.com:443", "HTTPS://user:pw@mycompany.com"),
            ("https://[2001:db8::1]:443/hook", "https://[2001:db8::1]/hook"),
        ] {
            assert_eq!(verify_at(with, without, FORM), Ok(()), "{with} signed, {without} given");
            assert_eq!(verify_at(without, with, FORM), Ok(()), "{without} signed, {with} given");
            assert_eq!(verify_at(with, with, FORM), Ok(()));
            assert_eq!(verify_at(without, without, FORM), Ok(()));
        }
    }

    #[test]
    fn a_json_body_signed_by_its_digest_verifies_across_the_default_port() {
        let body = br#"{"property": "value", "boolean": true}"#;
        let digest = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620";
        let with = format!("https://example.com:443/hooks/twilio?bodySHA256={digest}");
        let without = format!("https://example.com/hooks/twilio?bodySHA256={digest}");
        assert_eq!(verify_at(&with, &without, body), Ok(()));
        assert_eq!(verify_at(&without, &with, body), Ok(()));
        assert_eq!(verify_at(&with, &without, b"{}"), Err(VerifyError::Mismatch), "the digest still counts");
    }

    #[test]
    fn any_other_port_is_part_of_the_url() {
        for (signed, given) in [
            ("https://mycompany.com:8443/myapp.php", "https://mycompany.com/myapp.php"),
            ("https://mycompany.com/myapp.php", "https://mycompany.com:8443/myapp.php"),
            ("https://mycompany.com:8443/myapp.php", "https://mycompany.com:443/myapp.php"),
            ("https://mycompany.com:80/myapp.php", "https://mycompany.com/myapp.php"),
            ("http://mycompany.com:443/myapp.php", "http://mycompany.com/myapp.php"),
            ("https://mycompany.com/myapp.php", "https://mycompany.com:444/myapp.php"),
            ("https://mycompany.com:443/myapp.php", "https://othercompany.com/myapp.php"),
            ("https://mycompany.com:443/myapp.php", "https://mycompany.com/other.php"),
        ] {
            assert_eq!(verify_at(signed, given, FORM), Err(VerifyError::Mismatch), "{signed} signed, {given} given");
        }
    }

    #[test]
    fn the_default_port_is_toggled_and_nothing_else() {
        assert_eq!(default_port_toggled("https://a.example/x?p=1:443").as_deref(), Some("https://a.example:443/x?p=1:443"));
        assert_eq!(default_port_toggled("https://a.example:443?p").as_deref(), Some("https://a.example?p"));
        assert_eq!(default_port_toggled("http://a.example#f").as_deref(), Some("http://a.example:80#f"));
        assert_eq!(default_port_toggled("https://[::1]").as_deref(), Some("https://[::1]:443"));
        for unchanged in ["https://a.example:8443/x", "https://a.example:/x", "ftp://a.example/x", "https:///x", "", "no url"] {
            assert_eq!(default_port_toggled(unchanged), None, "{unchanged}");
        }
    }
}
