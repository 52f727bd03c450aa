//! The AWS-native targets: `sqs`, `sns`, `eventBridge`, `lambda` and `stepFunctions`. Each puts
//! the event — the envelope of [`hookway_core::target`], or what the destination's `transform`
//! yields — on one resource named by its ARN:
//!
//! * `sqs`: `SendMessage` (a FIFO queue's `MessageGroupId` is the value at `messageGroupPointer`,
//!   else the source; its `MessageDeduplicationId` the event id);
//! * `sns`: `Publish` (a FIFO topic's ids likewise);
//! * `eventBridge`: `PutEvents`, one entry: `Detail` is the body when it is a JSON object, else
//!   the envelope; `Source` and `DetailType` from their templates;
//! * `lambda`: `Invoke`; with `RequestResponse` the function's answer is the delivery's result,
//!   and a function error a failed attempt;
//! * `stepFunctions`: `StartExecution`, named after the event id: a retry finds the execution an
//!   earlier attempt started (`ExecutionAlreadyExists`) and counts it as delivered, so an event
//!   never starts two; the result is `{"executionArn", "startDate"}`.
//!
//! SQS and SNS messages carry the attributes `hookway-id`, `hookway-source`, `hookway-type`, and
//! those a transform sets. A body that would take the message past its service's limit is
//! written to the archive bucket and travels as `bodyRef` (a pre-signed URL good for an hour).
//!
//! A delivery is tried as `forward`'s is (`handler::guard`): a series of `maxAttempts` attempts
//! with backoff, the resource's circuit breaker and rate limit (keyed by its ARN), then the
//! retry schedule. Throttling, a `5xx`, a failure on the way and a function's error are retried;
//! anything else AWS refuses — access denied, no such resource, an invalid request — sends the
//! event to the dead-letter queue at once, with the AWS error code in its reason.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_sqs::types::MessageAttributeValue;
use bytes::Bytes;
use hookway_core::archive::ObjectStore;
use hookway_core::aws::OPERATION_TIMEOUT;
use hookway_core::aws::SdkConfig;
use hookway_core::aws::s3::S3Objects;
use hookway_core::aws::targets::{
    EventBus, Fifo, Invocation, LambdaFunction, LocalFunctions, SnsTopic, StepFunctions, TargetError, deduplication_id,
    execution_name, message_group_id, queue_url,
};
use hookway_core::config::{Arn, HandlerConfig, InvocationType, Target as _};
use hookway_core::target::{self, BODY_URL_LIFETIME, Body, BodyRef, Inbound, Limit};
use serde_json::{Value, json};

use super::guard::{Cause, Guards, Held, Series};
use super::{Handler, HandlerError, Report};
use crate::breaker::{CircuitBreaker, CircuitOpen};
use crate::deadline::Deadline;
use crate::event::Event;
use crate::rate_limit::RateLimiter;
use crate::retry::{Attempt, Backoff, RetryError, RetryPolicy};

/// The largest function answer kept as a delivery's result, in the state table's record (whose
/// items DynamoDB caps at 400 KB): past it, the result says how large the answer was.
const MAX_KEPT_ANSWER: usize = 64 * 1024;
/// What every target shares, built once at start-up: the SDK configuration (credentials,
/// `AWS_ENDPOINT_URL`), the SQS client, the functions served locally, and the archive bucket
/// bodies too large for their service are written to.
#[derive(Debug, Clone)]
pub struct TargetClients {
    aws: SdkConfig,
    sqs: aws_sdk_sqs::Client,
    local: LocalFunctions,
    bucket: Option<S3Objects>,
}

impl TargetClients {
    /// The clients for `aws` (its region: the SQS client's, for queues in it); `sqs` the worker's
    /// own client; `bucket` the archive bucket.
    pub fn new(aws: &SdkConfig, sqs: aws_sdk_sqs::Client, local: LocalFunctions, bucket: Option<S3Objects>) -> Self {
        TargetClients { aws: aws.clone(), sqs, local, bucket }
    }

    /// The SQS client for a queue in `region`: the worker's own in its region, else one of its own.
    fn sqs_in(&self, region: &str) -> aws_sdk_sqs::Client {
        if self.aws.region().is_some_and(|own| own.as_ref() == region) {
            return self.sqs.clone();
        }
        let config =
            aws_sdk_sqs::config::Builder::from(&self.aws).region(aws_sdk_sqs::config::Region::new(region.to_owned()));
        aws_sdk_sqs::Client::from_conf(config.build())
    }
}

/// Which resource, and how it is called.
#[derive(Debug)]
enum Resource {
    Sqs { client: aws_sdk_sqs::Client, url: String, fifo: bool, pointer: Option<String> },
    Sns { topic: SnsTopic, fifo: bool, pointer: Option<String> },
    EventBridge { bus: EventBus, detail_type: String, source: String },
    Lambda { function: LambdaFunction, invocation: Invocation, timeout: Duration },
    StepFunctions { client: StepFunctions, machine: String },
}

/// Delivers events to one AWS resource.
#[derive(Debug)]
pub struct Target {
    /// The delivery's name: `sqs arn:…`.
    name: String,
    resource: Resource,
    guards: Guards,
    bucket: Option<S3Objects>,
}

/// Why a target delivery failed.
#[derive(Debug, thiserror::Error)]
pub enum TargetDeliveryError {
    /// AWS refused the call, or it failed on the way: the AWS error code and message.
    #[error("{name}: {error}")]
    Call {
        /// The delivery's name.
        name: String,
        /// What AWS said.
        error: TargetError,
    },
    /// The resource's circuit is open.
    #[error(transparent)]
    CircuitOpen(#[from] CircuitOpen),
    /// An operator paused the resource.
    #[error("{0} is paused: its events are held until it is resumed")]
    Paused(String),
    /// The resource's rate limit is reached: a slot is reserved later.
    #[error("rate limit of {name} reached: next slot at {}", hookway_core::rfc3339_ms(*.slot))]
    RateLimited {
        /// The delivery's name.
        name: String,
        /// The slot reserved (Unix ms).
        slot: i64,
    },
    /// The shared state of the resource (its rate limit) could not be reached.
    #[error("rate limit of {name} unavailable: {reason}")]
    Shared {
        /// The delivery's name.
        name: String,
        /// Why.
        reason: String,
    },
    /// The invocation had no time left for a first attempt.
    #[error("no time left in the invocation to deliver to {0}")]
    NoTime(String),
    /// The invocation's deadline came before the delivery could (be retried to) succeed.
    #[error("out of time after {attempts} attempt(s); last: {last}")]
    OutOfTime {
        /// Attempts made.
        attempts: u32,
        /// The last attempt's error.
        last: Box<TargetDeliveryError>,
    },
}

impl TargetDeliveryError {
    /// Whether AWS refused the call for good: the event goes to the dead-letter queue at once.
    pub fn is_permanent(&self) -> bool {
        matches!(self, TargetDeliveryError::Call { error, .. } if !error.is_retryable())
    }

    fn status(&self) -> Option<u16> {
        match self {
            TargetDeliveryError::Call { error, .. } => error.status,
            TargetDeliveryError::OutOfTime { last, .. } => last.status(),
            _ => None,
        }
    }

    fn cause(&self) -> Cause {
        match self {
            TargetDeliveryError::CircuitOpen(open) => Cause::Open(open.until_ms),
            TargetDeliveryError::Paused(_) => Cause::Paused,
            TargetDeliveryError::RateLimited { slot, .. } => Cause::RateLimited(*slot),
            TargetDeliveryError::NoTime(_) => Cause::NoTime,
            _ => Cause::Failed,
        }
    }
}

/// A target cannot be built from its settings.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TargetSetupError(String);

/// What one delivery sends, prepared once for all its attempts.
struct Prepared {
    /// The message, entry detail, payload or input.
    payload: String,
    attributes: Vec<(String, String)>,
    /// A FIFO queue's or topic's message group.
    group: Option<String>,
    /// An EventBridge entry's `Source` and `DetailType`.
    entry: (String, String),
}

impl Target {
    /// The target `settings` names (an `sqs`, `sns`, `eventBridge`, `lambda` or `stepFunctions`
    /// handler), sharing its resource's `breaker` and rate `limiter` and the worker's `clients`.
    pub fn new(
        settings: &HandlerConfig,
        clients: &TargetClients,
        breaker: Arc<CircuitBreaker>,
        limiter: Option<Arc<RateLimiter>>,
    ) -> Result<Target, TargetSetupError> {
        let setup = |error: TargetError| TargetSetupError(error.to_string());
        let (resource, delivery) = match settings {
            HandlerConfig::Sqs(sqs) => {
                let arn = Arn::parse(&sqs.queue_arn)
                    .ok_or_else(|| TargetSetupError(format!("`{}` is not an ARN", sqs.queue_arn)))?;
                let url = queue_url(&clients.aws, &sqs.queue_arn).unwrap_or_default();
                let client = clients.sqs_in(arn.region);
                let pointer = sqs.message_group_pointer.clone();
                (Resource::Sqs { client, url, fifo: sqs.is_fifo(), pointer }, sqs.delivery())
            }
            HandlerConfig::Sns(sns) => {
                let topic = SnsTopic::new(&clients.aws, &sns.topic_arn).map_err(setup)?;
                let pointer = sns.message_group_pointer.clone();
                (Resource::Sns { topic, fifo: sns.is_fifo(), pointer }, sns.delivery())
            }
            HandlerConfig::EventBridge(target) => {
                let bus = EventBus::new(&clients.aws, &target.bus_arn).map_err(setup)?;
                let (detail_type, source) = (target.detail_type.clone(), target.source.clone());
                (Resource::EventBridge { bus, detail_type, source }, target.delivery())
            }
            HandlerConfig::Lambda(target) => {
                let function =
                    LambdaFunction::new(&clients.aws, &target.function_arn, &clients.local).map_err(setup)?;
                let invocation = match target.invocation_type {
                    InvocationType::Event => Invocation::Event,
                    InvocationType::RequestResponse => Invocation::RequestResponse,
                };
                let timeout = match invocation {
                    Invocation::Event => OPERATION_TIMEOUT,
                    Invocation::RequestResponse => Duration::from_secs(u64::from(target.timeout_seconds)),
                };
                (Resource::Lambda { function, invocation, timeout }, target.delivery())
            }
            HandlerConfig::StepFunctions(target) => {
                let client = StepFunctions::new(&clients.aws, &target.state_machine_arn).map_err(setup)?;
                (Resource::StepFunctions { client, machine: target.state_machine_arn.clone() }, target.delivery())
            }
            HandlerConfig::Log | HandlerConfig::Forward(_) | HandlerConfig::Custom(_) => {
                return Err(TargetSetupError(format!("{} is not an AWS target", settings.delivery_name())));
            }
        };
        Ok(Target {
            name: settings.delivery_name(),
            resource,
            guards: Guards { retry: RetryPolicy::new(delivery.max_attempts, Backoff::default()), breaker, limiter },
            bucket: clients.bucket.clone(),
        })
    }

    /// The same target with another backoff (tests use short ones).
    pub fn with_backoff(mut self, backoff: Backoff) -> Target {
        self.guards.retry = self.guards.retry.clone().with_backoff(backoff);
        self
    }

    /// The longest one attempt may take.
    fn attempt_timeout(&self) -> Duration {
        match &self.resource {
            Resource::Lambda { timeout, .. } => *timeout,
            _ => OPERATION_TIMEOUT,
        }
    }

    /// The service's limit.
    fn limit(&self) -> Limit {
        match &self.resource {
            Resource::Sqs { .. } => Limit::Sqs,
            Resource::Sns { .. } => Limit::Sns,
            Resource::EventBridge { .. } => Limit::EventBridge,
            Resource::Lambda { invocation: Invocation::Event, .. } => Limit::LambdaEvent,
            Resource::Lambda { invocation: Invocation::RequestResponse, .. } => Limit::LambdaRequestResponse,
            Resource::StepFunctions { .. } => Limit::StepFunctions,
        }
    }

    /// What the delivery sends: the envelope (EventBridge: the body itself when it is a JSON
    /// object), its body written to the archive bucket first when it would not fit.
    async fn prepare(&self, event: &Event) -> Result<Prepared, TargetError> {
        let inbound = Inbound {
            id: &event.id,
            source: &event.source,
            event_type: event.event_type.as_deref(),
            received_at: &event.received_at,
            content_type: event.content_type.as_deref(),
            headers: &event.headers,
            body: &event.body,
            replay: event.replay.as_deref(),
        };
        // What the transform set with `with_attributes`.
        let extra: &[(String, String)] = &event.set_headers;
        let body = inbound.body();
        let mut entry = (String::new(), String::new());
        let (attributes, overhead, group) = match &self.resource {
            Resource::Sqs { fifo, pointer, .. } | Resource::Sns { fifo, pointer, .. } => {
                let attributes = target::attributes(&inbound, extra);
                if attributes.len() > target::MAX_ATTRIBUTES {
                    return Err(TargetError::not_made(format!(
                        "transform: with_attributes gives {} attribute(s), {} with Hookway's: SQS and SNS take {}",
                        extra.len(),
                        attributes.len(),
                        target::MAX_ATTRIBUTES
                    )));
                }
                let group = fifo.then(|| message_group(&body, pointer.as_deref(), &event.source));
                (attributes.clone(), target::attributes_size(&attributes), group)
            }
            Resource::EventBridge { detail_type, source, .. } => {
                entry = (target::fill(source, &inbound), target::fill(detail_type, &inbound));
                (Vec::new(), entry.0.len() + entry.1.len(), None)
            }
            _ => (Vec::new(), 0, None),
        };
        let limit = self.limit();
        if let (Resource::EventBridge { .. }, Body::Json(Value::Object(_))) = (&self.resource, &body) {
            let detail = String::from_utf8_lossy(&target::body_bytes(&body, &event.body)).into_owned();
            if limit.fits(detail.len(), overhead) {
                return Ok(Prepared { payload: detail, attributes, group, entry });
            }
        }
        let envelope = inbound.envelope(&body);
        if limit.fits(envelope.len(), overhead) {
            return Ok(Prepared { payload: envelope, attributes, group, entry });
        }
        let Some(bucket) = &self.bucket else {
            return Err(TargetError::not_made(format!(
                "the envelope is {} bytes, over the service's {}, and there is no archive bucket to hold its body",
                envelope.len(),
                limit.bytes()
            )));
        };
        let key = inbound.body_ref_key(&event.body);
        let stored = Bytes::from(target::body_bytes(&body, &event.body));
        let unavailable = |error: hookway_core::archive::ArchiveError| TargetError::in_transit(error.to_string());
        bucket.put(&key, stored).await.map_err(unavailable)?;
        let url = bucket.presigned_get(&key, BODY_URL_LIFETIME).await.map_err(unavailable)?;
        let body_ref = BodyRef { bucket: bucket.bucket().to_owned(), key, url };
        let envelope = inbound.envelope_with_ref(&body_ref);
        if !limit.fits(envelope.len(), overhead) {
            return Err(TargetError::not_made(format!(
                "the envelope is {} bytes without its body, over the service's {}",
                envelope.len(),
                limit.bytes()
            )));
        }
        Ok(Prepared { payload: envelope, attributes, group, entry })
    }

    /// One call: its result (a function's answer, an execution) and the answer's status.
    async fn call(&self, event: &Event, prepared: &Prepared) -> Result<(Option<Value>, u16), TargetError> {
        let deduplication = deduplication_id(&event.source, &event.id, event.replay.as_deref());
        let fifo = prepared.group.as_deref().map(|group| Fifo { group, deduplication: &deduplication });
        match &self.resource {
            Resource::Sqs { client, url, .. } => {
                let mut request = client.send_message().queue_url(url).message_body(&prepared.payload);
                for (name, value) in &prepared.attributes {
                    let value = MessageAttributeValue::builder().data_type("String").string_value(value).build();
                    let value = value.map_err(|error| TargetError::not_made(error.to_string()))?;
                    request = request.message_attributes(name, value);
                }
                if let Some(fifo) = fifo {
                    request = request.message_group_id(fifo.group).message_deduplication_id(fifo.deduplication);
                }
                request.send().await.map_err(|error| TargetError::of_sdk(&error))?;
                Ok((None, 200))
            }
            Resource::Sns { topic, .. } => {
                topic.publish(&prepared.payload, &prepared.attributes, fifo).await?;
                Ok((None, 200))
            }
            Resource::EventBridge { bus, .. } => {
                let (source, detail_type) = &prepared.entry;
                bus.put_event(source, detail_type, &prepared.payload).await?;
                Ok((None, 200))
            }
            Resource::Lambda { function, invocation, .. } => {
                let answer = function.invoke(*invocation, Bytes::from(prepared.payload.clone())).await?;
                match invocation {
                    Invocation::Event => Ok((None, 202)),
                    // The answer is kept in the event's (or job's) record: a large one is named, not kept.
                    Invocation::RequestResponse if answer.len() > MAX_KEPT_ANSWER => {
                        Ok((Some(json!({"answerBytes": answer.len(), "kept": false})), 200))
                    }
                    Invocation::RequestResponse => {
                        let result = serde_json::from_slice(&answer)
                            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&answer).into_owned()));
                        Ok((Some(result), 200))
                    }
                }
            }
            Resource::StepFunctions { client, machine } => {
                let name = execution_name(&event.source, &event.id, event.replay.as_deref());
                let started = client.start_execution(machine, &name, &prepared.payload).await?;
                if started.already {
                    tracing::info!(execution = %started.execution_arn, "execution already started by an earlier attempt");
                }
                let mut result = json!({"executionArn": started.execution_arn});
                if let Some(start) = started.start_date {
                    result["startDate"] = json!(hookway_core::rfc3339_ms((start * 1000.0) as i64));
                }
                Ok((Some(result), 200))
            }
        }
    }

    /// One attempt within `timeout`: done, worth retrying, or refused for good; beside it,
    /// whether the resource is healthy (it answered, and not with a `5xx` or a function error).
    async fn attempt(
        &self,
        event: &Event,
        prepared: &Prepared,
        timeout: Duration,
    ) -> (Attempt<(Option<Value>, u16), TargetDeliveryError>, Option<bool>) {
        let outcome = tokio::time::timeout(timeout, self.call(event, prepared))
            .await
            .unwrap_or_else(|_| Err(TargetError::in_transit(format!("no answer within {timeout:?}"))));
        match outcome {
            Ok(done) => (Attempt::Done(done), Some(true)),
            Err(error) => {
                let healthy =
                    error.status.is_some_and(|status| status < 500) && error.code.as_deref() != Some("FunctionError");
                let retryable = error.is_retryable();
                let error = TargetDeliveryError::Call { name: self.name.clone(), error };
                if retryable {
                    (Attempt::Retry(error, None), Some(healthy))
                } else {
                    (Attempt::Stop(error), Some(healthy))
                }
            }
        }
    }
}

/// A FIFO message's group: the value at `pointer` in the JSON body (a string as it is, anything
/// else as JSON), else the source; as SQS and SNS take it ([`message_group_id`]).
fn message_group(body: &Body, pointer: Option<&str>, source: &str) -> String {
    let found = match (body, pointer) {
        (Body::Json(json), Some(pointer)) => json.pointer(pointer).filter(|value| !value.is_null()),
        _ => None,
    };
    let group = match found {
        Some(Value::String(text)) => text.clone(),
        Some(value) => value.to_string(),
        None => source.to_owned(),
    };
    message_group_id(&group)
}

#[async_trait]
impl Handler for Target {
    async fn handle(&self, event: &Event, deadline: Deadline) -> Result<Option<Value>, HandlerError> {
        self.deliver(event, deadline, None).await.result
    }

    async fn deliver(&self, event: &Event, deadline: Deadline, slot: Option<i64>) -> Report {
        let prepared = match self.prepare(event).await {
            Ok(prepared) => prepared,
            Err(error) => {
                let permanent = !error.is_retryable();
                let error = TargetDeliveryError::Call { name: self.name.clone(), error };
                let setback = (!permanent).then(|| Cause::Failed.setback(0));
                return Report {
                    result: Err(error.into()),
                    attempts: 0,
                    last_status: None,
                    latency: None,
                    permanent,
                    setback,
                };
            }
        };
        let held = |held: Held| match held {
            Held::Open(open) => TargetDeliveryError::CircuitOpen(open),
            Held::Paused => TargetDeliveryError::Paused(self.name.clone()),
            Held::RateLimited { slot } => TargetDeliveryError::RateLimited { name: self.name.clone(), slot },
            Held::Shared(reason) => TargetDeliveryError::Shared { name: self.name.clone(), reason },
        };
        let timeout = self.attempt_timeout();
        let Series { result, sent, latency } = self
            .guards
            .run(deadline, slot, held, || self.attempt(event, &prepared, timeout.min(deadline.remaining())))
            .await;
        let error = match result {
            Ok((result, status)) => {
                tracing::debug!(target = %self.name, attempts = sent, "delivered");
                return Report {
                    result: Ok(result),
                    attempts: sent,
                    last_status: Some(status),
                    latency,
                    permanent: false,
                    setback: None,
                };
            }
            Err(RetryError::NoTime) => TargetDeliveryError::NoTime(self.name.clone()),
            Err(RetryError::Failed(error)) => error,
            Err(RetryError::OutOfTime(last)) => TargetDeliveryError::OutOfTime { attempts: sent, last: Box::new(last) },
        };
        let permanent = error.is_permanent();
        let setback = (!permanent).then(|| error.cause().setback(sent));
        Report { last_status: error.status(), latency, result: Err(error.into()), attempts: sent, permanent, setback }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fifo_group_is_the_value_at_the_pointer_else_the_source() {
        let body = Body::Json(json!({"data": {"object": {"id": "cus_1", "n": 7}}}));
        assert_eq!(message_group(&body, Some("/data/object/id"), "stripe"), "cus_1");
        assert_eq!(message_group(&body, Some("/data/object/n"), "stripe"), "7");
        assert_eq!(message_group(&body, Some("/missing"), "stripe"), "stripe");
        assert_eq!(message_group(&Body::Text("a=b".into()), Some("/a"), "slack"), "slack");
        assert_eq!(message_group(&body, None, "stripe"), "stripe");
        let long = Body::Json(json!({"id": "x".repeat(300)}));
        assert_eq!(message_group(&long, Some("/id"), "s").len(), 128);
    }

    #[test]
    fn only_a_final_aws_error_is_permanent_and_its_reason_names_the_code() {
        let refused = TargetDeliveryError::Call {
            name: "sqs arn:aws:sqs:eu-west-1:123456789012:gone".into(),
            error: TargetError::answered(
                400,
                "AWS.SimpleQueueService.NonExistentQueue",
                "The specified queue does not exist.",
            ),
        };
        assert!(refused.is_permanent());
        assert_eq!(
            refused.to_string(),
            "sqs arn:aws:sqs:eu-west-1:123456789012:gone: AWS.SimpleQueueService.NonExistentQueue: The specified queue does not exist."
        );
        let throttled =
            TargetDeliveryError::Call { name: "sns x".into(), error: TargetError::answered(400, "Throttling", "") };
        assert!(!throttled.is_permanent());
        assert!(matches!(throttled.cause().setback(1), crate::schedule::Setback::Failed { not_before: None }));
        let out_of_time = TargetDeliveryError::OutOfTime { attempts: 2, last: Box::new(refused) };
        assert!(!out_of_time.is_permanent(), "a series that ran out of time is tried again");
    }
}
