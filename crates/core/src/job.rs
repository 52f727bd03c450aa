//! The job event: what the `POST /jobs` request template hands the worker — the method-request
//! passthrough shape of API Gateway (`bodyJson`, `params`, `stage-variables`, `context`) — and
//! what the local gateway builds for the same request. `fixtures/apigw-async-job-event.json` is
//! the shared example: the stack's template renders it, this type reads and writes it.
//!
//! A job that failed every attempt reaches the jobs dead-letter queue as Lambda's on-failure
//! [`DestinationRecord`], which the local stack writes in the same shape and `hookway dlq` reads.

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
    fn it_writes_back_exactly_the_shape_it_read() {
        let fixture: Value = serde_json::from_str(FIXTURE).unwrap();
        let event: JobEvent = serde_json::from_value(fixture.clone()).unwrap();
        assert_eq!(serde_json::to_value(&event).unwrap(), fixture);
    }
}
