//! The intake against a real moto server (SQS, SSM, DynamoDB and S3) started by each test: the
//! real SDK clients, the real secret cache, the repository's own `hookway.json`, and requests in
//! the shapes API Gateway and Function URLs send.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::SdkConfig;
use aws_sdk_sqs::types::Message;
use bytes::Bytes;
use hookway_core::archive::{ArchiveError, INLINE_BODY_LIMIT, ObjectStore, S3Store, read_body, s3_client};
use hookway_core::aws::s3::S3Objects;
use hookway_core::config::MAX_BODY_BYTES_LIMIT;
use hookway_core::envelope::{BodyEncoding, SQS_MAX_MESSAGE_BYTES};
use hookway_core::job::StepFunctionsExecutions;
use hookway_core::scheme::{Scheme, SignRequest};
use hookway_core::secret_cache::{DEFAULT_TTL, SecretCache, SsmSecretStore};
use hookway_core::store::{Claim, Delivery, DeliveryStatus, DynamoStore, Outcome, RecordKey, StateStore};
use hookway_core::{Config, Envelope, Source};
use hookway_intake::Intake;
use hookway_intake::metrics::MetricsSink;
use hookway_intake::queue::SqsQueue;
use hookway_testkit::{
    MotoServer, closed_endpoint, create_bucket, create_queue, create_table, drain_queue, put_secret, rest_proxy_event,
    sdk_config_for,
};
use http::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const CONFIG: &str = include_str!("../../../hookway.json");
const TABLE: &str = "hookway-state";
const BUCKET: &str = "hookway-archive";
const REST_EVENT: &str = include_str!("../../../fixtures/apigw-rest-proxy-event.json");
const FUNCTION_URL_EVENT: &str = include_str!("../../../fixtures/function-url-event.json");
const HTTP_API_EVENT: &str = include_str!("../../../fixtures/apigw-http-api-event.json");

/// The secret each source gets in these tests (a public key for Discord, whose test key is
/// [`discord_private_key`]).
fn secret_of(source: &str) -> String {
    match source {
        "standard-webhooks" => "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned(),
        "github" => "It's a Secret to Everybody".to_owned(),
        "discord" => discord_pair().secret,
        other => format!("{other}-test-secret"),
    }
}

fn discord_pair() -> hookway_core::hookway_providers::key::Generated {
    let discord = hookway_core::hookway_providers::find("discord").unwrap().spec;
    hookway_core::hookway_providers::key::generate(discord.algorithm, discord.secret, [9u8; 32])
}

const META_VERIFY_TOKEN: &str = "meatyhamhock";
const HOST: &str = "abc123.execute-api.eu-west-1.amazonaws.com";

/// Sources of catalog providers with handshakes and signed URLs, beside those of hookway.json.
fn with_handshake_sources(config: &mut Config) {
    let extra = json!([
        {"name": "zoom", "scheme": "zoom", "secretParameters": ["/hookway/zoom/secret"]},
        {"name": "twitch", "scheme": "twitch", "secretParameters": ["/hookway/twitch/secret"]},
        {"name": "discord", "scheme": "discord", "secretParameters": ["/hookway/discord/public-key"]},
        {"name": "meta", "scheme": "meta", "secretParameters": ["/hookway/meta/secret"],
         "verifyTokenParameter": "/hookway/meta/verify-token"},
        {"name": "dropbox", "scheme": "dropbox", "secretParameters": ["/hookway/dropbox/secret"]},
        {"name": "twilio", "scheme": "twilio", "secretParameters": ["/hookway/twilio/secret"]},
        {"name": "square", "scheme": "square", "secretParameters": ["/hookway/square/secret"],
         "publicUrl": "https://hooks.example.com/square"},
    ]);
    config.sources.extend(serde_json::from_value::<Vec<hookway_core::config::SourceConfig>>(extra).unwrap());
}

struct Harness {
    _moto: MotoServer,
    aws: SdkConfig,
    queue_url: String,
    config: Config,
    intake: Intake<SqsQueue, SsmSecretStore, DynamoStore>,
    /// The EMF lines the intake wrote.
    metrics: Arc<Mutex<Vec<String>>>,
}

type LambdaIntake = Intake<SqsQueue, SsmSecretStore, DynamoStore>;

struct Answer {
    status: StatusCode,
    headers: http::HeaderMap,
    body: Value,
}

impl Harness {
    async fn start() -> Harness {
        Harness::start_with(|_| {}, DEFAULT_TTL).await
    }

    /// Starts moto, creates the queue and a secret for every source of hookway.json, then builds
    /// the intake from the configuration as `adjust` leaves it.
    async fn start_with(adjust: impl FnOnce(&mut Config), refresh_interval: Duration) -> Harness {
        let moto = MotoServer::start();
        let aws = moto.sdk_config().await;
        let queue_url = create_queue(&aws, "hookway-events").await;
        create_table(&aws, TABLE).await;
        create_bucket(&aws, BUCKET).await;
        let mut config = Config::from_json(CONFIG).unwrap();
        for source in &config.sources {
            put_secret(&aws, &source.secret_parameters[0], &secret_of(&source.name)).await;
        }
        let configured: Vec<String> = config.sources.iter().map(|source| source.name.clone()).collect();
        adjust(&mut config);
        for source in config.sources.iter().filter(|source| !configured.contains(&source.name)) {
            put_secret(&aws, &source.secret_parameters[0], &secret_of(&source.name)).await;
            if let Some(parameter) = &source.verify_token_parameter {
                put_secret(&aws, parameter, META_VERIFY_TOKEN).await;
            }
        }
        let metrics = Arc::new(Mutex::new(Vec::new()));
        let lines = Arc::clone(&metrics);
        let intake = intake(&config, Clients::all(&aws), &queue_url, refresh_interval)
            .await
            .with_metrics(MetricsSink::to(move |line| lines.lock().unwrap().push(line.to_owned())));
        Harness { _moto: moto, aws, queue_url, config, intake, metrics }
    }

    /// How many webhooks the metrics counted, by metric, source and reason.
    fn counted(&self) -> HashMap<(String, String, String), u64> {
        let mut counted = HashMap::new();
        for line in self.metrics.lock().unwrap().iter() {
            let document: Value = serde_json::from_str(line).unwrap();
            for metric in ["Accepted", "Rejected"] {
                if let Some(count) = document[metric].as_u64() {
                    let text = |field: &str| document[field].as_str().unwrap_or("-").to_owned();
                    *counted.entry((metric.to_owned(), text("Source"), text("Reason"))).or_default() += count;
                }
            }
        }
        counted
    }

    /// A webhook to `source` from the address `ip`, as API Gateway saw the connection.
    async fn post_from(&self, ip: &str, source: &str, headers: &[(String, String)], body: &[u8]) -> Answer {
        let mut event = rest_event("POST", &format!("/webhooks/{source}"), headers, body);
        if let Some(lambda_http::request::RequestContext::ApiGatewayV1(context)) = event.extensions_mut().get_mut() {
            context.identity.source_ip = Some(ip.to_owned());
        }
        answer(self.intake.handle(event).await)
    }

    fn source(&self, name: &str) -> Source {
        Source::new(self.config.source(name).unwrap()).unwrap()
    }

    /// The headers `source` would send with `body`, signed now with `secret`.
    fn signed(&self, source: &str, secret: &str, body: &[u8]) -> Vec<(String, String)> {
        let source = self.source(source);
        let key = source.scheme.key(secret, None).unwrap();
        let id = format!("delivery-{}", hookway_core::scheme::digest_id("test", body));
        let request = SignRequest { id: &id, timestamp: hookway_core::unix_now(), body, method: "POST", url: "" };
        source.scheme.sign(&key, &request).unwrap().headers
    }

    /// The headers `source` would send, signed with `key` for `url`.
    fn signed_with(
        &self,
        source: &str,
        key: &hookway_core::scheme::Key,
        url: &str,
        body: &[u8],
    ) -> Vec<(String, String)> {
        let source = self.source(source);
        let request = SignRequest { id: "delivery-1", timestamp: hookway_core::unix_now(), body, method: "POST", url };
        source.scheme.sign(key, &request).unwrap().headers
    }

    /// A request's raw answer: status, headers and body text.
    async fn raw(&self, event: lambda_http::Request) -> (StatusCode, http::HeaderMap, String) {
        let (parts, body) = self.intake.handle(event).await.into_parts();
        (parts.status, parts.headers, String::from_utf8(body.to_vec()).unwrap())
    }

    async fn post(&self, source: &str, headers: &[(String, String)], body: &[u8]) -> Answer {
        self.send("POST", &format!("/webhooks/{source}"), headers, body).await
    }

    async fn send(&self, method: &str, path: &str, headers: &[(String, String)], body: &[u8]) -> Answer {
        let response = self.intake.handle(rest_event(method, path, headers, body)).await;
        answer(response)
    }

    /// Every message in the queue, removed.
    async fn drain(&self) -> Vec<Message> {
        drain_queue(&self.aws, &self.queue_url).await
    }
}

/// Where each of the intake's clients goes: moto, or an address that refuses connections.
#[derive(Clone, Copy)]
struct Clients<'a> {
    queue: &'a SdkConfig,
    secrets: &'a SdkConfig,
    table: &'a SdkConfig,
    bucket: &'a SdkConfig,
}

impl<'a> Clients<'a> {
    fn all(aws: &'a SdkConfig) -> Clients<'a> {
        Clients { queue: aws, secrets: aws, table: aws, bucket: aws }
    }
}

async fn intake(config: &Config, clients: Clients<'_>, queue_url: &str, refresh_interval: Duration) -> LambdaIntake {
    let queue = SqsQueue::new(aws_sdk_sqs::Client::new(clients.queue), queue_url);
    let store = SsmSecretStore::new(aws_sdk_ssm::Client::new(clients.secrets));
    let secrets = SecretCache::with_timing(store, DEFAULT_TTL, refresh_interval);
    let jobs = DynamoStore::new(aws_sdk_dynamodb::Client::new(clients.table), TABLE);
    let bodies = Arc::new(S3Objects::new(clients.bucket, BUCKET));
    let intake = Intake::new(config, queue, secrets, jobs, bodies).unwrap();
    intake.preload_secrets().await;
    intake
}

/// A REST API proxy event, as API Gateway sends it: the fixture with this request in it.
fn rest_event(method: &str, path: &str, headers: &[(String, String)], body: &[u8]) -> lambda_http::Request {
    lambda_http::request::from_str(&rest_proxy_event(method, path, headers, body)).unwrap()
}

fn answer(response: lambda_http::Response<lambda_http::Body>) -> Answer {
    let (parts, body) = response.into_parts();
    let body = serde_json::from_slice(body.as_ref()).unwrap();
    Answer { status: parts.status, headers: parts.headers, body }
}

fn envelope_of(message: &Message) -> Envelope<'static> {
    let body = message.body().unwrap().to_owned();
    Envelope::from_json(Box::leak(body.into_boxed_str())).unwrap()
}

fn attribute<'m>(message: &'m Message, name: &str) -> Option<&'m str> {
    message.message_attributes()?.get(name)?.string_value()
}

#[tokio::test]
async fn a_genuine_webhook_of_every_source_is_queued_byte_for_byte() {
    let harness = Harness::start().await;
    let names: Vec<String> = harness.config.sources.iter().map(|s| s.name.clone()).collect();
    for name in names {
        let body = format!(r#"{{"id": "evt_{name}", "type": "thing.happened", "note": "caf\u00e9 \u2603"}}"#);
        let headers = harness.signed(&name, &secret_of(&name), body.as_bytes());
        let answer = harness.post(&name, &headers, body.as_bytes()).await;
        assert_eq!(answer.status, StatusCode::ACCEPTED, "{name}: {}", answer.body);
        let id = answer.body["id"].as_str().unwrap().to_owned();

        let messages = harness.drain().await;
        assert_eq!(messages.len(), 1, "{name}: exactly one message");
        let envelope = envelope_of(&messages[0]);
        assert_eq!(envelope.body_bytes().unwrap().as_ref(), body.as_bytes(), "{name}: the bytes sent");
        assert_eq!((envelope.id.as_ref(), envelope.source.as_ref()), (id.as_str(), name.as_str()));
        assert_eq!(attribute(&messages[0], "source"), Some(name.as_str()));
        assert_eq!(attribute(&messages[0], "type"), envelope.event_type.as_deref());
    }
}

#[tokio::test]
async fn events_are_named_by_their_sender() {
    let harness = Harness::start().await;
    let body = br#"{"id": "evt_1NG8Du2eZvKYlo2CUI79vXWy", "type": "invoice.paid"}"#;
    let answer = harness.post("stripe", &harness.signed("stripe", &secret_of("stripe"), body), body).await;
    assert_eq!(answer.body, json!({"id": "evt_1NG8Du2eZvKYlo2CUI79vXWy"}));
    let envelope = envelope_of(&harness.drain().await[0]);
    assert_eq!(envelope.event_type.as_deref(), Some("invoice.paid"));
    assert_eq!(envelope.request_id.as_deref(), Some("JKJaXmPLvHcESHA="), "the API request id travels along");
}

#[tokio::test]
async fn the_documented_github_delivery_is_accepted_from_each_front_door() {
    let harness = Harness::start().await;
    // The REST API's base64 body, the HTTP API's JSON as text, the Function URL's base64 body.
    for event in [REST_EVENT, HTTP_API_EVENT, FUNCTION_URL_EVENT] {
        let response = harness.intake.handle(lambda_http::request::from_str(event).unwrap()).await;
        let answer = answer(response);
        assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);
        assert_eq!(answer.body, json!({"id": "72d3162e-cc78-11e3-81ab-4c9367dc0958"}));
        let messages = harness.drain().await;
        assert_eq!(messages.len(), 1);
        let envelope = envelope_of(&messages[0]);
        assert_eq!(envelope.body_bytes().unwrap().as_ref(), b"Hello, World!");
        assert_eq!(envelope.event_type.as_deref(), Some("ping"));
        assert_eq!(envelope.headers.get("x-github-event").map(|v| v.as_ref()), Some("ping"));
        assert_eq!(envelope.headers.get("user-agent").map(|v| v.as_ref()), Some("GitHub-Hookshot/044aadd"));
    }
}

#[tokio::test]
async fn a_binary_body_is_queued_byte_for_byte() {
    let harness = Harness::start().await;
    let body: Vec<u8> = (0..=255).rev().collect();
    let answer = harness.post("shopify", &harness.signed("shopify", &secret_of("shopify"), &body), &body).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED);
    let envelope = envelope_of(&harness.drain().await[0]);
    assert_eq!(envelope.body_bytes().unwrap().as_ref(), &body[..]);
}

#[tokio::test]
async fn a_forged_or_unsigned_webhook_is_401_and_nothing_is_queued() {
    let harness = Harness::start().await;
    let body = br#"{"id": "evt_1", "type": "invoice.paid"}"#;
    let forged = harness.signed("stripe", "not-the-secret", body);
    let tampered = harness.signed("stripe", &secret_of("stripe"), b"{}");
    for headers in [forged, tampered, Vec::new()] {
        let answer = harness.post("stripe", &headers, body).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        assert_eq!(answer.body, json!({"error": "invalid signature"}), "no hint of which check failed");
    }
    assert!(harness.drain().await.is_empty());
}

#[tokio::test]
async fn a_source_hiding_rejections_answers_a_forgery_like_an_unknown_source() {
    let harness = Harness::start().await;
    assert!(harness.config.source("shopify").unwrap().hide_rejections);
    let forged = harness.post("shopify", &harness.signed("shopify", "guess", b"{}"), b"{}").await;
    let unknown = harness.post("gitlab", &[], b"{}").await;
    assert_eq!((forged.status, &forged.body), (StatusCode::NOT_FOUND, &json!({"error": "not found"})));
    assert_eq!((unknown.status, &unknown.body), (forged.status, &forged.body));
    assert!(harness.drain().await.is_empty());
}

#[tokio::test]
async fn wrong_routes_methods_sizes_and_bodies_get_their_status_and_nothing_is_queued() {
    let harness = Harness::start().await;
    let not_found = harness.send("POST", "/hooks/github", &[], b"{}").await;
    assert_eq!(not_found.status, StatusCode::NOT_FOUND);

    let wrong_method = harness.send("GET", "/webhooks/github", &[], b"").await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(wrong_method.headers["allow"], "POST");

    let limit = harness.config.intake.max_body_bytes;
    let huge = vec![b'x'; limit + 1];
    let too_large = harness.post("github", &harness.signed("github", &secret_of("github"), &huge), &huge).await;
    assert_eq!(
        (too_large.status, &too_large.body),
        (StatusCode::PAYLOAD_TOO_LARGE, &json!({"error": "payload too large"}))
    );
    let at_limit = vec![b'x'; limit];
    let accepted = harness.post("github", &harness.signed("github", &secret_of("github"), &at_limit), &at_limit).await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "the limit itself is accepted");
    assert_eq!(harness.drain().await.len(), 1);

    let not_json = b"id=evt_1&type=invoice.paid";
    let malformed = harness.post("stripe", &harness.signed("stripe", &secret_of("stripe"), not_json), not_json).await;
    assert_eq!(
        (malformed.status, &malformed.body),
        (StatusCode::BAD_REQUEST, &json!({"error": "malformed event: the body is not JSON"}))
    );
    assert!(harness.drain().await.is_empty());
}

#[tokio::test]
async fn slack_url_verification_is_answered_with_its_challenge_and_not_queued() {
    let harness = Harness::start().await;
    let body = br#"{"token": "Jhj5dZrVaK7ZwHHjRyZWjbDl", "challenge": "3eZbrw1aBm2rZgRNFdxV2595", "type": "url_verification"}"#;
    let answer = harness.post("slack", &harness.signed("slack", &secret_of("slack"), body), body).await;
    assert_eq!((answer.status, answer.body), (StatusCode::OK, json!({"challenge": "3eZbrw1aBm2rZgRNFdxV2595"})));
    let forged = harness.post("slack", &harness.signed("slack", "guess", body), body).await;
    assert_eq!(forged.status, StatusCode::UNAUTHORIZED, "the challenge is answered only after the signature check");
    assert!(harness.drain().await.is_empty());
}

#[tokio::test]
async fn with_sqs_unreachable_the_answer_is_503_with_retry_after() {
    let harness = Harness::start().await;
    let unreachable = sdk_config_for(&closed_endpoint()).await;
    let clients = Clients { queue: &unreachable, ..Clients::all(&harness.aws) };
    let intake = intake(&harness.config, clients, &harness.queue_url, DEFAULT_TTL).await;
    let body = br#"{"id": "evt_1", "type": "invoice.paid"}"#;
    let headers = harness.signed("stripe", &secret_of("stripe"), body);
    let answer = answer(intake.handle(rest_event("POST", "/webhooks/stripe", &headers, body)).await);
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(answer.headers["retry-after"], "10");
    assert_eq!(answer.body, json!({"error": "temporarily unavailable, retry later"}));
    assert!(harness.drain().await.is_empty());
}

#[tokio::test]
async fn with_ssm_unreachable_since_start_up_the_answer_is_503_not_401() {
    let harness = Harness::start().await;
    let unreachable = sdk_config_for(&closed_endpoint()).await;
    let clients = Clients { secrets: &unreachable, ..Clients::all(&harness.aws) };
    let intake = intake(&harness.config, clients, &harness.queue_url, DEFAULT_TTL).await;
    let body = br#"{"id": "evt_1", "type": "invoice.paid"}"#;
    let headers = harness.signed("stripe", &secret_of("stripe"), body);
    let answer = answer(intake.handle(rest_event("POST", "/webhooks/stripe", &headers, body)).await);
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(harness.drain().await.is_empty());
}

#[tokio::test]
async fn a_rotated_secret_is_accepted_at_once_alongside_the_previous_one() {
    let harness = Harness::start_with(|_| {}, Duration::ZERO).await;
    let parameter = harness.config.source("github").unwrap().secret_parameters[0].clone();
    let rotated = json!({"secrets": [
        {"value": "rotated-secret"},
        {"value": secret_of("github"), "expiresAt": "2999-01-01T00:00:00Z"},
    ]});
    put_secret(&harness.aws, &parameter, &rotated.to_string()).await;
    for secret in ["rotated-secret".to_owned(), secret_of("github")] {
        let answer = harness.post("github", &harness.signed("github", &secret, b"{}"), b"{}").await;
        assert_eq!(answer.status, StatusCode::ACCEPTED, "signed with {secret}");
    }
    let retired = json!({"secrets": [
        {"value": "rotated-secret"},
        {"value": "old-secret", "expiresAt": "2000-01-01T00:00:00Z"},
    ]});
    put_secret(&harness.aws, &parameter, &retired.to_string()).await;
    let answer = harness.post("github", &harness.signed("github", "old-secret", b"{}"), b"{}").await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "an expired secret is no longer accepted");
    assert_eq!(harness.drain().await.len(), 2);
}

#[tokio::test]
async fn a_source_whose_parameter_is_missing_rejects_everything() {
    let harness = Harness::start_with(
        |config| config.sources[0].secret_parameters = vec!["/hookway/nowhere".into()],
        DEFAULT_TTL,
    )
    .await;
    let name = harness.config.sources[0].name.clone();
    let answer = harness.post(&name, &harness.signed(&name, &secret_of(&name), b"{}"), b"{}").await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert!(harness.drain().await.is_empty());
}

#[tokio::test]
async fn a_redelivery_carries_the_same_event_id() {
    let harness = Harness::start().await;
    let body = b"payload without an id";
    let headers = harness.signed("github", &secret_of("github"), body);
    let first = harness.post("github", &headers, body).await;
    let again = harness.post("github", &headers, body).await;
    assert_eq!(first.body["id"], again.body["id"]);
    let ids: HashMap<String, usize> = harness.drain().await.iter().fold(HashMap::new(), |mut ids, message| {
        *ids.entry(envelope_of(message).id.into_owned()).or_default() += 1;
        ids
    });
    assert_eq!(ids.values().copied().collect::<Vec<_>>(), [2], "both queued; the worker deduplicates");
}

/// The worker's claim of a `report.generate` job at `now`: it runs.
async fn claim_job(jobs: &DynamoStore, key: &RecordKey, now: i64) {
    let claim = Claim {
        key,
        digest: "d",
        event_type: Some("report.generate"),
        locked_until: now + 60,
        now,
        expires_at: now + 86_400,
        archive: None,
        sequence: 0,
        event_id: None,
    };
    jobs.claim(&claim).await.unwrap();
}

#[tokio::test]
async fn a_job_status_is_read_from_its_record_and_an_unknown_job_is_404() {
    let harness = Harness::start().await;
    let jobs = DynamoStore::new(aws_sdk_dynamodb::Client::new(&harness.aws), TABLE);
    let key = RecordKey::job("c6af9ac6-7b61-11e6-9a41-93e8deadbeef");
    let now = 1_700_000_000;
    claim_job(&jobs, &key, now).await;
    let running = harness.send("GET", "/jobs/c6af9ac6-7b61-11e6-9a41-93e8deadbeef", &[], b"").await;
    assert_eq!(running.status, StatusCode::OK);
    assert_eq!(running.body["status"], "RUNNING");

    jobs.finish(&key, &Outcome::Succeeded(Some(json!({"rows": 3}))), &[], now + 5, now + 86_400).await.unwrap();
    let done = harness.send("GET", "/jobs/c6af9ac6-7b61-11e6-9a41-93e8deadbeef", &[], b"").await;
    assert_eq!(
        done.body,
        json!({"jobId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", "status": "SUCCEEDED", "attempts": 1,
               "type": "report.generate", "createdAt": "2023-11-14T22:13:20Z", "updatedAt": "2023-11-14T22:13:25Z",
               "result": {"rows": 3}})
    );

    let unknown = harness.send("GET", "/jobs/no-such-job", &[], b"").await;
    assert_eq!((unknown.status, unknown.body), (StatusCode::NOT_FOUND, json!({"error": "not found"})));
    let wrong_method = harness.send("DELETE", "/jobs/no-such-job", &[], b"").await;
    assert_eq!(
        (wrong_method.status, &wrong_method.headers["allow"]),
        (StatusCode::METHOD_NOT_ALLOWED, &"GET".parse().unwrap())
    );
}

/// `GET /jobs/job-sfn`.
async fn job_sfn(intake: &LambdaIntake) -> Answer {
    answer(intake.handle(rest_event("GET", "/jobs/job-sfn", &[], b"")).await)
}

/// With the Python of `.venv` (boto3 comes with moto), against moto at `endpoint`: `script`'s output.
fn boto3(endpoint: &str, script: &str) -> String {
    let prelude = "import json, sys, boto3\nsfn = boto3.client('stepfunctions', endpoint_url=sys.argv[1], \
        region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test')\n";
    let output = std::process::Command::new(hookway_testkit::workspace_root().join(".venv/bin/python"))
        .args(["-c", &format!("{prelude}{script}"), endpoint])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

#[tokio::test]
async fn a_job_that_started_an_execution_runs_until_step_functions_says_it_ended() {
    let harness = Harness::start().await;
    let endpoint = harness._moto.endpoint.clone();
    let execution_arn = boto3(
        &endpoint,
        "definition = json.dumps({'StartAt': 'Done', 'States': {'Done': {'Type': 'Pass', 'End': True}}})\n\
         machine = sfn.create_state_machine(name='reports', definition=definition, \
           roleArn='arn:aws:iam::123456789012:role/sfn')['stateMachineArn']\n\
         print(sfn.start_execution(stateMachineArn=machine, name='job-sfn', input='{}')['executionArn'])",
    );
    // What the worker records for a job its stepFunctions target started.
    let jobs = DynamoStore::new(aws_sdk_dynamodb::Client::new(&harness.aws), TABLE);
    let key = RecordKey::job("job-sfn");
    let now = hookway_core::unix_now();
    claim_job(&jobs, &key, now).await;
    let started = json!({"executionArn": execution_arn, "startDate": 1_700_000_001.5});
    let delivery = Delivery {
        destination: "stepFunctions arn:aws:states:us-east-1:123456789012:stateMachine:reports".into(),
        index: 0,
        status: DeliveryStatus::Succeeded,
        attempts: 1,
        last_status: None,
        latency_ms: Some(12),
        error: None,
        delivered_at: Some(now),
        updated_at: now,
        retries: 0,
        next_attempt: None,
    };
    jobs.finish(&key, &Outcome::Succeeded(Some(started)), &[delivery], now, now + 86_400).await.unwrap();

    let following = intake(&harness.config, Clients::all(&harness.aws), &harness.queue_url, DEFAULT_TTL).await;
    let following = following.with_executions(Arc::new(StepFunctionsExecutions::new(&harness.aws)));
    let running = job_sfn(&following).await;
    assert_eq!(running.status, StatusCode::OK);
    assert_eq!((&running.body["status"], &running.body["executionArn"]), (&json!("RUNNING"), &json!(execution_arn)));
    assert_eq!(running.body.get("result"), None, "the start is not the job's result: {}", running.body);

    boto3(&endpoint, &format!("sfn.stop_execution(executionArn='{execution_arn}')"));
    let ended = job_sfn(&following).await;
    assert_eq!(
        (&ended.body["status"], &ended.body["error"]),
        (&json!("FAILED"), &json!("execution ABORTED")),
        "{}",
        ended.body
    );
    let record = jobs.status(&key).await.unwrap().unwrap();
    assert_eq!(record.result.unwrap()["execution"]["status"], "ABORTED", "the end is cached in the record");

    // Once cached, Step Functions is not asked again: here it cannot be reached, and the end stands.
    let unreachable = sdk_config_for(&closed_endpoint()).await;
    let cached = intake(&harness.config, Clients::all(&harness.aws), &harness.queue_url, DEFAULT_TTL).await;
    let cached = cached.with_executions(Arc::new(StepFunctionsExecutions::new(&unreachable)));
    assert_eq!(job_sfn(&cached).await.body, ended.body);
}

#[tokio::test]
async fn a_function_url_does_not_serve_job_statuses() {
    let harness = Harness::start().await;
    let mut event: Value = serde_json::from_str(FUNCTION_URL_EVENT).unwrap();
    event["rawPath"] = json!("/jobs/c6af9ac6-7b61-11e6-9a41-93e8deadbeef");
    event["requestContext"]["http"]["method"] = json!("GET");
    event["requestContext"]["http"]["path"] = json!("/jobs/c6af9ac6-7b61-11e6-9a41-93e8deadbeef");
    let answer = answer(harness.intake.handle(lambda_http::request::from_str(&event.to_string()).unwrap()).await);
    assert_eq!((answer.status, answer.body), (StatusCode::NOT_FOUND, json!({"error": "not found"})));
}

#[tokio::test]
async fn with_the_table_unreachable_a_job_status_is_503() {
    let harness = Harness::start().await;
    let unreachable = sdk_config_for(&closed_endpoint()).await;
    let clients = Clients { table: &unreachable, ..Clients::all(&harness.aws) };
    let intake = intake(&harness.config, clients, &harness.queue_url, DEFAULT_TTL).await;
    let answer = answer(intake.handle(rest_event("GET", "/jobs/some-job", &[], b"")).await);
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(answer.headers["retry-after"], "10");
}

fn counted(entries: &[(&str, &str, &str, u64)]) -> HashMap<(String, String, String), u64> {
    entries
        .iter()
        .map(|(metric, source, reason, count)| {
            (((*metric).to_owned(), (*source).to_owned(), (*reason).to_owned()), *count)
        })
        .collect()
}

/// GitHub's webhook ranges (IPv4 and IPv6) on the github source.
async fn with_github_ranges() -> Harness {
    Harness::start_with(
        |config| {
            let ranges = Some(vec!["192.30.252.0/22".to_owned(), "2606:50c0::/32".to_owned()]);
            for name in ["github", "shopify"] {
                config.sources.iter_mut().find(|source| source.name == name).unwrap().allow_ips = ranges.clone();
            }
        },
        DEFAULT_TTL,
    )
    .await
}

#[tokio::test]
async fn only_senders_in_allow_ips_are_heard_ipv4_and_ipv6() {
    let harness = with_github_ranges().await;
    let body = br#"{"zen": "Design for failure."}"#;
    let genuine = harness.signed("github", &secret_of("github"), body);
    for allowed in ["192.30.252.7", "192.30.255.254", "2606:50c0::1", "2606:50c0:8000::154", "::ffff:192.30.252.9"] {
        let answer = harness.post_from(allowed, "github", &genuine, body).await;
        assert_eq!(answer.status, StatusCode::ACCEPTED, "{allowed}: {}", answer.body);
    }
    for refused in ["203.0.113.9", "192.30.251.255", "2001:db8::1", "2606:50c1::1", "::1"] {
        let answer = harness.post_from(refused, "github", &genuine, body).await;
        assert_eq!((answer.status, &answer.body), (StatusCode::FORBIDDEN, &json!({"error": "forbidden"})), "{refused}");
    }
    assert_eq!(harness.drain().await.len(), 5, "only the allowed senders' webhooks are queued");
    assert_eq!(
        harness.counted(),
        counted(&[("Accepted", "github", "-", 5), ("Rejected", "github", "Ip", 5)]),
        "each counted once, refusals by their reason"
    );
}

#[tokio::test]
async fn a_spoofed_x_forwarded_for_is_ignored() {
    let harness = with_github_ranges().await;
    let body = b"{}";
    let mut headers = harness.signed("github", &secret_of("github"), body);
    headers.push(("X-Forwarded-For".to_owned(), "192.30.252.7".to_owned()));
    let answer = harness.post_from("203.0.113.9", "github", &headers, body).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "the header claims an allowed address; the connection was not");

    // An HTTP API or a Function URL (payload 2.0): its requestContext.http.sourceIp, not its
    // X-Forwarded-For.
    for fixture in [HTTP_API_EVENT, FUNCTION_URL_EVENT] {
        let mut event: Value = serde_json::from_str(fixture).unwrap();
        event["requestContext"]["http"]["sourceIp"] = json!("203.0.113.9");
        assert_eq!(event["headers"]["x-forwarded-for"], "192.30.252.1");
        let refused = answer_of(&harness, &event).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        event["requestContext"]["http"]["sourceIp"] = json!("2606:50c0::1");
        let heard = answer_of(&harness, &event).await;
        assert_eq!(heard.status, StatusCode::ACCEPTED, "{}", heard.body);
        assert_eq!(harness.drain().await.len(), 1);
    }
}

async fn answer_of(harness: &Harness, event: &Value) -> Answer {
    answer(harness.intake.handle(lambda_http::request::from_str(&event.to_string()).unwrap()).await)
}

#[tokio::test]
async fn an_outside_sender_is_refused_before_its_signature_is_checked() {
    let harness = with_github_ranges().await;
    let forged = harness.signed("github", "a guess", b"{}");
    let answer = harness.post_from("203.0.113.9", "github", &forged, b"{}").await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "not 401: the signature was never looked at");
    // With hideRejections, the answer an unknown source gets.
    let hidden = harness.post_from("203.0.113.9", "shopify", &[], b"{}").await;
    let unknown = harness.post_from("203.0.113.9", "gitlab", &[], b"{}").await;
    assert_eq!((hidden.status, &hidden.body), (StatusCode::NOT_FOUND, &json!({"error": "not found"})));
    assert_eq!((hidden.status, &hidden.body), (unknown.status, &unknown.body));
    assert_eq!(
        harness.counted(),
        counted(&[
            ("Rejected", "github", "Ip", 1),
            ("Rejected", "shopify", "Ip", 1),
            ("Rejected", "-", "UnknownSource", 1)
        ])
    );
}

#[tokio::test]
async fn every_webhook_is_counted_by_source_and_reason() {
    let harness = Harness::start().await;
    let body = br#"{"id": "evt_1", "type": "invoice.paid"}"#;
    harness.post("stripe", &harness.signed("stripe", &secret_of("stripe"), body), body).await;
    harness.post("stripe", &harness.signed("stripe", "not-the-secret", body), body).await;
    harness.post("stripe", &[], body).await;
    let huge = vec![b'x'; harness.config.intake.max_body_bytes + 1];
    harness.post("github", &harness.signed("github", &secret_of("github"), &huge), &huge).await;
    harness.post("no-such-source", &[], body).await;
    harness.send("GET", "/webhooks/github", &[], b"").await;
    assert_eq!(
        harness.counted(),
        counted(&[
            ("Accepted", "stripe", "-", 1),
            ("Rejected", "stripe", "Signature", 2),
            ("Rejected", "github", "Size", 1),
            ("Rejected", "-", "UnknownSource", 1),
        ])
    );
}

/// A body of `size` bytes that is no JSON and no text: every byte value, over and over.
fn large_body(size: usize) -> Vec<u8> {
    (0..size).map(|i| (i * 7 % 251) as u8).collect()
}

async fn harness_taking(max_body_bytes: usize) -> Harness {
    Harness::start_with(|config| config.intake.max_body_bytes = max_body_bytes, DEFAULT_TTL).await
}

#[tokio::test]
async fn a_3_mib_body_is_stored_before_the_202_and_the_queued_envelope_only_names_it() {
    let harness = harness_taking(MAX_BODY_BYTES_LIMIT).await;
    let body = large_body(3 * 1024 * 1024);
    let answer = harness.post("shopify", &harness.signed("shopify", &secret_of("shopify"), &body), &body).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);

    let messages = harness.drain().await;
    assert_eq!(messages.len(), 1);
    let message = messages[0].body().unwrap();
    assert!(message.len() < 4096, "the message names the body, it does not carry it: {} bytes", message.len());
    let envelope = envelope_of(&messages[0]);
    assert_eq!(envelope.body_encoding, BodyEncoding::S3);
    let object = envelope.body_object.clone().unwrap();
    assert!(object.key.starts_with("bodies/shopify/"), "{}", object.key);
    assert_eq!(object.size, body.len() as u64);
    assert_eq!(object.sha256, hex::encode(Sha256::digest(&body)));

    let bucket = S3Store::new(s3_client(&harness.aws), BUCKET);
    let stored = read_body(&bucket, &object).await.unwrap();
    assert_eq!(Sha256::digest(&stored), Sha256::digest(&body), "byte for byte");
    assert_eq!(bucket.list("bodies/", false).await.unwrap().keys, [object.key.to_string()]);
}

#[tokio::test]
async fn a_body_within_the_inline_limit_stays_in_the_envelope_and_one_byte_more_is_claim_checked() {
    let harness = harness_taking(MAX_BODY_BYTES_LIMIT).await;
    for (size, encoding) in [(INLINE_BODY_LIMIT, BodyEncoding::Base64), (INLINE_BODY_LIMIT + 1, BodyEncoding::S3)] {
        let body = large_body(size);
        let answer = harness.post("shopify", &harness.signed("shopify", &secret_of("shopify"), &body), &body).await;
        assert_eq!(answer.status, StatusCode::ACCEPTED, "{size}: {}", answer.body);
        let messages = harness.drain().await;
        let envelope = envelope_of(&messages[0]);
        assert_eq!(envelope.body_encoding, encoding, "{size} bytes");
        assert!(messages[0].body().unwrap().len() < SQS_MAX_MESSAGE_BYTES / 2, "{size} bytes: room to spare");
    }
    let bucket = S3Store::new(s3_client(&harness.aws), BUCKET);
    assert_eq!(bucket.list("bodies/", false).await.unwrap().keys.len(), 1, "only the larger one is in the bucket");
}

#[tokio::test]
async fn with_s3_unreachable_a_large_body_is_503_and_nothing_is_queued() {
    let harness = harness_taking(MAX_BODY_BYTES_LIMIT).await;
    let unreachable = sdk_config_for(&closed_endpoint()).await;
    let clients = Clients { bucket: &unreachable, ..Clients::all(&harness.aws) };
    let intake = intake(&harness.config, clients, &harness.queue_url, DEFAULT_TTL).await;
    let large = large_body(INLINE_BODY_LIMIT + 1);
    let headers = harness.signed("shopify", &secret_of("shopify"), &large);
    let refused = answer(intake.handle(rest_event("POST", "/webhooks/shopify", &headers, &large)).await);
    assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(refused.headers["retry-after"], "10");
    assert_eq!(refused.body, json!({"error": "temporarily unavailable, retry later"}));
    assert!(harness.drain().await.is_empty(), "never a 2xx for an event that is not stored, nor a message");

    // A small body never touches S3 at the intake.
    let small = b"{}";
    let headers = harness.signed("shopify", &secret_of("shopify"), small);
    let small_answer = answer(intake.handle(rest_event("POST", "/webhooks/shopify", &headers, small)).await);
    assert_eq!(small_answer.status, StatusCode::ACCEPTED);
    assert_eq!(harness.drain().await.len(), 1);
}

#[tokio::test]
async fn a_body_over_max_body_bytes_is_still_413_whatever_the_limit() {
    let harness = harness_taking(MAX_BODY_BYTES_LIMIT).await;
    let body = large_body(MAX_BODY_BYTES_LIMIT + 1);
    let answer = harness.post("shopify", &harness.signed("shopify", &secret_of("shopify"), &body), &body).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(harness.drain().await.is_empty());
    let bucket = S3Store::new(s3_client(&harness.aws), BUCKET);
    assert!(bucket.list("bodies/", false).await.unwrap().keys.is_empty(), "nothing stored either");
}

/// A REST API proxy event with a query string, as API Gateway sends a `GET` handshake.
fn get_event(path: &str, query: &[(&str, &str)]) -> lambda_http::Request {
    let mut event: Value = serde_json::from_str(REST_EVENT).unwrap();
    let single: serde_json::Map<String, Value> = query.iter().map(|(k, v)| ((*k).to_owned(), json!(v))).collect();
    let multi: serde_json::Map<String, Value> = query.iter().map(|(k, v)| ((*k).to_owned(), json!([v]))).collect();
    event["httpMethod"] = json!("GET");
    event["path"] = json!(path);
    event["requestContext"]["path"] = json!(format!("/v1{path}"));
    event["headers"] = json!({"Host": HOST});
    event["multiValueHeaders"] = json!({"Host": [HOST]});
    event["queryStringParameters"] = Value::Object(single);
    event["multiValueQueryStringParameters"] = Value::Object(multi);
    event["body"] = Value::Null;
    event["isBase64Encoded"] = json!(false);
    lambda_http::request::from_str(&event.to_string()).unwrap()
}

#[tokio::test]
async fn every_signed_handshake_is_answered_once_it_verifies_and_never_queued() {
    let harness = Harness::start_with(with_handshake_sources, DEFAULT_TTL).await;
    let key = |name: &str| harness.source(name).scheme.key(&secret_of(name), None).unwrap();

    let zoom = br#"{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680,"event":"endpoint.url_validation"}"#;
    let (status, headers, body) = harness
        .raw(rest_event("POST", "/webhooks/zoom", &harness.signed_with("zoom", &key("zoom"), "", zoom), zoom))
        .await;
    let encrypted = hex::encode(key("zoom").hmac(b"qgg8vlvZRS6UYooatFL8Aw").unwrap());
    assert_eq!((status, &headers["content-type"]), (StatusCode::OK, &"application/json".parse().unwrap()));
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({"plainToken": "qgg8vlvZRS6UYooatFL8Aw", "encryptedToken": encrypted})
    );

    let twitch = br#"{"challenge":"pogchamp-kappa-360noscope-vohiyo","subscription":{"type":"channel.follow"}}"#;
    let mut headers = harness.signed_with("twitch", &key("twitch"), "", twitch);
    headers.push(("Twitch-Eventsub-Message-Type".into(), "webhook_callback_verification".into()));
    let (status, answer_headers, body) = harness.raw(rest_event("POST", "/webhooks/twitch", &headers, twitch)).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "pogchamp-kappa-360noscope-vohiyo"));
    assert_eq!(answer_headers["content-type"], "text/plain");

    let discord = Scheme::named("discord").unwrap().private_key(&discord_pair().private_key.unwrap()).unwrap();
    let ping = br#"{"id":"1181020201230040000","application_id":"1181000000000000000","type":1}"#;
    let (status, _, body) = harness
        .raw(rest_event("POST", "/webhooks/discord", &harness.signed_with("discord", &discord, "", ping), ping))
        .await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, r#"{"type":1}"#));

    let forged = harness.post("zoom", &harness.signed("zoom", "guess", zoom), zoom).await;
    assert_eq!(forged.status, StatusCode::UNAUTHORIZED, "a handshake is answered only after the signature check");
    let event = br#"{"id":"1181020201230040041","type":2,"data":{"name":"ping"}}"#;
    let command = harness.post("discord", &harness.signed_with("discord", &discord, "", event), event).await;
    assert_eq!((command.status, &command.body["id"]), (StatusCode::ACCEPTED, &json!("1181020201230040041")));
    assert_eq!(harness.drain().await.len(), 1, "only the event is queued, no handshake");
}

#[tokio::test]
async fn get_handshakes_are_answered_as_documented_and_never_queued() {
    let harness = Harness::start_with(with_handshake_sources, DEFAULT_TTL).await;
    let subscribe =
        [("hub.mode", "subscribe"), ("hub.challenge", "1158201444"), ("hub.verify_token", META_VERIFY_TOKEN)];
    let (status, headers, body) = harness.raw(get_event("/webhooks/meta", &subscribe)).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "1158201444"));
    assert_eq!(headers["content-type"], "text/plain");
    let wrong = [("hub.mode", "subscribe"), ("hub.challenge", "1158201444"), ("hub.verify_token", "guess")];
    let (status, _, body) = harness.raw(get_event("/webhooks/meta", &wrong)).await;
    assert_eq!((status, body.as_str()), (StatusCode::FORBIDDEN, r#"{"error":"forbidden"}"#));

    let (status, headers, body) =
        harness.raw(get_event("/webhooks/dropbox", &[("challenge", "2dd5a8d1e8f84b7f")])).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "2dd5a8d1e8f84b7f"));
    assert_eq!(headers["x-content-type-options"], "nosniff");

    let (status, headers, _) = harness.raw(get_event("/webhooks/github", &[("challenge", "x")])).await;
    assert_eq!((status, &headers["allow"]), (StatusCode::METHOD_NOT_ALLOWED, &"POST".parse().unwrap()));
    assert!(harness.drain().await.is_empty());
}

#[tokio::test]
async fn url_signing_providers_verify_against_the_rebuilt_url_or_the_public_url() {
    let harness = Harness::start_with(with_handshake_sources, DEFAULT_TTL).await;
    let form = b"AccountSid=AC1&Body=Hello&From=%2B15005550006&MessageSid=SM1&To=%2B15005550001";
    let twilio = harness.source("twilio").scheme.key(&secret_of("twilio"), None).unwrap();
    let rebuilt = format!("https://{HOST}/v1/webhooks/twilio");
    let mut headers = harness.signed_with("twilio", &twilio, &rebuilt, form);
    headers.push(("Host".into(), HOST.into()));
    let accepted = harness.post("twilio", &headers, form).await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{:?}", accepted.body);
    let mut elsewhere = harness.signed_with("twilio", &twilio, "https://other.example.com/v1/webhooks/twilio", form);
    elsewhere.push(("Host".into(), HOST.into()));
    assert_eq!(harness.post("twilio", &elsewhere, form).await.status, StatusCode::UNAUTHORIZED);

    let body = br#"{"type":"payment.updated","event_id":"13b867cf-db3d-4b1c-90b6-2f32a9d78124"}"#;
    let square = harness.source("square").scheme.key(&secret_of("square"), None).unwrap();
    let mut headers = harness.signed_with("square", &square, "https://hooks.example.com/square", body);
    headers.push(("Host".into(), HOST.into()));
    let accepted = harness.post("square", &headers, body).await;
    assert_eq!(accepted.body, json!({"id": "13b867cf-db3d-4b1c-90b6-2f32a9d78124"}), "signed for its publicUrl");
    assert_eq!(harness.drain().await.len(), 2);
}

/// The Lambdas' own S3 client (two signed calls, not the SDK's S3 crate) against the SDK's: what
/// one writes the other reads, ranges and missing keys included, and keys needing encoding too.
#[tokio::test]
async fn the_lambdas_s3_client_and_the_sdks_read_each_others_objects() {
    let harness = harness_taking(MAX_BODY_BYTES_LIMIT).await;
    let lean = S3Objects::new(&harness.aws, BUCKET);
    let sdk = S3Store::new(s3_client(&harness.aws), BUCKET);
    let body = Bytes::from(large_body(INLINE_BODY_LIMIT + 1));
    let key = "bodies/shopify/2026/11/30/06/a key+with=odd&chars";

    lean.put(key, body.clone()).await.unwrap();
    assert_eq!(sdk.list("bodies/", false).await.unwrap().keys, [key.to_owned()]);
    assert_eq!(sdk.get(key, None).await.unwrap(), body, "the SDK reads what the lean client wrote");
    assert_eq!(lean.get(key, Some((10, 100))).await.unwrap(), body.slice(10..110), "a range, as for an archived line");

    sdk.put("events/other", Bytes::from_static(b"written by the SDK")).await.unwrap();
    assert_eq!(lean.get("events/other", None).await.unwrap(), Bytes::from_static(b"written by the SDK"));
    assert_eq!(lean.get("events/missing", None).await, Err(ArchiveError::NotFound("events/missing".into())));

    let unreachable = S3Objects::new(&sdk_config_for(&closed_endpoint()).await, BUCKET);
    let error = unreachable.put(key, body).await.unwrap_err();
    assert!(matches!(&error, ArchiveError::Unavailable(reason) if reason.contains("PutObject")), "{error}");
}

/// moto checks every signature once its first calls are spent (`INITIAL_NO_AUTH_ACTION_COUNT`),
/// recomputing it as S3 does, against the keys of its IAM users: the Lambdas' own signing passes,
/// and the same request under a wrong secret is refused (the check is really on).
#[tokio::test]
async fn s3_accepts_the_lambdas_own_signatures_and_refuses_a_wrong_one() {
    // Four unchecked calls, made with boto3 (moto's own dependency): a user, its policy, its key, a bucket.
    let moto = MotoServer::start_with(&[("INITIAL_NO_AUTH_ACTION_COUNT", "4")]);
    let setup = r#"
import boto3, json, sys
kw = dict(endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
iam = boto3.client("iam", **kw)
iam.create_user(UserName="intake")
iam.put_user_policy(UserName="intake", PolicyName="archive", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
key = iam.create_access_key(UserName="intake")["AccessKey"]
boto3.client("s3", **kw).create_bucket(Bucket="signed-archive")
print(key["AccessKeyId"], key["SecretAccessKey"])
"#;
    let python = hookway_testkit::workspace_root().join(".venv/bin/python");
    let output = std::process::Command::new(python).args(["-c", setup, &moto.endpoint]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let printed = String::from_utf8(output.stdout).unwrap();
    let (id, secret) = printed.trim().split_once(' ').unwrap();
    let aws = |secret: &str| {
        let credentials = aws_sdk_sqs::config::Credentials::new(id, secret, None, None, "test");
        SdkConfig::builder()
            .region(aws_sdk_sqs::config::Region::new("us-east-1"))
            .endpoint_url(&moto.endpoint)
            .credentials_provider(aws_sdk_sqs::config::SharedCredentialsProvider::new(credentials))
            .build()
    };

    let signed = S3Objects::new(&aws(secret), "signed-archive");
    let key = "bodies/shopify/2026/11/30/06/a key+with=odd&chars";
    signed.put(key, Bytes::from_static(b"a body")).await.unwrap();
    assert_eq!(signed.get(key, Some((2, 4))).await.unwrap(), Bytes::from_static(b"body"));

    let forged = S3Objects::new(&aws("not-the-secret"), "signed-archive");
    let refused = forged.put(key, Bytes::from_static(b"another body")).await.unwrap_err();
    assert!(matches!(&refused, ArchiveError::Unavailable(reason) if reason.contains("403")), "{refused}");
    assert_eq!(signed.get(key, None).await.unwrap(), Bytes::from_static(b"a body"), "nothing was overwritten");
}
