//! The intake's handler, as API Gateway and Function URLs call it, with the repository's
//! `hookway.json` and in-memory stand-ins for SQS, SSM and the state table: any request is
//! answered with one of the documented statuses, nothing but a genuine webhook is queued, and a
//! genuine one is queued byte for byte. The events themselves are API Gateway's and the Function
//! URL's JSON, handed to [`Intake::handle_event`] as Lambda hands them over — any header (`Host`
//! and `X-Forwarded-Proto` included), any query, any body flag — and no event at all makes it
//! panic.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hookway_core::archive::MemoryObjects;
use hookway_core::scheme::SignRequest;
use hookway_core::secret_cache::{OneSecret, SecretCache};
use hookway_core::store::MemoryStore;
use hookway_core::{Config, Envelope, Source};
use hookway_intake::Intake;
use hookway_intake::metrics::MetricsSink;
use hookway_intake::queue::{MemoryQueue, OutgoingMessage};
use hookway_properties::{check, noise};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const REST_EVENT: &str = include_str!("../../../fixtures/apigw-rest-proxy-event.json");
const FUNCTION_URL_EVENT: &str = include_str!("../../../fixtures/function-url-event.json");

struct Harness {
    runtime: tokio::runtime::Runtime,
    config: Config,
    queue: &'static MemoryQueue,
    intake: Intake<&'static MemoryQueue, OneSecret, MemoryStore>,
}

impl Harness {
    /// The repository's sources; `github` held to GitHub's ranges.
    fn new() -> Harness {
        let mut config = Config::from_json(include_str!("../../../hookway.json")).unwrap();
        config.sources[0].allow_ips = Some(vec!["192.30.252.0/22".into(), "2606:50c0::/32".into()]);
        let queue: &'static MemoryQueue = Box::leak(Box::default());
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let bodies = Arc::new(MemoryObjects::default());
        let intake = Intake::new(&config, queue, SecretCache::new(OneSecret(SECRET)), MemoryStore::default(), bodies)
            .unwrap()
            .with_metrics(MetricsSink::discard());
        runtime.block_on(intake.preload_secrets());
        Harness { runtime, config, queue, intake }
    }

    fn handle(&self, event: &Value) -> (u16, Vec<OutgoingMessage>) {
        let status = self.status(event);
        (status, self.queue.take())
    }

    /// The status of the intake's answer to a raw event.
    fn status(&self, event: &Value) -> u16 {
        let answer =
            self.runtime.block_on(self.intake.handle_event(&event.to_string(), lambda_http::Context::default()));
        let status = serde_json::to_value(answer).unwrap()["statusCode"].as_u64().unwrap();
        u16::try_from(status).unwrap()
    }
}

/// A request as it arrives, before API Gateway or the Function URL turn it into an event.
#[derive(Debug, Clone)]
struct Arrival {
    function_url: bool,
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    /// The query string, as sent.
    query: String,
    body: Vec<u8>,
    /// Whether the event says its body is base64 (it is, unless `garbled`).
    garbled: bool,
    source_ip: Option<String>,
}

impl Arrival {
    fn event(&self) -> Value {
        let headers: Map<String, Value> = self.headers.iter().map(|(n, v)| (n.clone(), json!(v))).collect();
        if self.function_url {
            let mut event: Value = serde_json::from_str(FUNCTION_URL_EVENT).unwrap();
            event["rawPath"] = json!(self.path);
            event["requestContext"]["http"]["method"] = json!(self.method);
            event["requestContext"]["http"]["path"] = json!(self.path);
            event["requestContext"]["http"]["sourceIp"] = json!(self.source_ip);
            event["headers"] = Value::Object(headers);
            event["rawQueryString"] = json!(self.query);
            event["body"] = json!(self.body());
            event
        } else {
            let mut event: Value = serde_json::from_str(REST_EVENT).unwrap();
            let multi: Map<String, Value> = self.headers.iter().map(|(n, v)| (n.clone(), json!([v]))).collect();
            event["httpMethod"] = json!(self.method);
            event["path"] = json!(self.path);
            event["requestContext"]["path"] = json!(format!("/v1{}", self.path));
            event["requestContext"]["identity"]["sourceIp"] = json!(self.source_ip);
            event["headers"] = Value::Object(headers);
            event["multiValueHeaders"] = Value::Object(multi);
            let parameters: Map<String, Value> = form_pairs(&self.query).map(|(n, v)| (n, json!(v))).collect();
            let multi: Map<String, Value> = form_pairs(&self.query).map(|(n, v)| (n, json!([v]))).collect();
            event["queryStringParameters"] = Value::Object(parameters);
            event["multiValueQueryStringParameters"] = Value::Object(multi);
            event["body"] = json!(self.body());
            event
        }
    }

    /// The body as the event carries it: base64, or — `garbled` — text that says it is.
    fn body(&self) -> String {
        match self.garbled {
            true => String::from_utf8_lossy(&self.body).replace(|c: char| c.is_ascii_alphanumeric(), "!"),
            false => BASE64.encode(&self.body),
        }
    }
}

/// `name=value` pairs of a query string, as API Gateway splits it.
fn form_pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    query.split('&').filter(|pair| !pair.is_empty()).map(|pair| {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        (name.to_owned(), value.to_owned())
    })
}

fn source_ip() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        3 => any::<[u8; 4]>().prop_map(|octets| Some(std::net::IpAddr::from(octets).to_string())),
        2 => Just(Some("192.30.252.1".to_owned())),
        1 => any::<[u8; 16]>().prop_map(|octets| Some(std::net::IpAddr::from(octets).to_string())),
        1 => Just(Some("2606:50c0::1".to_owned())),
        1 => "[ -~]{0,20}".prop_map(Some),
        1 => Just(None),
    ]
}

fn arrival(names: Vec<String>) -> impl Strategy<Value = Arrival> {
    let header_names = prop_oneof![
        3 => proptest::sample::select(vec![
            "x-hub-signature-256", "x-github-delivery", "stripe-signature", "x-slack-signature",
            "x-slack-request-timestamp", "x-shopify-hmac-sha256", "webhook-id", "webhook-timestamp",
            "webhook-signature", "x-signature", "x-timestamp", "content-type", "x-forwarded-for",
            "host", "x-forwarded-proto",
        ])
        .prop_map(str::to_owned),
        1 => "[a-z0-9-]{1,30}",
    ];
    let header_value = prop_oneof![
        4 => "[ -~]{0,100}",
        1 => (any::<u64>(), 8_192usize..32_768).prop_map(|(seed, len)| {
            noise(seed, len).into_iter().map(|byte| char::from(byte.clamp(b' ', b'~'))).collect()
        }),
    ];
    let path = prop_oneof![
        4 => proptest::sample::select(names).prop_map(|name| format!("/webhooks/{name}")),
        1 => "/webhooks/[a-z0-9_-]{0,20}",
        1 => "/jobs/[ -~&&[^/?#%]]{0,30}",
        1 => "(/[a-zA-Z0-9._~-]{0,12}){0,4}",
    ];
    let body = prop_oneof![
        3 => proptest::collection::vec(any::<u8>(), 0..400),
        1 => (any::<u64>(), 4_096usize..300_000).prop_map(|(seed, len)| noise(seed, len)),
    ];
    let query = prop_oneof![3 => Just(String::new()), 1 => "[ -~]{0,40}", 1 => "[a-z]{1,5}=[<>\\^`{|} a-z%]{0,10}"];
    (
        (any::<bool>(), prop_oneof![4 => Just("POST".to_owned()), 1 => "(GET|PUT|DELETE|PATCH|HEAD|OPTIONS)"]),
        path,
        proptest::collection::vec((header_names, header_value), 0..8),
        query,
        body,
        proptest::bool::weighted(0.05),
        source_ip(),
    )
        .prop_map(|((function_url, method), path, headers, query, body, garbled, source_ip)| Arrival {
            function_url,
            method,
            path,
            headers,
            query,
            body,
            garbled,
            source_ip,
        })
}

/// The statuses the README documents for `POST /webhooks/{source}` and `GET /jobs/{id}`.
const DOCUMENTED: [u16; 9] = [200, 202, 400, 401, 403, 404, 405, 413, 503];

#[test]
fn any_request_gets_a_documented_answer_and_nothing_unsigned_is_queued() {
    let harness = Harness::new();
    let names = harness.config.sources.iter().map(|source| source.name.clone()).collect();
    check("the intake answers anything, queues nothing unsigned", arrival(names), |arrival| {
        let (status, queued) = harness.handle(&arrival.event());
        prop_assert!(DOCUMENTED.contains(&status), "{status} for {arrival:?}");
        prop_assert!(status != 202 && status != 200, "{status}: an unsigned request was let through");
        prop_assert!(queued.is_empty());
        Ok(())
    });
}

#[test]
fn a_genuine_webhook_is_queued_byte_for_byte_and_a_mutated_one_is_not() {
    let harness = Harness::new();
    let sources: Vec<Source> = harness.config.sources.iter().map(|source| Source::new(source).unwrap()).collect();
    let strategy = (
        0..sources.len(),
        proptest::collection::vec(any::<u8>(), 1..2048),
        "[A-Za-z0-9_-]{1,40}",
        any::<bool>(),
        prop_oneof![Just("192.30.252.7"), Just("2606:50c0:8000::154")],
        (any::<usize>(), 1..=255u8),
    );
    check(
        "a genuine webhook is queued as sent; one byte off, it is not",
        strategy,
        |(index, body, id, function_url, ip, (at, xor))| {
            let source = &sources[index];
            let key = source.scheme.key(SECRET, None).unwrap();
            let now = hookway_core::unix_now();
            let request = SignRequest { id: &id, timestamp: now, body: &body, method: "POST", url: "" };
            let headers = source.scheme.sign(&key, &request).unwrap().headers;
            let mut arrival = Arrival {
                function_url,
                method: "POST".into(),
                path: format!("/webhooks/{}", source.name),
                headers,
                query: String::new(),
                body: body.clone(),
                garbled: false,
                source_ip: Some(ip.to_owned()),
            };
            let (status, queued) = harness.handle(&arrival.event());
            // Stripe's and Slack's events are JSON; a body that is not is verified, then refused 400.
            if status == 400 || status == 200 {
                prop_assert!(queued.is_empty());
                return Ok(());
            }
            prop_assert_eq!(status, 202, "{} refused its own signed webhook", source.name);
            prop_assert_eq!(queued.len(), 1);
            let envelope = Envelope::from_json(&queued[0].body).unwrap();
            let queued_body = envelope.body_bytes().unwrap();
            prop_assert_eq!(queued_body.as_ref(), &body[..]);
            prop_assert_eq!(envelope.source.as_ref(), source.name.as_str());

            let at = at % arrival.body.len();
            arrival.body[at] ^= xor;
            let (status, queued) = harness.handle(&arrival.event());
            prop_assert!(matches!(status, 401 | 404), "{}: a mutated body answered {status}", source.name);
            prop_assert!(queued.is_empty());
            Ok(())
        },
    );
}

#[test]
fn no_event_json_makes_the_intake_panic() {
    let fixtures = [REST_EVENT, FUNCTION_URL_EVENT];
    let mutated = (0..2usize, any::<usize>(), any::<char>()).prop_map(move |(which, at, to)| {
        let mut chars: Vec<char> = fixtures[which].chars().collect();
        let at = at % chars.len();
        chars[at] = to;
        chars.into_iter().collect::<String>()
    });
    let harness = Harness::new();
    check("any event, well-formed or not, gets a documented answer", mutated, |text| {
        // Whatever JSON Lambda hands over reaches the intake; it answers, or refuses 400.
        if let Ok(event) = serde_json::from_str::<Value>(&text) {
            let status = harness.status(&event);
            prop_assert!(DOCUMENTED.contains(&status), "{status}");
        }
        Ok(())
    });
}
