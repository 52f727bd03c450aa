//! The job event: what the `POST /jobs` request template hands the worker — the method-request
//! passthrough shape of API Gateway (`bodyJson`, `params`, `stage-variables`, `context`) — and
//! what the local gateway builds for the same request. `fixtures/apigw-async-job-event.json` is
//! the shared example: the stack's template renders it, this type reads and writes it.
//!
//! A job that failed every attempt reaches the jobs dead-letter queue as Lambda's on-failure
//! [`DestinationRecord`], which the local stack writes in the same shape and `hookway dlq` reads.
//!
//! A job routed to a `stepFunctions` target is done, for the worker, once its execution started:
//! the job's record keeps the start (`{"executionArn", "startDate"}`) as its result, and
//! `GET /jobs/{id}` reports the job `RUNNING` with its `executionArn` until the execution ends. The
//! intake then asks Step Functions ([`Executions`]) and caches the end in the record
//! ([`with_end`]): `SUCCEEDED` with the execution's output as the job's result, or `FAILED` with its
//! error and cause.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The request headers a job event keeps, lowercase — where the request came from and what it
/// carries, nothing that authenticates it (`Authorization`, `Cookie`, `X-Api-Key`), which would
/// otherwise sit in the worker's logs and the jobs dead-letter queue. The stack's mapping template
/// keeps the same (`infra/lib/job-templates.ts`, `JOB_HEADERS`); the local gateway uses this.
pub const KEPT_HEADERS: [&str; 12] = [
    "accept",
    "cloudfront-forwarded-proto",
    "cloudfront-viewer-country",
    "content-type",
    "host",
    "idempotency-key",
    "user-agent",
    "x-amzn-trace-id",
    "x-forwarded-for",
    "x-forwarded-port",
    "x-forwarded-proto",
    "x-request-id",
];

/// A job, as the worker is invoked with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobEvent {
    /// The request body, parsed: `{"type": "...", "payload": ...}`.
    #[serde(rename = "bodyJson")]
    pub body_json: Value,
    /// The request's path, query string and header parameters.
    pub params: JobParams,
    /// The stage's variables.
    #[serde(rename = "stage-variables", default)]
    pub stage_variables: BTreeMap<String, String>,
    /// The request context.
    pub context: JobContext,
}

/// The request's parameters, by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobParams {
    /// Path parameters.
    #[serde(default)]
    pub path: BTreeMap<String, String>,
    /// Query string parameters.
    #[serde(default)]
    pub querystring: BTreeMap<String, String>,
    /// Headers, as sent.
    #[serde(default)]
    pub header: BTreeMap<String, String>,
}

/// The request context, as the passthrough template names it. Absent values are empty strings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
#[allow(missing_docs)]
pub struct JobContext {
    pub account_id: String,
    pub api_id: String,
    pub api_key: String,
    pub authorizer_principal_id: String,
    pub caller: String,
    pub cognito_authentication_provider: String,
    pub cognito_authentication_type: String,
    pub cognito_identity_id: String,
    pub cognito_identity_pool_id: String,
    pub http_method: String,
    pub stage: String,
    pub source_ip: String,
    pub user: String,
    pub user_agent: String,
    pub user_arn: String,
    /// The API request id: the job's id.
    pub request_id: String,
    pub resource_id: String,
    pub resource_path: String,
}

impl JobEvent {
    /// The job's id: the request id of its `POST /jobs`.
    pub fn job_id(&self) -> &str {
        &self.context.request_id
    }

    /// The job's type: `bodyJson.type`.
    pub fn job_type(&self) -> Option<&str> {
        self.body_json.get("type")?.as_str()
    }
}

/// What `POST /jobs` answers: `202 {"jobId": "...", "status": "ACCEPTED"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobAccepted {
    /// The job's id.
    pub job_id: String,
    /// Always `ACCEPTED`.
    pub status: String,
}

impl JobAccepted {
    /// The answer for job `job_id`.
    pub fn new(job_id: impl Into<String>) -> JobAccepted {
        JobAccepted { job_id: job_id.into(), status: "ACCEPTED".into() }
    }
}

/// The record Lambda sends to an on-failure destination (the same JSON in AWS and locally).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DestinationRecord {
    /// `1.0`.
    pub version: String,
    /// When the invocation was given up, RFC 3339.
    pub timestamp: String,
    /// Which invocation, and why it was given up.
    pub request_context: DestinationRequestContext,
    /// The event the function was invoked with.
    pub request_payload: Value,
    /// The last attempt's outcome.
    pub response_context: DestinationResponseContext,
    /// The last attempt's error: `{"errorType", "errorMessage"}`.
    pub response_payload: Value,
}

/// `requestContext` of a destination record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DestinationRequestContext {
    /// The invocation's request id.
    pub request_id: String,
    /// The function.
    pub function_arn: String,
    /// `RetriesExhausted` or `EventAgeExceeded`.
    pub condition: String,
    /// Attempts made.
    pub approximate_invoke_count: u32,
}

/// `responseContext` of a destination record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DestinationResponseContext {
    /// The Invoke API's status.
    pub status_code: u16,
    /// `$LATEST`.
    pub executed_version: String,
    /// `Unhandled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function_error: Option<String>,
}

/// The delivery name of a `stepFunctions` target starts with this.
const STEP_FUNCTIONS_DELIVERY: &str = "stepFunctions ";
/// Where a job's record keeps the end of the execution it started, beside the start.
const EXECUTION_END: &str = "execution";

/// A Step Functions execution, as `DescribeExecution` answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Execution {
    /// `RUNNING`, `SUCCEEDED`, `FAILED`, `TIMED_OUT`, `ABORTED` or `PENDING_REDRIVE`.
    pub status: String,
    /// Its output, once it succeeded: JSON (or the text, if it is not JSON).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Value>,
    /// Its error code, once it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Its error's cause, once it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
}

impl Execution {
    /// Whether it ended (a `PENDING_REDRIVE` execution may run again).
    pub fn has_ended(&self) -> bool {
        !matches!(self.status.as_str(), "RUNNING" | "PENDING_REDRIVE")
    }

    /// The job's status once the execution ended: `SUCCEEDED`, else `FAILED`.
    pub fn job_status(&self) -> &'static str {
        if self.status == "SUCCEEDED" { "SUCCEEDED" } else { "FAILED" }
    }

    /// Why it failed, in words: its error and cause, else its status (`TIMED_OUT`, `ABORTED`).
    pub fn failure(&self) -> Option<String> {
        if self.status == "SUCCEEDED" {
            return None;
        }
        let error = self.error.clone().unwrap_or_else(|| format!("execution {}", self.status));
        Some(match &self.cause {
            Some(cause) if !cause.is_empty() => format!("{error}: {cause}"),
            _ => error,
        })
    }
}

/// Asks Step Functions where an execution stands.
#[async_trait::async_trait]
pub trait Executions: Send + Sync + std::fmt::Debug {
    /// `DescribeExecution` of `execution_arn`.
    async fn describe_execution(&self, execution_arn: &str) -> Result<Execution, String>;
}

/// Step Functions' `DescribeExecution`, in the region of each execution's ARN, at
/// `AWS_ENDPOINT_URL` when it is set (moto). Building it makes no call: the intake builds it at
/// init and calls it only for a job whose execution is running.
#[derive(Clone)]
pub struct StepFunctionsExecutions {
    aws: crate::aws::SdkConfig,
}

impl std::fmt::Debug for StepFunctionsExecutions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StepFunctionsExecutions").finish_non_exhaustive()
    }
}

impl StepFunctionsExecutions {
    /// With `aws`'s credentials, application name and endpoint.
    pub fn new(aws: &crate::aws::SdkConfig) -> StepFunctionsExecutions {
        StepFunctionsExecutions { aws: aws.clone() }
    }
}

#[async_trait::async_trait]
impl Executions for StepFunctionsExecutions {
    async fn describe_execution(&self, execution_arn: &str) -> Result<Execution, String> {
        let step_functions =
            crate::aws::targets::StepFunctions::new(&self.aws, execution_arn).map_err(|error| error.to_string())?;
        let execution = step_functions.describe_execution(execution_arn).await.map_err(|error| error.to_string())?;
        Ok(Execution {
            status: execution.status,
            output: execution.output.map(|output| serde_json::from_str(&output).unwrap_or(Value::String(output))),
            error: execution.error,
            cause: execution.cause,
        })
    }
}

/// The execution a job's `stepFunctions` target started, from the job's record: its ARN, and its
/// end once cached. `None` when no `stepFunctions` delivery of the job succeeded.
pub fn started_execution<'a>(
    status: &str,
    result: Option<&'a Value>,
    deliveries: &[crate::store::Delivery],
) -> Option<(&'a str, Option<Execution>)> {
    let started = status == "SUCCEEDED"
        && deliveries.iter().any(|delivery| {
            delivery.destination.starts_with(STEP_FUNCTIONS_DELIVERY)
                && delivery.status == crate::store::DeliveryStatus::Succeeded
        });
    let result = result.filter(|_| started)?;
    let arn = result.get("executionArn")?.as_str()?;
    let end = result.get(EXECUTION_END).and_then(|end| serde_json::from_value(end.clone()).ok());
    Some((arn, end))
}

/// The record's result once the execution it started ended: the start, with its end beside it.
pub fn with_end(started: &Value, end: &Execution) -> Value {
    let mut result = started.clone();
    if let (Some(object), Ok(end)) = (result.as_object_mut(), serde_json::to_value(end)) {
        object.insert(EXECUTION_END.to_owned(), end);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &str = include_str!("../../../fixtures/apigw-async-job-event.json");

    #[test]
    fn the_shared_fixture_reads_with_its_id_and_type() {
        let event: JobEvent = serde_json::from_str(FIXTURE).unwrap();
        assert_eq!(event.job_id(), "c6af9ac6-7b61-11e6-9a41-93e8deadbeef");
        assert_eq!(event.job_type(), Some("report.generate"));
        assert_eq!(event.context.resource_path, "/jobs");
        assert_eq!(event.params.header["content-type"], "application/json");
    }

    #[test]
    fn a_job_that_started_an_execution_runs_until_its_end_is_cached_beside_the_start() {
        use crate::store::{Delivery, DeliveryStatus};
        let arn = "arn:aws:states:us-east-1:123456789012:execution:orders:job-1";
        let started = serde_json::json!({"executionArn": arn, "startDate": 1.7e9});
        let delivery = |destination: &str, status| Delivery {
            destination: destination.to_owned(),
            index: 0,
            status,
            attempts: 1,
            last_status: None,
            latency_ms: None,
            error: None,
            delivered_at: None,
            updated_at: 0,
            retries: 0,
            next_attempt: None,
        };
        let machine = "stepFunctions arn:aws:states:us-east-1:123456789012:stateMachine:orders";
        let done = [delivery(machine, DeliveryStatus::Succeeded)];
        assert_eq!(started_execution("SUCCEEDED", Some(&started), &done), Some((arn, None)));
        assert_eq!(started_execution("FAILED", Some(&started), &done), None, "no execution started");
        let lambda = [delivery("lambda arn:aws:lambda:us-east-1:123456789012:function:f", DeliveryStatus::Succeeded)];
        assert_eq!(started_execution("SUCCEEDED", Some(&started), &lambda), None, "a function's answer is its own");

        let failed = Execution {
            status: "FAILED".into(),
            output: None,
            error: Some("States.TaskFailed".into()),
            cause: Some("no stock".into()),
        };
        let ended = with_end(&started, &failed);
        let (_, end) = started_execution("SUCCEEDED", Some(&ended), &done).unwrap();
        let end = end.unwrap();
        assert_eq!((end.job_status(), end.failure().as_deref()), ("FAILED", Some("States.TaskFailed: no stock")));
        let timed_out = Execution { status: "TIMED_OUT".into(), output: None, error: None, cause: None };
        assert_eq!((timed_out.has_ended(), timed_out.failure().as_deref()), (true, Some("execution TIMED_OUT")));
        let running = Execution { status: "RUNNING".into(), output: None, error: None, cause: None };
        assert!(!running.has_ended());
    }

    #[test]
    fn it_writes_back_exactly_the_shape_it_read() {
        let fixture: Value = serde_json::from_str(FIXTURE).unwrap();
        let event: JobEvent = serde_json::from_value(fixture.clone()).unwrap();
        assert_eq!(serde_json::to_value(&event).unwrap(), fixture);
    }
}
