//! Every provider against its vectors (`vectors/<provider>.json`), and what each vector implies:
//! the valid request verifies and names its event as written; a tampered body, a wrong secret and
//! (where the provider signs a timestamp) a stale or future time are refused; header names verify
//! in any case; what the engine signs it verifies; a handshake is answered as documented.

use http::{HeaderMap, HeaderName, HeaderValue};
use serde::Deserialize;

use crate::engine::{Request, SignRequest};
use crate::providers::{CATALOG, VECTORS};
use crate::spec::{Algorithm, Evidence, SecretFormat};
use crate::{Scheme, VerifyError};

const TOLERANCE: u64 = 300;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    vectors: Vec<Vector>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Vector {
    /// Where the vector comes from: a documentation page, or the official SDK that signed it.
    provenance: String,
    secret: String,
    #[serde(default)]
    wrong_secret: Option<String>,
    #[serde(default)]
    private_key: Option<String>,
    /// The verify token of a `GET` handshake.
    #[serde(default)]
    verify_token: Option<String>,
    #[serde(default = "post")]
    method: String,
    #[serde(default)]
    url: String,
    headers: Vec<(String, String)>,
    body: String,
    /// A body the signature does not cover in full is tampered with here instead.
    #[serde(default)]
    tampered_body: Option<String>,
    #[serde(default)]
    now: Option<i64>,
    id: Option<String>,
    #[serde(rename = "type")]
    event_type: Option<String>,
    #[serde(default)]
    answer: Option<Expected>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Expected {
    status: u16,
    body: String,
}

fn post() -> String {
    "POST".into()
}

fn headers(pairs: &[(String, String)], case: fn(&str) -> String) -> HeaderMap {
    pairs
        .iter()
        .map(|(name, value)| {
            (HeaderName::from_bytes(case(name).as_bytes()).unwrap(), HeaderValue::from_str(value).unwrap())
        })
        .collect()
}

fn vectors(stem: &str) -> Vec<Vector> {
    let (_, json) = VECTORS.iter().find(|(name, _)| *name == stem).unwrap_or_else(|| panic!("no vectors/{stem}.json"));
    let file: File = serde_json::from_str(json).unwrap_or_else(|error| panic!("vectors/{stem}.json: {error}"));
    assert!(!file.vectors.is_empty(), "vectors/{stem}.json has no vector");
    file.vectors
}

fn stem(name: &str) -> String {
    name.replace('-', "_")
}

fn wrong_secret(scheme: &Scheme, vector: &Vector) -> String {
    match (&vector.wrong_secret, scheme.spec().secret) {
        (Some(wrong), _) => wrong.clone(),
        (None, SecretFormat::Whsec) => "whsec_bm90IHRoZSBzZWNyZXQgeW91IHNlZWs=".into(),
        (None, SecretFormat::Text | SecretFormat::UserPassword) => format!("{}x", vector.secret),
        (None, SecretFormat::Base64Bytes) => "bm90IHRoZSBzZWNyZXQgeW91IHNlZWs=".into(),
        (None, SecretFormat::HexBytes) => "6e6f742074686520736563726574".into(),
        (None, format) => panic!("a {format:?} vector gives its wrongSecret"),
    }
}

#[test]
fn every_provider_has_vectors_and_a_unique_name() {
    let mut names: Vec<&str> = CATALOG.iter().map(|provider| provider.name).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), CATALOG.len(), "names are unique");
    for provider in CATALOG {
        assert!(!vectors(&stem(provider.name)).is_empty());
        assert!(provider.docs.starts_with("https://"), "{}", provider.name);
        assert!(provider.setup.len() > 20, "{}: where its secret is, and where its URL goes", provider.name);
    }
}

/// The catalog's breadth, and how much of it the providers' own examples and SDKs pin.
#[test]
fn at_least_120_providers_verify_a_signature_half_of_them_pinned_by_their_own_example_or_sdk() {
    let signing: Vec<_> = CATALOG
        .iter()
        .filter(|provider| !matches!(provider.spec.algorithm, Algorithm::Token | Algorithm::Basic))
        .collect();
    let pinned = signing.iter().filter(|provider| provider.evidence.is_pinned()).count();
    assert!(signing.len() >= 120, "{} providers verify a signature", signing.len());
    assert!(2 * pinned >= signing.len(), "{pinned} of {} pinned", signing.len());
}

/// A provider's evidence is what its vectors say they come from: its documentation's own example
/// (`<Title> docs, <page>: …`), its official SDK (named with the version that signed or verified),
/// or else the documented rule, computed independently.
#[test]
fn each_provider_s_evidence_is_what_its_vectors_come_from() {
    for provider in CATALOG {
        let provenances: Vec<String> =
            vectors(&stem(provider.name)).into_iter().map(|vector| vector.provenance).collect();
        let named = |text: &str| provenances.iter().any(|provenance| provenance.contains(text));
        match provider.evidence {
            Evidence::Documented => assert!(
                provenances.iter().any(|provenance| provenance.starts_with(&format!("{} docs", provider.title))),
                "{}: no vector from its docs: {provenances:?}",
                provider.name
            ),
            Evidence::Sdk(sdk) | Evidence::Verifier(sdk) => {
                let package = sdk.split(',').next().unwrap_or(sdk);
                assert!(named(package), "{}: no vector names {package}: {provenances:?}", provider.name);
            }
            Evidence::Rule => assert!(named("documented rule"), "{}: {provenances:?}", provider.name),
        }
    }
}

#[test]
fn every_vector_verifies_and_names_its_event() {
    for provider in CATALOG {
        let scheme = Scheme::Provider(provider);
        for vector in vectors(&stem(provider.name)) {
            let at = format!("{} ({})", provider.name, vector.provenance);
            let key = scheme.key(&vector.secret, None).unwrap_or_else(|error| panic!("{at}: {error}"));
            let headers = headers(&vector.headers, str::to_owned);
            let request =
                Request { method: &vector.method, url: &vector.url, headers: &headers, body: vector.body.as_bytes() };
            let now = vector.now.unwrap_or(1_700_000_000);
            if let Some(expected) = &vector.answer {
                let mut keys = vec![key.clone()];
                keys.extend(vector.verify_token.as_deref().map(|token| crate::Key::verify_token(token).unwrap()));
                let answer = scheme
                    .answer_get(&request, &keys)
                    .or_else(|| scheme.answer_verified(&request, &keys, TOLERANCE, now))
                    .unwrap_or_else(|| panic!("{at}: no handshake answer"));
                assert_eq!((answer.status, answer.body.as_str()), (expected.status, expected.body.as_str()), "{at}");
                if vector.verify_token.is_some() {
                    assert_eq!(scheme.answer_get(&request, &[key]), None, "{at}: without the verify token, no answer");
                }
                continue;
            }
            assert_eq!(scheme.verify(&request, std::slice::from_ref(&key), TOLERANCE, now), Ok(()), "{at}");
            let identity = scheme.identify(provider.name, &request).unwrap_or_else(|error| panic!("{at}: {error}"));
            match &vector.id {
                Some(id) => assert_eq!(&identity.id, id, "{at}: id"),
                None => assert_eq!(identity.id, crate::digest_id(provider.name, vector.body.as_bytes()), "{at}: id"),
            }
            assert_eq!(identity.event_type, vector.event_type, "{at}: type");
            assert_eq!(
                scheme.answer_verified(&request, &[key], TOLERANCE, now),
                None,
                "{at}: an event, not a handshake"
            );
        }
    }
}

#[test]
fn tampered_bodies_and_wrong_secrets_are_refused() {
    for provider in CATALOG {
        let scheme = Scheme::Provider(provider);
        for vector in vectors(&stem(provider.name)).into_iter().filter(|vector| vector.answer.is_none()) {
            let at = format!("{} ({})", provider.name, vector.provenance);
            let key = scheme.key(&vector.secret, None).unwrap();
            let headers = headers(&vector.headers, str::to_owned);
            let now = vector.now.unwrap_or(1_700_000_000);
            let tampered = vector.tampered_body.clone().unwrap_or_else(|| {
                let mut body = vector.body.clone().into_bytes();
                let last = body.len() - 2;
                body[last] ^= 1;
                String::from_utf8(body).unwrap()
            });
            let request =
                Request { method: &vector.method, url: &vector.url, headers: &headers, body: tampered.as_bytes() };
            let refused = scheme.verify(&request, std::slice::from_ref(&key), TOLERANCE, now);
            // A token or a credential authenticates the sender, not the body.
            let signs_body = !matches!(provider.spec.algorithm, Algorithm::Token | Algorithm::Basic);
            assert_eq!(refused.is_err(), signs_body, "{at}: a tampered body");

            let wrong = scheme.key(&wrong_secret(&scheme, &vector), None).unwrap();
            let request =
                Request { method: &vector.method, url: &vector.url, headers: &headers, body: vector.body.as_bytes() };
            assert_eq!(
                scheme.verify(&request, &[wrong], TOLERANCE, now),
                Err(VerifyError::Mismatch),
                "{at}: wrong secret"
            );
            if scheme.signs_url() {
                let elsewhere = format!("{}x", vector.url);
                let moved = Request { url: &elsewhere, ..request };
                assert_eq!(
                    scheme.verify(&moved, &[key], TOLERANCE, now),
                    Err(VerifyError::Mismatch),
                    "{at}: other URL"
                );
            }
        }
    }
}

#[test]
fn stale_and_future_timestamps_are_refused_where_the_provider_signs_one() {
    for provider in CATALOG.iter().filter(|provider| provider.spec.timestamp.is_some_and(|timestamp| timestamp.checked))
    {
        let scheme = Scheme::Provider(provider);
        for vector in vectors(&stem(provider.name)).into_iter().filter(|vector| vector.answer.is_none()) {
            let at = format!("{} ({})", provider.name, vector.provenance);
            let now = vector.now.unwrap_or_else(|| panic!("{at}: a timestamped vector gives its `now`"));
            let key = scheme.key(&vector.secret, None).unwrap();
            let headers = headers(&vector.headers, str::to_owned);
            let request =
                Request { method: &vector.method, url: &vector.url, headers: &headers, body: vector.body.as_bytes() };
            let keys = std::slice::from_ref(&key);
            let stale = scheme.verify(&request, keys, TOLERANCE, now + TOLERANCE as i64 + 60);
            assert!(matches!(stale, Err(VerifyError::TooOld { .. })), "{at}: {stale:?}");
            let future = scheme.verify(&request, keys, TOLERANCE, now - TOLERANCE as i64 - 60);
            assert!(matches!(future, Err(VerifyError::InFuture { .. })), "{at}: {future:?}");
        }
    }
}

#[test]
fn header_names_verify_in_any_case() {
    for provider in CATALOG {
        let scheme = Scheme::Provider(provider);
        for vector in vectors(&stem(provider.name)).into_iter().filter(|vector| vector.answer.is_none()) {
            let key = scheme.key(&vector.secret, None).unwrap();
            let now = vector.now.unwrap_or(1_700_000_000);
            for case in [str::to_ascii_uppercase as fn(&str) -> String, str::to_ascii_lowercase] {
                let headers = headers(&vector.headers, case);
                let request = Request {
                    method: &vector.method,
                    url: &vector.url,
                    headers: &headers,
                    body: vector.body.as_bytes(),
                };
                assert_eq!(
                    scheme.verify(&request, std::slice::from_ref(&key), TOLERANCE, now),
                    Ok(()),
                    "{}",
                    provider.name
                );
            }
        }
    }
}

#[test]
fn what_the_engine_signs_it_verifies() {
    for provider in CATALOG {
        let scheme = Scheme::Provider(provider);
        let vector = vectors(&stem(provider.name)).into_iter().find(|vector| vector.answer.is_none()).unwrap();
        let key = match provider.spec.algorithm {
            Algorithm::Ed25519 | Algorithm::EcdsaP256Sha256 => match &vector.private_key {
                Some(private) => scheme.private_key(private).unwrap(),
                None => continue,
            },
            _ => scheme.key(&vector.secret, None).unwrap(),
        };
        let url = if vector.url.is_empty() { "https://hooks.example.com/webhooks/x?a=1" } else { &vector.url };
        let now = 1_700_000_000;
        let request =
            SignRequest { id: "evt_signed_1", timestamp: now, body: vector.body.as_bytes(), method: "POST", url };
        let signed = scheme.sign(&key, &request).unwrap_or_else(|error| panic!("{}: {error}", provider.name));
        let headers = headers(&signed.headers, str::to_owned);
        let body = signed.body.unwrap_or_else(|| vector.body.clone().into_bytes());
        let sent = Request { method: "POST", url, headers: &headers, body: &body };
        let verifying = scheme.key(&vector.secret, None).unwrap();
        let keys = if provider.spec.algorithm.is_public_key() { [verifying] } else { [key] };
        assert_eq!(scheme.verify(&sent, &keys, TOLERANCE, now), Ok(()), "{}: {:?}", provider.name, signed.headers);
    }
}

/// What the catalog says a signature covers is what verification checks: a header whose change
/// still verifies names neither a covered id nor a covered type; an uncovered id or type header can
/// be changed and still verify.
#[test]
fn what_a_signature_covers_is_what_verification_checks() {
    for provider in CATALOG {
        let scheme = Scheme::Provider(provider);
        let covered = provider.spec.covered();
        let Some(vector) = vectors(&stem(provider.name)).into_iter().find(|vector| vector.answer.is_none()) else {
            continue;
        };
        let key = scheme.key(&vector.secret, None).unwrap();
        let now = vector.now.unwrap_or(1_700_000_000);
        let identify = |pairs: &[(String, String)]| {
            let headers = headers(pairs, str::to_owned);
            let request =
                Request { method: &vector.method, url: &vector.url, headers: &headers, body: vector.body.as_bytes() };
            scheme.verify(&request, std::slice::from_ref(&key), TOLERANCE, now).ok()?;
            scheme.identify(provider.name, &request).ok()
        };
        let original = identify(&vector.headers).unwrap_or_else(|| panic!("{}: the vector verifies", provider.name));
        let mut changeable = (false, false);
        for index in 0..vector.headers.len() {
            let mut changed = vector.headers.clone();
            changed[index].1.push('x');
            let Some(identity) = identify(&changed) else { continue };
            let at = format!("{}: {} changed", provider.name, changed[index].0);
            if identity.id != original.id {
                assert!(!covered.id, "{at}: the id is declared signed");
                changeable.0 = true;
            }
            if identity.event_type != original.event_type {
                assert!(!covered.event_type, "{at}: the type is declared signed");
                changeable.1 = true;
            }
        }
        let declared_header = |locate| matches!(locate, Some(crate::spec::Locate::Header(_)));
        if !covered.id && declared_header(provider.spec.id) && vector.id.is_some() {
            assert!(changeable.0, "{}: the id is declared unsigned, yet no change of it verifies", provider.name);
        }
        if !covered.event_type && declared_header(provider.spec.event_type) && vector.event_type.is_some() {
            assert!(changeable.1, "{}: the type is declared unsigned, yet no change of it verifies", provider.name);
        }
    }
}
