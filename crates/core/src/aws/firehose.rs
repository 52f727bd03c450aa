//! Amazon Data Firehose without the SDK's Firehose crate: its JSON protocol (`POST /`,
//! `X-Amz-Target: Firehose_20150804.{Operation}`), signed and sent as [`super::signed`] does for
//! every call Hookway makes on its own. The worker puts the archive's records with
//! [`Firehose::put_record_batch`]; the local stack creates its stream with [`Firehose::call`].
//!
//! A whole call is tried up to three times when it failed in transit, was answered a `5xx`, or
//! throttled. `PutRecordBatch` may also succeed as a call and fail some of its records (each with
//! an `ErrorCode`, `ServiceUnavailableException` or `InternalFailure`, and `FailedPutCount`
//! says how many): those records alone are sent again, within the same attempts; what still fails
//! is returned, record by record, for the caller to treat as unwritten.

use std::fmt;
use std::sync::{Mutex, PoisonError};

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sigv4::http_request::{SignableBody, SigningSettings};
use aws_smithy_types::body::SdkBody;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use http::Method;
use serde::Deserialize;
use serde_json::Value;

use super::signed::{Failure, Signed, with_retries};
use crate::archive::{ArchiveError, RecordStream};

/// The JSON protocol's target prefix: the API's version.
const TARGET_PREFIX: &str = "Firehose_20150804";
/// The errors AWS names throttling (the SDK's list): another attempt may succeed.
const THROTTLING: [&str; 7] = [
    "ThrottlingException",
    "Throttling",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "LimitExceededException",
    "ServiceUnavailableException",
];

/// The most records one `PutRecordBatch` takes.
pub const MAX_RECORDS_PER_CALL: usize = 500;
/// The most data one `PutRecordBatch` takes (the records' bytes, before base64).
pub const MAX_BYTES_PER_CALL: usize = 4 * 1024 * 1024;
/// The largest record (before base64): 1,000 KiB.
pub const MAX_RECORD_BYTES: usize = 1000 * 1024;

/// A Firehose call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FirehoseError {
    /// Firehose refused the call, could not be reached, or did not answer in time, after every
    /// attempt it was worth.
    #[error("Firehose {operation}: {reason}")]
    Failed {
        /// The operation.
        operation: String,
        /// Why: Firehose's error code and message, or what went wrong on the way.
        reason: String,
    },
}

/// A record `PutRecordBatch` did not write: Firehose's error code and message.
pub type RecordFailure = String;

/// Firehose in the configuration's region (or at its endpoint), with its credentials, on the
/// process's HTTP client.
#[derive(Clone)]
pub struct Firehose {
    endpoint: String,
    signed: Signed,
}

impl fmt::Debug for Firehose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Firehose").field("endpoint", &self.endpoint).finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PutRecordBatchOutput {
    #[serde(default)]
    request_responses: Vec<RecordResponse>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RecordResponse {
    error_code: Option<String>,
    error_message: Option<String>,
}

impl Firehose {
    /// Firehose for `aws`: `https://firehose.{region}.{domain}`, or `AWS_ENDPOINT_URL`'s.
    pub fn new(aws: &SdkConfig) -> Firehose {
        let signed = Signed::new(aws, "firehose");
        Firehose { endpoint: format!("{}/", signed.endpoint(aws, "firehose")), signed }
    }

    /// One call of the JSON protocol (`CreateDeliveryStream`, `DescribeDeliveryStream`, …): its
    /// answer.
    pub async fn call(&self, operation: &str, request: &Value) -> Result<Value, FirehoseError> {
        let body = Bytes::from(request.to_string());
        let answer = with_retries(operation, || self.attempt(operation, &body)).await;
        let failed = |reason: String| FirehoseError::Failed { operation: operation.to_owned(), reason };
        let answer = answer.map_err(|failure| failed(reason(failure)))?;
        serde_json::from_slice(&answer).map_err(|error| failed(format!("unreadable answer: {error}")))
    }

    /// Puts `records` into `stream`, in as few calls as it takes the caller (at most
    /// [`MAX_RECORDS_PER_CALL`] records and [`MAX_BYTES_PER_CALL`] bytes a call: the caller packs
    /// them). Each record's outcome, in order; `Err` if the call failed as a whole.
    pub async fn put_record_batch(
        &self,
        stream: &str,
        records: &[Bytes],
    ) -> Result<Vec<Result<(), RecordFailure>>, FirehoseError> {
        const OPERATION: &str = "PutRecordBatch";
        let outcomes: Mutex<Vec<Option<Result<(), RecordFailure>>>> = Mutex::new(vec![None; records.len()]);
        let pending = || -> Vec<usize> {
            let outcomes = outcomes.lock().unwrap_or_else(PoisonError::into_inner);
            (0..records.len()).filter(|index| outcomes[*index].is_none()).collect()
        };
        let (outcomes_ref, pending) = (&outcomes, &pending);
        let put = with_retries(OPERATION, move || async move {
            let sent = pending();
            let answer =
                self.attempt(OPERATION, &put_request(stream, sent.iter().map(|index| &records[*index]))).await?;
            let output: PutRecordBatchOutput = serde_json::from_slice(&answer)
                .map_err(|error| Failure::Final(format!("unreadable answer: {error}")))?;
            if output.request_responses.len() != sent.len() {
                let said = output.request_responses.len();
                return Err(Failure::Final(format!("{said} outcomes for {} records", sent.len())));
            }
            let mut outcomes = outcomes_ref.lock().unwrap_or_else(PoisonError::into_inner);
            let mut failed = Vec::new();
            for (index, response) in sent.into_iter().zip(output.request_responses) {
                match response.error_code {
                    None => outcomes[index] = Some(Ok(())),
                    Some(code) => {
                        failed.push(format!("{code}: {}", response.error_message.unwrap_or_default()));
                    }
                }
            }
            match failed.first() {
                // The failed records are sent again (their outcomes stay unknown until then).
                Some(first) => Err(Failure::Retryable(format!("{} record(s) failed, the first {first}", failed.len()))),
                None => Ok(()),
            }
        })
        .await;
        let mut outcomes = outcomes.into_inner().unwrap_or_else(PoisonError::into_inner);
        match put {
            Ok(()) => {}
            // Records were written: those that were not fail with the last reason.
            Err(failure) if outcomes.iter().any(Option::is_some) => {
                let reason = reason(failure);
                outcomes.iter_mut().filter(|outcome| outcome.is_none()).for_each(|outcome| {
                    *outcome = Some(Err(reason.clone()));
                });
            }
            Err(failure) => {
                return Err(FirehoseError::Failed { operation: OPERATION.to_owned(), reason: reason(failure) });
            }
        }
        Ok(outcomes.into_iter().map(|outcome| outcome.unwrap_or_else(|| Err("no outcome".to_owned()))).collect())
    }

    /// One attempt: sign, send, read the answer; an error answer as a [`Failure`].
    async fn attempt(&self, operation: &str, body: &Bytes) -> Result<Bytes, Failure> {
        let request = self
            .signed
            .request(Method::POST, &self.endpoint, body)
            .header(http::header::CONTENT_TYPE, "application/x-amz-json-1.1")
            .header("x-amz-target", format!("{TARGET_PREFIX}.{operation}"))
            .body(SdkBody::from(body.clone()))
            .map_err(|error| Failure::Final(error.to_string()))?;
        let response = self.signed.send(request, SigningSettings::default(), SignableBody::Bytes(body)).await?;
        let status = response.status();
        if status.is_success() {
            return Ok(response.into_body());
        }
        let error: Value = serde_json::from_slice(response.body()).unwrap_or_default();
        // `__type` may be qualified: `com.amazonaws.firehose#ResourceNotFoundException`.
        let code = error["__type"].as_str().unwrap_or_default().rsplit('#').next().unwrap_or_default().to_owned();
        let message = error["message"].as_str().or_else(|| error["Message"].as_str()).unwrap_or_default();
        let mut reason = format!("{status} {code}: {message}");
        if let Some(id) = response.headers().get("x-amzn-requestid").and_then(|id| id.to_str().ok()) {
            reason.push_str(&format!(" (request id {id})"));
        }
        if status.is_server_error()
            || status == http::StatusCode::TOO_MANY_REQUESTS
            || THROTTLING.contains(&code.as_str())
        {
            Err(Failure::Retryable(reason))
        } else {
            Err(Failure::Final(reason))
        }
    }
}

/// The archive stream: a Firehose stream, written by `PutRecordBatch`.
#[derive(Debug, Clone)]
pub struct FirehoseStream {
    firehose: Firehose,
    stream: String,
}

impl FirehoseStream {
    /// The stream named `stream` (`HOOKWAY_ARCHIVE_STREAM`).
    pub fn new(aws: &SdkConfig, stream: impl Into<String>) -> FirehoseStream {
        FirehoseStream { firehose: Firehose::new(aws), stream: stream.into() }
    }

    /// Firehose's endpoint, for a connection opened during init.
    pub fn endpoint(&self) -> &str {
        &self.firehose.endpoint
    }
}

#[async_trait]
impl RecordStream for FirehoseStream {
    async fn put_records(&self, records: &[Bytes]) -> Result<Vec<Result<(), RecordFailure>>, ArchiveError> {
        self.firehose
            .put_record_batch(&self.stream, records)
            .await
            .map_err(|error| ArchiveError::Unavailable(format!("{error} (stream {})", self.stream)))
    }
}

/// The reason a failure gives.
fn reason(failure: Failure) -> String {
    match failure {
        Failure::Retryable(reason) | Failure::Final(reason) => reason,
        Failure::NotFound => "not found".to_owned(),
    }
}

/// `PutRecordBatch`'s request: the records' data base64-encoded, written out directly (a call
/// carries up to 4 MiB).
fn put_request<'r>(stream: &str, records: impl Iterator<Item = &'r Bytes>) -> Bytes {
    let mut body = format!(r#"{{"DeliveryStreamName":{},"Records":["#, Value::from(stream));
    for (index, record) in records.enumerate() {
        if index > 0 {
            body.push(',');
        }
        body.push_str(r#"{"Data":""#);
        BASE64.encode_string(record, &mut body);
        body.push_str(r#""}"#);
    }
    body.push_str("]}");
    Bytes::from(body)
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use aws_credential_types::Credentials;
    use aws_credential_types::provider::SharedCredentialsProvider;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;

    #[test]
    fn a_request_carries_each_record_base64_encoded() {
        let records = [Bytes::from_static(b"{\"id\":1}\n"), Bytes::from_static(b"")];
        let body = put_request("hookway-archive", records.iter());
        let request: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(request["DeliveryStreamName"], "hookway-archive");
        assert_eq!(request["Records"][0]["Data"], BASE64.encode(b"{\"id\":1}\n"));
        assert_eq!(request["Records"][1]["Data"], "");
    }

    /// A server on 127.0.0.1 that answers each request with the next of `answers` (status, JSON
    /// body), recording the bodies it was sent; stopped when the test's runtime ends.
    async fn serve(answers: Vec<(u16, String)>) -> (SocketAddr, Arc<Mutex<Vec<Value>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let served = Arc::clone(&seen);
        let next = Arc::new(AtomicUsize::new(0));
        tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else { return };
                let (answers, seen, next) = (answers.clone(), Arc::clone(&served), Arc::clone(&next));
                tokio::spawn(async move {
                    loop {
                        let Some(body) = read_request(&mut socket).await else { return };
                        seen.lock().unwrap().push(serde_json::from_slice(&body).unwrap());
                        let (status, answer) = &answers[next.fetch_add(1, Ordering::SeqCst).min(answers.len() - 1)];
                        let reply = format!(
                            "HTTP/1.1 {status} X\r\ncontent-type: application/x-amz-json-1.1\r\ncontent-length: {}\r\n\r\n{answer}",
                            answer.len()
                        );
                        if socket.write_all(reply.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        (address, seen)
    }

    /// One HTTP/1.1 request's body (its headers read up to `content-length`).
    async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<Vec<u8>> {
        let mut read = Vec::new();
        let mut buffer = [0u8; 8192];
        loop {
            let n = socket.read(&mut buffer).await.ok().filter(|n| *n > 0)?;
            read.extend_from_slice(&buffer[..n]);
            let Some(end) = read.windows(4).position(|window| window == b"\r\n\r\n") else { continue };
            let head = String::from_utf8_lossy(&read[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .and_then(|value| value.trim().parse().ok())
                .unwrap_or(0);
            while read.len() < end + 4 + length {
                let n = socket.read(&mut buffer).await.ok().filter(|n| *n > 0)?;
                read.extend_from_slice(&buffer[..n]);
            }
            return Some(read[end + 4..end + 4 + length].to_vec());
        }
    }

    fn firehose_at(address: SocketAddr) -> Firehose {
        let aws = SdkConfig::builder()
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url(format!("http://{address}"))
            .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
                "local", "local", None, None, "test",
            )))
            .build();
        Firehose::new(&aws)
    }

    fn records(count: usize) -> Vec<Bytes> {
        (0..count).map(|index| Bytes::from(format!("{{\"id\":{index}}}\n"))).collect()
    }

    #[tokio::test]
    async fn records_that_failed_are_sent_again_alone_and_those_that_fail_again_are_said() {
        let partial = r#"{"FailedPutCount":1,"RequestResponses":[{"RecordId":"a"},{"ErrorCode":"ServiceUnavailableException","ErrorMessage":"slow down"},{"RecordId":"c"}]}"#;
        let then_ok = r#"{"FailedPutCount":0,"RequestResponses":[{"RecordId":"b"}]}"#;
        let (address, seen) = serve(vec![(200, partial.into()), (200, then_ok.into())]).await;
        let outcomes = firehose_at(address).put_record_batch("s", &records(3)).await.unwrap();
        assert_eq!(outcomes, [Ok(()), Ok(()), Ok(())]);
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[1]["Records"].as_array().unwrap().len(), 1, "the failed record alone");
        assert_eq!(seen[1]["Records"][0]["Data"], BASE64.encode(b"{\"id\":1}\n"));

        let failing = r#"{"FailedPutCount":1,"RequestResponses":[{"RecordId":"a"},{"ErrorCode":"InternalFailure","ErrorMessage":"x"}]}"#;
        let failing_again =
            r#"{"FailedPutCount":1,"RequestResponses":[{"ErrorCode":"InternalFailure","ErrorMessage":"x"}]}"#;
        let (address, seen) = serve(vec![(200, failing.into()), (200, failing_again.into())]).await;
        let outcomes = firehose_at(address).put_record_batch("s", &records(2)).await.unwrap();
        assert_eq!(outcomes[0], Ok(()));
        assert!(outcomes[1].as_ref().is_err_and(|reason| reason.contains("InternalFailure")), "{outcomes:?}");
        assert_eq!(seen.lock().unwrap().len(), 3, "three attempts");
    }

    #[tokio::test]
    async fn a_refused_call_fails_at_once_and_a_throttled_one_is_tried_again() {
        let missing = r#"{"__type":"ResourceNotFoundException","message":"Firehose s under account 1 not found."}"#;
        let (address, seen) = serve(vec![(400, missing.into())]).await;
        let error = firehose_at(address).put_record_batch("s", &records(1)).await.unwrap_err();
        assert!(error.to_string().contains("ResourceNotFoundException: Firehose s under account"), "{error}");
        assert_eq!(seen.lock().unwrap().len(), 1);

        let throttled = r#"{"__type":"com.amazonaws.firehose#ThrottlingException","message":"slow"}"#;
        let ok = r#"{"FailedPutCount":0,"RequestResponses":[{"RecordId":"a"}]}"#;
        let (address, seen) = serve(vec![(400, throttled.into()), (200, ok.into())]).await;
        assert_eq!(firehose_at(address).put_record_batch("s", &records(1)).await.unwrap(), [Ok(())]);
        assert_eq!(seen.lock().unwrap().len(), 2);
    }

    #[test]
    fn the_endpoint_is_the_regions_or_the_configured_one() {
        let aws = |region: &'static str| SdkConfig::builder().region(aws_config::Region::new(region)).build();
        assert_eq!(Firehose::new(&aws("eu-west-1")).endpoint, "https://firehose.eu-west-1.amazonaws.com/");
        assert_eq!(Firehose::new(&aws("cn-north-1")).endpoint, "https://firehose.cn-north-1.amazonaws.com.cn/");
    }
}
