//! Every provider of the catalog (`hookway_providers::CATALOG`), each through its own
//! parse-and-verify path: headers, body, URL, key material and handshakes. Each property is written
//! once over the catalog and run for every provider; `make fuzz` counts a provider's cases on a
//! line of its own.
//!
//! * No request, however malformed, makes verification, naming or a handshake panic, and none that
//!   nobody signed verifies.
//! * A request signed by the provider's signing side (what `hookway send` and `hookway sign` send)
//!   verifies; any single change to a part it signs — a body byte, a byte of a header verification
//!   reads (signature, timestamp, signed id), the signature inside a body, a URL byte or its port
//!   where the URL is signed, the method where it is signed, the clock past the tolerance, a byte
//!   of the key, another key, an expired key — is refused, never accepted; a change to a part it
//!   does not sign is no reason to refuse.
//! * Any key material is refused, or makes a key that verifies what it signs and nothing another
//!   key signed.
//! * A handshake is answered only when well formed (a signed one only once it verifies), with the
//!   challenge it carries; nothing else is answered as one.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac as _};
use hookway_properties::{check_as, noise};
use hookway_providers::key::generate;
use hookway_providers::spec::{Algorithm, Handshake, Locate, Part, SecretFormat, TimeFormat, TimestampAt};
use hookway_providers::{Answer, CATALOG, Key, MAX_EVENT_ID_LEN, Provider, Request, Scheme, SignRequest, VerifyError};
use http::{HeaderMap, HeaderName, HeaderValue};
use proptest::prelude::*;
use proptest::string::{RegexGeneratorStrategy, string_regex};
use proptest::test_runner::TestCaseError;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

const NOW: i64 = 1_700_000_000;
const TOLERANCE: u64 = 300;
const TOLERANCE_SECONDS: i64 = 300;
/// Keys of each provider's own form, made once from fixed seeds: generating a public-key pair
/// costs more than the property itself.
const POOL_SEEDS: u8 = 3;

/// A key as the provider shows it, ready to verify, and the key a sender signs with.
#[derive(Clone)]
struct Pair {
    secret: String,
    verifying: Key,
    signing: Key,
}

/// Which key a case signs with: one of the pool, or a text secret made up for the case.
#[derive(Debug, Clone)]
enum KeyChoice {
    Pool(usize),
    Text(String),
}

/// How the body a case signs covers, if at all, by what the provider documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyCover {
    /// The raw bytes are signed.
    Raw,
    /// The form parameters are signed, sorted (Twilio), unless the URL signs the body's digest.
    Form,
    /// Only the signature fields the body carries are signed (Mailgun).
    SignatureFields,
    /// A token or credential authenticates the sender, not the body.
    Unsigned,
}

/// One provider, with what the properties need of it.
struct Fixture {
    provider: &'static Provider,
    scheme: Scheme,
    pool: Vec<Pair>,
    /// The headers of a signed request that verification reads: without any of them, it fails.
    read: Vec<String>,
    /// Header names worth trying on it: those it signs with and those it keeps.
    names: Vec<String>,
    body: BodyCover,
}

fn pair(scheme: &Scheme, secret: &str, private_key: Option<&str>) -> Pair {
    let verifying = scheme.key(secret, None).unwrap_or_else(|error| panic!("{}: {error}", scheme.name()));
    let signing = match private_key {
        Some(private) => scheme.private_key(private).unwrap_or_else(|error| panic!("{}: {error}", scheme.name())),
        None => verifying.clone(),
    };
    Pair { secret: secret.to_owned(), verifying, signing }
}

fn pool(scheme: &Scheme) -> Vec<Pair> {
    let spec = scheme.spec();
    let mut pool = Vec::new();
    for seed in 1..=POOL_SEEDS {
        let generated = generate(spec.algorithm, spec.secret, [seed; 32]);
        pool.push(pair(scheme, &generated.secret, generated.private_key.as_deref()));
        if spec.secret == SecretFormat::Whsec && seed == 1 {
            // Standard Webhooks' asymmetric form: a `whpk_` public key, a `whsk_` test key.
            let ed25519 = generate(Algorithm::Ed25519, SecretFormat::Ed25519Hex, [seed; 32]);
            let public = BASE64.encode(hex::decode(&ed25519.secret).unwrap());
            let private = format!("whsk_{}", BASE64.encode([seed; 32]));
            pool.push(pair(scheme, &format!("whpk_{public}"), Some(&private)));
        }
    }
    pool
}

impl Fixture {
    fn new(provider: &'static Provider) -> Fixture {
        let scheme = Scheme::Provider(provider);
        let pool = pool(&scheme);
        let spec = provider.spec;
        let mut fixture =
            Fixture { provider, scheme, pool, read: Vec::new(), names: Vec::new(), body: BodyCover::Unsigned };
        // A sample signed request: the headers it carries, which of them verification reads, and
        // whether the signature travels in the body.
        let draft = Draft {
            key: KeyChoice::Pool(0),
            id: "evt_sample".into(),
            skew: 0,
            body: BodyDraft::Json { id: "evt_1".into(), kind: "sample.created".into(), note: String::new() },
            url: UrlDraft::sample(),
        };
        let sent = fixture.signed(&draft).unwrap();
        let keys = [fixture.pool[0].verifying.clone()];
        assert_eq!(fixture.verify(&sent, &keys, NOW), Ok(()), "{}: the sample verifies", provider.name);
        fixture.read = sent
            .headers
            .iter()
            .filter(|(name, _)| {
                let without =
                    Sent { headers: sent.headers.iter().filter(|(n, _)| n != name).cloned().collect(), ..sent.clone() };
                fixture.verify(&without, &keys, NOW).is_err()
            })
            .map(|(name, _)| name.clone())
            .collect();
        let carried_in_body = sent.body != draft.body.render(spec, NOW, "evt_sample");
        fixture.body = match spec.algorithm {
            Algorithm::Token | Algorithm::Basic => BodyCover::Unsigned,
            _ if carried_in_body => BodyCover::SignatureFields,
            _ if spec.signed.contains(&Part::Body) => BodyCover::Raw,
            _ if spec.signed.contains(&Part::SortedForm) => BodyCover::Form,
            _ => panic!("{}: say in this test how its signature covers the body", provider.name),
        };
        assert!(
            !fixture.read.is_empty() || fixture.body == BodyCover::SignatureFields || carried_in_body,
            "{}: verification reads no header of a signed request",
            provider.name
        );
        let generic = ["Content-Type", "Authorization"].map(str::to_owned);
        fixture.names = sent
            .headers
            .iter()
            .map(|(name, _)| name.clone())
            .chain(fixture.scheme.kept_headers())
            .chain(generic)
            .collect();
        fixture.names.sort();
        fixture.names.dedup();
        fixture
    }

    fn resolve(&self, choice: &KeyChoice) -> Pair {
        match choice {
            KeyChoice::Pool(index) => self.pool[index % self.pool.len()].clone(),
            KeyChoice::Text(secret) => pair(&self.scheme, secret, None),
        }
    }

    /// Another key of the provider's form than `choice`'s.
    fn other(&self, choice: &KeyChoice) -> Pair {
        match choice {
            KeyChoice::Pool(index) => self.pool[(index + 1) % self.pool.len()].clone(),
            KeyChoice::Text(_) => self.pool[0].clone(),
        }
    }

    /// The request `draft` describes, as the provider's signing side signs it.
    fn signed(&self, draft: &Draft) -> Result<Sent, TestCaseError> {
        let spec = self.provider.spec;
        let timestamp = NOW + draft.skew;
        let body = draft.body.render(spec, timestamp, &draft.id);
        let url = draft.url.render(&body);
        let pair = self.resolve(&draft.key);
        let request = SignRequest { id: &draft.id, timestamp, body: &body, method: "POST", url: &url };
        let signed = self
            .scheme
            .sign(&pair.signing, &request)
            .map_err(|error| TestCaseError::fail(format!("{}: cannot sign: {error}", self.provider.name)))?;
        Ok(Sent { method: "POST".into(), url, headers: signed.headers, body: signed.body.unwrap_or(body) })
    }

    fn verify(&self, sent: &Sent, keys: &[Key], now: i64) -> Result<(), VerifyError> {
        let headers = sent.header_map();
        let request = Request { method: &sent.method, url: &sent.url, headers: &headers, body: &sent.body };
        self.scheme.verify(&request, keys, TOLERANCE, now)
    }
}

fn fixtures() -> Vec<Fixture> {
    CATALOG.iter().copied().map(Fixture::new).collect()
}

/// A request as sent.
#[derive(Debug, Clone)]
struct Sent {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Sent {
    fn header_map(&self) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in &self.headers {
            map.append(HeaderName::try_from(name.as_str()).unwrap(), HeaderValue::from_str(value).unwrap());
        }
        map
    }
}

/// What a case signs, before the provider's signing side shapes it.
#[derive(Debug, Clone)]
struct Draft {
    key: KeyChoice,
    id: String,
    skew: i64,
    body: BodyDraft,
    url: UrlDraft,
}

#[derive(Debug, Clone)]
enum BodyDraft {
    Bytes(Vec<u8>),
    /// A JSON event with the provider's id, type and (where the body carries it) timestamp.
    Json {
        id: String,
        kind: String,
        note: String,
    },
    Form(Vec<(String, String)>),
}

impl BodyDraft {
    fn render(&self, spec: hookway_providers::Spec<'_>, timestamp: i64, id_header: &str) -> Vec<u8> {
        // A timestamp the body carries must be there, whatever else the case chose.
        let timestamp_pointer = match spec.timestamp.map(|timestamp| timestamp.at) {
            Some(TimestampAt::Pointer(pointer)) => Some((pointer, spec.timestamp.unwrap().format)),
            _ => None,
        };
        match self {
            BodyDraft::Bytes(bytes) if timestamp_pointer.is_none() => bytes.clone(),
            BodyDraft::Form(pairs) if timestamp_pointer.is_none() => {
                form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish().into_bytes()
            }
            BodyDraft::Json { id, kind, note } => json_event(spec, id, kind, note, timestamp, timestamp_pointer),
            _ => json_event(spec, id_header, "event", "", timestamp, timestamp_pointer),
        }
    }
}

fn json_event(
    spec: hookway_providers::Spec<'_>,
    id: &str,
    kind: &str,
    note: &str,
    timestamp: i64,
    timestamp_pointer: Option<(&str, TimeFormat)>,
) -> Vec<u8> {
    let mut event = json!({ "note": note });
    if let Some(Locate::Pointer(pointer)) = spec.id {
        set(&mut event, pointer, Value::from(id));
    }
    if let Some(Locate::Pointer(pointer)) = spec.event_type {
        set(&mut event, pointer, Value::from(kind));
    }
    if let Some((pointer, format)) = timestamp_pointer {
        let value = match format {
            TimeFormat::UnixMillis => Value::from(timestamp * 1000),
            TimeFormat::UnixSeconds => Value::from(timestamp),
            TimeFormat::Rfc3339 => panic!("no provider writes an RFC 3339 timestamp in its body"),
        };
        set(&mut event, pointer, value);
    }
    serde_json::to_vec(&event).unwrap()
}

/// Sets the value at a JSON pointer, making the objects (or, before an index, the arrays) on its
/// way: Adyen's id is at `/notificationItems/0/NotificationRequestItem/pspReference`.
fn set(target: &mut Value, pointer: &str, value: Value) {
    fn step<'v>(at: &'v mut Value, segment: &str, next_is_index: bool) -> &'v mut Value {
        if at.is_array() {
            let index: usize = segment.parse().unwrap();
            let items = at.as_array_mut().unwrap();
            while items.len() <= index {
                items.push(json!({}));
            }
            return &mut items[index];
        }
        let fits = if next_is_index { Value::is_array } else { Value::is_object };
        if !at.get(segment).is_some_and(fits) {
            at[segment] = if next_is_index { json!([]) } else { json!({}) };
        }
        &mut at[segment]
    }
    let segments: Vec<&str> = pointer.split('/').skip(1).collect();
    let mut at = target;
    for (index, segment) in segments[..segments.len() - 1].iter().enumerate() {
        at = step(at, segment, segments[index + 1].parse::<usize>().is_ok());
    }
    *step(at, segments[segments.len() - 1], false) = value;
}

/// The URL a case is sent to.
#[derive(Debug, Clone)]
struct UrlDraft {
    https: bool,
    host: String,
    port: Port,
    path: String,
    query: Vec<(String, String)>,
    /// Whether the URL signs the body by its digest (Twilio's `bodySHA256`).
    body_digest: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Port {
    None,
    Default,
    Other,
}

impl UrlDraft {
    fn sample() -> UrlDraft {
        UrlDraft {
            https: true,
            host: "hooks.example.com".into(),
            port: Port::None,
            path: "/webhooks/sample".into(),
            query: vec![("a".into(), "1".into())],
            body_digest: false,
        }
    }

    fn render(&self, body: &[u8]) -> String {
        let scheme = if self.https { "https" } else { "http" };
        let port = match (self.port, self.https) {
            (Port::None, _) => "",
            (Port::Default, true) => ":443",
            (Port::Default, false) => ":80",
            (Port::Other, _) => ":8443",
        };
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.extend_pairs(&self.query);
        if self.body_digest {
            query.append_pair("bodySHA256", &hex::encode(Sha256::digest(body)));
        }
        let query = query.finish();
        let query = if query.is_empty() { query } else { format!("?{query}") };
        format!("{scheme}://{}{port}{}{query}", self.host, self.path)
    }
}

/// A regular expression's strategy, compiled once (a `&str` strategy compiles it for every case).
fn re(pattern: &str) -> RegexGeneratorStrategy<String> {
    string_regex(pattern).unwrap()
}

fn key_choice(fixture: &Fixture) -> BoxedStrategy<KeyChoice> {
    let pool = (0..fixture.pool.len()).prop_map(KeyChoice::Pool);
    match fixture.provider.spec.secret {
        SecretFormat::Text => prop_oneof![pool, re("[!-~]{1,48}").prop_map(KeyChoice::Text)].boxed(),
        SecretFormat::UserPassword => {
            prop_oneof![pool, re("[a-zA-Z0-9._-]{1,12}:[!-~]{1,24}").prop_map(KeyChoice::Text)].boxed()
        }
        _ => pool.boxed(),
    }
}

fn body_draft() -> impl Strategy<Value = BodyDraft> {
    prop_oneof![
        3 => (re("[A-Za-z0-9_-]{1,32}"), re("[a-z_.]{1,24}"), re("\\PC{0,64}"))
            .prop_map(|(id, kind, note)| BodyDraft::Json { id, kind, note }),
        2 => proptest::collection::vec((re("[A-Za-z][A-Za-z0-9]{0,12}"), re("\\PC{0,24}")), 0..8).prop_map(BodyDraft::Form),
        2 => proptest::collection::vec(any::<u8>(), 1..512).prop_map(BodyDraft::Bytes),
    ]
}

fn url_draft(fixture: &Fixture) -> impl Strategy<Value = UrlDraft> + use<> {
    // Twilio's JSON bodies: the URL signs the body by its digest. Plivo signs forms only.
    let digests = fixture.provider.name == "twilio";
    (
        any::<bool>(),
        re("[a-z0-9-]{1,20}(\\.[a-z]{2,6}){1,2}"),
        prop_oneof![Just(Port::None), Just(Port::Default), Just(Port::Other)],
        re("(/[A-Za-z0-9._~-]{0,16}){1,3}"),
        proptest::collection::vec((re("[a-z]{1,8}"), re("[ -~]{0,16}")), 0..3),
        any::<bool>(),
    )
        .prop_map(move |(https, host, port, path, query, body_digest)| UrlDraft {
            https,
            host,
            port,
            path,
            query,
            body_digest: digests && body_digest,
        })
}

fn draft(fixture: &Fixture) -> impl Strategy<Value = Draft> + use<> {
    (
        key_choice(fixture),
        re("[A-Za-z0-9_.:-]{1,64}"),
        -TOLERANCE_SECONDS..=TOLERANCE_SECONDS,
        body_draft(),
        url_draft(fixture),
    )
        .prop_map(|(key, id, skew, body, url)| Draft { key, id, skew, body, url })
}

/// A printable byte other than `from`, and not `from` in the other case: hex is read in either.
fn another_byte(from: u8, to: u8) -> u8 {
    let mut to = to;
    while to.eq_ignore_ascii_case(&from) {
        to = if to == b'~' { b' ' } else { to + 1 };
    }
    to
}

fn replace_byte(text: &str, at: usize, to: u8) -> String {
    let mut bytes = text.as_bytes().to_vec();
    let at = at % bytes.len();
    bytes[at] = another_byte(bytes[at], to);
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Whether two secrets are one key: equal, or `whsec_` secrets whose bytes differ only by trailing
/// zeros, which HMAC pads its key with anyway (a final `=` read as `A` decodes so).
fn same_key(fixture: &Fixture, a: &str, b: &str) -> bool {
    let bytes = |secret: &str| -> Vec<u8> {
        let mut bytes = match fixture.provider.spec.secret {
            SecretFormat::Whsec => BASE64.decode(secret.strip_prefix("whsec_").unwrap_or(secret)).unwrap_or_default(),
            _ => return secret.as_bytes().to_vec(),
        };
        while bytes.last() == Some(&0) {
            bytes.pop();
        }
        bytes
    };
    a == b || (!a.starts_with("whpk_") && !bytes(a).is_empty() && bytes(a) == bytes(b))
}

fn is_valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_EVENT_ID_LEN && !id.chars().any(char::is_control)
}

/// Runs `property` over `strategy` for every provider, each counted on its own line.
fn for_each_provider<S: Strategy>(
    name: &str,
    strategy: impl Fn(&Fixture) -> S,
    property: impl Fn(&Fixture, S::Value) -> Result<(), TestCaseError>,
) where
    S::Value: std::fmt::Debug,
{
    for fixture in fixtures() {
        let provider = fixture.provider.name;
        check_as(provider, &format!("{provider}: {name}"), strategy(&fixture), |value| property(&fixture, value));
    }
}

// ---------------------------------------------------------------------------------------------
// Arbitrary and mutated requests.

fn header_name(names: Vec<String>) -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(names.clone()),
        2 => proptest::sample::select(names).prop_map(|name| name.to_ascii_uppercase()),
        1 => re("[a-zA-Z0-9-]{1,40}"),
    ]
}

fn header_value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => re("[ -~]{0,120}").prop_map(String::into_bytes),
        3 => (re("(v1|v0|v1a|sha256|sha1|t|ts|h1|Basic )?[=, ]?"), re("[0-9a-zA-Z+/=,;:. -]{0,100}"))
            .prop_map(|(prefix, rest)| format!("{prefix}{rest}").into_bytes()),
        2 => proptest::collection::vec(any::<u8>(), 0..200),
        1 => (any::<u64>(), 8_192usize..65_536).prop_map(|(seed, len)| noise(seed, len)),
    ]
}

fn arbitrary_body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => proptest::collection::vec(any::<u8>(), 0..512),
        2 => re(r#"\{"(id|type|event|challenge|signature|payload|webhookTimestamp)": ("[ -~]{0,20}"|[0-9]{1,14}|\{"(timestamp|token|signature|plainToken)": "[0-9a-f]{0,64}"\}), "(type|event_id|event-data)": "[a-z.]{0,20}"\}"#).prop_map(String::into_bytes),
        1 => re("([A-Za-z]{1,8}=[A-Za-z0-9%+]{0,12}&){0,6}").prop_map(String::into_bytes),
        1 => (any::<u64>(), 4_096usize..32_768).prop_map(|(seed, len)| noise(seed, len)),
    ]
}

fn arbitrary_url() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => re("https?://[a-z.]{1,20}(:[0-9]{0,6})?(/[ -~]{0,30})?(\\?((challenge|hub\\.mode|hub\\.challenge|hub\\.verify_token|bodySHA256)=[ -~]{0,30}&?){0,4})?"),
        1 => re("[ -~]{0,80}"),
        1 => Just(String::new()),
    ]
}

#[test]
fn arbitrary_requests_never_verify_and_never_panic() {
    for_each_provider(
        "arbitrary requests never verify, never panic, answer no handshake",
        |fixture| {
            (
                proptest::collection::vec((header_name(fixture.names.clone()), header_value()), 0..8),
                arbitrary_body(),
                arbitrary_url(),
                prop_oneof![Just("POST".to_owned()), Just("GET".to_owned()), re("[A-Z]{0,8}")],
                prop_oneof![Just(NOW), any::<i64>()],
                0..fixture.pool.len(),
            )
        },
        |fixture, (pairs, body, url, method, now, key)| {
            let mut headers = HeaderMap::new();
            for (name, value) in &pairs {
                if let (Ok(name), Ok(value)) = (HeaderName::try_from(name.as_str()), HeaderValue::from_bytes(value)) {
                    headers.append(name, value);
                }
            }
            let request = Request { method: &method, url: &url, headers: &headers, body: &body };
            let keys = [fixture.pool[key].verifying.clone()];
            let verified = fixture.scheme.verify(&request, &keys, TOLERANCE, now);
            prop_assert!(verified.is_err(), "verified a request nobody signed");
            if let Ok(identity) = fixture.scheme.identify(fixture.provider.name, &request) {
                prop_assert!(is_valid_id(&identity.id), "{:?}", identity.id);
            }
            prop_assert_eq!(fixture.scheme.answer_verified(&request, &keys, TOLERANCE, now), None);
            let answer = fixture.scheme.answer_get(&request, &keys);
            prop_assert_eq!(answer, expected_get_answer(fixture, &request, &[]), "the GET handshake");
            Ok(())
        },
    );
}

// ---------------------------------------------------------------------------------------------
// A signed request, and one change to it.

#[derive(Debug, Clone)]
enum Mutation {
    /// A body byte.
    Body { at: usize, xor: u8 },
    /// A byte of a header verification reads, or of the signature fields the body carries.
    Signed { which: usize, at: usize, to: u8 },
    /// A URL byte.
    Url { at: usize, to: u8 },
    /// The URL's port: the scheme's default written or left out, or another.
    Port(Port),
    /// Another method.
    Method,
    /// The receiver's clock, `by` seconds from the signed timestamp.
    Clock { later: bool, by: i64 },
    /// A byte of the key, as the provider shows it.
    Key { at: usize, to: u8 },
    /// Another key of the provider's form.
    OtherKey,
    /// The right key behind another, expired or not.
    Rotation { expired: bool },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<usize>(), 1..=255u8).prop_map(|(at, xor)| Mutation::Body { at, xor }),
        4 => (any::<usize>(), any::<usize>(), b' '..=b'~').prop_map(|(which, at, to)| Mutation::Signed { which, at, to }),
        2 => (any::<usize>(), b'!'..=b'~').prop_map(|(at, to)| Mutation::Url { at, to }),
        1 => prop_oneof![Just(Port::None), Just(Port::Default), Just(Port::Other)].prop_map(Mutation::Port),
        1 => Just(Mutation::Method),
        2 => (any::<bool>(), 0..=2 * TOLERANCE_SECONDS + 100_000).prop_map(|(later, by)| Mutation::Clock { later, by }),
        2 => (any::<usize>(), b'!'..=b'~').prop_map(|(at, to)| Mutation::Key { at, to }),
        1 => Just(Mutation::OtherKey),
        1 => any::<bool>().prop_map(|expired| Mutation::Rotation { expired }),
    ]
}

/// The form parameters, sorted, as an independent reading of what Twilio signs.
fn sorted_form(body: &[u8]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> =
        form_urlencoded::parse(body).map(|(name, value)| (name.into_owned(), value.into_owned())).collect();
    pairs.sort();
    pairs.dedup();
    pairs
}

/// Where the signature fields are in a body that carries them: `"signature":{…}`, after the event.
fn signature_span(body: &[u8]) -> std::ops::Range<usize> {
    let text = String::from_utf8_lossy(body);
    let start = text.rfind("\"signature\":{").unwrap();
    start..start + text[start..].find('}').unwrap() + 1
}

/// Whether a body changed at `at` must be refused (`Some(true)`), must verify (`Some(false)`), or
/// may do either: where only the signature fields are signed, a change elsewhere may leave the
/// body unreadable.
fn body_change_signed(fixture: &Fixture, url: &str, original: &[u8], changed: &[u8], at: usize) -> Option<bool> {
    match fixture.body {
        BodyCover::Raw => Some(true),
        BodyCover::Unsigned => Some(false),
        BodyCover::SignatureFields => {
            // Hex is read in either case.
            let signed = signature_span(original).contains(&at) && !changed[at].eq_ignore_ascii_case(&original[at]);
            signed.then_some(true)
        }
        BodyCover::Form if url.contains("bodySHA256=") => Some(true),
        BodyCover::Form => Some(sorted_form(original) != sorted_form(changed)),
    }
}

#[test]
fn a_signed_request_verifies_and_no_change_to_a_signed_part_does() {
    for_each_provider(
        "a signed request verifies; a change to what it signs never does",
        |fixture| (draft(fixture), mutation()),
        |fixture, (draft, mutation)| {
            let spec = fixture.provider.spec;
            let sent = fixture.signed(&draft)?;
            let pair = fixture.resolve(&draft.key);
            let keys = [pair.verifying.clone()];
            prop_assert_eq!(fixture.verify(&sent, &keys, NOW), Ok(()), "its own signed request: {:?}", sent);
            let headers = sent.header_map();
            let request = Request { method: &sent.method, url: &sent.url, headers: &headers, body: &sent.body };
            if let Ok(identity) = fixture.scheme.identify(fixture.provider.name, &request) {
                prop_assert!(is_valid_id(&identity.id), "{:?}", identity.id);
            }

            let timestamp = NOW + draft.skew;
            let (changed, keys, now, refused) = match mutation {
                Mutation::Body { at, xor } => {
                    let mut changed = sent.clone();
                    let signed = if changed.body.is_empty() {
                        changed.body.push(xor);
                        body_change_signed(fixture, &sent.url, &sent.body, &changed.body, usize::MAX)
                    } else {
                        let at = at % changed.body.len();
                        changed.body[at] ^= xor;
                        body_change_signed(fixture, &sent.url, &sent.body, &changed.body, at)
                    };
                    let Some(signed) = signed else { return Ok(()) };
                    (changed, keys.to_vec(), NOW, signed)
                }
                Mutation::Signed { which, at, to } => {
                    let mut changed = sent.clone();
                    if fixture.read.is_empty() {
                        // The signature travels in the body: change a byte of its fields.
                        let span = signature_span(&sent.body);
                        let at = span.start + at % span.len();
                        changed.body[at] = another_byte(changed.body[at], to);
                    } else {
                        let name = &fixture.read[which % fixture.read.len()];
                        let header = changed.headers.iter_mut().find(|(n, _)| n == name).unwrap();
                        header.1 = replace_byte(&header.1, at, to);
                    }
                    (changed, keys.to_vec(), NOW, true)
                }
                Mutation::Url { at, to } => {
                    let mut changed = sent.clone();
                    changed.url = replace_byte(&sent.url, at, to);
                    (changed, keys.to_vec(), NOW, fixture.scheme.signs_url())
                }
                Mutation::Port(port) => {
                    if port == draft.url.port {
                        return Ok(());
                    }
                    let mut changed = sent.clone();
                    changed.url =
                        UrlDraft { port, ..draft.url.clone() }.render(&draft.body.render(spec, timestamp, &draft.id));
                    // Twilio's SDKs accept the URL with the default port written or left out.
                    let same_url =
                        port != Port::Other && draft.url.port != Port::Other && spec.hooks.url_variant.is_some();
                    (changed, keys.to_vec(), NOW, fixture.scheme.signs_url() && !same_url)
                }
                Mutation::Method => {
                    let changed = Sent { method: "PUT".into(), ..sent.clone() };
                    (changed, keys.to_vec(), NOW, spec.signed.contains(&Part::Method))
                }
                Mutation::Clock { later, by } => {
                    let now = if later { timestamp + by } else { timestamp - by };
                    let checked = spec.timestamp.is_some_and(|timestamp| timestamp.checked);
                    (sent.clone(), keys.to_vec(), now, checked && by > TOLERANCE_SECONDS)
                }
                Mutation::Key { at, to } => {
                    let changed = replace_byte(&pair.secret, at, to);
                    let Ok(key) = fixture.scheme.key(&changed, None) else { return Ok(()) };
                    if same_key(fixture, &changed, &pair.secret) {
                        return Ok(());
                    }
                    (sent.clone(), vec![key], NOW, true)
                }
                Mutation::OtherKey => (sent.clone(), vec![fixture.other(&draft.key).verifying], NOW, true),
                Mutation::Rotation { expired } => {
                    let expires_at = if expired { NOW - 1 } else { NOW };
                    let right = fixture.scheme.key(&pair.secret, Some(expires_at)).unwrap();
                    (sent.clone(), vec![fixture.other(&draft.key).verifying, right], NOW, expired)
                }
            };
            let verified = fixture.verify(&changed, &keys, now);
            if refused {
                prop_assert!(verified.is_err(), "accepted a changed request: {:?}", changed);
            } else {
                prop_assert_eq!(verified, Ok(()), "refused for a change to what it does not sign: {:?}", changed);
            }
            Ok(())
        },
    );
}

// ---------------------------------------------------------------------------------------------
// Key material.

fn key_material(fixture: &Fixture) -> impl Strategy<Value = String> + use<> {
    let secrets: Vec<String> = fixture.pool.iter().map(|pair| pair.secret.clone()).collect();
    let spki_prefix = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE";
    prop_oneof![
        3 => (proptest::sample::select(secrets), any::<usize>(), b'!'..=b'~').prop_map(|(secret, at, to)| replace_byte(&secret, at, to)),
        2 => re("[ -~]{0,80}"),
        1 => any::<String>(),
        2 => (re("(whsec_|whpk_|whsk_)?"), proptest::collection::vec(any::<u8>(), 0..80))
            .prop_map(|(prefix, bytes)| format!("{prefix}{}", BASE64.encode(bytes))),
        2 => proptest::collection::vec(any::<u8>(), 0..80).prop_map(hex::encode),
        1 => proptest::collection::vec(any::<u8>(), 0..100).prop_map(move |bytes| {
            let mut der = BASE64.decode(spki_prefix).unwrap();
            der.extend(bytes);
            BASE64.encode(der)
        }),
    ]
}

#[test]
fn any_key_material_is_refused_or_verifies_what_it_signs_and_nothing_else() {
    for_each_provider(
        "any key material: refused, or verifies its own signatures and no other key's",
        |fixture| (key_material(fixture), draft(fixture)),
        |fixture, (material, draft)| {
            let verifying = fixture.scheme.key(&material, None);
            let private = fixture.scheme.private_key(&material);
            let token = Key::verify_token(&material);
            prop_assert_eq!(token.is_ok(), !material.is_empty());
            // What the pool's first key signed, no other key verifies.
            let sample = fixture.signed(&Draft { key: KeyChoice::Pool(0), ..draft.clone() })?;
            let same = same_key(fixture, &material, &fixture.pool[0].secret);
            if let Ok(key) = &verifying
                && !same
            {
                prop_assert!(fixture.verify(&sample, std::slice::from_ref(key), NOW).is_err());
            }
            // A key that signs verifies its own signature (a private key checks with its own public half).
            let signer = match (&private, &verifying) {
                (Ok(private), _) => private.clone(),
                (_, Ok(key)) if !fixture.provider.spec.algorithm.is_public_key() && !material.starts_with("whpk_") => {
                    key.clone()
                }
                _ => return Ok(()),
            };
            let timestamp = NOW + draft.skew;
            let body = draft.body.render(fixture.provider.spec, timestamp, &draft.id);
            let url = draft.url.render(&body);
            let request = SignRequest { id: &draft.id, timestamp, body: &body, method: "POST", url: &url };
            let signed =
                fixture.scheme.sign(&signer, &request).map_err(|error| TestCaseError::fail(error.to_string()))?;
            if signed.headers.iter().any(|(_, value)| !value.bytes().all(|byte| (b' '..=b'~').contains(&byte))) {
                // A token no HTTP header can carry: no sender can send it.
                prop_assert!(matches!(fixture.provider.spec.algorithm, Algorithm::Token));
                return Ok(());
            }
            let sent = Sent { method: "POST".into(), url, headers: signed.headers, body: signed.body.unwrap_or(body) };
            prop_assert_eq!(fixture.verify(&sent, std::slice::from_ref(&signer), NOW), Ok(()));
            if !same {
                prop_assert!(fixture.verify(&sent, &[fixture.pool[0].verifying.clone()], NOW).is_err());
            }
            Ok(())
        },
    );
}

// ---------------------------------------------------------------------------------------------
// Handshakes.

/// The answer a `GET` handshake must get, read from the query by the provider's documentation:
/// Dropbox echoes `challenge`; Meta echoes `hub.challenge` when `hub.mode` is `subscribe` and
/// `hub.verify_token` is one of the source's verify tokens.
fn expected_get_answer(fixture: &Fixture, request: &Request<'_>, verify_tokens: &[&str]) -> Option<Answer> {
    if !request.method.eq_ignore_ascii_case("GET") {
        return None;
    }
    let query = request.url.split_once('?').map(|(_, query)| query.split_once('#').map_or(query, |(query, _)| query));
    let parameter = |name: &str| {
        form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    };
    match (fixture.provider.name, fixture.provider.spec.handshake) {
        (name @ ("dropbox" | "nylas" | "onfleet"), Some(Handshake::Get { .. })) => {
            parameter(if name == "onfleet" { "check" } else { "challenge" }).map(|challenge| {
                let mut answer = Answer::text(challenge);
                answer.headers.push(("x-content-type-options", "nosniff"));
                answer
            })
        }
        ("meta", Some(Handshake::Get { .. })) => {
            let subscribed = parameter("hub.mode").as_deref() == Some("subscribe");
            let known = parameter("hub.verify_token").is_some_and(|token| verify_tokens.contains(&token.as_str()));
            parameter("hub.challenge").filter(|_| subscribed && known).map(Answer::text)
        }
        (name, Some(Handshake::Get { .. })) => panic!("{name}: say in this test what its GET handshake answers"),
        _ => None,
    }
}

/// A handshake's body, the unsigned headers it comes with, and what it must be answered.
type SignedHandshake = (Value, Vec<(String, String)>, Answer);

/// A signed handshake of the provider's form and what it must be answered, by the provider's
/// documentation; `well_formed: false` leaves out what makes it one.
fn handshake(provider: &str, challenge: &str, well_formed: bool, secret: &str) -> Option<SignedHandshake> {
    let answer = match provider {
        "slack" => {
            let kind = if well_formed { "url_verification" } else { "event_callback" };
            let body = json!({ "token": "Jhj5dZrVaK7ZwHHjRyZWjbDl", "challenge": challenge, "type": kind });
            (body, vec![], Answer::json(&json!({ "challenge": challenge })))
        }
        "zoom" => {
            let event = if well_formed { "endpoint.url_validation" } else { "meeting.started" };
            let body = json!({ "payload": { "plainToken": challenge }, "event_ts": NOW * 1000, "event": event });
            let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
            mac.update(challenge.as_bytes());
            let encrypted = hex::encode(mac.finalize().into_bytes());
            (body, vec![], Answer::json(&json!({ "plainToken": challenge, "encryptedToken": encrypted })))
        }
        "twitch" => {
            let kind = if well_formed { "webhook_callback_verification" } else { "notification" };
            let body = json!({ "challenge": challenge, "subscription": { "type": "channel.follow" } });
            (body, vec![("Twitch-Eventsub-Message-Type".to_owned(), kind.to_owned())], Answer::text(challenge))
        }
        "front" => {
            // The challenge travels in a header: printable and present, whatever the case chose.
            let challenge = format!("c{}", hex::encode(challenge));
            let body = json!({ "type": "sync", "authorization": { "id": "cmp_1" } });
            let header = if well_formed { vec![("X-Front-Challenge".to_owned(), challenge.clone())] } else { vec![] };
            (body, header, Answer::text(challenge))
        }
        "discord" => {
            let kind = if well_formed { 1 } else { 2 };
            let body = json!({ "type": kind, "id": challenge, "application_id": "11779" });
            (body, vec![], Answer::json(&json!({ "type": 1 })))
        }
        _ => return None,
    };
    Some(answer)
}

const VERIFIED_HANDSHAKES: [&str; 5] = ["slack", "zoom", "twitch", "discord", "front"];

#[derive(Debug, Clone)]
enum HandshakeCase {
    /// A `GET` with these query parameters; the source's verify token is `token`.
    Get { parameters: Vec<(String, String)>, token: String, post: bool },
    /// A signed handshake (of this provider's form, or of `form`'s where it has none), changed so.
    Signed { form: usize, challenge: String, change: HandshakeChange },
}

#[derive(Debug, Clone)]
enum HandshakeChange {
    None,
    NotAHandshake,
    Body { at: usize, xor: u8 },
    Signature { which: usize, at: usize, to: u8 },
    Unsigned,
    Stale,
}

fn get_parameters() -> impl Strategy<Value = (Vec<(String, String)>, String)> {
    let name = prop_oneof![
        Just("challenge".to_owned()),
        Just("hub.challenge".to_owned()),
        Just("hub.mode".to_owned()),
        Just("hub.verify_token".to_owned()),
        re("[a-z.]{1,12}"),
    ];
    let value = prop_oneof![Just("subscribe".to_owned()), Just("TOKEN".to_owned()), re("\\PC{0,40}")];
    (re("[!-~]{1,24}"), proptest::collection::vec((name, value), 0..6)).prop_map(|(token, parameters)| {
        let parameters = parameters
            .into_iter()
            .map(|(name, value)| (name, if value == "TOKEN" { token.clone() } else { value }))
            .collect();
        (parameters, token)
    })
}

fn handshake_case() -> impl Strategy<Value = HandshakeCase> {
    let change = prop_oneof![
        3 => Just(HandshakeChange::None),
        1 => Just(HandshakeChange::NotAHandshake),
        2 => (any::<usize>(), 1..=255u8).prop_map(|(at, xor)| HandshakeChange::Body { at, xor }),
        2 => (any::<usize>(), any::<usize>(), b' '..=b'~').prop_map(|(which, at, to)| HandshakeChange::Signature { which, at, to }),
        1 => Just(HandshakeChange::Unsigned),
        1 => Just(HandshakeChange::Stale),
    ];
    prop_oneof![
        1 => (get_parameters(), any::<bool>()).prop_map(|((parameters, token), post)| HandshakeCase::Get { parameters, token, post }),
        2 => (0..VERIFIED_HANDSHAKES.len(), prop_oneof![re("[ -~]{0,64}"), re("\\PC{0,32}")], change)
            .prop_map(|(form, challenge, change)| HandshakeCase::Signed { form, challenge, change }),
    ]
}

#[test]
fn handshakes_are_answered_only_when_well_formed_and_with_their_challenge() {
    for provider in CATALOG {
        let verified = matches!(provider.spec.handshake, Some(Handshake::Verified { .. }));
        assert_eq!(
            verified,
            VERIFIED_HANDSHAKES.contains(&provider.name),
            "{}: say in this test what its handshake is",
            provider.name
        );
    }
    for_each_provider(
        "handshakes: answered only when well formed, with their challenge",
        |fixture| (handshake_case(), 0..fixture.pool.len()),
        |fixture, (case, key)| {
            let pair = &fixture.pool[key];
            match case {
                HandshakeCase::Get { parameters, token, post } => {
                    let query = form_urlencoded::Serializer::new(String::new()).extend_pairs(&parameters).finish();
                    let url = format!("https://hooks.example.com/webhooks/{}?{query}", fixture.provider.name);
                    let headers = HeaderMap::new();
                    let method = if post { "POST" } else { "GET" };
                    let request = Request { method, url: &url, headers: &headers, body: b"" };
                    let keys = [pair.verifying.clone(), Key::verify_token(&token).unwrap()];
                    let answer = fixture.scheme.answer_get(&request, &keys);
                    prop_assert_eq!(answer, expected_get_answer(fixture, &request, &[&token]));
                    // Without the verify token, no handshake that needs one is answered.
                    if let Some(Handshake::Get { needs_token: true, .. }) = fixture.provider.spec.handshake {
                        prop_assert_eq!(fixture.scheme.answer_get(&request, &keys[..1]), None);
                    }
                    prop_assert_eq!(fixture.scheme.answer_verified(&request, &keys, TOLERANCE, NOW), None);
                }
                HandshakeCase::Signed { form, challenge, change } => {
                    let own = VERIFIED_HANDSHAKES.contains(&fixture.provider.name);
                    let form = if own { fixture.provider.name } else { VERIFIED_HANDSHAKES[form] };
                    let well_formed = !matches!(change, HandshakeChange::NotAHandshake);
                    let (body, extra, expected) = handshake(form, &challenge, well_formed, &pair.secret).unwrap();
                    let body = serde_json::to_vec(&body).unwrap();
                    let url = format!("https://hooks.example.com/webhooks/{}", fixture.provider.name);
                    let request =
                        SignRequest { id: "Twitch-1", timestamp: NOW, body: &body, method: "POST", url: &url };
                    let signed = fixture.scheme.sign(&pair.signing, &request).unwrap();
                    let mut sent =
                        Sent { method: "POST".into(), url, headers: signed.headers, body: signed.body.unwrap_or(body) };
                    sent.headers.extend(extra);
                    let mut now = NOW;
                    match change {
                        HandshakeChange::None | HandshakeChange::NotAHandshake => {}
                        HandshakeChange::Body { at, xor } => {
                            let at = at % sent.body.len();
                            sent.body[at] ^= xor;
                        }
                        HandshakeChange::Signature { which, at, to } if !fixture.read.is_empty() => {
                            let name = &fixture.read[which % fixture.read.len()];
                            let header = sent.headers.iter_mut().find(|(n, _)| n == name).unwrap();
                            header.1 = replace_byte(&header.1, at, to);
                        }
                        HandshakeChange::Signature { .. } => return Ok(()),
                        HandshakeChange::Unsigned => sent.headers.retain(|(name, _)| !fixture.read.contains(name)),
                        HandshakeChange::Stale => now = NOW + TOLERANCE_SECONDS + 1,
                    }
                    let headers = sent.header_map();
                    let request = Request { method: "POST", url: &sent.url, headers: &headers, body: &sent.body };
                    let keys = [pair.verifying.clone()];
                    let verifies = fixture.scheme.verify(&request, &keys, TOLERANCE, now).is_ok();
                    let answer = fixture.scheme.answer_verified(&request, &keys, TOLERANCE, now);
                    let stale = matches!(change, HandshakeChange::Stale)
                        && fixture.provider.spec.timestamp.is_some_and(|t| t.checked);
                    let intact =
                        matches!(change, HandshakeChange::None) || (matches!(change, HandshakeChange::Stale) && !stale);
                    if own && intact {
                        prop_assert!(verifies);
                        prop_assert_eq!(normalized(answer), normalized(Some(expected)));
                    } else {
                        prop_assert_eq!(answer, None, "answered: verifies {}", verifies);
                    }
                    prop_assert_eq!(fixture.scheme.answer_get(&request, &keys), None);
                }
            }
            Ok(())
        },
    );
}

/// An answer's status, content type, body (JSON parsed, so that the order of its fields does not
/// matter) and headers.
type Normalized = (u16, &'static str, Value, Vec<(&'static str, &'static str)>);

fn normalized(answer: Option<Answer>) -> Option<Normalized> {
    answer.map(|answer| {
        let body = match answer.content_type {
            "application/json" => serde_json::from_str(&answer.body).unwrap(),
            _ => Value::String(answer.body),
        };
        (answer.status, answer.content_type, body, answer.headers)
    })
}
