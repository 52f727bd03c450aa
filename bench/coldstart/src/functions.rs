//! The functions under test, each with the environment Lambda would give it and the events it
//! gets: the hello-world denominator, the intake (a signed webhook, verified with a secret read
//! from SSM at init, then SendMessage) and the worker (a batch of ten queued events through the
//! pipeline: claim in DynamoDB, route, the `log` handler, complete).

use std::path::{Path, PathBuf};

use base64::Engine as _;
use hmac::{Hmac, Mac};
use hookway_core::env::{self, Var};
use hookway_core::local::events::{GatewayContext, GatewayRequest, proxy_event};
use http::HeaderMap;
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::process::Command;

use crate::runtime::Events;

/// The source every event comes from.
pub const SOURCE: &str = "bench";
/// Its secret's parameter.
pub const SECRET_PARAMETER: &str = "/hookway/bench/secret";
/// Its secret.
pub const SECRET: &str = "coldstart-bench-secret";
/// How many events a worker invocation gets (the event source mapping's default batch).
pub const WORKER_BATCH: usize = 10;

/// A function under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    /// `lambda_runtime` answering a greeting: the least a Rust function pays.
    Hello,
    /// `hookway-intake`.
    Intake,
    /// `hookway-worker`.
    Worker,
}

/// What the functions reach: moto (through TLS or not), and what was created there; and their
/// package's folder.
#[derive(Debug, Clone)]
pub struct Environment {
    /// `LAMBDA_TASK_ROOT`: the package's folder, holding [`config`] as `hookway.json`
    /// ([`write_package`]), as the stack bundles it.
    pub task_root: PathBuf,
    /// `AWS_ENDPOINT_URL`.
    pub aws_endpoint: String,
    /// `SSL_CERT_FILE`, when moto is behind TLS.
    pub trust_bundle: Option<PathBuf>,
    /// The events queue: where the intake sends, and where the worker sends events back to wait.
    pub queue_url: String,
    /// The events DLQ: where the worker sends what a destination refused for good.
    pub dead_letter_queue_url: String,
    /// The state table.
    pub table: String,
    /// The archive bucket.
    pub bucket: String,
    /// `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`.
    pub memory_mb: u32,
}

impl Function {
    /// All of them, the denominator first.
    pub const ALL: [Function; 3] = [Function::Hello, Function::Intake, Function::Worker];

    /// Its binary's name.
    pub fn binary(self) -> &'static str {
        match self {
            Function::Hello => "hookway-coldstart-hello",
            Function::Intake => "hookway-intake",
            Function::Worker => "hookway-worker",
        }
    }

    /// How the table names it.
    pub fn label(self) -> &'static str {
        match self {
            Function::Hello => "hello-world (`lambda_runtime`)",
            Function::Intake => "`hookway-intake`",
            Function::Worker => "`hookway-worker` (batches of 10)",
        }
    }

    /// The process, with only the environment Lambda would give it: nothing of this shell's
    /// (no profile, no home), the runtime's variables, credentials as Lambda passes them.
    pub fn command(self, bin_dir: &Path, environment: &Environment) -> Command {
        let mut command = Command::new(bin_dir.join(self.binary()));
        command
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("LANG", "en_US.UTF-8")
            .env("TZ", ":UTC")
            .env("AWS_LAMBDA_FUNCTION_NAME", self.binary())
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", environment.memory_mb.to_string())
            .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{}", self.binary()))
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "2026/01/01/[$LATEST]coldstart")
            .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
            .env("AWS_LAMBDA_LOG_LEVEL", "INFO")
            .env(env::TASK_ROOT_VAR, &environment.task_root)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "ASIACOLDSTARTBENCH")
            .env("AWS_SECRET_ACCESS_KEY", "coldstart-bench-secret-access-key")
            .env("AWS_SESSION_TOKEN", "coldstart-bench-session-token");
        if self == Function::Hello {
            return command;
        }
        command.env("AWS_ENDPOINT_URL", &environment.aws_endpoint);
        if let Some(bundle) = &environment.trust_bundle {
            command.env("SSL_CERT_FILE", bundle);
        }
        let variables = if self == Function::Intake { env::INTAKE } else { env::WORKER };
        for variable in variables {
            let value = match variable {
                Var::Stack => STACK,
                Var::EventsQueueUrl => &environment.queue_url,
                Var::EventsDlqUrl => &environment.dead_letter_queue_url,
                Var::Table => &environment.table,
                Var::ArchiveBucket => &environment.bucket,
                // The configuration's writer is `worker`: the stack sets no stream.
                Var::ArchiveStream => continue,
            };
            command.env(variable.name(), value);
        }
        command
    }

    /// A fresh event for each invocation: a new event id each time, so that every one does the
    /// whole work (none is a duplicate the worker could skip).
    pub fn events(self) -> Events {
        match self {
            Function::Hello => Box::new(|_| br#"{"name": "coldstart"}"#.to_vec()),
            Function::Intake => Box::new(|index| intake_event(index).to_string().into_bytes()),
            Function::Worker => Box::new(|index| worker_event(index).to_string().into_bytes()),
        }
    }

    /// Whether an answer is the one this function gives when all went well.
    pub fn check(self, answer: &[u8]) -> Result<(), String> {
        let value: Value = serde_json::from_slice(answer).map_err(|_| String::from_utf8_lossy(answer).into_owned())?;
        let fine = match self {
            Function::Hello => value["message"] == "Hello, coldstart!",
            Function::Intake => value["statusCode"] == 202,
            Function::Worker => value["batchItemFailures"].as_array().is_some_and(Vec::is_empty),
        };
        if fine { Ok(()) } else { Err(value.to_string()) }
    }
}

/// The stack's name the functions are told (`HOOKWAY_STACK`).
pub const STACK: &str = "Hookway";

/// Writes the functions' package folder: [`config`] as `hookway.json`, which each function reads
/// at init, as in Lambda.
pub fn write_package(task_root: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(task_root)?;
    std::fs::write(task_root.join(env::CONFIG_FILE), serde_json::to_vec_pretty(&config())?)
}

/// The configuration both Hookway functions get: one generic HMAC source (the signature over
/// `{timestamp}.{body}`), everything routed to the `log` handler, each batch archived as one S3
/// object (the `worker` writer: the harness's moto has no Firehose stream).
pub fn config() -> Value {
    json!({
        "archive": {"writer": "worker"},
        "sources": [{
            "name": SOURCE,
            "scheme": "hmac",
            "secretParameters": [SECRET_PARAMETER],
            "hmac": {
                "signatureHeader": "X-Signature", "prefix": "sha256=", "encoding": "hex",
                "template": "{timestamp}.{body}", "timestampHeader": "X-Timestamp",
                "idHeader": "X-Webhook-Id", "idSigned": false, "typePointer": "/type"
            }
        }],
        "routes": [{ "source": "*", "handler": "log" }]
    })
}

/// A 1 KiB JSON webhook body.
fn body(id: &str) -> String {
    let mut body = format!(r#"{{"type": "invoice.paid", "id": "{id}", "data": {{"note": ""#);
    let fill = 1024usize.saturating_sub(body.len() + 3);
    body.push_str(&"x".repeat(fill));
    body.push_str(r#""}}"#);
    body
}

/// `POST /webhooks/bench` as API Gateway would hand it to the intake, signed now.
fn intake_event(index: usize) -> Value {
    let id = uuid::Uuid::new_v4().to_string();
    let body = body(&id);
    let timestamp = hookway_core::unix_now().to_string();
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(format!("{timestamp}.{body}").as_bytes());
    let signature = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    let mut headers = HeaderMap::new();
    for (name, value) in [
        ("content-type", "application/json"),
        ("user-agent", "coldstart/1.0"),
        ("x-signature", signature.as_str()),
        ("x-timestamp", timestamp.as_str()),
        ("x-webhook-id", id.as_str()),
    ] {
        if let (Ok(name), Ok(value)) = (name.parse::<http::HeaderName>(), value.parse()) {
            headers.insert(name, value);
        }
    }
    let request = GatewayRequest {
        method: "POST",
        path: "/webhooks/bench",
        query: None,
        headers: &headers,
        body: body.as_bytes(),
    };
    let context = GatewayContext {
        request_id: format!("coldstart-{index}-{id}"),
        stage: "v1".into(),
        api_id: "coldstart".into(),
        resource_id: "r3pmxm".into(),
        account_id: "123456789012".into(),
        source_ip: "192.0.2.1".into(),
        time_epoch_ms: 0,
    };
    proxy_event(&request, "/webhooks/{source}", &[("source", SOURCE)], &context)
}

/// An SQS batch of [`WORKER_BATCH`] envelopes, as the event source mapping hands it to the worker.
fn worker_event(index: usize) -> Value {
    let records: Vec<Value> = (0..WORKER_BATCH)
        .map(|_| {
            let id = uuid::Uuid::new_v4().to_string();
            let envelope = hookway_core::envelope::queued(SOURCE, &id, "invoice.paid", &body(&id));
            json!({
                "messageId": id,
                "receiptHandle": base64::engine::general_purpose::STANDARD.encode(format!("coldstart-{index}-{id}")),
                "body": envelope,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": "1767225600000",
                    "SenderId": "AROACOLDSTART",
                    "ApproximateFirstReceiveTimestamp": "1767225600001"
                },
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:hookway-events",
                "awsRegion": "us-east-1"
            })
        })
        .collect();
    json!({ "Records": records })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configuration_is_valid_and_the_events_are_well_formed() {
        let config = hookway_core::Config::from_json(&config().to_string()).unwrap();
        assert!(config.source(SOURCE).is_some());
        let intake = intake_event(0);
        assert_eq!(intake["httpMethod"], "POST");
        assert_eq!(intake["pathParameters"]["source"], SOURCE);
        let records = worker_event(0);
        assert_eq!(records["Records"].as_array().unwrap().len(), WORKER_BATCH);
        assert_eq!(body("0").len(), 1024);
    }
}
