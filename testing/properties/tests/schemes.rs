//! Every scheme, through the compiled sources of the repository's `hookway.json` (one per scheme,
//! the `hmac` one configured as a partner would): what it does with headers and bodies it has
//! never seen, and with a genuine request one byte off.

use hookway_core::scheme::{Key, MAX_EVENT_ID_LEN, Request, SignRequest};
use hookway_core::{Config, Source};
use hookway_properties::{check, noise};
use http::{HeaderMap, HeaderName, HeaderValue};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

const NOW: i64 = 1_700_000_000;

fn sources() -> Vec<Source> {
    let config = Config::from_json(include_str!("../../../hookway.json")).unwrap();
    config.sources.iter().map(|source| Source::new(source).unwrap()).collect()
}

fn keys(source: &Source, secrets: &[&str]) -> Vec<Key> {
    secrets.iter().map(|secret| source.scheme.key(secret, None).unwrap()).collect()
}

/// A secret every scheme takes (Standard Webhooks wants `whsec_` and base64).
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// Header names: those the schemes read, in any case, and others.
fn header_name(known: Vec<String>) -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::sample::select(known),
        3 => proptest::sample::select(known_names()).prop_map(|name| name.to_ascii_uppercase()),
        1 => "[a-zA-Z0-9-]{1,40}",
    ]
}

fn known_names() -> Vec<String> {
    sources().iter().flat_map(|source| source.kept_headers.clone()).collect()
}

/// Header values: printable text, arbitrary bytes (non-UTF-8 included), or huge.
fn header_value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => "[ -~]{0,120}".prop_map(String::into_bytes),
        2 => proptest::collection::vec(any::<u8>(), 0..200),
        2 => ("(v1|v0|sha256|t)[=,]", "[0-9a-fA-F+/=,]{0,100}").prop_map(|(prefix, rest)| format!("{prefix}{rest}").into_bytes()),
        1 => (any::<u64>(), 8_192usize..65_536).prop_map(|(seed, len)| noise(seed, len)),
    ]
}

fn headers_of(pairs: &[(String, Vec<u8>)]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in pairs {
        // What HTTP can carry at all: the rest never reaches the intake.
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name.as_str()), HeaderValue::from_bytes(value)) {
            headers.append(name, value);
        }
    }
    headers
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => proptest::collection::vec(any::<u8>(), 0..512),
        2 => r#"\{"id": "[ -~]{0,40}", "type": "[a-z.]{0,20}"(, "event_id": "[a-zA-Z0-9]{1,20}")?\}"#.prop_map(String::into_bytes),
        1 => (any::<u64>(), 4_096usize..32_768).prop_map(|(seed, len)| noise(seed, len)),
    ]
}

#[test]
fn arbitrary_headers_and_bodies_never_verify_and_never_panic() {
    let sources = sources();
    let names = known_names();
    let strategy =
        (0..sources.len(), proptest::collection::vec((header_name(names), header_value()), 0..8), body(), any::<i64>());
    check("arbitrary headers and bodies never verify", strategy, |(index, pairs, body, now)| {
        let source = &sources[index];
        let headers = headers_of(&pairs);
        let verified = source.verify(&Request::post(&headers, &body), &keys(source, &[SECRET]), now);
        prop_assert!(verified.is_err(), "{} verified a request nobody signed", source.name);
        let _ = source.identify(&Request::post(&headers, &body));
        Ok(())
    });
}

#[test]
fn an_event_is_named_within_the_rules_whatever_it_carries() {
    let sources = sources();
    let strategy =
        (0..sources.len(), proptest::collection::vec((header_name(known_names()), header_value()), 0..8), body());
    check("identify stays within the rules", strategy, |(index, pairs, body)| {
        let source = &sources[index];
        let headers = headers_of(&pairs);
        let first = source.identify(&Request::post(&headers, &body));
        prop_assert_eq!(&first, &source.identify(&Request::post(&headers, &body)), "the same request, the same name");
        if let Ok(identity) = first {
            prop_assert!(!identity.id.is_empty() && identity.id.len() <= MAX_EVENT_ID_LEN);
            prop_assert!(!identity.id.chars().any(char::is_control), "{:?}", identity.id);
        }
        Ok(())
    });
}

/// Where a byte of a signed request is changed.
#[derive(Debug, Clone)]
enum Mutation {
    Body { at: usize, xor: u8 },
    Header { which: usize, at: usize, to: u8 },
}

#[test]
fn a_signed_request_verifies_and_no_mutated_byte_of_it_does() {
    let sources = sources();
    let mutation = prop_oneof![
        (any::<usize>(), 1..=255u8).prop_map(|(at, xor)| Mutation::Body { at, xor }),
        (any::<usize>(), any::<usize>(), b' '..=b'~').prop_map(|(which, at, to)| Mutation::Header { which, at, to }),
    ];
    let strategy = (
        0..sources.len(),
        prop_oneof![Just(SECRET.to_owned()), "whsec_[A-Za-z0-9+/]{32}"],
        proptest::collection::vec(any::<u8>(), 1..1024),
        "[A-Za-z0-9_.:-]{1,64}",
        -300i64..=300,
        mutation,
    );
    check(
        "a mutated byte of a signed request never verifies",
        strategy,
        |(index, secret, body, id, skew, mutation)| {
            let source = &sources[index];
            let Ok(key) = source.scheme.key(&secret, None) else {
                return Err(TestCaseError::reject("not a secret of this scheme"));
            };
            let keys = [key.clone()];
            let request = SignRequest { id: &id, timestamp: NOW + skew, body: &body, method: "POST", url: "" };
            let signed = source.scheme.sign(&key, &request).unwrap();
            let pairs: Vec<(String, Vec<u8>)> =
                signed.headers.iter().map(|(n, v)| (n.clone(), v.clone().into_bytes())).collect();
            let body = signed.body.unwrap_or(body);
            let verify = |headers: &HeaderMap, body: &[u8]| source.verify(&Request::post(headers, body), &keys, NOW);
            prop_assert_eq!(verify(&headers_of(&pairs), &body), Ok(()), "{} signed it", source.name);
            match mutation {
                Mutation::Body { at, xor } => {
                    let mut mutated = body.clone();
                    let at = at % mutated.len();
                    mutated[at] ^= xor;
                    prop_assert!(verify(&headers_of(&pairs), &mutated).is_err());
                }
                Mutation::Header { which, at, to } => {
                    // Only the headers verification reads: an id header that only names the event
                    // (GitHub's, Shopify's) is not signed.
                    let read: Vec<usize> = (0..pairs.len())
                        .filter(|&i| {
                            let without: Vec<_> =
                                pairs.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, p)| p.clone()).collect();
                            verify(&headers_of(&without), &body).is_err()
                        })
                        .collect();
                    prop_assert!(!read.is_empty());
                    let i = read[which % read.len()];
                    let mut mutated = pairs.clone();
                    let value = &mut mutated[i].1;
                    let at = at % value.len();
                    // Another printable byte, and not the same letter in the other case: hex is read
                    // in either case.
                    let mut to = to;
                    while to.eq_ignore_ascii_case(&value[at]) {
                        to = if to == b'~' { b' ' } else { to + 1 };
                    }
                    value[at] = to;
                    prop_assert!(
                        verify(&headers_of(&mutated), &body).is_err(),
                        "{}: {} changed to {:?} still verifies",
                        source.name,
                        mutated[i].0,
                        String::from_utf8_lossy(&mutated[i].1)
                    );
                }
            }
            Ok(())
        },
    );
}
