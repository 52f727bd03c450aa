//! The calls the worker's AWS-native targets make, without the SDK's service crates (each would
//! cost the worker's arm64 package hundreds of kilobytes for one call): SNS `Publish` (the query
//! protocol: a form in, XML out), EventBridge `PutEvents` (JSON 1.1), Lambda `Invoke` (REST), and
//! Step Functions `StartExecution` and `DescribeExecution` (JSON 1.0). Each is signed and sent as
//! `signed` does for every call Hookway makes on its own, in the region of the ARN it
//! names, at `AWS_ENDPOINT_URL` when it is set (moto) and else at the service's regional host.
//! SQS `SendMessage` goes through the SDK's SQS client, which the worker has anyway.
//!
//! Each call is **one attempt**: the worker's delivery retries it on its own schedule (its
//! `maxAttempts`, `retry`, circuit breaker and rate limit), and bounds it in time. A failure is a
//! [`TargetError`] that carries the service's error code and message and an [`ErrorClass`]:
//! throttling, a `5xx` and a failure in transit may succeed when tried again; anything else —
//! `AccessDenied`, a missing resource, a request the service found invalid — will not.
//!
//! Locally, a Lambda function may be served by a process of the developer's own
//! ([`LocalFunctions`], `HOOKWAY_LOCAL_FUNCTIONS`).

use std::collections::HashMap;
use std::fmt;

use aws_config::SdkConfig;
use aws_sigv4::http_request::{SignableBody, SigningSettings};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use bytes::Bytes;
use http::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use super::HttpClient;
use super::s3::xml_text;
use super::signed::{Failure, Signed, partition_domain};
use crate::config::Arn;

/// The variable naming the functions served locally: a JSON object `{"NAME": "URL"}`.
pub const LOCAL_FUNCTIONS_ENV: &str = "HOOKWAY_LOCAL_FUNCTIONS";

/// The error codes AWS services give throttling, or a passing inability to serve: another
/// attempt may succeed.
const RETRYABLE_CODES: [&str; 24] = [
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "Throttled",
    "RequestThrottled",
    "RequestThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "LimitExceededException",
    "ProvisionedThroughputExceededException",
    "SlowDown",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "InternalError",
    "InternalFailure",
    "InternalServerError",
    "KMSThrottlingException",
    "KmsThrottled",
    // SNS's and SQS's names for KMS throttling the key of an encrypted topic or queue.
    "KMSThrottling",
    "KMS.ThrottlingException",
    "EC2ThrottledException",
    "ResourceConflictException",
    "ResourceNotReadyException",
    "ExecutionLimitExceeded",
];

/// Whether a failed call may succeed when made again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Throttling, a `5xx`, a failure in transit, a function's error: try again, on the
    /// delivery's schedule.
    Retry,
    /// Refused for good (access denied, no such resource, an invalid request): the event goes to
    /// the dead-letter queue at once.
    Final,
}

/// A target's call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetError {
    /// The service's error code (`AccessDeniedException`, `NotFound`, …), if it answered with one.
    pub code: Option<String>,
    /// The service's message, or what went wrong on the way.
    pub message: String,
    /// Whether another attempt may succeed.
    pub class: ErrorClass,
    /// The answer's HTTP status, if there was one.
    pub status: Option<u16>,
}

impl fmt::Display for TargetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.code {
            Some(code) if self.message.is_empty() => f.write_str(code),
            Some(code) => write!(f, "{code}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for TargetError {}

impl TargetError {
    /// The service answered `status` with `code` (possibly namespaced, `…#ResourceNotFound`).
    pub fn answered(status: u16, code: &str, message: impl Into<String>) -> TargetError {
        let code = code.rsplit('#').next().unwrap_or(code).split(':').next().unwrap_or_default().trim();
        let code = (!code.is_empty()).then(|| code.to_owned());
        TargetError {
            class: classify(Some(status), code.as_deref()),
            code,
            message: message.into(),
            status: Some(status),
        }
    }

    /// The call failed on the way (no connection, no answer in time): it may succeed when tried again.
    pub fn in_transit(message: impl Into<String>) -> TargetError {
        TargetError { code: None, message: message.into(), class: ErrorClass::Retry, status: None }
    }

    /// The call could not be made at all (no credentials, a request that cannot be built).
    pub fn not_made(message: impl Into<String>) -> TargetError {
        TargetError { code: None, message: message.into(), class: ErrorClass::Final, status: None }
    }

    /// Whether another attempt may succeed.
    pub fn is_retryable(&self) -> bool {
        self.class == ErrorClass::Retry
    }
}

impl From<Failure> for TargetError {
    fn from(failure: Failure) -> TargetError {
        match failure {
            Failure::Retryable(reason) => TargetError::in_transit(reason),
            Failure::Final(reason) => TargetError::not_made(reason),
            Failure::NotFound => TargetError::answered(404, "NotFound", ""),
        }
    }
}

impl TargetError {
    /// What went wrong with a call an SDK client made (the worker's SQS `SendMessage`).
    pub fn of_sdk<E>(error: &SdkError<E, aws_smithy_runtime_api::http::Response>) -> TargetError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        match error {
            SdkError::ServiceError(answer) => {
                let status = answer.raw().status().as_u16();
                let code = answer.err().code().unwrap_or_default();
                TargetError::answered(status, code, answer.err().message().unwrap_or_default())
            }
            SdkError::ConstructionFailure(_) => TargetError::not_made(super::sdk_error_words(error)),
            _ => TargetError::in_transit(super::sdk_error_words(error)),
        }
    }
}

/// The URL of the queue `arn`, without a call: `AWS_ENDPOINT_URL`'s (moto) or the queue's region's
/// host, then `/{account}/{name}`.
pub fn queue_url(aws: &SdkConfig, arn: &str) -> Option<String> {
    let arn = Arn::parse(arn)?;
    let base = match aws.endpoint_url() {
        Some(endpoint) => endpoint.trim_end_matches('/').to_owned(),
        None => format!("https://sqs.{}.{}", arn.region, partition_domain(arn.region)),
    };
    Some(format!("{base}/{}/{}", arn.account, arn.resource))
}

/// Whether an answer with `status` and error `code` may succeed when the call is made again:
/// throttling and a `5xx` may, anything else will not.
pub fn classify(status: Option<u16>, code: Option<&str>) -> ErrorClass {
    let throttled = code.is_some_and(|code| RETRYABLE_CODES.contains(&code));
    let passing = status.is_some_and(|status| status >= 500 || status == 429 || status == 408);
    if throttled || passing { ErrorClass::Retry } else { ErrorClass::Final }
}

/// One service in one region: its signer and its endpoint.
#[derive(Clone)]
struct Service {
    signed: Signed,
    /// Without a trailing `/`.
    endpoint: String,
}

impl Service {
    /// `name` (its signing name and host prefix) in `region`.
    fn new(aws: &SdkConfig, name: &'static str, region: &str) -> Service {
        let signed = Signed::in_region(aws, name, region);
        Service { endpoint: signed.endpoint(aws, name), signed }
    }

    /// Sends `request`, signed, with `body`; the answer, whatever its status.
    async fn send(&self, request: http::request::Builder, body: Bytes) -> Result<http::Response<Bytes>, TargetError> {
        let request =
            request.body(SdkBody::from(body.clone())).map_err(|error| TargetError::not_made(error.to_string()))?;
        Ok(self.signed.send(request, SigningSettings::default(), SignableBody::Bytes(&body)).await?)
    }

    /// One call of a JSON protocol (`version` 1.0 or 1.1) with `X-Amz-Target: {target}`: its answer.
    async fn json_call(&self, version: &str, target: &str, request: &Value) -> Result<Value, TargetError> {
        let body = Bytes::from(request.to_string());
        let builder = self
            .signed
            .request(Method::POST, &format!("{}/", self.endpoint), &body)
            .header(http::header::CONTENT_TYPE, format!("application/x-amz-json-{version}"))
            .header("x-amz-target", target);
        let response = self.send(builder, body).await?;
        let status = response.status();
        let answer: Value = serde_json::from_slice(response.body()).unwrap_or_default();
        if status.is_success() {
            return Ok(answer);
        }
        let code = answer["__type"].as_str().or_else(|| header(&response, "x-amzn-errortype")).unwrap_or_default();
        let message = answer["message"].as_str().or_else(|| answer["Message"].as_str()).unwrap_or_default();
        Err(TargetError::answered(status.as_u16(), code, message))
    }
}

fn header<'r>(response: &'r http::Response<Bytes>, name: &str) -> Option<&'r str> {
    response.headers().get(name).and_then(|value| value.to_str().ok())
}

/// The region an ARN names, or the error of a target whose ARN has none.
fn region_of(arn: &str) -> Result<&str, TargetError> {
    Arn::parse(arn).map(|arn| arn.region).ok_or_else(|| TargetError::not_made(format!("`{arn}` is not an ARN")))
}

/// A FIFO queue's or topic's message group and deduplication id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fifo<'a> {
    /// `MessageGroupId`.
    pub group: &'a str,
    /// `MessageDeduplicationId`.
    pub deduplication: &'a str,
}

/// An SNS topic, published to with `Publish`.
#[derive(Clone)]
pub struct SnsTopic {
    service: Service,
    arn: String,
}

impl fmt::Debug for SnsTopic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SnsTopic").field("arn", &self.arn).finish_non_exhaustive()
    }
}

impl SnsTopic {
    /// The topic `arn`, in its own region.
    pub fn new(aws: &SdkConfig, arn: &str) -> Result<SnsTopic, TargetError> {
        Ok(SnsTopic { service: Service::new(aws, "sns", region_of(arn)?), arn: arn.to_owned() })
    }

    /// Publishes `message` with string `attributes`; its `MessageId`.
    pub async fn publish(
        &self,
        message: &str,
        attributes: &[(String, String)],
        fifo: Option<Fifo<'_>>,
    ) -> Result<String, TargetError> {
        let body = Bytes::from(publish_form(&self.arn, message, attributes, fifo));
        let request = self
            .service
            .signed
            .request(Method::POST, &format!("{}/", self.service.endpoint), &body)
            .header(http::header::CONTENT_TYPE, "application/x-www-form-urlencoded; charset=utf-8");
        let response = self.service.send(request, body).await?;
        let status = response.status();
        if status.is_success() {
            return Ok(xml_text(response.body(), "MessageId").unwrap_or_default());
        }
        let code = xml_text(response.body(), "Code").unwrap_or_default();
        let message = unescape_xml(&xml_text(response.body(), "Message").unwrap_or_default());
        Err(TargetError::answered(status.as_u16(), &code, message))
    }
}

/// `Publish`'s form: the topic, the message, its attributes (all strings), and a FIFO topic's ids.
fn publish_form(topic: &str, message: &str, attributes: &[(String, String)], fifo: Option<Fifo<'_>>) -> String {
    let mut fields: Vec<(String, &str)> = vec![
        ("Action".into(), "Publish"),
        ("Version".into(), "2010-03-31"),
        ("TopicArn".into(), topic),
        ("Message".into(), message),
    ];
    for (index, (name, value)) in attributes.iter().enumerate() {
        let entry = format!("MessageAttributes.entry.{}", index + 1);
        fields.push((format!("{entry}.Name"), name));
        fields.push((format!("{entry}.Value.DataType"), "String"));
        fields.push((format!("{entry}.Value.StringValue"), value));
    }
    if let Some(fifo) = fifo {
        fields.push(("MessageGroupId".into(), fifo.group));
        fields.push(("MessageDeduplicationId".into(), fifo.deduplication));
    }
    let pairs: Vec<String> =
        fields.iter().map(|(name, value)| format!("{}={}", form_encode(name), form_encode(value))).collect();
    pairs.join("&")
}

/// `text` form-encoded: every byte but the unreserved ones percent-encoded.
fn form_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// The five entities XML escapes.
fn unescape_xml(text: &str) -> String {
    text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&")
}

/// An EventBridge bus, put to with `PutEvents`.
#[derive(Clone)]
pub struct EventBus {
    service: Service,
    arn: String,
}

impl fmt::Debug for EventBus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventBus").field("arn", &self.arn).finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PutEventsOutput {
    #[serde(default)]
    failed_entry_count: u32,
    #[serde(default)]
    entries: Vec<PutEventsEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PutEventsEntry {
    event_id: Option<String>,
    error_code: Option<String>,
    error_message: Option<String>,
}

impl EventBus {
    /// The bus `arn`, in its own region.
    pub fn new(aws: &SdkConfig, arn: &str) -> Result<EventBus, TargetError> {
        Ok(EventBus { service: Service::new(aws, "events", region_of(arn)?), arn: arn.to_owned() })
    }

    /// Puts one entry (`detail`: a JSON object, as text); its `EventId`. `PutEvents` may succeed
    /// as a call and fail its entry: that entry's error code is the error.
    pub async fn put_event(&self, source: &str, detail_type: &str, detail: &str) -> Result<String, TargetError> {
        let request = json!({"Entries": [{
            "EventBusName": self.arn,
            "Source": source,
            "DetailType": detail_type,
            "Detail": detail,
        }]});
        let answer = self.service.json_call("1.1", "AWSEvents.PutEvents", &request).await?;
        let output: PutEventsOutput = serde_json::from_value(answer)
            .map_err(|error| TargetError::in_transit(format!("unreadable PutEvents answer: {error}")))?;
        let entry = output.entries.into_iter().next();
        match entry {
            Some(PutEventsEntry { error_code: Some(code), error_message, .. }) => {
                // The call was accepted: the entry's own code says whether it may succeed again.
                Err(TargetError {
                    class: classify(None, Some(&code)),
                    code: Some(code),
                    message: error_message.unwrap_or_default(),
                    status: Some(200),
                })
            }
            Some(PutEventsEntry { event_id: Some(id), .. }) if output.failed_entry_count == 0 => Ok(id),
            _ => Err(TargetError::in_transit(format!(
                "PutEvents answered {} failed entries and no event id",
                output.failed_entry_count
            ))),
        }
    }
}

/// The functions served locally (`hookway dev --function NAME=URL`): `HOOKWAY_LOCAL_FUNCTIONS`, a
/// JSON object of function names and URLs. A URL without a path is a Lambda Invoke API (another
/// `cargo lambda watch`); one with a path is an HTTP endpoint the payload is POSTed to as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalFunctions(HashMap<String, String>);

impl LocalFunctions {
    /// From `HOOKWAY_LOCAL_FUNCTIONS`: none when it is not set; an error when it is not a JSON
    /// object of strings.
    pub fn from_env() -> Result<LocalFunctions, String> {
        match std::env::var(LOCAL_FUNCTIONS_ENV) {
            Ok(text) => LocalFunctions::parse(&text),
            Err(_) => Ok(LocalFunctions::default()),
        }
    }

    /// From its JSON text.
    pub fn parse(text: &str) -> Result<LocalFunctions, String> {
        serde_json::from_str(text)
            .map(LocalFunctions)
            .map_err(|error| format!("{LOCAL_FUNCTIONS_ENV} is not a JSON object of function names and URLs: {error}"))
    }

    /// The URL serving `name`, if it is served locally.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
}

/// How a Lambda function is invoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invocation {
    /// Queued by Lambda: answered at once.
    Event,
    /// Waited for: the function's answer is returned.
    RequestResponse,
}

impl Invocation {
    fn header(self) -> &'static str {
        match self {
            Invocation::Event => "Event",
            Invocation::RequestResponse => "RequestResponse",
        }
    }
}

/// Where a function is invoked.
#[derive(Clone)]
enum FunctionAt {
    /// The Invoke API (Lambda's, or a local one): its service and the invocations' URL.
    Api(Box<Service>, String),
    /// A local HTTP endpoint: the payload is POSTed to it as it is.
    Url(String),
}

/// A Lambda function, invoked with `Invoke`.
#[derive(Clone)]
pub struct LambdaFunction {
    at: FunctionAt,
    arn: String,
}

impl fmt::Debug for LambdaFunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LambdaFunction").field("arn", &self.arn).finish_non_exhaustive()
    }
}

impl LambdaFunction {
    /// The function `arn` (a version or alias may follow its name), in its own region, unless
    /// `local` serves it.
    pub fn new(aws: &SdkConfig, arn: &str, local: &LocalFunctions) -> Result<LambdaFunction, TargetError> {
        let parsed = Arn::parse(arn).ok_or_else(|| TargetError::not_made(format!("`{arn}` is not an ARN")))?;
        let name = parsed.name();
        let at = match local.get(name) {
            Some(url) => {
                let parsed_url: http::Uri = url
                    .parse()
                    .map_err(|_| TargetError::not_made(format!("{LOCAL_FUNCTIONS_ENV}: `{url}` is not a URL")))?;
                if matches!(parsed_url.path(), "" | "/") {
                    let mut service = Service::new(aws, "lambda", parsed.region);
                    service.endpoint = url.trim_end_matches('/').to_owned();
                    let invocations = format!("{}/2015-03-31/functions/{name}/invocations", service.endpoint);
                    FunctionAt::Api(Box::new(service), invocations)
                } else {
                    FunctionAt::Url(url.to_owned())
                }
            }
            None => {
                let service = Service::new(aws, "lambda", parsed.region);
                let invocations = format!("{}/2015-03-31/functions/{}/invocations", service.endpoint, form_encode(arn));
                FunctionAt::Api(Box::new(service), invocations)
            }
        };
        Ok(LambdaFunction { at, arn: arn.to_owned() })
    }

    /// Invokes the function with `payload`; its answer (empty for [`Invocation::Event`]). A
    /// function error (`X-Amz-Function-Error`, or a local endpoint's `5xx`) is a retryable
    /// error whose code is `FunctionError` and whose message starts with the function's answer.
    pub async fn invoke(&self, invocation: Invocation, payload: Bytes) -> Result<Bytes, TargetError> {
        let response = match &self.at {
            FunctionAt::Api(service, url) => {
                let request = service
                    .signed
                    .request(Method::POST, url, &payload)
                    .header(http::header::CONTENT_TYPE, "application/json")
                    .header("x-amz-invocation-type", invocation.header());
                service.send(request, payload).await?
            }
            FunctionAt::Url(url) => {
                let request = http::Request::builder()
                    .method(Method::POST)
                    .uri(url)
                    .header(http::header::CONTENT_TYPE, "application/json")
                    .header(http::header::CONTENT_LENGTH, payload.len())
                    .header("x-amz-invocation-type", invocation.header())
                    .body(SdkBody::from(payload))
                    .map_err(|error| TargetError::not_made(error.to_string()))?;
                HttpClient::shared().send(request).await.map_err(|error| {
                    TargetError::in_transit(aws_smithy_types::error::display::DisplayErrorContext(&error).to_string())
                })?
            }
        };
        let status = response.status();
        if let Some(kind) = header(&response, "x-amz-function-error") {
            return Err(function_error(kind, response.body()));
        }
        if status.is_success() {
            return Ok(response.into_body());
        }
        if matches!(self.at, FunctionAt::Url(_)) && status.is_server_error() {
            return Err(function_error(status.as_str(), response.body()));
        }
        let answer: Value = serde_json::from_slice(response.body()).unwrap_or_default();
        let code = header(&response, "x-amzn-errortype").or_else(|| answer["__type"].as_str()).unwrap_or_default();
        let message = answer["message"].as_str().or_else(|| answer["Message"].as_str()).unwrap_or_default();
        Err(TargetError::answered(status.as_u16(), code, message))
    }
}

/// A function's error: retryable, with the start of its answer.
fn function_error(kind: &str, answer: &[u8]) -> TargetError {
    const SHOWN: usize = 512;
    let answer = String::from_utf8_lossy(answer);
    let shown: String = answer.chars().take(SHOWN).collect();
    TargetError {
        code: Some("FunctionError".into()),
        message: format!("{kind}: {shown}"),
        class: ErrorClass::Retry,
        status: None,
    }
}

/// Step Functions in one region: `StartExecution` and `DescribeExecution`.
#[derive(Clone)]
pub struct StepFunctions {
    service: Service,
}

impl fmt::Debug for StepFunctions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StepFunctions").field("region", &self.service.signed.region()).finish_non_exhaustive()
    }
}

/// An execution started.
#[derive(Debug, Clone, PartialEq)]
pub struct Started {
    /// Its ARN.
    pub execution_arn: String,
    /// When it started, Unix seconds (unknown when an earlier attempt started it).
    pub start_date: Option<f64>,
    /// Whether it had been started before, by an earlier attempt of the same delivery.
    pub already: bool,
}

/// `DescribeExecution`'s answer.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Execution {
    /// Its ARN.
    pub execution_arn: String,
    /// The state machine's ARN.
    #[serde(default)]
    pub state_machine_arn: String,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// `RUNNING`, `SUCCEEDED`, `FAILED`, `TIMED_OUT`, `ABORTED`, `PENDING_REDRIVE`.
    pub status: String,
    /// When it started, Unix seconds.
    pub start_date: f64,
    /// When it stopped, Unix seconds.
    #[serde(default)]
    pub stop_date: Option<f64>,
    /// Its input (JSON text).
    #[serde(default)]
    pub input: Option<String>,
    /// Its output (JSON text), once it succeeded.
    #[serde(default)]
    pub output: Option<String>,
    /// Its error, once it failed.
    #[serde(default)]
    pub error: Option<String>,
    /// Its error's cause.
    #[serde(default)]
    pub cause: Option<String>,
}

impl StepFunctions {
    /// Step Functions in the region of `arn` (a state machine's or an execution's).
    pub fn new(aws: &SdkConfig, arn: &str) -> Result<StepFunctions, TargetError> {
        Ok(StepFunctions { service: Service::new(aws, "states", region_of(arn)?) })
    }

    /// Starts an execution of `state_machine` named `name` with `input` (JSON text). An
    /// execution of that name already there (an earlier attempt's) is the one started: its ARN
    /// follows from the name, so no other call (nor permission) is needed.
    pub async fn start_execution(&self, state_machine: &str, name: &str, input: &str) -> Result<Started, TargetError> {
        let request = json!({"stateMachineArn": state_machine, "name": name, "input": input});
        match self.service.json_call("1.0", "AWSStepFunctions.StartExecution", &request).await {
            Ok(answer) => Ok(Started {
                execution_arn: answer["executionArn"].as_str().unwrap_or_default().to_owned(),
                start_date: answer["startDate"].as_f64(),
                already: false,
            }),
            Err(error) if error.code.as_deref() == Some("ExecutionAlreadyExists") => {
                let arn = execution_arn(state_machine, name)
                    .ok_or_else(|| TargetError::not_made(format!("`{state_machine}` is not a state machine's ARN")))?;
                Ok(Started { execution_arn: arn, start_date: None, already: true })
            }
            Err(error) => Err(error),
        }
    }

    /// What Step Functions says of the execution `execution_arn`.
    pub async fn describe_execution(&self, execution_arn: &str) -> Result<Execution, TargetError> {
        let request = json!({"executionArn": execution_arn});
        let answer = self.service.json_call("1.0", "AWSStepFunctions.DescribeExecution", &request).await?;
        serde_json::from_value(answer)
            .map_err(|error| TargetError::in_transit(format!("unreadable DescribeExecution answer: {error}")))
    }
}

/// The ARN of `state_machine`'s execution named `name`.
pub fn execution_arn(state_machine: &str, name: &str) -> Option<String> {
    let (prefix, machine) = state_machine.split_once(":stateMachine:")?;
    Some(format!("{prefix}:execution:{machine}:{name}"))
}

/// The name of the execution that delivers `source`'s event `id` (of replay run `replay`):
/// `{source}.{id}`, or `{source}.{id}.{run}` for a replay — always the same for the same event
/// (ids are unique within a source), so that a retry finds the execution an earlier attempt
/// started; within the 80 characters Step Functions allows.
pub fn execution_name(source: &str, id: &str, replay: Option<&str>) -> String {
    let allowed =
        |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+' | '=' | '@' | '!' | '(' | ')');
    bounded(&delivery_of(source, id, replay), 80, allowed)
}

/// The deduplication id of `source`'s event `id` (of replay run `replay`) on a FIFO queue or
/// topic: as [`execution_name`], within the 128 characters of ASCII letters, digits and
/// punctuation SQS and SNS allow; a replay is a message of its own.
pub fn deduplication_id(source: &str, id: &str, replay: Option<&str>) -> String {
    bounded(&delivery_of(source, id, replay), 128, |c| c.is_ascii_graphic())
}

/// A FIFO message group: `value` when SQS and SNS take it as it is (at most 128 ASCII letters,
/// digits and punctuation), else its allowed characters and a digest of it.
pub fn message_group_id(value: &str) -> String {
    bounded(value, 128, |c| c.is_ascii_graphic())
}

fn delivery_of(source: &str, id: &str, replay: Option<&str>) -> String {
    match replay {
        Some(run) => format!("{source}.{id}.{run}"),
        None => format!("{source}.{id}"),
    }
}

/// `whole` when it is made of `allowed` characters and at most `max` of them; else its allowed
/// characters and a digest of the whole, within `max`: the same for the same `whole`.
fn bounded(whole: &str, max: usize, allowed: impl Fn(char) -> bool) -> String {
    use sha2::{Digest, Sha256};
    if whole.len() <= max && !whole.is_empty() && whole.chars().all(&allowed) {
        return whole.to_owned();
    }
    let digest = hex::encode(&Sha256::digest(whole.as_bytes())[..8]);
    let kept: String = whole.chars().filter(|c| allowed(*c)).take(max - digest.len() - 1).collect();
    format!("{kept}-{digest}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttling_and_server_errors_are_retried_and_refusals_are_final() {
        for (status, code) in [
            (400, "ThrottlingException"),
            (400, "Throttling"),
            (429, "TooManyRequestsException"),
            (500, "InternalFailure"),
            (503, ""),
            (400, "KMSThrottlingException"),
            (409, "ResourceConflictException"),
        ] {
            assert!(TargetError::answered(status, code, "").is_retryable(), "{status} {code}");
        }
        for (status, code) in [
            (403, "AccessDeniedException"),
            (404, "ResourceNotFoundException"),
            (400, "AWS.SimpleQueueService.NonExistentQueue"),
            (400, "ValidationException"),
            (404, "NotFound"),
            (400, "InvalidParameter"),
        ] {
            assert!(!TargetError::answered(status, code, "").is_retryable(), "{status} {code}");
        }
        assert!(TargetError::in_transit("connection refused").is_retryable());
        assert!(!TargetError::not_made("no credentials").is_retryable());
    }

    #[test]
    fn a_queues_url_is_its_regions_or_the_configured_endpoints() {
        let arn = "arn:aws:sqs:eu-west-1:123456789012:orders.fifo";
        let aws = SdkConfig::builder().region(aws_config::Region::new("us-east-1")).build();
        assert_eq!(queue_url(&aws, arn).unwrap(), "https://sqs.eu-west-1.amazonaws.com/123456789012/orders.fifo");
        let moto = aws.to_builder().endpoint_url("http://127.0.0.1:5000/").build();
        assert_eq!(queue_url(&moto, arn).unwrap(), "http://127.0.0.1:5000/123456789012/orders.fifo");
        assert_eq!(queue_url(&aws, "orders"), None);
    }

    #[test]
    fn an_error_names_its_code_without_its_namespace() {
        let error = TargetError::answered(400, "com.amazonaws.sfn#StateMachineDoesNotExist", "no such machine");
        assert_eq!(error.to_string(), "StateMachineDoesNotExist: no such machine");
        let error = TargetError::answered(404, "ResourceNotFoundException:http://internal.amazon.com/", "gone");
        assert_eq!(error.code.as_deref(), Some("ResourceNotFoundException"));
        assert_eq!(TargetError::in_transit("timed out").to_string(), "timed out");
    }

    #[test]
    fn publish_sends_its_attributes_and_fifo_ids_form_encoded() {
        let attributes = [("hookway-id".to_owned(), "evt 1&2".to_owned())];
        let form = publish_form(
            "arn:aws:sns:eu-west-1:123456789012:t.fifo",
            "{\"a\":1}",
            &attributes,
            Some(Fifo { group: "g", deduplication: "evt" }),
        );
        assert!(form.starts_with("Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aeu-west-1%3A123456789012%3At.fifo&Message=%7B%22a%22%3A1%7D&"), "{form}");
        assert!(form.contains("MessageAttributes.entry.1.Name=hookway-id&MessageAttributes.entry.1.Value.DataType=String&MessageAttributes.entry.1.Value.StringValue=evt%201%262"), "{form}");
        assert!(form.ends_with("MessageGroupId=g&MessageDeduplicationId=evt"), "{form}");
    }

    #[test]
    fn an_execution_is_named_after_its_event_and_found_by_that_name() {
        assert_eq!(execution_name("stripe", "evt_01HZX", None), "stripe.evt_01HZX");
        assert_eq!(execution_name("stripe", "evt_01HZX", Some("r1")), "stripe.evt_01HZX.r1");
        assert_ne!(execution_name("stripe", "evt_1", None), execution_name("github", "evt_1", None));
        let odd = execution_name("s", "a/b:c d", None);
        assert!(odd.starts_with("s.abcd-") && odd.len() == 7 + 16, "{odd}");
        assert_eq!(odd, execution_name("s", "a/b:c d", None), "the same event, the same name");
        assert_ne!(odd, execution_name("s", "a/b:c  d", None));
        assert!(execution_name("s", &"x".repeat(200), None).len() <= 80);
        assert_eq!(deduplication_id("stripe", "evt_1", Some("r-2")), "stripe.evt_1.r-2");
        assert_eq!(message_group_id("cus_123"), "cus_123");
        let group = message_group_id("Zoë Smith");
        assert!(group.starts_with("ZoSmith-") && group.chars().all(|c| c.is_ascii_graphic()), "{group}");
        assert!(message_group_id(&"g".repeat(300)).len() <= 128);
        assert_eq!(
            execution_arn("arn:aws:states:eu-west-1:123456789012:stateMachine:orders", "evt").as_deref(),
            Some("arn:aws:states:eu-west-1:123456789012:execution:orders:evt")
        );
    }

    #[test]
    fn local_functions_are_read_from_their_json_and_pick_the_api_or_a_url() {
        let local =
            LocalFunctions::parse(r#"{"fulfil": "http://127.0.0.1:9000", "audit": "http://127.0.0.1:8080/audit"}"#)
                .unwrap();
        let aws = SdkConfig::builder().region(aws_config::Region::new("eu-west-1")).build();
        let api =
            LambdaFunction::new(&aws, "arn:aws:lambda:eu-west-1:123456789012:function:fulfil:live", &local).unwrap();
        assert!(
            matches!(&api.at, FunctionAt::Api(_, url) if url == "http://127.0.0.1:9000/2015-03-31/functions/fulfil/invocations")
        );
        let url = LambdaFunction::new(&aws, "arn:aws:lambda:eu-west-1:123456789012:function:audit", &local).unwrap();
        assert!(matches!(&url.at, FunctionAt::Url(url) if url == "http://127.0.0.1:8080/audit"));
        let remote = LambdaFunction::new(&aws, "arn:aws:lambda:us-east-2:123456789012:function:other", &local).unwrap();
        assert!(matches!(&remote.at, FunctionAt::Api(_, url)
            if url == "https://lambda.us-east-2.amazonaws.com/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-2%3A123456789012%3Afunction%3Aother/invocations"));
        assert!(LocalFunctions::parse("[1]").is_err());
    }
}
