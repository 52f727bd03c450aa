//! Invoking the functions `cargo lambda watch` runs, through its Lambda Invoke API, and what
//! Lambda's asynchronous invocation adds: retries with backoff, then the on-failure destination.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use hookway_core::job::{DestinationRecord, DestinationRequestContext, DestinationResponseContext};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::Semaphore;

/// The Lambda Invoke API of `cargo lambda watch`.
#[derive(Debug, Clone)]
pub struct Lambda {
    client: reqwest::Client,
    endpoint: String,
    /// Each function's instances: `cargo lambda watch` runs as many as the stack's concurrency,
    /// and an invocation waits here for a free one, so that its time is its own.
    instances: Arc<Mutex<HashMap<String, Arc<Semaphore>>>>,
    log: Option<Arc<Mutex<std::fs::File>>>,
}

/// The name of the invocation log in the stack's log folder: one line per invocation,
/// `function<TAB>microseconds`, from the request to the answer (`make cost` reads it).
pub const INVOCATION_LOG: &str = "invocations.tsv";

/// How an invocation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvokeError {
    /// The function ran and returned an error.
    #[error("{error_type}: {error_message}")]
    Function {
        /// Lambda's `errorType`.
        error_type: String,
        /// Lambda's `errorMessage`.
        error_message: String,
    },
    /// The function could not be reached or did not answer.
    #[error("cannot invoke {function}: {reason}")]
    Unreachable {
        /// The function.
        function: String,
        /// Why.
        reason: String,
    },
}

/// A function error, as Lambda reports it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
struct FunctionError {
    #[serde(default)]
    error_type: String,
    #[serde(default)]
    error_message: String,
}

impl Lambda {
    /// The Invoke API at `endpoint` (`http://127.0.0.1:9000`); an invocation may take `timeout`.
    pub fn new(endpoint: impl Into<String>, timeout: Duration) -> Result<Lambda, reqwest::Error> {
        let client = reqwest::Client::builder().timeout(timeout).build()?;
        Ok(Lambda { client, endpoint: endpoint.into(), instances: Arc::default(), log: None })
    }

    /// Appends each invocation, once answered, to the [`INVOCATION_LOG`] file in `folder`.
    pub fn logging_to(mut self, folder: &Path) -> std::io::Result<Lambda> {
        let file = std::fs::OpenOptions::new().create(true).append(true).open(folder.join(INVOCATION_LOG))?;
        self.log = Some(Arc::new(Mutex::new(file)));
        Ok(self)
    }

    /// Invokes `function` with `payload` and waits for its response.
    pub async fn invoke(&self, function: &str, payload: &Value) -> Result<Bytes, InvokeError> {
        let instances = {
            let mut instances = self.instances.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let instances = instances
                .entry(function.to_owned())
                .or_insert_with(|| Arc::new(Semaphore::new(crate::LAMBDA_CONCURRENCY)));
            Arc::clone(instances)
        };
        let _instance = instances.acquire_owned().await;
        let started = Instant::now();
        let answer = self.call(function, payload).await;
        if let Some(log) = &self.log {
            let micros = started.elapsed().as_micros();
            if let Ok(mut file) = log.lock() {
                let _ = writeln!(file, "{function}\t{micros}");
            }
        }
        answer
    }

    async fn call(&self, function: &str, payload: &Value) -> Result<Bytes, InvokeError> {
        let url = format!("{}/2015-03-31/functions/{function}/invocations", self.endpoint);
        let unreachable = |reason: String| InvokeError::Unreachable { function: function.to_owned(), reason };
        let response = self
            .client
            .post(url)
            .json(payload)
            .send()
            .await
            .map_err(|error| unreachable(error.without_url().to_string()))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|error| unreachable(error.to_string()))?;
        if status.is_success() {
            return Ok(body);
        }
        match serde_json::from_slice::<FunctionError>(&body) {
            Ok(error) if status.is_server_error() => {
                Err(InvokeError::Function { error_type: error.error_type, error_message: error.error_message })
            }
            _ => Err(unreachable(format!("{status}: {}", String::from_utf8_lossy(&body)))),
        }
    }
}

/// Where a failed asynchronous invocation's record goes: the jobs dead-letter queue.
pub trait Destination: Send + Sync + 'static {
    /// Delivers the record.
    fn deliver(&self, record: &DestinationRecord) -> impl std::future::Future<Output = Result<(), String>> + Send;
}

/// Lambda's asynchronous invocation of one function: accepted at once, retried on failure after
/// each of `retry_delays`, then handed to the destination with the last error.
#[derive(Debug)]
pub struct AsyncInvoker<D> {
    lambda: Lambda,
    function: String,
    function_arn: String,
    retry_delays: Vec<Duration>,
    destination: D,
}

impl<D: Destination> AsyncInvoker<D> {
    /// Invokes `function` with `retry_delays.len()` retries.
    pub fn new(lambda: Lambda, function: &str, region: &str, retry_delays: Vec<Duration>, destination: D) -> Self {
        let function_arn = format!("arn:aws:lambda:{region}:000000000000:function:{function}:$LATEST");
        AsyncInvoker { lambda, function: function.to_owned(), function_arn, retry_delays, destination }
    }

    /// Accepts an invocation and runs it in the background, as `InvocationType: Event` does.
    pub fn submit(self: &Arc<Self>, request_id: String, payload: Value) {
        let invoker = Arc::clone(self);
        tokio::spawn(async move { invoker.run(request_id, payload).await });
    }

    /// Runs an invocation to its end: success, or the destination.
    pub async fn run(&self, request_id: String, payload: Value) {
        let attempts = self.retry_delays.len() + 1;
        let mut last_error = None;
        for attempt in 1..=attempts {
            match self.lambda.invoke(&self.function, &payload).await {
                Ok(_) => return,
                Err(error) => {
                    eprintln!(
                        "[gateway] {} invocation {request_id}: attempt {attempt}/{attempts} failed: {error}",
                        self.function
                    );
                    last_error = Some(error);
                }
            }
            if let Some(delay) = self.retry_delays.get(attempt - 1) {
                tokio::time::sleep(*delay).await;
            }
        }
        let (error_type, error_message) = match last_error {
            Some(InvokeError::Function { error_type, error_message }) => (error_type, error_message),
            Some(error) => ("Unreachable".to_owned(), error.to_string()),
            None => return,
        };
        let record = DestinationRecord {
            version: "1.0".into(),
            timestamp: hookway_core::rfc3339_now(),
            request_context: DestinationRequestContext {
                request_id: request_id.clone(),
                function_arn: self.function_arn.clone(),
                condition: "RetriesExhausted".into(),
                approximate_invoke_count: u32::try_from(attempts).unwrap_or(u32::MAX),
            },
            request_payload: payload,
            response_context: DestinationResponseContext {
                status_code: 200,
                executed_version: "$LATEST".into(),
                function_error: Some("Unhandled".into()),
            },
            response_payload: serde_json::json!({"errorType": error_type, "errorMessage": error_message}),
        };
        match self.destination.deliver(&record).await {
            Ok(()) => eprintln!(
                "[gateway] {} invocation {request_id}: retries exhausted, sent to the dead-letter queue",
                self.function
            ),
            Err(error) => eprintln!(
                "[gateway] {} invocation {request_id}: cannot reach the dead-letter queue: {error}",
                self.function
            ),
        }
    }
}

/// An SQS queue as the destination.
#[derive(Debug, Clone)]
pub struct SqsDestination {
    /// The client.
    pub sqs: aws_sdk_sqs::Client,
    /// The queue.
    pub queue_url: String,
}

impl Destination for SqsDestination {
    async fn deliver(&self, record: &DestinationRecord) -> Result<(), String> {
        let body = serde_json::to_string(record).map_err(|error| error.to_string())?;
        self.sqs
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(body)
            .send()
            .await
            .map(drop)
            .map_err(|error| aws_sdk_sqs::error::DisplayErrorContext(error).to_string())
    }
}

/// moto's request log (tools/moto_server.py, `POST /_hookway/requests`), where the gateway records
/// each Lambda API call it serves — as CloudTrail records it in AWS — so that the IAM check
/// (testing/iam) replays them with the calls moto served itself.
#[derive(Debug, Clone)]
pub struct CallLog {
    client: reqwest::Client,
    url: String,
    region: String,
}

impl CallLog {
    /// The log of the moto at `aws_endpoint`; calls are made in `region`.
    pub fn new(aws_endpoint: &str, region: &str) -> Result<CallLog, reqwest::Error> {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build()?;
        let url = format!("{}/_hookway/requests", aws_endpoint.trim_end_matches('/'));
        Ok(CallLog { client, url, region: region.to_owned() })
    }

    /// Records an `Invoke` of `function` by whoever `headers` name (the SDK's application name in
    /// its user agent, `app/NAME`).
    pub async fn invoke(&self, headers: &http::HeaderMap, function: &str) -> Result<(), String> {
        let entry = serde_json::json!({
            "caller": app_name(headers).unwrap_or("other"),
            "service": "lambda",
            "operation": "Invoke",
            "region": self.region,
            "function": function,
        });
        let response = self.client.post(&self.url).json(&entry).send().await.map_err(|error| error.to_string())?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(format!("moto's request log answered {}", response.status()))
        }
    }
}

/// The SDK application name a request's user agent carries (`app/hookway-cli`).
pub fn app_name(headers: &http::HeaderMap) -> Option<&str> {
    ["x-amz-user-agent", "user-agent"]
        .iter()
        .filter_map(|name| headers.get(*name)?.to_str().ok())
        .flat_map(str::split_whitespace)
        .find_map(|token| token.strip_prefix("app/"))
}

#[cfg(test)]
mod tests {
    use http::{HeaderMap, HeaderValue};

    use super::app_name;

    #[test]
    fn the_caller_is_the_sdk_application_name_of_its_user_agent() {
        let mut headers = HeaderMap::new();
        assert_eq!(app_name(&headers), None);
        headers.insert("user-agent", HeaderValue::from_static("aws-sdk-rust/1.3 os/linux lang/rust/1.88"));
        assert_eq!(app_name(&headers), None);
        headers
            .insert("x-amz-user-agent", HeaderValue::from_static("aws-sdk-rust/1.3 api/lambda/1.80 app/hookway-cli"));
        assert_eq!(app_name(&headers), Some("hookway-cli"));
    }
}
