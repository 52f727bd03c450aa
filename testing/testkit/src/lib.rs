//! Test support: a moto server per test, a scriptable HTTP destination, waits with deadlines.
//!
//! Test support shared by the integration tests: a real `moto_server` started for one test on a
//! free 127.0.0.1 port and stopped when dropped, SDK configuration pointed at it, and waiting for
//! a condition with a deadline instead of sleeping.
//!
//! [`receiver::Receiver`] is a real HTTP destination that fails, refuses, throttles or hangs on cue;
//! [`logs::Capture`] keeps the log lines a test's subscriber writes.
//!
//! moto runs as `tools/moto-server` starts it (moto from the project's `.venv`, which `make test`
//! installs, applying DynamoDB writes one at a time as DynamoDB does), or as `$MOTO_SERVER` says.

pub mod logs;
pub mod receiver;

use std::future::Future;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use aws_config::timeout::TimeoutConfig;
use hookway_core::local::resources;

/// A moto server, stopped on drop.
#[derive(Debug)]
pub struct MotoServer {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
}

impl MotoServer {
    /// Starts moto on a free port and waits until it accepts connections.
    pub fn start() -> MotoServer {
        MotoServer::start_with(&[])
    }

    /// The same, with moto's settings in `env` (e.g. `INITIAL_NO_AUTH_ACTION_COUNT`: after that
    /// many calls, moto checks every signature against its IAM users' keys).
    pub fn start_with(env: &[(&str, &str)]) -> MotoServer {
        let program = moto_server_path();
        let port = free_port();
        let child = Command::new(&program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .envs(env.iter().copied())
            // Whatever $MOTO_SERVER is: no global CORS (tools/moto-server also refuses origins).
            .env("MOTO_DISABLE_GLOBAL_CORS", "true")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!(
                    "cannot start {}: {error}. `make test` installs moto into .venv; or set MOTO_SERVER",
                    program.display()
                )
            });
        let mut server = MotoServer { child, endpoint: format!("http://127.0.0.1:{port}") };
        let address = SocketAddr::from(([127, 0, 0, 1], port));
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_err() {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("moto_server exited at start-up: {status}");
            }
            assert!(Instant::now() < deadline, "moto_server did not listen on {address} within 30 s");
            std::thread::sleep(Duration::from_millis(25));
        }
        server
    }

    /// SDK configuration pointed at this server.
    pub async fn sdk_config(&self) -> SdkConfig {
        sdk_config_for(&self.endpoint).await
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// SDK configuration with test credentials pointed at `endpoint`, with Hookway's timeouts.
pub async fn sdk_config_for(endpoint: &str) -> SdkConfig {
    hookway_core::local::sdk_config(endpoint).await
}

/// The program that starts moto.
pub fn moto_server_path() -> PathBuf {
    match std::env::var_os("MOTO_SERVER") {
        Some(path) => PathBuf::from(path),
        None => workspace_root().join("tools/moto-server"),
    }
}

/// The repository's root directory.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// `program ARGS` in the repository's root with `stdin` as its input, to its end.
pub fn run_with_stdin(program: &str, args: &[&str], stdin: &[u8]) -> std::process::Output {
    let mut child = Command::new(program)
        .args(args)
        .current_dir(workspace_root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("{program}: {error}"));
    // A program may end without reading all of its input.
    let _ = std::io::Write::write_all(&mut child.stdin.take().unwrap(), stdin);
    child.wait_with_output().unwrap()
}

/// A port nothing listens on now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// An address that refuses connections: a port that was free a moment ago.
pub fn closed_endpoint() -> String {
    format!("http://127.0.0.1:{}", free_port())
}

/// Polls `check` until it yields a value, failing the test after `timeout`.
pub async fn wait_for<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out after {timeout:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `config` with timeouts for setting up a test rather than for answering a sender: a fresh moto
/// server loads a service's code on its first call, which takes seconds on a busy machine.
fn patient(config: &SdkConfig) -> SdkConfig {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(5))
        .operation_attempt_timeout(Duration::from_secs(30))
        .operation_timeout(Duration::from_secs(60))
        .build();
    config.to_builder().timeout_config(timeouts).build()
}

/// Creates an SQS queue allowing 1 MiB messages, as the stack does, and returns its URL.
pub async fn create_queue(config: &SdkConfig, name: &str) -> String {
    resources::create_queue(&patient(config), name, &[]).await.unwrap()
}

/// Stores a SecureString parameter.
pub async fn put_secret(config: &SdkConfig, name: &str, value: &str) {
    let values = [(name.to_owned(), value.to_owned())].into();
    resources::put_secrets(&patient(config), &values).await.unwrap();
}

/// Creates the state table as the stack does (partition key `pk`, TTL on `expiresAt`).
pub async fn create_table(config: &SdkConfig, name: &str) {
    resources::create_table(&patient(config), name).await.unwrap();
}

/// An envelope as the intake queues it: a JSON `body` from `source`, of `event_type`, received at
/// `received_at` (RFC 3339).
pub fn queued_envelope(source: &str, id: &str, event_type: &str, received_at: &str, body: &str) -> String {
    let (body_encoding, encoded) = hookway_core::Envelope::encode_body(body.as_bytes());
    let mut envelope = hookway_core::Envelope {
        id: id.into(),
        source: source.into(),
        event_type: Some(event_type.into()),
        received_at: received_at.into(),
        content_type: Some("application/json".into()),
        body_encoding,
        body: encoded,
        ..hookway_core::Envelope::default()
    };
    envelope.to_message().unwrap()
}

/// A REST API proxy event, as API Gateway sends it to the intake: the repository's fixture with
/// this request in it (the body base64-encoded, as the API's binary media types make it), as JSON.
pub fn rest_proxy_event(method: &str, path: &str, headers: &[(String, String)], body: &[u8]) -> String {
    use base64::Engine as _;
    use serde_json::{Value, json};
    let mut event: Value = serde_json::from_str(include_str!("../../../fixtures/apigw-rest-proxy-event.json")).unwrap();
    let single: serde_json::Map<String, Value> = headers.iter().map(|(n, v)| (n.clone(), json!(v))).collect();
    let multi: serde_json::Map<String, Value> = headers.iter().map(|(n, v)| (n.clone(), json!([v]))).collect();
    event["httpMethod"] = json!(method);
    event["path"] = json!(path);
    event["requestContext"]["path"] = json!(format!("/v1{path}"));
    event["headers"] = Value::Object(single);
    event["multiValueHeaders"] = Value::Object(multi);
    event["body"] = json!(base64::engine::general_purpose::STANDARD.encode(body));
    event["isBase64Encoded"] = json!(true);
    event.to_string()
}

/// Creates an archive bucket.
pub async fn create_bucket(config: &SdkConfig, name: &str) {
    resources::create_bucket(&patient(config), name, None).await.unwrap();
}

/// Every message in the queue at `url`, with its attributes, removed.
pub async fn drain_queue(config: &SdkConfig, url: &str) -> Vec<aws_sdk_sqs::types::Message> {
    let sqs = aws_sdk_sqs::Client::new(config);
    let mut messages = Vec::new();
    loop {
        let received = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .message_attribute_names("All")
            .send()
            .await
            .unwrap()
            .messages
            .unwrap_or_default();
        if received.is_empty() {
            return messages;
        }
        for message in &received {
            sqs.delete_message().queue_url(url).receipt_handle(message.receipt_handle().unwrap()).send().await.unwrap();
        }
        messages.extend(received);
    }
}

/// How many messages the queue at `url` holds, visible or in flight.
pub async fn queue_length(config: &SdkConfig, url: &str) -> usize {
    use aws_sdk_sqs::types::QueueAttributeName::{ApproximateNumberOfMessages, ApproximateNumberOfMessagesNotVisible};
    let attributes = aws_sdk_sqs::Client::new(config)
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(ApproximateNumberOfMessages)
        .attribute_names(ApproximateNumberOfMessagesNotVisible)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap_or_default();
    attributes.values().map(|count| count.parse::<usize>().unwrap()).sum()
}
