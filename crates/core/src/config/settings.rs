//! The settings of each part of the stack. Every field has a default, so a configuration may
//! name only what it changes; the CDK stack reads them to size and wire the AWS resources.

use serde::{Deserialize, Serialize};

use super::{Problems, ThrottleConfig};

/// The largest `maxBodyBytes` allowed: the largest body API Gateway and Lambda deliver to the
/// intake. A synchronous invocation's payload is at most 6 MiB (6,291,456 bytes); the proxy event
/// carries the body base64-encoded (4 bytes for every 3), beside its headers — twice, as `headers`
/// and `multiValueHeaders`, at most 10 KB each by API Gateway's quota — and its request context;
/// 64 KiB is kept for those. (6 MiB − 64 KiB) × 3/4 = 4,669,440 bytes, about 4.45 MiB. API
/// Gateway's own limit, 10 MB, is not the one that binds. Bodies over
/// [`crate::archive::INLINE_BODY_LIMIT`] travel by claim check.
pub const MAX_BODY_BYTES_LIMIT: usize = (6 * 1024 * 1024 - 64 * 1024) / 4 * 3;
/// Default largest webhook body the intake accepts.
pub const DEFAULT_MAX_BODY_BYTES: usize = 256 * 1024;
/// The retention periods CloudWatch Logs offers, in days.
pub const LOG_RETENTION_DAYS: [u32; 22] =
    [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/// Which front door serves `/webhooks/*`, and what guards it besides each source's throttle.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct WebhooksConfig {
    /// What serves `POST|GET /webhooks/{source}`: the REST API (`rest`, $3.50 a million
    /// requests), an HTTP API (`http-api`, $1.00) or the intake's Lambda Function URL
    /// (`function-url`, no API Gateway charge). `POST /jobs` and `GET /jobs/{id}` stay on the
    /// REST API whichever it is.
    pub endpoint: WebhookEndpoint,
    /// An AWS WAF web ACL on the REST API's stage with a per-IP rate rule; off by default (it
    /// costs about $6 a month, and $0.60 per million requests). WAF attaches to a REST API only:
    /// refused with the other endpoints.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waf: Option<WafConfig>,
}

/// The front door of `/webhooks/*`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum WebhookEndpoint {
    /// API Gateway's REST API (Lambda proxy, payload 1.0): per-source method throttles, WAF,
    /// usage plans; $3.50 a million requests.
    #[default]
    Rest,
    /// An API Gateway HTTP API (Lambda proxy, payload 2.0): per-source route throttles, access
    /// logs; $1.00 a million requests.
    HttpApi,
    /// The intake's Lambda Function URL (payload 2.0), auth `NONE` (the intake verifies every
    /// signature): no API Gateway charge; throttled by `intake.reservedConcurrency` alone.
    FunctionUrl,
}

impl WebhookEndpoint {
    /// Every endpoint, in the order of their price.
    pub const ALL: [WebhookEndpoint; 3] =
        [WebhookEndpoint::Rest, WebhookEndpoint::HttpApi, WebhookEndpoint::FunctionUrl];

    /// The name `hookway.json` gives it.
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookEndpoint::Rest => "rest",
            WebhookEndpoint::HttpApi => "http-api",
            WebhookEndpoint::FunctionUrl => "function-url",
        }
    }
}

impl std::fmt::Display for WebhookEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for WebhookEndpoint {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        WebhookEndpoint::ALL
            .into_iter()
            .find(|endpoint| endpoint.as_str() == name)
            .ok_or_else(|| format!("`{name}` is not a webhooks endpoint: one of rest, http-api, function-url"))
    }
}

/// The web ACL's rate rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WafConfig {
    /// Requests one address may make in any 5 minutes; beyond, WAF answers 403 until it slows.
    #[cfg_attr(feature = "schema", schemars(range(min = 10, max = 2000000000)))]
    pub rate_per5_minutes: u32,
}

impl WebhooksConfig {
    pub(super) fn validate(&self, intake: &IntakeConfig, problems: &mut Problems) {
        if let Some(waf) = &self.waf {
            check(problems, "webhooks.waf.ratePer5Minutes", waf.rate_per5_minutes, 10, 2_000_000_000);
            if self.endpoint != WebhookEndpoint::Rest {
                problems.add(
                    "webhooks.waf",
                    format!(
                        "AWS WAF attaches to a REST API only, not to the webhooks endpoint `{}`: remove the waf, or use \
                         \"endpoint\": \"rest\"",
                        self.endpoint
                    ),
                );
            }
        }
        // The deprecated `intake.functionUrl` adds a Function URL beside the REST API's routes
        // (or says again what `function-url` says): beside an HTTP API it would be a second door
        // that nobody chose.
        if intake.function_url && self.endpoint == WebhookEndpoint::HttpApi {
            problems.add(
                "intake.functionUrl",
                "contradicts \"webhooks\": {\"endpoint\": \"http-api\"}: webhooks have one front door; remove \
                 intake.functionUrl (it is deprecated), or use \"endpoint\": \"function-url\"",
            );
        }
    }
}

/// The REST API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ApiConfig {
    /// The stage, the first segment of every URL: `https://.../v1/webhooks/github`.
    pub stage_name: String,
    /// Steady-state requests per second across the API.
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = 10000)))]
    pub throttling_rate_limit: u32,
    /// Burst of requests above the steady rate.
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = 5000)))]
    pub throttling_burst_limit: u32,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig { stage_name: "v1".into(), throttling_rate_limit: 100, throttling_burst_limit: 200 }
    }
}

/// The intake Lambda.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct IntakeConfig {
    /// Largest accepted body in bytes; larger requests are answered 413. Bodies over 256 KiB are
    /// stored in the archive bucket and travel by claim check.
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = 4669440)))]
    pub max_body_bytes: usize,
    /// Memory in MB (CPU grows with it).
    #[cfg_attr(feature = "schema", schemars(range(min = 128, max = 10240)))]
    pub memory_mb: u32,
    /// Timeout in seconds; API Gateway gives up at 29.
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = 29)))]
    pub timeout_seconds: u32,
    /// Deprecated: use `"webhooks": {"endpoint": "function-url"}`. Also gives the intake a
    /// Lambda Function URL, beside the REST API's webhook routes.
    pub function_url: bool,
    /// Concurrency reserved for the intake: no other function of the account can take it, and a
    /// flood cannot take more (the excess is throttled, and the senders retry). `null` leaves the
    /// intake on the account's unreserved pool (which must keep 100: an account whose limit is
    /// 10, as new accounts' is, cannot reserve any).
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = 1000)))]
    pub reserved_concurrency: Option<u32>,
}

impl Default for IntakeConfig {
    fn default() -> Self {
        IntakeConfig {
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            // make bench-coldstart recommends it: from 512 MB, doubling saves under 10 ms of a cold
            // start and 1 ms of a warm request. Its goals are ratios to a bare function's and a
            // peak of 16 MB (it peaks under 10 MB), which hold at any size; at 512 MB a cold
            // start is about 18 ms of CPU and a warm request 2 ms, and a webhook $0.04 a million
            // less than at 1024 (README, Performance).
            memory_mb: 512,
            timeout_seconds: 10,
            function_url: false,
            reserved_concurrency: Some(DEFAULT_INTAKE_RESERVED_CONCURRENCY),
        }
    }
}

/// The intake's default reserved concurrency: at about 10 ms a webhook, a few thousand a second.
pub const DEFAULT_INTAKE_RESERVED_CONCURRENCY: u32 = 50;

/// How far back a replay by time may reach, unless `worker.replayWindowDays` says otherwise.
pub const DEFAULT_REPLAY_WINDOW_DAYS: u32 = 90;

/// The worker Lambda and its SQS event source mapping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct WorkerConfig {
    /// Memory in MB.
    #[cfg_attr(feature = "schema", schemars(range(min = 128, max = 10240)))]
    pub memory_mb: u32,
    /// Timeout in seconds, up to 15 minutes for long jobs; the events queue's visibility timeout
    /// is six times this.
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = 900)))]
    pub timeout_seconds: u32,
    /// Messages per batch.
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = 10000)))]
    pub batch_size: u32,
    /// Seconds to gather a batch; required (at least 1) when `batchSize` is over 10.
    #[cfg_attr(feature = "schema", schemars(range(min = 0, max = 300)))]
    pub batching_window_seconds: u32,
    /// Most concurrent worker instances the queue may drive.
    #[cfg_attr(feature = "schema", schemars(range(min = 2, max = 1000)))]
    pub max_concurrency: u32,
    /// How long a processed event's id is remembered, so a re-delivery is not processed again.
    /// The record of an event keyed by its body (a source that does not sign its ids) is kept
    /// longer: as long as this, `archive.retentionDays` and `replayWindowDays`, whichever is longest.
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = 365)))]
    pub idempotency_ttl_days: u32,
    /// The farthest back, in days, a replay by time (`hookway replay --since`) may reach.
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = 3650)))]
    pub replay_window_days: u32,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            // Paid by the millisecond and waited for by nobody: a batch is mostly waits (for
            // DynamoDB, the archive, the destination), paid in proportion to the memory, against
            // about 10 ms of CPU an event at 256 MB (make bench-coldstart: 1.4 ms on a whole core).
            // Ten events and their bodies, claim-checked ones included (4.5 MiB at most each), fit.
            memory_mb: 256,
            timeout_seconds: 60,
            batch_size: 10,
            // A batch gathers for a second from its first event (the latency it adds, at most):
            // at 10M webhooks a month, shared by Lambda's five pollers, batches of about 2 (10 at
            // 100M), which share the invocation, the mapping's delete, the archive's record and
            // the metrics lines.
            batching_window_seconds: 1,
            max_concurrency: 10,
            idempotency_ttl_days: 7,
            replay_window_days: DEFAULT_REPLAY_WINDOW_DAYS,
        }
    }
}

/// The events queue and its dead-letter queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct QueueConfig {
    /// Deliveries of a message before it moves to the dead-letter queue.
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = 1000)))]
    pub max_receive_count: u32,
    /// Days a message is kept in the events queue.
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = 14)))]
    pub retention_days: u32,
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig { max_receive_count: 5, retention_days: 4 }
    }
}

/// `POST /jobs`: Lambda's asynchronous invocation of the worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct JobsConfig {
    /// Retries of a failed job before it goes to the jobs dead-letter queue.
    #[cfg_attr(feature = "schema", schemars(range(min = 0, max = 2)))]
    pub retry_attempts: u32,
    /// Seconds a job may wait for its (next) attempt before it goes to the dead-letter queue.
    #[cfg_attr(feature = "schema", schemars(range(min = 60, max = 21600)))]
    pub max_event_age_seconds: u32,
    /// The jobs usage plan's throttle, and `POST /jobs`'s own method throttle: the cap on the
    /// worker's job invocations, whoever holds a key.
    pub throttle: ThrottleConfig,
    /// The jobs usage plan's quota: requests per period (for each API key).
    pub quota: QuotaConfig,
}

impl Default for JobsConfig {
    fn default() -> Self {
        JobsConfig {
            retry_attempts: 2,
            max_event_age_seconds: 3600,
            throttle: ThrottleConfig { rate: 10.0, burst: 20 },
            quota: QuotaConfig { limit: 100_000, period: QuotaPeriod::Day },
        }
    }
}

/// The event store: the archive bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ArchiveConfig {
    /// Days every event is kept in the archive, for `hookway events` and `hookway replay`.
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = 3650)))]
    pub retention_days: u32,
    /// How the worker writes each event into the archive before any delivery: through an Amazon
    /// Data Firehose stream into the bucket (`firehose`: $0.029 a GB in 5 KB records, about $0.15
    /// a million events whatever the batch) or as one S3 object per worker batch (`worker`: $5 a
    /// million batches, cheaper once batches hold more than about 35 events).
    pub writer: ArchiveWriter,
}

impl Default for ArchiveConfig {
    fn default() -> Self {
        ArchiveConfig { retention_days: 30, writer: ArchiveWriter::default() }
    }
}

/// How events reach the archive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum ArchiveWriter {
    /// The worker puts each batch's new events into a Firehose stream (`PutRecordBatch`), which
    /// writes them into the bucket under `events/_stream/`, buffered up to a minute.
    #[default]
    Firehose,
    /// The worker writes one S3 object per batch under `events/_batches/`.
    Worker,
}

impl ArchiveWriter {
    /// The name `hookway.json` gives it.
    pub fn as_str(self) -> &'static str {
        match self {
            ArchiveWriter::Firehose => "firehose",
            ArchiveWriter::Worker => "worker",
        }
    }
}

/// The state table (DynamoDB): idempotency records, entity versions, job status, circuits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct StateConfig {
    /// `on-demand` (per request, no capacity to plan) or `provisioned` (capacity per second,
    /// kept near `targetUtilizationPercent` of what is used by auto scaling between the ranges
    /// below: about half the price for steady traffic, throttled by a burst beyond it).
    pub billing: StateBilling,
    /// Read capacity units with `provisioned` billing.
    pub read_capacity: CapacityRange,
    /// Write capacity units with `provisioned` billing.
    pub write_capacity: CapacityRange,
    /// What auto scaling aims the used share of the provisioned capacity at, in percent.
    #[cfg_attr(feature = "schema", schemars(range(min = 20, max = 90)))]
    pub target_utilization_percent: u32,
}

impl Default for StateConfig {
    fn default() -> Self {
        StateConfig {
            billing: StateBilling::default(),
            read_capacity: CapacityRange { min: 5, max: 500 },
            write_capacity: CapacityRange { min: 10, max: 1000 },
            target_utilization_percent: 70,
        }
    }
}

/// How DynamoDB bills the state table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum StateBilling {
    /// Per request ($0.625 a million write units, $0.125 a million read units).
    #[default]
    OnDemand,
    /// Per capacity unit and hour, scaled by Application Auto Scaling.
    Provisioned,
}

impl StateBilling {
    /// The name `hookway.json` gives it.
    pub fn as_str(self) -> &'static str {
        match self {
            StateBilling::OnDemand => "on-demand",
            StateBilling::Provisioned => "provisioned",
        }
    }
}

/// The least and the most capacity units auto scaling may provision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CapacityRange {
    /// Units provisioned when idle.
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = 40000)))]
    pub min: u32,
    /// Units auto scaling never goes beyond.
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = 40000)))]
    pub max: u32,
}

/// A usage plan's quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QuotaConfig {
    /// Requests per period.
    #[cfg_attr(feature = "schema", schemars(range(min = 1)))]
    pub limit: u32,
    /// `DAY`, `WEEK` or `MONTH`.
    pub period: QuotaPeriod,
}

/// The period of a quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "UPPERCASE")]
pub enum QuotaPeriod {
    /// A day.
    Day,
    /// A week.
    Week,
    /// A month.
    Month,
}

/// The docs site's runbook: every alarm's description links to it, each alarm to its own page
/// beside it (`operations/<alarm>.html`).
pub const DEFAULT_RUNBOOK_URL: &str = "https://hookway.github.io/hookway/operations/runbook.html";

/// Alarm thresholds beyond the fixed ones (any error, throttle, dead letter or 5XX alarms at once),
/// and where alarms are sent besides the email of the deploy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct AlarmsConfig {
    /// Alarm when the events queue's oldest message is this old, in seconds.
    #[cfg_attr(feature = "schema", schemars(range(min = 60, max = 1209600)))]
    pub oldest_message_age_seconds: u32,
    /// Alarm when this many messages wait in the events queue.
    #[cfg_attr(feature = "schema", schemars(range(min = 1)))]
    pub visible_messages: u32,
    /// Alarm when more than this share of the worker's events and jobs fail (in percent, over
    /// 15 minutes), once at least `failureRateMinEvents` were handled in those 15 minutes.
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = 100)))]
    pub failure_rate_percent: u32,
    /// The fewest events and jobs handled in 15 minutes for `failureRatePercent` to alarm: one
    /// failure among ten events at night is not a page.
    #[cfg_attr(feature = "schema", schemars(range(min = 1)))]
    pub failure_rate_min_events: u32,
    /// Alarm when one source's signature rejections reach this many in 5 minutes: an attack, or a
    /// rotated secret not yet stored.
    #[cfg_attr(feature = "schema", schemars(range(min = 1)))]
    pub signature_rejections: u32,
    /// The runbook every alarm's description links to.
    pub runbook_url: String,
    /// Also send every alarm to this Slack channel, through AWS Chatbot. The workspace must be
    /// authorised in the AWS Chatbot console once, and the channel must have invited `@aws`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slack: Option<SlackConfig>,
}

impl Default for AlarmsConfig {
    fn default() -> Self {
        AlarmsConfig {
            oldest_message_age_seconds: 600,
            visible_messages: 1000,
            failure_rate_percent: 10,
            failure_rate_min_events: 20,
            signature_rejections: 20,
            runbook_url: DEFAULT_RUNBOOK_URL.to_owned(),
            slack: None,
        }
    }
}

/// A Slack channel, as AWS Chatbot names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SlackConfig {
    /// The workspace id, e.g. `T07EA123LEP` (AWS Chatbot console, or Slack's workspace settings).
    #[cfg_attr(feature = "schema", schemars(regex(pattern = r"^[0-9A-Z]{1,255}$")))]
    pub workspace_id: String,
    /// The channel id, e.g. `C07EZ1ABC23` (the channel's details in Slack).
    #[cfg_attr(feature = "schema", schemars(regex(pattern = r"^[A-Za-z0-9]{1,255}$")))]
    pub channel_id: String,
}

pub(super) fn default_log_retention_days() -> u32 {
    30
}

fn check<T: PartialOrd + std::fmt::Display>(problems: &mut Problems, field: &str, value: T, min: T, max: T) {
    if value < min || value > max {
        problems.add(field, format!("{value} is out of range {min}..={max}"));
    }
}

impl ApiConfig {
    pub(super) fn validate(&self, problems: &mut Problems) {
        let stage_ok = !self.stage_name.is_empty()
            && self.stage_name.len() <= 128
            && self.stage_name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !stage_ok {
            problems.add("api.stageName", format!("`{}` must be 1 to 128 letters, digits or `_`", self.stage_name));
        }
        check(problems, "api.throttlingRateLimit", self.throttling_rate_limit, 1, 10_000);
        check(problems, "api.throttlingBurstLimit", self.throttling_burst_limit, 1, 5_000);
    }
}

impl IntakeConfig {
    pub(super) fn validate(&self, problems: &mut Problems) {
        check(problems, "intake.maxBodyBytes", self.max_body_bytes, 1, MAX_BODY_BYTES_LIMIT);
        check(problems, "intake.memoryMb", self.memory_mb, 128, 10_240);
        check(problems, "intake.timeoutSeconds", self.timeout_seconds, 1, 29);
        if let Some(reserved) = self.reserved_concurrency {
            check(problems, "intake.reservedConcurrency", reserved, 1, 1_000);
        }
    }
}

impl WorkerConfig {
    pub(super) fn validate(&self, problems: &mut Problems) {
        check(problems, "worker.memoryMb", self.memory_mb, 128, 10_240);
        check(problems, "worker.timeoutSeconds", self.timeout_seconds, 1, 900);
        check(problems, "worker.batchSize", self.batch_size, 1, 10_000);
        check(problems, "worker.batchingWindowSeconds", self.batching_window_seconds, 0, 300);
        check(problems, "worker.maxConcurrency", self.max_concurrency, 2, 1_000);
        check(problems, "worker.idempotencyTtlDays", self.idempotency_ttl_days, 1, 365);
        check(problems, "worker.replayWindowDays", self.replay_window_days, 1, 3_650);
        if self.batch_size > 10 && self.batching_window_seconds == 0 {
            problems.add("worker.batchingWindowSeconds", "must be at least 1 when batchSize is over 10 (an SQS rule)");
        }
    }
}

impl QueueConfig {
    pub(super) fn validate(&self, problems: &mut Problems) {
        check(problems, "queue.maxReceiveCount", self.max_receive_count, 1, 1_000);
        check(problems, "queue.retentionDays", self.retention_days, 1, 14);
    }
}

impl ArchiveConfig {
    pub(super) fn validate(&self, problems: &mut Problems) {
        check(problems, "archive.retentionDays", self.retention_days, 1, 3_650);
    }
}

impl StateConfig {
    pub(super) fn validate(&self, problems: &mut Problems) {
        for (field, range) in [("state.readCapacity", self.read_capacity), ("state.writeCapacity", self.write_capacity)]
        {
            check(problems, &format!("{field}.min"), range.min, 1, 40_000);
            check(problems, &format!("{field}.max"), range.max, 1, 40_000);
            if range.min > range.max {
                problems.add(field, format!("min {} is above max {}", range.min, range.max));
            }
        }
        check(problems, "state.targetUtilizationPercent", self.target_utilization_percent, 20, 90);
    }
}

impl JobsConfig {
    pub(super) fn validate(&self, problems: &mut Problems) {
        check(problems, "jobs.retryAttempts", self.retry_attempts, 0, 2);
        check(problems, "jobs.maxEventAgeSeconds", self.max_event_age_seconds, 60, 21_600);
        self.throttle.validate("jobs.throttle", problems);
        check(problems, "jobs.quota.limit", self.quota.limit, 1, u32::MAX);
    }
}

impl AlarmsConfig {
    pub(super) fn validate(&self, problems: &mut Problems) {
        check(problems, "alarms.oldestMessageAgeSeconds", self.oldest_message_age_seconds, 60, 1_209_600);
        check(problems, "alarms.visibleMessages", self.visible_messages, 1, u32::MAX);
        check(problems, "alarms.failureRatePercent", self.failure_rate_percent, 1, 100);
        check(problems, "alarms.failureRateMinEvents", self.failure_rate_min_events, 1, u32::MAX);
        check(problems, "alarms.signatureRejections", self.signature_rejections, 1, u32::MAX);
        if !(self.runbook_url.starts_with("https://") || self.runbook_url.starts_with("http://")) {
            problems.add("alarms.runbookUrl", format!("`{}` is not an http:// or https:// URL", self.runbook_url));
        }
        if let Some(slack) = &self.slack {
            let id_ok = |id: &str, lowercase: bool| {
                (1..=255).contains(&id.len())
                    && id
                        .chars()
                        .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase() || (lowercase && c.is_ascii_lowercase()))
            };
            if !id_ok(&slack.workspace_id, false) {
                problems.add(
                    "alarms.slack.workspaceId",
                    format!("`{}` is not a Slack workspace id such as T07EA123LEP", slack.workspace_id),
                );
            }
            if !id_ok(&slack.channel_id, true) {
                problems.add(
                    "alarms.slack.channelId",
                    format!("`{}` is not a Slack channel id such as C07EZ1ABC23", slack.channel_id),
                );
            }
        }
    }
}

pub(super) fn validate_log_retention(days: u32, problems: &mut Problems) {
    if !LOG_RETENTION_DAYS.contains(&days) {
        problems.add(
            "logRetentionDays",
            format!("{days} is not a CloudWatch Logs retention; use one of {LOG_RETENTION_DAYS:?}"),
        );
    }
}
