//! Routes: which handlers process which events. The first route whose source and type match an
//! event, and whose `where` conditions all hold on its JSON body, takes it; an event no route
//! matches is acknowledged and logged. Each handler of the route is one *delivery* of the event.
//!
//! A `forward` handler may sign its requests (Standard Webhooks headers, with secrets from SSM),
//! send an `Authorization` header read from SSM, and static headers. Its `retry` schedule says
//! how long a delivery keeps being tried (between series of attempts the event waits in the
//! events queue, not in the worker), and its `rateLimit` how fast the destination may be called.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::targets::{
    Delivery, EventBridgeTarget, InvocationType, LambdaTarget, SnsTarget, SqsTarget, StepFunctionsTarget, Target,
};
use super::{Config, Problems, is_valid_parameter_name};

/// The source of the jobs `POST /jobs` accepts; routes name it like a webhook source.
pub const JOBS_SOURCE: &str = "jobs";

/// One route: `handler` or `handlers`, not both.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(extend("oneOf" = [{"required": ["handler"]}, {"required": ["handlers"]}])))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RouteConfig {
    /// A source's name, `jobs` for `POST /jobs` jobs, or a pattern where `*` matches anything.
    pub source: String,
    /// An event type, or a pattern where `*` matches anything, e.g. `invoice.*`.
    #[serde(rename = "type", default = "any")]
    pub event_type: String,
    /// Conditions on the JSON body, all of which must hold for this route to take an event
    /// (a body that is not JSON satisfies none); otherwise the next route is tried.
    #[serde(rename = "where", default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    /// What processes the matching events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(with = "HandlerConfig"))]
    pub handler: Option<HandlerConfig>,
    /// Several handlers: each receives every matching event, as a delivery of its own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "schema", schemars(length(min = 1)))]
    pub handlers: Vec<HandlerConfig>,
}

/// A condition on an event's JSON body: the value at `pointer` `equals` a value, is `in` a list,
/// or `exists` (or not); or a `jq` program, which holds when its first output is neither `false`
/// nor `null`. Exactly one of the four.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schema",
    schemars(extend("oneOf" = [
        {"required": ["pointer", "equals"]},
        {"required": ["pointer", "in"]},
        {"required": ["pointer", "exists"]},
        {"required": ["jq"]}
    ]))
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Condition {
    /// A JSON pointer into the body, e.g. `/data/object/status` (`""` is the whole body).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub pointer: String,
    /// The value there equals this one (any JSON, `null` included).
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub equals: Option<Value>,
    /// The value there equals one of these.
    #[serde(rename = "in", default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(with = "Vec<Value>"))]
    pub one_of: Option<Vec<Value>>,
    /// There is (`true`) or is not (`false`) a value there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(with = "bool"))]
    pub exists: Option<bool>,
    /// A jq program run on the whole body, e.g. `.data.object.amount > 10000`; `pointer` is not
    /// given with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(with = "String"))]
    pub jq: Option<String>,
}

/// A handler and its settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum HandlerConfig {
    /// Log the event and acknowledge it: `"handler": "log"`.
    Log,
    /// POST the original body and content type to a URL: `"handler": {"forward": {"url": ...}}`.
    Forward(ForwardConfig),
    /// A Rust handler registered in the worker under this name: `"handler": {"custom": "report"}`.
    Custom(String),
    /// `SendMessage` to an SQS queue: `{"sqs": {"queueArn": ...}}`.
    Sqs(SqsTarget),
    /// `Publish` to an SNS topic: `{"sns": {"topicArn": ...}}`.
    Sns(SnsTarget),
    /// `PutEvents` on an EventBridge bus: `{"eventBridge": {"busArn": ...}}`.
    EventBridge(EventBridgeTarget),
    /// `Invoke` a Lambda function: `{"lambda": {"functionArn": ...}}`.
    Lambda(LambdaTarget),
    /// `StartExecution` of a Step Functions state machine: `{"stepFunctions": {"stateMachineArn": ...}}`.
    StepFunctions(StepFunctionsTarget),
}

/// The `forward` handler's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ForwardConfig {
    /// The destination, `http://` or `https://`.
    pub url: String,
    /// Timeout of one attempt, in seconds; never past the invocation's deadline.
    #[serde(default = "default_forward_timeout")]
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = 900)))]
    pub timeout_seconds: u32,
    /// Quick attempts in a row (backoff with jitter), within one invocation and its time budget:
    /// one *series*. When a series fails, `retry.schedule` says when the next one starts.
    #[serde(default = "default_max_attempts")]
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = 20)))]
    pub max_attempts: u32,
    /// When the next series of attempts starts after one failed; after the last entry the event
    /// goes to the dead-letter queue.
    #[serde(default, skip_serializing_if = "RetryConfig::is_default")]
    pub retry: RetryConfig,
    /// At most this many requests a second to the destination, across every worker instance; an
    /// event over the limit waits for its turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<RateLimitConfig>,
    /// When to stop calling a failing destination for a while.
    #[serde(default)]
    pub circuit_breaker: BreakerConfig,
    /// Sign every request with Standard Webhooks headers, so the destination can prove it came
    /// from Hookway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign: Option<SignConfig>,
    /// Static, non-secret headers sent with every request, e.g. `{"X-Tenant": "acme"}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// The `Authorization` header, read from an SSM SecureString parameter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization: Option<AuthorizationConfig>,
    /// A jq program run on the body before delivery: what it yields is sent instead of the body
    /// (`with_headers({...})` also sets headers). A program that fails or yields nothing sends the
    /// event to the dead-letter queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transform: Option<String>,
}

/// Standard Webhooks signing of forwarded requests: `webhook-id` (the event id),
/// `webhook-timestamp` and `webhook-signature` with one `v1,` entry per active secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignConfig {
    /// SSM SecureString parameters holding the `whsec_` secret(s); every active secret signs, so
    /// a secret can be rotated without a failed verification (`hookway secrets rotate`).
    #[cfg_attr(feature = "schema", schemars(length(min = 1)))]
    pub secret_parameters: Vec<String>,
}

/// Where the `Authorization` header's value is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuthorizationConfig {
    /// An SSM SecureString parameter whose value is sent verbatim, e.g. `Bearer abc…` or `Basic …`.
    pub parameter: String,
}

/// What an outbound secret parameter holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParameterUse {
    /// `whsec_` secrets that sign forwarded requests.
    Signing,
    /// An `Authorization` header's value.
    Authorization,
}

/// Headers Hookway sets itself; `headers` may not name them.
const RESERVED_HEADERS: [&str; 9] = [
    "authorization",
    "content-type",
    "content-length",
    "host",
    "idempotency-key",
    "user-agent",
    "transfer-encoding",
    "connection",
    "te",
];
const RESERVED_HEADER_PREFIXES: [&str; 2] = ["webhook-", "x-hookway-"];

/// The waits between series of attempts, e.g. `["5s", "5m", "30m", "2h"]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct RetryConfig {
    /// Durations (`5s`, `10m`, `2h`, `1day`): the n-th is the wait after the n-th failed series.
    /// Their sum must fit in `queue.retentionDays`. Default: 27 h 35 m over eight series, as Svix retries.
    #[cfg_attr(feature = "schema", schemars(length(max = 50)))]
    pub schedule: Vec<String>,
}

/// The default retry schedule: 27 h 35 m 5 s in all, eight series of attempts.
pub const DEFAULT_SCHEDULE: [&str; 7] = ["5s", "5m", "30m", "2h", "5h", "10h", "10h"];
/// The most entries a schedule may have.
pub const MAX_SCHEDULE_ENTRIES: usize = 50;

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig { schedule: DEFAULT_SCHEDULE.iter().map(|entry| (*entry).to_owned()).collect() }
    }
}

impl RetryConfig {
    pub(super) fn is_default(&self) -> bool {
        *self == RetryConfig::default()
    }

    /// The waits, parsed; an entry that does not parse is left out ([`Config::validate`] refuses it).
    pub fn delays(&self) -> Vec<Duration> {
        self.schedule.iter().filter_map(|entry| humantime::parse_duration(entry).ok()).collect()
    }

    pub(super) fn validate(&self, at: &str, limits: &ScheduleLimits, problems: &mut Problems) {
        if self.schedule.len() > MAX_SCHEDULE_ENTRIES {
            let message = format!("{} entries: at most {MAX_SCHEDULE_ENTRIES}", self.schedule.len());
            problems.add(format!("{at}.schedule"), message);
        }
        let mut total = Duration::ZERO;
        for (index, entry) in self.schedule.iter().enumerate() {
            match humantime::parse_duration(entry) {
                Ok(wait) if wait < Duration::from_secs(1) => {
                    problems.add(format!("{at}.schedule[{index}]"), format!("`{entry}` is shorter than 1s"));
                }
                Ok(wait) if wait >= limits.record_ttl => problems.add(
                    format!("{at}.schedule[{index}]"),
                    format!(
                        "`{entry}` is as long as an event's record is kept (worker.idempotencyTtlDays: {}): \
                         it would be forgotten while it waits",
                        limits.record_ttl.as_secs() / 86_400
                    ),
                ),
                Ok(wait) => total = total.saturating_add(wait),
                Err(error) => problems.add(
                    format!("{at}.schedule[{index}]"),
                    format!("`{entry}` is not a duration such as 30s, 5m, 2h or 1day: {error}"),
                ),
            }
        }
        if total > limits.retention {
            problems.add(
                format!("{at}.schedule"),
                format!(
                    "the waits add up to {}, longer than the queue keeps an event (queue.retentionDays: {}): \
                     shorten the schedule or raise queue.retentionDays",
                    humantime::format_duration(total),
                    limits.retention.as_secs() / 86_400
                ),
            );
        }
    }
}

/// A rate limit on one destination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Requests per second, spread evenly: one every 1/N s, across every worker instance.
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = 1000)))]
    pub per_second: u32,
}

/// The most requests a second a rate limit may allow.
pub const MAX_PER_SECOND: u32 = 1000;

/// What bounds a retry schedule: how long the events queue keeps an event, and how long an
/// event's record (with its deliveries' progress) outlives its last attempt.
#[derive(Debug, Clone, Copy)]
pub(super) struct ScheduleLimits {
    pub(super) retention: Duration,
    pub(super) record_ttl: Duration,
}

/// A circuit breaker per destination: open after consecutive failures, half-open after a cool-down.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct BreakerConfig {
    /// Consecutive failures that open the circuit.
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = 1000)))]
    pub failure_threshold: u32,
    /// Seconds the circuit stays open before one trial request.
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = 3600)))]
    pub cooldown_seconds: u32,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        BreakerConfig { failure_threshold: 5, cooldown_seconds: 30 }
    }
}

/// Keeps a field that is present as `null` apart from one that is absent.
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

fn any() -> String {
    "*".to_owned()
}

fn default_forward_timeout() -> u32 {
    10
}

fn default_max_attempts() -> u32 {
    5
}

/// Whether `text` matches `pattern`, where `*` matches any run of characters.
pub fn glob_matches(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((prefix, rest)) => {
            let Some(mut remaining) = text.strip_prefix(prefix) else {
                return false;
            };
            loop {
                if glob_matches(rest, remaining) {
                    return true;
                }
                let mut chars = remaining.chars();
                if chars.next().is_none() {
                    return false;
                }
                remaining = chars.as_str();
            }
        }
    }
}

impl RouteConfig {
    /// The route's handlers: its `handler`, or its `handlers`.
    pub fn handlers(&self) -> &[HandlerConfig] {
        match &self.handler {
            Some(handler) => std::slice::from_ref(handler),
            None => &self.handlers,
        }
    }

    /// Whether every condition holds on `body` (the event's body as JSON, if it is JSON).
    pub fn conditions_hold(&self, body: Option<&Value>) -> bool {
        self.conditions.iter().all(|condition| body.is_some_and(|body| condition.holds(body)))
    }

    pub(super) fn validate(&self, at: &str, sources: &[&str], limits: &ScheduleLimits, problems: &mut Problems) {
        let matches_some = sources.iter().chain([&JOBS_SOURCE]).any(|name| glob_matches(&self.source, name));
        if !matches_some {
            problems.add(format!("{at}.source"), format!("`{}` matches no source, nor `{JOBS_SOURCE}`", self.source));
        }
        for (index, condition) in self.conditions.iter().enumerate() {
            condition.validate(&format!("{at}.where[{index}]"), problems);
        }
        let handlers: Vec<(String, &HandlerConfig)> = match (&self.handler, self.handlers.as_slice()) {
            (Some(_), [_, ..]) => {
                problems.add(format!("{at}.handlers"), "give `handler` or `handlers`, not both");
                return;
            }
            (None, []) => {
                problems.add(format!("{at}.handler"), "a route needs a `handler` (or a non-empty list of `handlers`)");
                return;
            }
            (Some(handler), []) => vec![(format!("{at}.handler"), handler)],
            (None, handlers) => handlers
                .iter()
                .enumerate()
                .map(|(index, handler)| (format!("{at}.handlers[{index}]"), handler))
                .collect(),
        };
        let mut names = Vec::with_capacity(handlers.len());
        for (at, handler) in handlers {
            let name = handler.delivery_name();
            if names.contains(&name) {
                problems.add(at.clone(), format!("`{name}` twice in one route: each handler is one delivery"));
            }
            names.push(name);
            match handler {
                HandlerConfig::Forward(forward) => forward.validate(&format!("{at}.forward"), limits, problems),
                HandlerConfig::Custom(name) if name.is_empty() => {
                    problems.add(format!("{at}.custom"), "name the handler registered in the worker");
                }
                HandlerConfig::Log | HandlerConfig::Custom(_) => {}
                HandlerConfig::Sqs(target) => target.validate(&format!("{at}.sqs"), limits, problems),
                HandlerConfig::Sns(target) => target.validate(&format!("{at}.sns"), limits, problems),
                HandlerConfig::EventBridge(target) => target.validate(&format!("{at}.eventBridge"), limits, problems),
                HandlerConfig::Lambda(target) => {
                    target.validate(&format!("{at}.lambda"), limits, problems);
                    if self.source == JOBS_SOURCE && target.invocation_type == InvocationType::Event {
                        problems.add(
                            format!("{at}.lambda.invocationType"),
                            "a job's status follows the function's answer: use \"RequestResponse\" (with \"Event\" the job \
                             would succeed as soon as Lambda queued it)",
                        );
                    }
                }
                HandlerConfig::StepFunctions(target) => {
                    target.validate(&format!("{at}.stepFunctions"), limits, problems);
                }
            }
            if let Some(code) = handler.transform() {
                check_program(&format!("{at}.{}.transform", handler.key()), code, problems);
            }
        }
    }
}

/// Compiles a jq program, as the worker will: a syntax error, or an undefined name, is a problem.
fn check_program(at: &str, code: &str, problems: &mut Problems) {
    if let Err(error) = crate::transform::Program::compile(code) {
        problems.add(at, format!("not a valid jq program: {error}"));
    }
}

impl HandlerConfig {
    /// What names the handler's delivery of an event in its record and in logs: `log`,
    /// `custom <name>`, `forward <url>`, or a target's kind and ARN (`sqs arn:aws:sqs:…`).
    pub fn delivery_name(&self) -> String {
        match self {
            HandlerConfig::Log => "log".to_owned(),
            HandlerConfig::Custom(name) => format!("custom {name}"),
            HandlerConfig::Forward(forward) => format!("forward {}", forward.url),
            HandlerConfig::Sqs(target) => format!("sqs {}", target.queue_arn),
            HandlerConfig::Sns(target) => format!("sns {}", target.topic_arn),
            HandlerConfig::EventBridge(target) => format!("eventBridge {}", target.bus_arn),
            HandlerConfig::Lambda(target) => format!("lambda {}", target.function_arn),
            HandlerConfig::StepFunctions(target) => format!("stepFunctions {}", target.state_machine_arn),
        }
    }

    /// Its key in `hookway.json`: `log`, `custom`, `forward`, `sqs`, `sns`, `eventBridge`,
    /// `lambda` or `stepFunctions`.
    pub fn key(&self) -> &'static str {
        match self {
            HandlerConfig::Log => "log",
            HandlerConfig::Custom(_) => "custom",
            HandlerConfig::Forward(_) => "forward",
            HandlerConfig::Sqs(_) => "sqs",
            HandlerConfig::Sns(_) => "sns",
            HandlerConfig::EventBridge(_) => "eventBridge",
            HandlerConfig::Lambda(_) => "lambda",
            HandlerConfig::StepFunctions(_) => "stepFunctions",
        }
    }

    /// A target's ARN: what its circuit, rate limit and parked events are filed under.
    pub fn target_arn(&self) -> Option<&str> {
        match self {
            HandlerConfig::Sqs(target) => Some(&target.queue_arn),
            HandlerConfig::Sns(target) => Some(&target.topic_arn),
            HandlerConfig::EventBridge(target) => Some(&target.bus_arn),
            HandlerConfig::Lambda(target) => Some(&target.function_arn),
            HandlerConfig::StepFunctions(target) => Some(&target.state_machine_arn),
            HandlerConfig::Log | HandlerConfig::Forward(_) | HandlerConfig::Custom(_) => None,
        }
    }

    /// The jq program its deliveries run on the body first, if it has one.
    pub fn transform(&self) -> Option<&str> {
        match self {
            HandlerConfig::Log | HandlerConfig::Custom(_) => None,
            HandlerConfig::Forward(forward) => forward.transform.as_deref(),
            HandlerConfig::Sqs(target) => target.delivery().transform,
            HandlerConfig::Sns(target) => target.delivery().transform,
            HandlerConfig::EventBridge(target) => target.delivery().transform,
            HandlerConfig::Lambda(target) => target.delivery().transform,
            HandlerConfig::StepFunctions(target) => target.delivery().transform,
        }
    }

    /// A target's delivery settings (`None` for `log`, `custom` and `forward`).
    pub fn target_delivery(&self) -> Option<Delivery<'_>> {
        match self {
            HandlerConfig::Log | HandlerConfig::Custom(_) | HandlerConfig::Forward(_) => None,
            HandlerConfig::Sqs(target) => Some(target.delivery()),
            HandlerConfig::Sns(target) => Some(target.delivery()),
            HandlerConfig::EventBridge(target) => Some(target.delivery()),
            HandlerConfig::Lambda(target) => Some(target.delivery()),
            HandlerConfig::StepFunctions(target) => Some(target.delivery()),
        }
    }
}

impl Condition {
    /// Whether the condition holds on a JSON body.
    pub fn holds(&self, body: &Value) -> bool {
        let found = body.pointer(&self.pointer);
        match (&self.equals, &self.one_of, self.exists) {
            (Some(expected), _, _) => found == Some(expected),
            (None, Some(values), _) => found.is_some_and(|found| values.contains(found)),
            (None, None, Some(exists)) => found.is_some() == exists,
            // A jq condition is compiled and run by the worker.
            (None, None, None) => false,
        }
    }

    fn validate(&self, at: &str, problems: &mut Problems) {
        if !is_json_pointer(&self.pointer) {
            problems.add(
                format!("{at}.pointer"),
                format!("`{}` is not a JSON pointer such as /data/object/status", self.pointer),
            );
        }
        let tests = [self.equals.is_some(), self.one_of.is_some(), self.exists.is_some(), self.jq.is_some()];
        if tests.into_iter().filter(|given| *given).count() != 1 {
            problems.add(at.to_owned(), "give exactly one of `equals`, `in`, `exists` or `jq`");
        } else if self.jq.is_some() && !self.pointer.is_empty() {
            problems.add(format!("{at}.pointer"), "a `jq` condition reads the whole body: give no `pointer`");
        }
        if let Some(code) = &self.jq {
            check_program(&format!("{at}.jq"), code, problems);
        }
    }
}

/// RFC 6901: empty (the whole document), or `/`-separated tokens where `~` is `~0` or `~1`.
pub(super) fn is_json_pointer(pointer: &str) -> bool {
    let escapes_ok = pointer.split('~').skip(1).all(|after| after.starts_with('0') || after.starts_with('1'));
    (pointer.is_empty() || pointer.starts_with('/')) && escapes_ok
}

impl Config {
    /// Every SSM parameter the worker reads for its destinations, once each, in route order.
    pub fn outbound_parameters(&self) -> Vec<(&str, ParameterUse)> {
        let mut parameters: Vec<(&str, ParameterUse)> = Vec::new();
        let forwards = self.routes.iter().flat_map(RouteConfig::handlers).filter_map(|handler| match handler {
            HandlerConfig::Forward(forward) => Some(forward),
            _ => None,
        });
        for forward in forwards {
            let signing = forward.sign.iter().flat_map(|sign| &sign.secret_parameters);
            let uses = signing
                .map(|name| (name.as_str(), ParameterUse::Signing))
                .chain(forward.authorization.iter().map(|auth| (auth.parameter.as_str(), ParameterUse::Authorization)));
            for (name, used) in uses {
                if !parameters.iter().any(|(known, _)| *known == name) {
                    parameters.push((name, used));
                }
            }
        }
        parameters
    }
}

impl ForwardConfig {
    fn validate(&self, at: &str, limits: &ScheduleLimits, problems: &mut Problems) {
        let scheme_ok = self.url.starts_with("https://") || self.url.starts_with("http://");
        if !scheme_ok || self.url.parse::<http::Uri>().is_err() {
            problems.add(format!("{at}.url"), format!("`{}` is not an http:// or https:// URL", self.url));
        }
        if !(1..=900).contains(&self.timeout_seconds) {
            problems.add(format!("{at}.timeoutSeconds"), format!("{} is out of range 1..=900", self.timeout_seconds));
        }
        if !(1..=20).contains(&self.max_attempts) {
            problems.add(format!("{at}.maxAttempts"), format!("{} is out of range 1..=20", self.max_attempts));
        }
        self.retry.validate(&format!("{at}.retry"), limits, problems);
        check_rate_limit(at, self.rate_limit.as_ref(), problems);
        self.circuit_breaker.validate(&format!("{at}.circuitBreaker"), problems);
        if let Some(sign) = &self.sign {
            if sign.secret_parameters.is_empty() {
                problems.add(format!("{at}.sign.secretParameters"), "name at least one SSM parameter");
            }
            for (index, name) in sign.secret_parameters.iter().enumerate() {
                check_parameter(&format!("{at}.sign.secretParameters[{index}]"), name, problems);
            }
        }
        if let Some(authorization) = &self.authorization {
            check_parameter(&format!("{at}.authorization.parameter"), &authorization.parameter, problems);
        }
        for (name, value) in &self.headers {
            if let Some(problem) = header_problem(name, value) {
                problems.add(format!("{at}.headers.{name}"), problem);
            }
        }
    }
}

/// What is wrong with a header a `forward` is given to send (a static one, or one its transform
/// sets): not an HTTP header, or one Hookway sets itself. `None`: it may be sent.
pub fn header_problem(name: &str, value: &str) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    if http::HeaderName::from_bytes(name.as_bytes()).is_err() {
        Some(format!("`{name}` is not an HTTP header name"))
    } else if RESERVED_HEADERS.contains(&lower.as_str())
        || RESERVED_HEADER_PREFIXES.iter().any(|prefix| lower.starts_with(prefix))
    {
        let hint = if lower == "authorization" { ": use `authorization` and an SSM parameter" } else { "" };
        Some(format!("`{name}` is set by Hookway{hint}"))
    } else if http::HeaderValue::from_str(value).is_err() {
        Some("not a valid HTTP header value".to_owned())
    } else {
        None
    }
}

/// Checks a destination's `rateLimit`.
pub(super) fn check_rate_limit(at: &str, limit: Option<&RateLimitConfig>, problems: &mut Problems) {
    if let Some(limit) = limit
        && !(1..=MAX_PER_SECOND).contains(&limit.per_second)
    {
        let message = format!("{} is out of range 1..={MAX_PER_SECOND}", limit.per_second);
        problems.add(format!("{at}.rateLimit.perSecond"), message);
    }
}

impl BreakerConfig {
    pub(super) fn validate(&self, at: &str, problems: &mut Problems) {
        if !(1..=1000).contains(&self.failure_threshold) {
            let message = format!("{} is out of range 1..=1000", self.failure_threshold);
            problems.add(format!("{at}.failureThreshold"), message);
        }
        if !(1..=3600).contains(&self.cooldown_seconds) {
            let message = format!("{} is out of range 1..=3600", self.cooldown_seconds);
            problems.add(format!("{at}.cooldownSeconds"), message);
        }
    }
}

fn check_parameter(at: &str, name: &str, problems: &mut Problems) {
    if !is_valid_parameter_name(name) {
        problems.add(
            at,
            "must be an SSM parameter name such as /hookway/destinations/billing (the secret itself belongs in SSM, not here)",
        );
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn condition(json: Value) -> Condition {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn conditions_test_the_value_at_their_pointer() {
        let body = json!({"type": "invoice.paid", "data": {"amount": 0, "note": null, "tags": ["a"]}});
        let holds = |json: Value| condition(json).holds(&body);
        assert!(holds(json!({"pointer": "/type", "equals": "invoice.paid"})));
        assert!(!holds(json!({"pointer": "/type", "equals": "invoice.failed"})));
        assert!(holds(json!({"pointer": "/data/amount", "equals": 0})));
        assert!(!holds(json!({"pointer": "/data/amount", "equals": "0"})), "JSON values, not their text");
        assert!(holds(json!({"pointer": "/data/note", "equals": null})), "null is a value to compare with");
        assert!(!holds(json!({"pointer": "/data/missing", "equals": null})), "absent is not null");
        assert!(holds(json!({"pointer": "/data/tags", "equals": ["a"]})));
        assert!(holds(json!({"pointer": "/type", "in": ["invoice.created", "invoice.paid"]})));
        assert!(!holds(json!({"pointer": "/type", "in": []})));
        assert!(holds(json!({"pointer": "/data/note", "exists": true})));
        assert!(holds(json!({"pointer": "/data/missing", "exists": false})));
        assert!(holds(json!({"pointer": "/data/tags/0", "exists": true})));
    }

    fn config_with_routes(routes: Value) -> Result<Config, String> {
        let config = json!({
            "sources": [{"name": "stripe", "scheme": "stripe", "secretParameters": ["/s"]}],
            "routes": routes,
        });
        Config::from_json(&config.to_string()).map_err(|error| error.to_string())
    }

    #[test]
    fn a_job_waits_for_its_function_and_a_state_machine_is_named_unqualified() {
        let error = config_with_routes(json!([
            {"source": "jobs", "handler": {"lambda": {"functionArn": "arn:aws:lambda:eu-west-1:123456789012:function:work"}}},
            {"source": "stripe", "handler": {"stepFunctions": {"stateMachineArn": "arn:aws:states:eu-west-1:123456789012:stateMachine:orders:live"}}}
        ]))
        .unwrap_err();
        assert!(
            error.contains("routes[0].handler.lambda.invocationType: a job's status follows the function's answer"),
            "{error}"
        );
        assert!(
            error.contains("routes[1].handler.stepFunctions.stateMachineArn: name the state machine itself"),
            "{error}"
        );
        config_with_routes(json!([
            {"source": "jobs", "handler": {"lambda": {"functionArn": "arn:aws:lambda:eu-west-1:123456789012:function:work", "invocationType": "RequestResponse"}}},
            {"source": "stripe", "handler": {"lambda": {"functionArn": "arn:aws:lambda:eu-west-1:123456789012:function:work"}}}
        ]))
        .unwrap();
    }

    #[test]
    fn a_route_fans_out_to_signed_authenticated_destinations() {
        let config = config_with_routes(json!([{
            "source": "stripe", "where": [{"pointer": "/livemode", "equals": true}],
            "handlers": [
                {"forward": {"url": "https://billing.example.com/hooks", "sign": {"secretParameters": ["/out/billing/new", "/out/billing/old"]},
                             "authorization": {"parameter": "/out/billing/token"}, "headers": {"X-Tenant": "acme"}}},
                {"forward": {"url": "https://audit.example.com/in", "sign": {"secretParameters": ["/out/billing/new"]}}},
                "log"
            ]
        }]))
        .unwrap();
        let route = &config.routes[0];
        let names: Vec<String> = route.handlers().iter().map(HandlerConfig::delivery_name).collect();
        assert_eq!(names, ["forward https://billing.example.com/hooks", "forward https://audit.example.com/in", "log"]);
        assert!(route.conditions_hold(Some(&json!({"livemode": true}))));
        assert!(!route.conditions_hold(Some(&json!({"livemode": false}))));
        assert!(!route.conditions_hold(None), "a body that is not JSON satisfies no condition");
        assert_eq!(
            config.outbound_parameters(),
            [
                ("/out/billing/new", ParameterUse::Signing),
                ("/out/billing/old", ParameterUse::Signing),
                ("/out/billing/token", ParameterUse::Authorization),
            ],
            "each once"
        );
        let round_trip = config_with_routes(serde_json::to_value(&config.routes).unwrap()).unwrap();
        assert_eq!(round_trip.routes, config.routes);
    }

    #[test]
    fn routes_name_every_mistake_in_handlers_filters_and_destinations() {
        let error = |routes: Value| config_with_routes(routes).unwrap_err();
        assert_eq!(
            error(json!([{"source": "stripe", "handler": "log", "handlers": ["log"]}])),
            "routes[0].handlers: give `handler` or `handlers`, not both"
        );
        assert!(error(json!([{"source": "stripe"}])).starts_with("routes[0].handler: a route needs a `handler`"));
        assert!(error(json!([{"source": "stripe", "handlers": []}])).starts_with("routes[0].handler: a route needs"));
        assert_eq!(
            error(json!([{"source": "stripe", "handlers": ["log", "log"]}])),
            "routes[0].handlers[1]: `log` twice in one route: each handler is one delivery"
        );
        let filters = error(json!([{"source": "stripe", "handler": "log", "where": [
            {"pointer": "data.id", "exists": true}, {"pointer": "/a", "equals": 1, "in": [1]}, {"pointer": "/a"}]}]));
        assert_eq!(
            filters.lines().collect::<Vec<_>>(),
            [
                "routes[0].where[0].pointer: `data.id` is not a JSON pointer such as /data/object/status",
                "routes[0].where[1]: give exactly one of `equals`, `in`, `exists` or `jq`",
                "routes[0].where[2]: give exactly one of `equals`, `in`, `exists` or `jq`",
            ]
        );
        let destination = error(json!([{"source": "stripe", "handlers": [{"forward": {"url": "https://x.example.com",
            "sign": {"secretParameters": ["whsec_abc"]}, "authorization": {"parameter": "Bearer abc"},
            "headers": {"Authorization": "Bearer abc", "webhook-id": "1", "X-Ok": "yes", "Bad Name": "x"}}}]}]));
        for expected in [
            "routes[0].handlers[0].forward.sign.secretParameters[0]: must be an SSM parameter name",
            "routes[0].handlers[0].forward.authorization.parameter: must be an SSM parameter name",
            "routes[0].handlers[0].forward.headers.Authorization: `Authorization` is set by Hookway: use `authorization`",
            "routes[0].handlers[0].forward.headers.webhook-id: `webhook-id` is set by Hookway",
            "routes[0].handlers[0].forward.headers.Bad Name: `Bad Name` is not an HTTP header name",
        ] {
            assert!(destination.contains(expected), "{expected} in:\n{destination}");
        }
        assert!(!destination.contains("X-Ok"), "{destination}");
        assert!(!destination.contains("Bearer abc"), "a secret pasted in is not repeated: {destination}");
    }

    #[test]
    fn transforms_and_jq_conditions_are_compiled_and_a_mistake_names_its_route_and_field() {
        let sqs = "arn:aws:sqs:eu-west-1:123456789012:orders";
        assert!(
            config_with_routes(json!([{"source": "stripe", "where": [{"jq": ".data.object.amount > 10000"}], "handlers": [
                {"forward": {"url": "https://a.example.com", "transform": "{id, amount: .data.object.amount} | with_headers({\"X-Source\": $event.source})"}},
                {"sqs": {"queueArn": sqs, "transform": "del(.data.object.customer) | with_attributes({type: $event.type})"}}
            ]}]))
            .is_ok()
        );
        let error = config_with_routes(json!([
            {"source": "stripe", "type": "invoice.*", "handler": "log"},
            {"source": "stripe", "where": [{"pointer": "/livemode", "equals": true}, {"jq": ".amount >"}], "handler": "log"},
            {"source": "stripe", "handlers": ["log", {"sqs": {"queueArn": sqs, "transform": "{id: .id"}},
                                              {"forward": {"url": "https://a.example.com", "transform": "nosuchfilter(1)"}}]}
        ]))
        .unwrap_err();
        assert_eq!(
            error.lines().collect::<Vec<_>>(),
            [
                "routes[1].where[1].jq: not a valid jq program: expected term at the end of the program",
                "routes[2].handlers[1].sqs.transform: not a valid jq program: expected closing brace at the end of the program",
                "routes[2].handlers[2].forward.transform: not a valid jq program: undefined filter `nosuchfilter` at line 1, column 1",
            ]
        );
    }

    #[test]
    fn a_forward_retries_on_a_schedule_of_about_a_day_unless_given_one() {
        let config = config_with_routes(json!([{"source": "stripe", "handlers": [
            {"forward": {"url": "https://a.example.com"}},
            {"forward": {"url": "https://b.example.com", "retry": {"schedule": ["5s", "1m", "10m", "1h"]}, "rateLimit": {"perSecond": 5}}}
        ]}]))
        .unwrap();
        let forwards: Vec<&ForwardConfig> = config.routes[0]
            .handlers()
            .iter()
            .map(|handler| match handler {
                HandlerConfig::Forward(forward) => forward,
                _ => unreachable!(),
            })
            .collect();
        let total = |forward: &ForwardConfig| forward.retry.delays().iter().sum::<Duration>();
        assert_eq!(forwards[0].retry.schedule, DEFAULT_SCHEDULE);
        assert_eq!(total(forwards[0]), Duration::from_secs(27 * 3600 + 35 * 60 + 5), "about a day, as Svix retries");
        assert_eq!(forwards[0].rate_limit, None);
        assert_eq!(total(forwards[1]), Duration::from_secs(5 + 60 + 600 + 3600));
        assert_eq!(forwards[1].rate_limit, Some(RateLimitConfig { per_second: 5 }));
        let serialized = serde_json::to_value(&config.routes).unwrap();
        assert!(serialized[0]["handlers"][0]["forward"].get("retry").is_none(), "the default is not written out");
        let round_trip = config_with_routes(serialized).unwrap();
        assert_eq!(round_trip.routes, config.routes);
    }

    #[test]
    fn a_schedule_must_parse_and_fit_the_queues_retention_and_the_records_lifetime() {
        let forward = |forward: Value| {
            let config = json!({
                "queue": {"retentionDays": 2}, "worker": {"idempotencyTtlDays": 1},
                "sources": [{"name": "stripe", "scheme": "stripe", "secretParameters": ["/s"]}],
                "routes": [{"source": "stripe", "handler": {"forward": forward}}],
            });
            Config::from_json(&config.to_string()).map_err(|error| error.to_string())
        };
        let at = "routes[0].handler.forward";
        let error = forward(json!({"url": "https://x.example.com", "retry": {"schedule": ["5 sec", "soon", "500ms"]}}))
            .unwrap_err();
        assert_eq!(
            error.lines().map(|line| line.split(": ").take(2).collect::<Vec<_>>().join(": ")).collect::<Vec<_>>(),
            [
                format!("{at}.retry.schedule[1]: `soon` is not a duration such as 30s, 5m, 2h or 1day"),
                format!("{at}.retry.schedule[2]: `500ms` is shorter than 1s")
            ],
            "{error}"
        );
        let error =
            forward(json!({"url": "https://x.example.com", "retry": {"schedule": ["20h", "20h", "20h"]}})).unwrap_err();
        assert_eq!(
            error,
            format!(
                "{at}.retry.schedule: the waits add up to 2days 12h, longer than the queue keeps an event \
                 (queue.retentionDays: 2): shorten the schedule or raise queue.retentionDays"
            )
        );
        let error = forward(json!({"url": "https://x.example.com", "retry": {"schedule": ["1day"]}})).unwrap_err();
        assert!(
            error.starts_with(&format!("{at}.retry.schedule[0]: `1day` is as long as an event's record is kept")),
            "{error}"
        );
        assert!(forward(json!({"url": "https://x.example.com", "retry": {"schedule": []}})).is_ok(), "no retry at all");
        let error = forward(
            json!({"url": "https://x.example.com", "retry": {"schedule": ["1h"]}, "rateLimit": {"perSecond": 0}}),
        )
        .unwrap_err();
        assert_eq!(error, format!("{at}.rateLimit.perSecond: 0 is out of range 1..=1000"));
    }

    #[test]
    fn json_pointers_follow_rfc_6901() {
        for good in ["", "/", "/a/b", "/a~0b/c~1d", "/0"] {
            assert!(is_json_pointer(good), "{good}");
        }
        for bad in ["a/b", "data.id", "/a~2", "/a~"] {
            assert!(!is_json_pointer(bad), "{bad}");
        }
    }

    #[test]
    fn globs_match_exactly_or_with_stars() {
        assert!(glob_matches("invoice.paid", "invoice.paid"));
        assert!(!glob_matches("invoice.paid", "invoice.paid2"));
        assert!(glob_matches("invoice.*", "invoice.paid"));
        assert!(glob_matches("invoice.*", "invoice."));
        assert!(!glob_matches("invoice.*", "customer.created"));
        assert!(glob_matches("*", ""));
        assert!(glob_matches("*.created", "customer.subscription.created"));
        assert!(glob_matches("a*b*c", "a-x-b-y-c"));
        assert!(!glob_matches("a*b*c", "a-x-c-y-b"));
        assert!(glob_matches("orders/*", "orders/create"));
        assert!(glob_matches("*é*", "café au lait"));
    }
}
