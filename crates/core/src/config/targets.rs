//! AWS-native targets: handlers that put an event on the user's own SQS queue, SNS topic,
//! EventBridge bus, Lambda function or Step Functions state machine. Each is a delivery like
//! `forward`'s — the same retry schedule, circuit breaker, rate limit, dead-letter queue and
//! idempotency — and each names exactly one resource by its ARN, which is all the worker is
//! allowed to call.
//!
//! What a target receives is [`crate::target`]'s envelope (or, with `transform`, what the jq
//! program yields).

use serde::{Deserialize, Serialize};

use super::Problems;
use super::routes::{BreakerConfig, RateLimitConfig, RetryConfig, ScheduleLimits};

/// Declares a target's settings: its own fields, then those every target shares with `forward`
/// (`transform`, `maxAttempts`, `retry`, `rateLimit`, `circuitBreaker`).
macro_rules! target_config {
    ($(#[$meta:meta])* $name:ident { $($(#[$field_meta:meta])* $field:ident: $type:ty,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
        #[serde(rename_all = "camelCase", deny_unknown_fields)]
        pub struct $name {
            $($(#[$field_meta])* pub $field: $type,)*
            /// A jq program run on the body before delivery: what it yields is delivered instead
            /// of the body (`with_attributes({...})` also sets message attributes). A program that
            /// fails or yields nothing sends the event to the dead-letter queue.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub transform: Option<String>,
            /// Quick attempts in a row within one invocation: one *series*.
            #[serde(default = "default_max_attempts")]
            #[cfg_attr(feature = "schema", schemars(range(min = 1, max = 20)))]
            pub max_attempts: u32,
            /// When the next series starts after one failed; after the last entry the event goes
            /// to the dead-letter queue.
            #[serde(default, skip_serializing_if = "RetryConfig::is_default")]
            pub retry: RetryConfig,
            /// At most this many calls a second to the resource, across every worker instance.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub rate_limit: Option<RateLimitConfig>,
            /// When to stop calling a failing resource for a while.
            #[serde(default)]
            pub circuit_breaker: BreakerConfig,
        }

        impl Target for $name {
            fn delivery(&self) -> Delivery<'_> {
                Delivery {
                    transform: self.transform.as_deref(),
                    max_attempts: self.max_attempts,
                    retry: &self.retry,
                    rate_limit: self.rate_limit.as_ref(),
                    circuit_breaker: &self.circuit_breaker,
                }
            }
        }
    };
}

target_config! {
    /// `{"sqs": {"queueArn": "arn:aws:sqs:…"}}`: `SendMessage` to a queue. A FIFO queue's message
    /// group is the value at `messageGroupPointer` (else the source), its deduplication id the
    /// event id.
    SqsTarget {
        /// The queue, e.g. `arn:aws:sqs:eu-west-1:123456789012:orders`.
        queue_arn: String,
        /// For a FIFO queue: a JSON pointer into the body whose value is the message group, e.g.
        /// `/data/object/id`; without it (or when the body has no value there) the source is.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message_group_pointer: Option<String>,
        /// The KMS key the queue is encrypted with, if it is a customer-managed one: the worker is
        /// granted `kms:GenerateDataKey` and `kms:Decrypt` on it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kms_key_arn: Option<String>,
    }
}

target_config! {
    /// `{"sns": {"topicArn": "arn:aws:sns:…"}}`: `Publish` to a topic (a FIFO topic's message
    /// group and deduplication id as for SQS).
    SnsTarget {
        /// The topic, e.g. `arn:aws:sns:eu-west-1:123456789012:orders`.
        topic_arn: String,
        /// For a FIFO topic: a JSON pointer into the body whose value is the message group.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message_group_pointer: Option<String>,
        /// The KMS key the topic is encrypted with, if it is a customer-managed one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kms_key_arn: Option<String>,
    }
}

target_config! {
    /// `{"eventBridge": {"busArn": "arn:aws:events:…:event-bus/…"}}`: `PutEvents` on a bus.
    /// `detailType` and `source` are templates where `{type}` and `{source}` stand for the event's.
    EventBridgeTarget {
        /// The bus, e.g. `arn:aws:events:eu-west-1:123456789012:event-bus/payments`.
        bus_arn: String,
        /// The entry's `DetailType`: default `{type}` (the source's name when the event has none).
        #[serde(default = "default_detail_type")]
        detail_type: String,
        /// The entry's `Source`: default `hookway.{source}`.
        #[serde(default = "default_event_source")]
        source: String,
    }
}

target_config! {
    /// `{"lambda": {"functionArn": "arn:aws:lambda:…:function:…"}}`: `Invoke` a function, with
    /// `Event` (queued by Lambda, the default) or `RequestResponse` (its answer is the delivery's
    /// result, and a function error is a failed attempt).
    LambdaTarget {
        /// The function (a version or alias may follow its name).
        function_arn: String,
        /// `Event` or `RequestResponse`.
        #[serde(default)]
        invocation_type: InvocationType,
        /// How long a `RequestResponse` call may take, in seconds.
        #[serde(default = "default_lambda_timeout")]
        #[cfg_attr(feature = "schema", schemars(range(min = 1, max = 900)))]
        timeout_seconds: u32,
    }
}

target_config! {
    /// `{"stepFunctions": {"stateMachineArn": "arn:aws:states:…:stateMachine:…"}}`:
    /// `StartExecution`, named after the event id, so a retry never starts a second execution.
    StepFunctionsTarget {
        /// The state machine.
        state_machine_arn: String,
    }
}

/// How a `lambda` target invokes its function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum InvocationType {
    /// Lambda queues the event and answers at once; its own retries and destinations take over.
    #[default]
    Event,
    /// Hookway waits for the function's answer: an error is a failed attempt, retried.
    RequestResponse,
}

/// What every target shares with `forward`: how its deliveries are tried.
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    /// The jq program run on the body first.
    pub transform: Option<&'a str>,
    /// Attempts in one series.
    pub max_attempts: u32,
    /// The series' schedule.
    pub retry: &'a RetryConfig,
    /// The resource's rate limit.
    pub rate_limit: Option<&'a RateLimitConfig>,
    /// The resource's circuit breaker.
    pub circuit_breaker: &'a BreakerConfig,
}

/// A target's settings.
pub trait Target {
    /// How its deliveries are tried.
    fn delivery(&self) -> Delivery<'_>;
}

/// An ARN's parts: `arn:{partition}:{service}:{region}:{account}:{resource}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    /// `aws`, `aws-cn`, `aws-us-gov`, …
    pub partition: &'a str,
    /// `sqs`, `sns`, `events`, `lambda`, `states`, `kms`.
    pub service: &'a str,
    /// The region.
    pub region: &'a str,
    /// The account id.
    pub account: &'a str,
    /// What follows the account: a queue's name, `event-bus/name`, `function:name`, …
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// Splits `text`, or `None` if it is not an ARN with a region and a 12-digit account.
    pub fn parse(text: &'a str) -> Option<Arn<'a>> {
        let mut parts = text.splitn(6, ':');
        let (Some("arn"), Some(partition), Some(service), Some(region), Some(account), Some(resource)) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let account_ok = account.len() == 12 && account.bytes().all(|byte| byte.is_ascii_digit());
        let filled = [partition, service, region, resource].iter().all(|part| !part.is_empty());
        (account_ok && filled).then_some(Arn { partition, service, region, account, resource })
    }

    /// The resource's name: what follows its type (`event-bus/`, `function:`, `stateMachine:`),
    /// without a Lambda qualifier.
    pub fn name(&self) -> &'a str {
        let resource = self.resource;
        let after_type = resource.split_once(['/', ':']).map_or(resource, |(_, name)| name);
        match self.service {
            "lambda" => after_type.split(':').next().unwrap_or(after_type),
            "sqs" | "sns" => resource,
            _ => after_type,
        }
    }
}

/// Checks that `text` at `at` is an ARN of `service` whose resource starts with `kind` (`""`: any).
pub(super) fn check_arn(at: &str, text: &str, service: &str, kind: &str, example: &str, problems: &mut Problems) {
    let fits = Arn::parse(text)
        .is_some_and(|arn| arn.service == service && arn.resource.starts_with(kind) && arn.resource.len() > kind.len());
    if !fits {
        problems.add(at, format!("`{text}` is not an ARN such as {example}"));
    }
}

impl SqsTarget {
    pub(super) fn validate(&self, at: &str, limits: &ScheduleLimits, problems: &mut Problems) {
        check_arn(
            &format!("{at}.queueArn"),
            &self.queue_arn,
            "sqs",
            "",
            "arn:aws:sqs:eu-west-1:123456789012:orders",
            problems,
        );
        check_group_pointer(at, self.message_group_pointer.as_deref(), problems);
        check_kms_key(at, self.kms_key_arn.as_deref(), problems);
        check_delivery(at, self.delivery(), limits, problems);
    }

    /// Whether the queue is FIFO (its name ends in `.fifo`).
    pub fn is_fifo(&self) -> bool {
        self.queue_arn.ends_with(".fifo")
    }
}

impl SnsTarget {
    pub(super) fn validate(&self, at: &str, limits: &ScheduleLimits, problems: &mut Problems) {
        check_arn(
            &format!("{at}.topicArn"),
            &self.topic_arn,
            "sns",
            "",
            "arn:aws:sns:eu-west-1:123456789012:orders",
            problems,
        );
        check_group_pointer(at, self.message_group_pointer.as_deref(), problems);
        check_kms_key(at, self.kms_key_arn.as_deref(), problems);
        check_delivery(at, self.delivery(), limits, problems);
    }

    /// Whether the topic is FIFO (its name ends in `.fifo`).
    pub fn is_fifo(&self) -> bool {
        self.topic_arn.ends_with(".fifo")
    }
}

impl EventBridgeTarget {
    pub(super) fn validate(&self, at: &str, limits: &ScheduleLimits, problems: &mut Problems) {
        check_arn(
            &format!("{at}.busArn"),
            &self.bus_arn,
            "events",
            "event-bus/",
            "arn:aws:events:eu-west-1:123456789012:event-bus/payments",
            problems,
        );
        for (field, template) in [("detailType", &self.detail_type), ("source", &self.source)] {
            if template.trim().is_empty() {
                problems.add(format!("{at}.{field}"), "may not be empty");
            }
        }
        check_delivery(at, self.delivery(), limits, problems);
    }
}

impl LambdaTarget {
    pub(super) fn validate(&self, at: &str, limits: &ScheduleLimits, problems: &mut Problems) {
        check_arn(
            &format!("{at}.functionArn"),
            &self.function_arn,
            "lambda",
            "function:",
            "arn:aws:lambda:eu-west-1:123456789012:function:fulfil",
            problems,
        );
        if !(1..=900).contains(&self.timeout_seconds) {
            problems.add(format!("{at}.timeoutSeconds"), format!("{} is out of range 1..=900", self.timeout_seconds));
        }
        check_delivery(at, self.delivery(), limits, problems);
    }
}

impl StepFunctionsTarget {
    pub(super) fn validate(&self, at: &str, limits: &ScheduleLimits, problems: &mut Problems) {
        check_arn(
            &format!("{at}.stateMachineArn"),
            &self.state_machine_arn,
            "states",
            "stateMachine:",
            "arn:aws:states:eu-west-1:123456789012:stateMachine:orders",
            problems,
        );
        // IAM grants StartExecution on a state machine, not on one of its versions or aliases.
        if Arn::parse(&self.state_machine_arn).is_some_and(|arn| arn.resource.matches(':').count() > 1) {
            problems.add(
                format!("{at}.stateMachineArn"),
                "name the state machine itself, without a version or alias: its executions are named and granted by it",
            );
        }
        check_delivery(at, self.delivery(), limits, problems);
    }
}

fn check_group_pointer(at: &str, pointer: Option<&str>, problems: &mut Problems) {
    if let Some(pointer) = pointer
        && !super::routes::is_json_pointer(pointer)
    {
        problems.add(
            format!("{at}.messageGroupPointer"),
            format!("`{pointer}` is not a JSON pointer such as /data/object/id"),
        );
    }
}

fn check_kms_key(at: &str, key: Option<&str>, problems: &mut Problems) {
    if let Some(key) = key {
        let example = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        check_arn(&format!("{at}.kmsKeyArn"), key, "kms", "key/", example, problems);
    }
}

fn check_delivery(at: &str, delivery: Delivery<'_>, limits: &ScheduleLimits, problems: &mut Problems) {
    if !(1..=20).contains(&delivery.max_attempts) {
        problems.add(format!("{at}.maxAttempts"), format!("{} is out of range 1..=20", delivery.max_attempts));
    }
    delivery.retry.validate(&format!("{at}.retry"), limits, problems);
    super::routes::check_rate_limit(at, delivery.rate_limit, problems);
    delivery.circuit_breaker.validate(&format!("{at}.circuitBreaker"), problems);
}

fn default_max_attempts() -> u32 {
    3
}

fn default_lambda_timeout() -> u32 {
    30
}

fn default_detail_type() -> String {
    "{type}".to_owned()
}

fn default_event_source() -> String {
    "hookway.{source}".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_arn_splits_into_its_parts_and_names_its_resource() {
        let function = Arn::parse("arn:aws:lambda:eu-west-1:123456789012:function:fulfil:live").unwrap();
        assert_eq!((function.service, function.region, function.name()), ("lambda", "eu-west-1", "fulfil"));
        let bus = Arn::parse("arn:aws:events:eu-west-1:123456789012:event-bus/payments").unwrap();
        assert_eq!(bus.name(), "payments");
        let machine = Arn::parse("arn:aws-cn:states:cn-north-1:123456789012:stateMachine:orders").unwrap();
        assert_eq!((machine.partition, machine.name()), ("aws-cn", "orders"));
        assert_eq!(Arn::parse("arn:aws:sqs:eu-west-1:123456789012:jobs.fifo").unwrap().name(), "jobs.fifo");
        assert_eq!(Arn::parse("arn:aws:sqs:eu-west-1:1234:jobs"), None, "an account has 12 digits");
        assert_eq!(Arn::parse("https://sqs.eu-west-1.amazonaws.com/123456789012/jobs"), None);
    }
}
