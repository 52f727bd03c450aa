//! `hookway.json`, the one configuration file.
//!
//! The CDK stack reads it to create routes, grants and environment, and bundles it byte for byte
//! into each Lambda's package, which reads it at start-up ([`crate::env`]); the CLI and the local
//! stack read the file. Its [`digest`] names the bytes a function runs with. Parsing is strict (unknown fields are errors) and every error names the field at fault,
//! e.g. `sources[2].toleranceSeconds: 0 is out of range 1..=3600`.

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

pub mod limits;
mod routes;
mod settings;
mod targets;

pub use self::routes::{
    AuthorizationConfig, BreakerConfig, Condition, DEFAULT_SCHEDULE, ForwardConfig, HandlerConfig, JOBS_SOURCE,
    MAX_PER_SECOND, MAX_SCHEDULE_ENTRIES, ParameterUse, RateLimitConfig, RetryConfig, RouteConfig, SignConfig,
    glob_matches, header_problem,
};
pub use self::settings::{
    AlarmsConfig, ApiConfig, ArchiveConfig, ArchiveWriter, CapacityRange, DEFAULT_MAX_BODY_BYTES,
    DEFAULT_REPLAY_WINDOW_DAYS, DEFAULT_RUNBOOK_URL, IntakeConfig, JobsConfig, LOG_RETENTION_DAYS,
    MAX_BODY_BYTES_LIMIT, QueueConfig, QuotaConfig, QuotaPeriod, SlackConfig, StateBilling, StateConfig, WafConfig,
    WebhookEndpoint, WebhooksConfig, WorkerConfig,
};
pub use self::targets::{
    Arn, Delivery, EventBridgeTarget, InvocationType, LambdaTarget, SnsTarget, SqsTarget, StepFunctionsTarget, Target,
};
use crate::cidr::Cidr;
pub use crate::scheme::{Encoding, HmacAlgorithm, HmacConfig, SchemeName};
use crate::scheme::{Scheme, SchemeError};

/// Default accepted clock skew between a sender's timestamp and ours, both ways.
pub const DEFAULT_TOLERANCE_SECONDS: u64 = 300;
/// The largest tolerance a source may configure: beyond an hour, replay protection is gone.
pub const MAX_TOLERANCE_SECONDS: u64 = 3600;

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schema",
    schemars(
        title = "hookway.json",
        description = "Hookway's configuration: its webhook sources and the settings of its parts."
    )
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Config {
    /// The JSON Schema this file follows (editor support only).
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// The REST API.
    #[serde(default)]
    pub api: ApiConfig,
    /// Which front door serves `/webhooks/*`, and what guards it besides each source's throttle.
    #[serde(default)]
    pub webhooks: WebhooksConfig,
    /// The intake Lambda.
    #[serde(default)]
    pub intake: IntakeConfig,
    /// The worker Lambda and its SQS event source mapping.
    #[serde(default)]
    pub worker: WorkerConfig,
    /// The events queue and its dead-letter queue.
    #[serde(default)]
    pub queue: QueueConfig,
    /// `POST /jobs`.
    #[serde(default)]
    pub jobs: JobsConfig,
    /// The event store.
    #[serde(default)]
    pub archive: ArchiveConfig,
    /// The state table.
    #[serde(default)]
    pub state: StateConfig,
    /// Alarm thresholds.
    #[serde(default)]
    pub alarms: AlarmsConfig,
    /// Days every log group keeps its logs (a CloudWatch Logs retention).
    #[serde(default = "settings::default_log_retention_days")]
    pub log_retention_days: u32,
    /// AWS X-Ray tracing of the API and both functions: each request's path through them, timed.
    #[serde(default)]
    pub tracing: bool,
    /// The webhook senders, one per `POST /webhooks/{name}` endpoint.
    pub sources: Vec<SourceConfig>,
    /// Which handler processes which events, first match first.
    #[serde(default)]
    pub routes: Vec<RouteConfig>,
}

/// One webhook sender.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SourceConfig {
    /// The `{source}` of `POST /webhooks/{source}`: lowercase letters, digits, `-` and `_`.
    #[cfg_attr(feature = "schema", schemars(regex(pattern = r"^[a-z0-9][a-z0-9_-]{0,63}$")))]
    pub name: String,
    /// How the sender signs its requests.
    pub scheme: SchemeName,
    /// SSM SecureString parameters holding the secret(s). Every secret in every parameter is
    /// accepted, so a secret can be rotated without a failed delivery.
    #[cfg_attr(feature = "schema", schemars(length(min = 1)))]
    pub secret_parameters: Vec<String>,
    /// The other source this one shares a secret parameter with, said on purpose: a request
    /// signed for one is accepted by the other. Two sources sharing a parameter are refused
    /// unless one of them names the other here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_secret_with: Option<String>,
    /// This source's own throttle: its `POST /webhooks/<name>` resource's method throttle in
    /// AWS (default: the API's `throttlingRateLimit` and `throttlingBurstLimit`, per source), so
    /// that a flood to one source never starves another; the local gateway applies it only when
    /// set here (429 with `Retry-After`), so that local load tests are not throttled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throttle: Option<ThrottleConfig>,
    /// Accepted age (and clock skew into the future) of the signed timestamp, in seconds.
    #[serde(default = "default_tolerance")]
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = 3600)))]
    pub tolerance_seconds: u64,
    /// Answer 404 instead of 401 to a request that fails verification, so a scanner cannot tell
    /// the endpoint exists.
    #[serde(default)]
    pub hide_rejections: bool,
    /// The URL the provider calls, for providers that sign it (Twilio, Square, HubSpot): needed
    /// behind a custom domain or a proxy; without it the intake rebuilds it from the request. The
    /// request's query string is appended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    /// An SSM SecureString holding the verify token of a `GET` handshake (Meta's
    /// `hub.verify_token`): the string you type into the provider's dashboard.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify_token_parameter: Option<String>,
    /// Settings of the generic `hmac` scheme; required for it, refused for the others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hmac: Option<HmacConfig>,
    /// Skip an event older than the one already applied to the same entity (out-of-order delivery).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ordering: Option<OrderingConfig>,
    /// The only addresses the sender may send from, as IPv4 or IPv6 ranges (`192.30.252.0/22`,
    /// `2606:50c0::/32`) or single addresses; a request from anywhere else is refused (403, or 404
    /// with `hideRejections`) before its signature is checked. The address is the one API Gateway
    /// or the Function URL saw, never a header such as `X-Forwarded-For`. Omitted: any address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(length(min = 1)))]
    pub allow_ips: Option<Vec<String>>,
    /// Warnings of `hookway config check` about this source that are known and accepted, so that
    /// they are not printed: `unsigned-type` (a route chooses its events by a type the
    /// signature does not cover), `no-route` (only the catch-all `log` route takes its events).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub acknowledge: Vec<Acknowledged>,
}

/// A `hookway config check` warning about a source, accepted in its `acknowledge`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Acknowledged {
    /// A route chooses this source's events by their type, which the signature does not cover
    /// (GitHub's `X-GitHub-Event` header): a captured request re-sent with another type reaches
    /// that route.
    UnsignedType,
    /// No route of its own: its events reach only the catch-all `log` handler (logged and
    /// acknowledged, delivered nowhere).
    NoRoute,
}

/// A token bucket: `rate` requests a second on average, `burst` at once.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ThrottleConfig {
    /// Requests a second, on average.
    #[cfg_attr(feature = "schema", schemars(range(min = 0.1, max = 10000.0)))]
    pub rate: f64,
    /// Requests at once, above the rate.
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = 5000)))]
    pub burst: u32,
}

impl ThrottleConfig {
    fn validate(&self, at: &str, problems: &mut Problems) {
        if !(0.1..=10_000.0).contains(&self.rate) {
            problems
                .add(format!("{at}.rate"), format!("{} is out of range 0.1..=10000 (requests a second)", self.rate));
        }
        if !(1..=5_000).contains(&self.burst) {
            problems.add(format!("{at}.burst"), format!("{} is out of range 1..=5000", self.burst));
        }
    }
}

/// Where a source's events name the entity they change and its version, as JSON pointers into
/// the body. Versions are numbers, or RFC 3339 times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrderingConfig {
    /// The entity's key, e.g. `/data/object/id`.
    pub entity_pointer: String,
    /// The entity's version or update time, e.g. `/data/object/updated`.
    pub version_pointer: String,
}

fn default_tolerance() -> u64 {
    DEFAULT_TOLERANCE_SECONDS
}

/// Why a configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// Not JSON, or not of the configuration's shape.
    #[error("{field}: {message}")]
    Shape {
        /// Where the parser stopped, e.g. `sources[1].scheme`.
        field: String,
        /// What it found there.
        message: String,
    },
    /// Well-formed, but some values are not acceptable.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Problem>),
}

/// The digest of a configuration file: `sha256:` and the lowercase hex SHA-256 of its bytes, as
/// read. Each function logs it at start-up (`config_digest`), the stack outputs it
/// (`ConfigDigest`) and `hookway config check` prints it, so an operator can tell which file a
/// deployed function runs with. Of the bytes, not of the parsed configuration: what is compared is
/// the file that was checked in and bundled, whitespace included.
pub fn digest(bytes: &[u8]) -> String {
    use sha2::{Digest as _, Sha256};
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// One unacceptable value, named by its path in the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct Problem {
    /// The path of the field, e.g. `sources[2].toleranceSeconds`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl Config {
    /// Parses and validates a configuration.
    pub fn from_json(json: &str) -> Result<Config, ConfigError> {
        Config::from_slice(json.as_bytes())
    }

    /// Parses and validates a configuration file's bytes, as read (not UTF-8 is a JSON error).
    pub fn from_slice(json: &[u8]) -> Result<Config, ConfigError> {
        let deserializer = &mut serde_json::Deserializer::from_slice(json);
        let config: Config = serde_path_to_error::deserialize(deserializer).map_err(|err| {
            let field = match err.path().to_string() {
                path if path == "." || path == "?" => "(root)".to_owned(),
                path => path,
            };
            ConfigError::Shape { field, message: err.into_inner().to_string() }
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Reads, parses and validates a configuration file.
    pub fn load(path: impl AsRef<Path>) -> Result<Config, ConfigError> {
        let path = path.as_ref();
        let json = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Read { path: path.display().to_string(), source })?;
        Config::from_json(&json)
    }

    /// The source of that name.
    pub fn source(&self, name: &str) -> Option<&SourceConfig> {
        self.sources.iter().find(|source| source.name == name)
    }

    /// Checks every value, reporting every problem at once.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut problems = Problems::default();
        self.api.validate(&mut problems);
        self.webhooks.validate(&self.intake, &mut problems);
        self.intake.validate(&mut problems);
        self.worker.validate(&mut problems);
        self.queue.validate(&mut problems);
        self.jobs.validate(&mut problems);
        self.archive.validate(&mut problems);
        self.state.validate(&mut problems);
        self.alarms.validate(&mut problems);
        settings::validate_log_retention(self.log_retention_days, &mut problems);
        if self.sources.is_empty() {
            problems.add("sources", "at least one source is required");
        }
        let mut names = HashSet::new();
        for (index, source) in self.sources.iter().enumerate() {
            let at = format!("sources[{index}]");
            if !names.insert(source.name.as_str()) {
                problems.add(format!("{at}.name"), format!("duplicate source name `{}`", source.name));
            }
            source.validate(&at, &mut problems);
        }
        self.validate_shared_secrets(&mut problems);
        self.validate_endpoint_throttles(&mut problems);
        let names: Vec<&str> = self.sources.iter().map(|source| source.name.as_str()).collect();
        let days = |days: u32| std::time::Duration::from_secs(u64::from(days) * 86_400);
        let limits = routes::ScheduleLimits {
            retention: days(self.queue.retention_days),
            record_ttl: days(self.worker.idempotency_ttl_days),
        };
        for (index, route) in self.routes.iter().enumerate() {
            route.validate(&format!("routes[{index}]"), &names, &limits, &mut problems);
        }
        problems.into_result()
    }
}

/// How long the state table keeps an event's record, in days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordTtl {
    /// A record keyed by the event's id: `worker.idempotencyTtlDays`.
    pub by_id_days: u32,
    /// A record keyed by the event's body (a source that does not sign its ids): as long as the
    /// id-keyed one, the archive (`archive.retentionDays`) and the farthest a replay may reach
    /// (`worker.replayWindowDays`), whichever is longest — so that no copy of the body the archive
    /// holds or a replay can reach is taken for a new event.
    pub by_body_days: u32,
}

impl RecordTtl {
    /// How long the record of this key is kept, in days.
    pub fn days(&self, key: &crate::store::RecordKey) -> u32 {
        if key.is_body_keyed() { self.by_body_days } else { self.by_id_days }
    }

    /// How long the record of this key is kept, in seconds.
    pub fn seconds(&self, key: &crate::store::RecordKey) -> i64 {
        i64::from(self.days(key)) * 86_400
    }

    /// How long the record of this key is kept.
    pub fn duration(&self, key: &crate::store::RecordKey) -> std::time::Duration {
        std::time::Duration::from_secs(u64::from(self.days(key)) * 86_400)
    }
}

impl Default for RecordTtl {
    /// The defaults' (7 days by id; by body 90, `worker.replayWindowDays`).
    fn default() -> Self {
        RecordTtl::of(&WorkerConfig::default(), &ArchiveConfig::default())
    }
}

impl RecordTtl {
    fn of(worker: &WorkerConfig, archive: &ArchiveConfig) -> RecordTtl {
        let by_id_days = worker.idempotency_ttl_days;
        RecordTtl { by_id_days, by_body_days: by_id_days.max(archive.retention_days).max(worker.replay_window_days) }
    }
}

impl Config {
    /// How long the state table keeps each kind of event record.
    pub fn record_ttl(&self) -> RecordTtl {
        RecordTtl::of(&self.worker, &self.archive)
    }

    /// The sources whose signature does not cover the event id (GitHub, Shopify, an `hmac`
    /// template without `{id}`): their events' records are keyed by source and body
    /// ([`crate::store::RecordKey::event_body`]), so that a captured request re-sent under new ids
    /// is one event. The worker and the operator commands both key records by it.
    pub fn unsigned_id_sources(&self) -> HashSet<String> {
        self.sources
            .iter()
            .filter(|source| source.compile_scheme().is_ok_and(|scheme| !scheme.spec().covered().id))
            .map(|source| source.name.clone())
            .collect()
    }

    /// One secret parameter of two sources: a request signed for one would be accepted by the
    /// other (a webhook meant for a test source replayed to the production one, say). Refused
    /// unless one of the two names the other in `sharedSecretWith`.
    fn validate_shared_secrets(&self, problems: &mut Problems) {
        let mut first_user: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        let mut sharing: HashSet<(usize, usize)> = HashSet::new();
        for (index, source) in self.sources.iter().enumerate() {
            for (parameter_index, parameter) in source.secret_parameters.iter().enumerate() {
                let Some(&other) = first_user.get(parameter.as_str()) else {
                    first_user.insert(parameter, index);
                    continue;
                };
                let first = &self.sources[other];
                // A duplicate name is refused on its own.
                if other == index || first.name == source.name {
                    continue;
                }
                sharing.insert((other, index));
                let said = source.shared_secret_with.as_deref() == Some(first.name.as_str())
                    || first.shared_secret_with.as_deref() == Some(source.name.as_str());
                if !said {
                    problems.add(
                        format!("sources[{index}].secretParameters[{parameter_index}]"),
                        format!(
                            "`{parameter}` is also the secret of source `{}`: a request signed for one would be accepted \
                             by the other. Give each source its own secret, or say `\"sharedSecretWith\": \"{}\"`",
                            first.name, first.name
                        ),
                    );
                }
            }
        }
        for (index, source) in self.sources.iter().enumerate() {
            let Some(other) = source.shared_secret_with.as_deref() else { continue };
            let at = format!("sources[{index}].sharedSecretWith");
            match self.sources.iter().position(|candidate| candidate.name == other) {
                None => problems.add(at, format!("no source is named `{other}`")),
                Some(other_index) if !sharing.contains(&(other_index.min(index), other_index.max(index))) => {
                    problems.add(at, format!("`{}` and `{other}` share no secret parameter", source.name));
                }
                Some(_) => {}
            }
        }
    }

    /// A Function URL has no per-source throttle: a source's `throttle` would be a promise the
    /// stack cannot keep. Only the intake's reserved concurrency bounds it.
    fn validate_endpoint_throttles(&self, problems: &mut Problems) {
        if self.webhooks.endpoint != WebhookEndpoint::FunctionUrl {
            return;
        }
        for (index, source) in self.sources.iter().enumerate().filter(|(_, source)| source.throttle.is_some()) {
            problems.add(
                format!("sources[{index}].throttle"),
                format!(
                    "a Function URL has no per-source throttle (webhooks.endpoint is function-url): remove the \
                     throttle of `{}` (intake.reservedConcurrency bounds every source together), or use \
                     \"endpoint\": \"http-api\" or \"rest\"",
                    source.name
                ),
            );
        }
    }

    /// What `hookway config check` warns about without refusing: the deprecated
    /// `intake.functionUrl`; a Function URL with nothing to throttle it; a route that routes on an
    /// event type the source's signature does not cover (a header such as `X-GitHub-Event`), so
    /// that a captured request re-sent with another type reaches it.
    pub fn warnings(&self) -> Vec<Problem> {
        let mut warnings = Vec::new();
        if self.intake.function_url {
            let what = match self.webhooks.endpoint {
                WebhookEndpoint::FunctionUrl => "it says no more than webhooks.endpoint already does: remove it",
                _ => {
                    "it still adds a Function URL beside the REST API's webhook routes; to serve webhooks from the \
                     Function URL alone (no API Gateway charge), remove it and set it instead"
                }
            };
            warnings.push(Problem {
                field: "intake.functionUrl".to_owned(),
                message: format!(
                    "is deprecated: its replacement is `webhooks.endpoint: \"function-url\"` \
                     (\"webhooks\": {{\"endpoint\": \"function-url\"}}); {what}"
                ),
            });
        }
        if self.webhooks.endpoint == WebhookEndpoint::FunctionUrl && self.intake.reserved_concurrency.is_none() {
            warnings.push(Problem {
                field: "intake.reservedConcurrency".to_owned(),
                message: "is null, and the Function URL has no other throttle: a flood of webhooks can take the \
                          account's whole unreserved concurrency"
                    .to_owned(),
            });
        }
        if self.worker.replay_window_days < self.archive.retention_days {
            warnings.push(Problem {
                field: "worker.replayWindowDays".to_owned(),
                message: format!(
                    "({} days) is shorter than archive.retentionDays ({} days): `hookway replay` refuses to reach \
                     archived events older than {} days",
                    self.worker.replay_window_days, self.archive.retention_days, self.worker.replay_window_days
                ),
            });
        }
        for (index, source) in self.sources.iter().enumerate() {
            if !source.acknowledge.contains(&Acknowledged::NoRoute) && self.only_logged(source) {
                warnings.push(Problem {
                    field: format!("sources[{index}]"),
                    message: format!(
                        "`{}` has no route of its own: its events are only logged (by the catch-all `log` \
                         route, or as unrouted) and delivered nowhere. Add a route for it, or say it is meant \
                         with \"acknowledge\": [\"no-route\"]",
                        source.name
                    ),
                });
            }
        }
        for (index, route) in self.routes.iter().enumerate() {
            if route.event_type == "*" {
                continue;
            }
            for source in self.sources.iter().filter(|source| routes::glob_matches(&route.source, &source.name)) {
                if source.acknowledge.contains(&Acknowledged::UnsignedType) {
                    continue;
                }
                let Ok(scheme) = source.compile_scheme() else { continue };
                if scheme.spec().covered().event_type {
                    continue;
                }
                let carried = match scheme.type_header() {
                    Some(header) => format!("the `{header}` header"),
                    None => "an unsigned part of the request".to_owned(),
                };
                warnings.push(Problem {
                    field: format!("routes[{index}].type"),
                    message: format!(
                        "routes `{}` events of source `{}` by their type, which {} carries without a signature: \
                         a captured request re-sent with another type reaches this route. Route on a signed \
                         field of the body instead (`where`), or accept it knowingly: \"acknowledge\": \
                         [\"unsigned-type\"] on the source",
                        route.event_type, source.name, carried
                    ),
                });
            }
        }
        warnings
    }

    /// Whether nothing but `log` handlers takes the events of `source`, and no route names it but
    /// the catch-all (`"source": "*"`): its events are logged and delivered nowhere.
    fn only_logged(&self, source: &SourceConfig) -> bool {
        let mut matching = self.routes.iter().filter(|route| routes::glob_matches(&route.source, &source.name));
        matching.all(|route| {
            route.source == "*" && route.handlers().iter().all(|handler| matches!(handler, HandlerConfig::Log))
        })
    }
}

impl SourceConfig {
    fn validate(&self, at: &str, problems: &mut Problems) {
        if !is_valid_source_name(&self.name) {
            problems.add(
                format!("{at}.name"),
                format!(
                    "`{}` must be 1 to 64 lowercase letters, digits, `-` or `_`, starting with a letter or digit",
                    self.name
                ),
            );
        }
        if self.name == JOBS_SOURCE {
            problems.add(format!("{at}.name"), format!("`{JOBS_SOURCE}` is reserved for the jobs of POST /jobs"));
        }
        if let Some(ordering) = &self.ordering {
            for (field, pointer) in
                [("entityPointer", &ordering.entity_pointer), ("versionPointer", &ordering.version_pointer)]
            {
                if !pointer.starts_with('/') {
                    problems.add(
                        format!("{at}.ordering.{field}"),
                        format!("`{pointer}` is not a JSON pointer such as /data/id"),
                    );
                }
            }
        }
        if let Some(throttle) = &self.throttle {
            throttle.validate(&format!("{at}.throttle"), problems);
        }
        if let Some(ranges) = &self.allow_ips {
            if ranges.is_empty() {
                problems.add(
                    format!("{at}.allowIps"),
                    "an empty list would refuse every request: name at least one range, or leave allowIps out to allow any address",
                );
            }
            for (index, range) in ranges.iter().enumerate() {
                if let Err(error) = range.parse::<Cidr>() {
                    problems.add(format!("{at}.allowIps[{index}]"), error.to_string());
                }
            }
        }
        if self.secret_parameters.is_empty() {
            problems.add(
                format!("{at}.secretParameters"),
                "missing secret parameter: name at least one SSM parameter, e.g. /hookway/<source>/secret",
            );
        }
        for (index, name) in self.secret_parameters.iter().enumerate() {
            if !is_valid_parameter_name(name) {
                problems.add(
                    format!("{at}.secretParameters[{index}]"),
                    "must be an SSM parameter name such as /hookway/<source>/secret (the secret itself belongs in SSM, not here)",
                );
            }
        }
        if !(1..=MAX_TOLERANCE_SECONDS).contains(&self.tolerance_seconds) {
            problems.add(
                format!("{at}.toleranceSeconds"),
                format!("{} is out of range 1..={MAX_TOLERANCE_SECONDS}", self.tolerance_seconds),
            );
        }
        if let Err(error) = self.compile_scheme() {
            problems.add(format!("{at}.{}", error.field()), error.message());
        }
        let is_url = |url: &str| (url.starts_with("https://") || url.starts_with("http://")) && !url.contains('?');
        if let Some(url) = self.public_url.as_deref().filter(|url| !is_url(url)) {
            problems.add(format!("{at}.publicUrl"), format!("`{url}` is not an http(s) URL without a query"));
        }
        let needs_token = self.scheme.provider().is_some_and(|provider| {
            matches!(provider.spec.handshake, Some(hookway_providers::spec::Handshake::Get { needs_token: true, .. }))
        });
        match &self.verify_token_parameter {
            Some(_) if !needs_token => problems.add(
                format!("{at}.verifyTokenParameter"),
                format!("only a provider whose GET handshake checks a verify token takes one, not {}", self.scheme),
            ),
            Some(name) if !is_valid_parameter_name(name) => problems.add(
                format!("{at}.verifyTokenParameter"),
                "must be an SSM parameter name such as /hookway/<source>/verify-token",
            ),
            None if needs_token => problems.add(
                format!("{at}.verifyTokenParameter"),
                format!("{} answers its GET handshake only with the verify token: name its SSM parameter", self.scheme),
            ),
            _ => {}
        }
    }

    /// The scheme, ready to verify. Fails only for an invalid `hmac` section, which
    /// [`Config::validate`] has already refused.
    pub fn compile_scheme(&self) -> Result<Scheme, SchemeError> {
        crate::scheme::build(self.scheme, self.hmac.as_ref())
    }
}

/// A source name is a URL path segment and part of SSM paths and log lines.
fn is_valid_source_name(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    first_ok && name.len() <= 64 && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// SSM parameter names: `a-zA-Z0-9_.-/`, at most 1011 characters; hierarchical names start with `/`.
fn is_valid_parameter_name(name: &str) -> bool {
    name.starts_with('/')
        && name.len() > 1
        && name.len() <= 1011
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "_.-/".contains(c))
}

#[derive(Default)]
struct Problems(Vec<Problem>);

impl Problems {
    pub(self) fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem { field: field.into(), message: message.into() });
    }

    fn into_result(self) -> Result<(), ConfigError> {
        if self.0.is_empty() { Ok(()) } else { Err(ConfigError::Invalid(self.0)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::RecordKey;

    fn source(name: &str, scheme: &str) -> String {
        format!(r#"{{"name": "{name}", "scheme": "{scheme}", "secretParameters": ["/hookway/{name}/secret"]}}"#)
    }

    fn config(sources: &[String]) -> String {
        format!(r#"{{"sources": [{}]}}"#, sources.join(","))
    }

    fn error_of(json: &str) -> String {
        Config::from_json(json).expect_err("the configuration should be refused").to_string()
    }

    #[test]
    fn the_repository_example_is_valid_and_names_a_source_after_each_kind_of_scheme() {
        let config = Config::from_json(include_str!("../../../../hookway.json")).unwrap();
        for name in ["standard-webhooks", "stripe", "github", "slack", "shopify", "hmac"] {
            let source = config.source(name).unwrap_or_else(|| panic!("no `{name}` source"));
            assert_eq!(source.scheme.as_str(), name);
        }
    }

    #[test]
    fn the_digest_is_the_sha256_of_the_bytes_as_read() {
        // `sha256sum` of the three bytes `abc` (FIPS 180-2's first example).
        assert_eq!(digest(b"abc"), "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        let json = config(&[source("github", "github")]);
        let reindented = json.replace(", ", ",\n  ");
        assert_eq!(Config::from_json(&json).unwrap(), Config::from_json(&reindented).unwrap());
        assert_ne!(digest(json.as_bytes()), digest(reindented.as_bytes()), "the file's bytes, not its meaning");
        let error = Config::from_slice(b"{\"sources\": \"\xff\"}").unwrap_err();
        assert!(matches!(&error, ConfigError::Shape { field, .. } if field == "sources"), "not UTF-8: {error}");
    }

    #[test]
    fn defaults_apply_to_omitted_fields() {
        let config = Config::from_json(&config(&[source("github", "github")])).unwrap();
        assert_eq!(config.intake.max_body_bytes, DEFAULT_MAX_BODY_BYTES);
        let github = config.source("github").unwrap();
        assert_eq!(github.tolerance_seconds, DEFAULT_TOLERANCE_SECONDS);
        assert!(!github.hide_rejections);
    }

    #[test]
    fn an_unknown_scheme_is_named_with_its_field() {
        let error = error_of(&config(&[source("a", "github"), source("b", "gitlub")]));
        assert!(error.starts_with("sources[1].scheme: unknown scheme `gitlub`"), "{error}");
    }

    #[test]
    fn a_missing_secret_parameter_is_named() {
        let error = error_of(r#"{"sources": [{"name": "a", "scheme": "github", "secretParameters": []}]}"#);
        assert!(error.starts_with("sources[0].secretParameters: missing secret parameter"), "{error}");
        let error = error_of(r#"{"sources": [{"name": "a", "scheme": "github"}]}"#);
        assert!(error.contains("missing field `secretParameters`"), "{error}");
    }

    #[test]
    fn a_secret_pasted_instead_of_a_parameter_name_is_refused() {
        let error = error_of(r#"{"sources": [{"name": "a", "scheme": "stripe", "secretParameters": ["whsec_abc"]}]}"#);
        assert!(error.starts_with("sources[0].secretParameters[0]: must be an SSM parameter name"), "{error}");
    }

    #[test]
    fn a_tolerance_out_of_range_is_named() {
        for tolerance in [0, 3601] {
            let json = format!(
                r#"{{"sources": [{{"name": "a", "scheme": "slack", "secretParameters": ["/a"], "toleranceSeconds": {tolerance}}}]}}"#
            );
            assert_eq!(error_of(&json), format!("sources[0].toleranceSeconds: {tolerance} is out of range 1..=3600"));
        }
    }

    #[test]
    fn a_duplicate_source_name_is_named() {
        let error = error_of(&config(&[source("github", "github"), source("github", "github")]));
        assert_eq!(error, "sources[1].name: duplicate source name `github`");
    }

    #[test]
    fn a_source_name_must_be_a_path_segment() {
        let error = error_of(&config(&[source("Git Hub", "github")]));
        assert!(error.starts_with("sources[0].name: `Git Hub` must be"), "{error}");
    }

    #[test]
    fn unknown_fields_are_refused_where_they_stand() {
        let json = r#"{"sources": [{"name": "a", "scheme": "github", "secretParameters": ["/a"], "tolerance": 5}]}"#;
        let error = error_of(json);
        assert!(error.starts_with("sources[0].tolerance: unknown field `tolerance`"), "{error}");
    }

    #[test]
    fn the_waf_is_off_unless_asked_for_and_its_rate_is_checked() {
        let config = Config::from_json(include_str!("../../../../hookway.json")).unwrap();
        assert_eq!(config.webhooks.waf, None);
        let with = |rate: u32| {
            format!(
                r#"{{"webhooks": {{"waf": {{"ratePer5Minutes": {rate}}}}}, "sources": [{}]}}"#,
                source("a", "github")
            )
        };
        assert_eq!(Config::from_json(&with(2000)).unwrap().webhooks.waf, Some(WafConfig { rate_per5_minutes: 2000 }));
        assert!(
            error_of(&with(5)).starts_with("webhooks.waf.ratePer5Minutes: 5 is out of range"),
            "{}",
            error_of(&with(5))
        );
    }

    #[test]
    fn the_webhooks_endpoint_is_rest_unless_chosen_and_named_exactly() {
        let default = Config::from_json(&config(&[source("a", "github")])).unwrap();
        assert_eq!(default.webhooks.endpoint, WebhookEndpoint::Rest);
        let with = |endpoint: &str| {
            format!(r#"{{"webhooks": {{"endpoint": {endpoint}}}, "sources": [{}]}}"#, source("a", "github"))
        };
        for endpoint in WebhookEndpoint::ALL {
            let chosen = Config::from_json(&with(&format!("\"{endpoint}\""))).unwrap();
            assert_eq!(chosen.webhooks.endpoint, endpoint);
            assert_eq!(endpoint.as_str().parse::<WebhookEndpoint>(), Ok(endpoint));
        }
        let error = error_of(&with(r#""http_api""#));
        assert!(
            error.starts_with(
                "webhooks.endpoint: unknown variant `http_api`, expected one of `rest`, `http-api`, `function-url`"
            ),
            "{error}"
        );
    }

    #[test]
    fn waf_and_per_source_throttles_are_refused_where_the_endpoint_cannot_have_them() {
        let json = |webhooks: &str, intake: &str, throttle: &str| {
            format!(
                r#"{{"webhooks": {webhooks}, "intake": {intake}, "sources": [{{"name": "a", "scheme": "github",
                    "secretParameters": ["/a"]{throttle}}}]}}"#
            )
        };
        let waf = |endpoint: &str| {
            json(&format!(r#"{{"endpoint": "{endpoint}", "waf": {{"ratePer5Minutes": 100}}}}"#), "{}", "")
        };
        Config::from_json(&waf("rest")).unwrap();
        for endpoint in ["http-api", "function-url"] {
            let error = error_of(&waf(endpoint));
            assert!(
                error.starts_with(&format!(
                    "webhooks.waf: AWS WAF attaches to a REST API only, not to the webhooks endpoint `{endpoint}`"
                )),
                "{error}"
            );
        }
        let throttled = |endpoint: &str| {
            json(&format!(r#"{{"endpoint": "{endpoint}"}}"#), "{}", r#", "throttle": {"rate": 5, "burst": 10}"#)
        };
        Config::from_json(&throttled("rest")).unwrap();
        Config::from_json(&throttled("http-api")).unwrap();
        let error = error_of(&throttled("function-url"));
        assert!(error.starts_with("sources[0].throttle: a Function URL has no per-source throttle"), "{error}");
        // The deprecated functionUrl beside an HTTP API: two doors nobody chose.
        let error = error_of(&json(r#"{"endpoint": "http-api"}"#, r#"{"functionUrl": true}"#, ""));
        assert!(
            error.starts_with(r#"intake.functionUrl: contradicts "webhooks": {"endpoint": "http-api"}"#),
            "{error}"
        );
    }

    #[test]
    fn the_deprecated_function_url_and_an_unthrottled_one_are_warnings() {
        let json = |webhooks: &str, intake: &str| {
            format!(
                r#"{{"webhooks": {webhooks}, "intake": {intake}, "sources": [{}], "routes": [{}]}}"#,
                source("a", "github"),
                r#"{"source": "a", "handler": "log"}"#
            )
        };
        let warnings = |json: &str| -> Vec<String> {
            Config::from_json(json).unwrap().warnings().iter().map(ToString::to_string).collect()
        };
        let legacy = warnings(&json("{}", r#"{"functionUrl": true}"#));
        assert_eq!(legacy.len(), 1, "{legacy:?}");
        assert!(
            legacy[0].starts_with(
                r#"intake.functionUrl: is deprecated: its replacement is `webhooks.endpoint: "function-url"`"#
            ),
            "{legacy:?}"
        );
        assert!(legacy[0].contains("beside the REST API's webhook routes"), "{legacy:?}");
        let both = warnings(&json(r#"{"endpoint": "function-url"}"#, r#"{"functionUrl": true}"#));
        assert!(both[0].contains("says no more than webhooks.endpoint already does"), "{both:?}");
        assert!(warnings(&json(r#"{"endpoint": "function-url"}"#, "{}")).is_empty());
        let unbounded = warnings(&json(r#"{"endpoint": "function-url"}"#, r#"{"reservedConcurrency": null}"#));
        assert_eq!(unbounded.len(), 1, "{unbounded:?}");
        assert!(
            unbounded[0].starts_with("intake.reservedConcurrency: is null, and the Function URL has no other throttle")
        );
        assert!(warnings(&json(r#"{"endpoint": "http-api"}"#, r#"{"reservedConcurrency": null}"#)).is_empty());
    }

    #[test]
    fn a_source_throttle_is_checked() {
        let json = |throttle: &str| {
            format!(
                r#"{{"sources": [{{"name": "a", "scheme": "github", "secretParameters": ["/a"], "throttle": {throttle}}}]}}"#
            )
        };
        let config = Config::from_json(&json(r#"{"rate": 5, "burst": 10}"#)).unwrap();
        assert_eq!(config.sources[0].throttle, Some(ThrottleConfig { rate: 5.0, burst: 10 }));
        assert_eq!(
            error_of(&json(r#"{"rate": 0, "burst": 0}"#)),
            "sources[0].throttle.rate: 0 is out of range 0.1..=10000 (requests a second)\nsources[0].throttle.burst: 0 is out of range 1..=5000"
        );
    }

    #[test]
    fn one_secret_for_two_sources_is_refused_unless_said() {
        let shared = |extra: &str| {
            format!(
                r#"{{"sources": [{{"name": "prod", "scheme": "github", "secretParameters": ["/s"]}},
                    {{"name": "test", "scheme": "github", "secretParameters": ["/t", "/s"]{extra}}}]}}"#
            )
        };
        let error = error_of(&shared(""));
        assert!(
            error.starts_with("sources[1].secretParameters[1]: `/s` is also the secret of source `prod`: a request signed for one would be accepted by the other"),
            "{error}"
        );
        assert!(error.contains(r#""sharedSecretWith": "prod""#), "{error}");
        Config::from_json(&shared(r#", "sharedSecretWith": "prod""#)).unwrap();
        let error = error_of(&shared(r#", "sharedSecretWith": "nobody""#));
        assert!(error.contains("sources[1].sharedSecretWith: no source is named `nobody`"), "{error}");
        let apart = r#"{"sources": [{"name": "a", "scheme": "github", "secretParameters": ["/a"]},
            {"name": "b", "scheme": "github", "secretParameters": ["/b"], "sharedSecretWith": "a"}]}"#;
        assert_eq!(error_of(apart), "sources[1].sharedSecretWith: `b` and `a` share no secret parameter");
    }

    #[test]
    fn a_route_on_an_unsigned_type_header_is_a_warning() {
        let json = r#"{"sources": [{"name": "github", "scheme": "github", "secretParameters": ["/g"]},
            {"name": "stripe", "scheme": "stripe", "secretParameters": ["/s"]}],
          "routes": [{"source": "*", "type": "push", "handler": "log"},
                     {"source": "stripe", "type": "invoice.*", "handler": "log"},
                     {"source": "github", "handler": "log"}]}"#;
        let warnings = Config::from_json(json).unwrap().warnings();
        let warnings: Vec<String> = warnings.iter().map(ToString::to_string).collect();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].starts_with(
                "routes[0].type: routes `push` events of source `github` by their type, which the `X-GitHub-Event` header carries without a signature"
            ),
            "{warnings:?}"
        );
        let acknowledged = json.replace(
            r#""secretParameters": ["/g"]"#,
            r#""secretParameters": ["/g"], "acknowledge": ["unsigned-type"]"#,
        );
        assert!(Config::from_json(&acknowledged).unwrap().warnings().is_empty(), "acknowledged on the source");
        let example = Config::from_json(include_str!("../../../../hookway.json")).unwrap();
        let warnings: Vec<String> = example.warnings().iter().map(ToString::to_string).collect();
        assert!(warnings.iter().all(|warning| warning.contains("has no route of its own")), "{warnings:?}");
    }

    #[test]
    fn a_source_only_the_catch_all_log_takes_is_a_warning_until_acknowledged() {
        let config = |sources: &str, routes: &str| {
            let json = format!(r#"{{"sources": [{sources}], "routes": [{routes}]}}"#);
            Config::from_json(&json).unwrap().warnings().iter().map(ToString::to_string).collect::<Vec<_>>()
        };
        let github = r#"{"name": "github", "scheme": "github", "secretParameters": ["/g"]}"#;
        let stripe = r#"{"name": "stripe", "scheme": "stripe", "secretParameters": ["/s"]}"#;
        let both = format!("{github}, {stripe}");
        let catch_all = r#"{"source": "*", "handler": "log"}"#;
        let forward = r#"{"source": "stripe", "handler": {"forward": {"url": "https://example.com/s"}}}"#;
        let warnings = config(&both, &format!("{forward}, {catch_all}"));
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].starts_with("sources[0]: `github` has no route of its own: its events are only logged"));
        assert_eq!(config(&both, "").len(), 2, "no route at all: every event unrouted");
        let own_log = r#"{"source": "git*", "handler": "log"}"#;
        assert!(
            config(&both, &format!("{forward}, {own_log}, {catch_all}")).is_empty(),
            "a route of its own, even a log"
        );
        let forward_all = r#"{"source": "*", "handler": {"forward": {"url": "https://example.com/all"}}}"#;
        assert!(config(&both, forward_all).is_empty(), "a catch-all that delivers");
        let acknowledged = github.replace(r#"["/g"]"#, r#"["/g"], "acknowledge": ["no-route"]"#);
        assert!(config(&format!("{acknowledged}, {stripe}"), &format!("{forward}, {catch_all}")).is_empty());
        let unknown = github.replace(r#"["/g"]"#, r#"["/g"], "acknowledge": ["everything"]"#);
        assert!(Config::from_json(&format!(r#"{{"sources": [{unknown}]}}"#)).is_err(), "only the warnings there are");
    }

    #[test]
    fn a_body_keyed_record_lives_as_long_as_the_archive_and_the_replay_window() {
        let github = r#""sources": [{"name": "github", "scheme": "github", "secretParameters": ["/g"]}]"#;
        let config = |settings: &str| Config::from_json(&format!("{{{settings}{github}}}")).unwrap();
        let by_id = RecordKey::event("github", "d-1");
        let by_body = RecordKey::event_body("github", b"{}");
        let defaults = config("").record_ttl();
        assert_eq!(defaults, RecordTtl::default());
        assert_eq!((defaults.days(&by_id), defaults.days(&by_body)), (7, 90), "idempotencyTtlDays; replayWindowDays");
        assert_eq!(defaults.seconds(&RecordKey::replay(&by_body, "r-1")), 90 * 86_400, "a replay run's record too");
        assert_eq!(defaults.seconds(&RecordKey::job("j-1")), 7 * 86_400);
        let archive = config(r#""archive": {"retentionDays": 400}, "#).record_ttl();
        assert_eq!((archive.days(&by_id), archive.days(&by_body)), (7, 400), "as long as the archive");
        let ids = config(r#""worker": {"idempotencyTtlDays": 120, "replayWindowDays": 10}, "#).record_ttl();
        assert_eq!((ids.days(&by_id), ids.days(&by_body)), (120, 120), "never shorter than an id's");
    }

    #[test]
    fn a_replay_window_shorter_than_the_archive_is_a_warning() {
        let github = r#""sources": [{"name": "github", "scheme": "github", "secretParameters": ["/g"], "acknowledge": ["no-route"]}]"#;
        let warnings = |settings: &str| -> Vec<String> {
            let config = Config::from_json(&format!("{{{settings}{github}}}")).unwrap();
            config.warnings().iter().map(ToString::to_string).collect()
        };
        assert!(warnings("").is_empty());
        let short = warnings(r#""worker": {"replayWindowDays": 20}, "#);
        assert_eq!(
            short,
            ["worker.replayWindowDays: (20 days) is shorter than archive.retentionDays (30 days): `hookway replay` \
              refuses to reach archived events older than 20 days"]
        );
        assert!(warnings(r#""worker": {"replayWindowDays": 30}, "#).is_empty());
        let error = error_of(&format!(r#"{{"worker": {{"replayWindowDays": 0}}, {github}}}"#));
        assert!(error.starts_with("worker.replayWindowDays: "), "{error}");
    }

    #[test]
    fn an_hmac_id_header_the_template_does_not_sign_must_be_said() {
        let hmac = |extra: &str| {
            format!(
                r#"{{"sources": [{{"name": "a", "scheme": "hmac", "secretParameters": ["/a"],
                "hmac": {{"signatureHeader": "X-Sig", "template": "{{body}}", "idHeader": "X-Id"{extra}}}}}]}}"#
            )
        };
        let error = error_of(&hmac(""));
        assert!(error.starts_with("sources[0].hmac.idSigned: the template does not sign `X-Id`"), "{error}");
        Config::from_json(&hmac(r#", "idSigned": false"#)).unwrap();
        let scheme = Config::from_json(&hmac(r#", "idSigned": false"#)).unwrap().sources[0].compile_scheme().unwrap();
        assert!(!scheme.spec().covered().id, "its events are keyed by their body");
    }

    #[test]
    fn hmac_settings_belong_to_the_hmac_scheme_only() {
        let error = error_of(&config(&[source("a", "hmac")]));
        assert_eq!(error, "sources[0].hmac: the hmac scheme needs its `hmac` settings");
        let json = r#"{"sources": [{"name": "a", "scheme": "github", "secretParameters": ["/a"], "hmac": {"signatureHeader": "X-Sig"}}]}"#;
        assert_eq!(error_of(json), "sources[0].hmac: only the hmac scheme takes `hmac` settings, not github");
    }

    #[test]
    fn an_hmac_template_is_checked_against_its_headers() {
        let json = r#"{"sources": [{"name": "a", "scheme": "hmac", "secretParameters": ["/a"],
            "hmac": {"signatureHeader": "X-Sig", "template": "{timestamp}.{body}"}}]}"#;
        let error = error_of(json);
        assert!(error.starts_with("sources[0].hmac.template: `{timestamp}` needs `timestampHeader`"), "{error}");
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let json = r#"{"intake": {"maxBodyBytes": 0}, "sources": [
            {"name": "a", "scheme": "github", "secretParameters": [], "toleranceSeconds": 0}]}"#;
        let error = error_of(json);
        assert_eq!(error.lines().count(), 3, "{error}");
        assert!(error.contains("intake.maxBodyBytes: 0 is out of range"), "{error}");
    }

    #[test]
    fn the_body_limit_stays_within_what_api_gateway_and_lambda_deliver() {
        // Base64-encoded, with 64 KiB for the rest of the proxy event, within Lambda's 6 MiB.
        assert!(MAX_BODY_BYTES_LIMIT.div_ceil(3) * 4 + 64 * 1024 <= 6 * 1024 * 1024);
        let json = format!(
            r#"{{"intake": {{"maxBodyBytes": {}}}, "sources": [{}]}}"#,
            MAX_BODY_BYTES_LIMIT + 1,
            source("a", "github")
        );
        assert!(error_of(&json).starts_with("intake.maxBodyBytes: 4669441 is out of range 1..=4669440"));
    }

    #[test]
    fn not_json_names_the_root() {
        assert!(error_of("{").starts_with("(root): EOF while parsing"), "{}", error_of("{"));
    }

    #[test]
    fn the_settings_of_every_part_have_defaults() {
        let config = Config::from_json(&config(&[source("github", "github")])).unwrap();
        assert_eq!(config.api, ApiConfig::default());
        assert_eq!(config.worker.timeout_seconds, 60);
        assert_eq!(config.queue.max_receive_count, 5);
        assert_eq!(config.jobs.retry_attempts, 2);
        assert_eq!(config.log_retention_days, 30);
        assert_eq!(config.archive.retention_days, 30);
        assert!(config.routes.is_empty());
        let partial = r#"{"worker": {"timeoutSeconds": 900}, "sources": [{"name": "a", "scheme": "github", "secretParameters": ["/a"]}]}"#;
        let config = Config::from_json(partial).unwrap();
        assert_eq!(
            (config.worker.timeout_seconds, config.worker.batch_size),
            (900, 10),
            "omitted fields keep defaults"
        );
    }

    #[test]
    fn settings_out_of_range_are_named() {
        let json = r#"{"worker": {"timeoutSeconds": 901, "batchSize": 100, "batchingWindowSeconds": 0}, "jobs": {"retryAttempts": 3}, "archive": {"retentionDays": 0},
            "intake": {"timeoutSeconds": 30}, "api": {"stageName": "v 1"}, "logRetentionDays": 8,
            "sources": [{"name": "a", "scheme": "github", "secretParameters": ["/a"]}]}"#;
        let error = error_of(json);
        for expected in [
            "api.stageName: `v 1` must be",
            "intake.timeoutSeconds: 30 is out of range 1..=29",
            "worker.timeoutSeconds: 901 is out of range 1..=900",
            "worker.batchingWindowSeconds: must be at least 1 when batchSize is over 10",
            "jobs.retryAttempts: 3 is out of range 0..=2",
            "archive.retentionDays: 0 is out of range 1..=3650",
            "logRetentionDays: 8 is not a CloudWatch Logs retention",
        ] {
            assert!(error.contains(expected), "{expected} in:\n{error}");
        }
    }

    #[test]
    fn alarms_take_their_thresholds_a_runbook_and_a_slack_channel() {
        let defaults = Config::from_json(&config(&[source("a", "github")])).unwrap();
        assert_eq!(defaults.alarms.runbook_url, DEFAULT_RUNBOOK_URL);
        // The default is a page of the docs site, built from docs/ (an .md source for each .html).
        let page =
            DEFAULT_RUNBOOK_URL.strip_prefix("https://hookway.github.io/hookway/").unwrap().replace(".html", ".md");
        let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs");
        assert!(docs.join(&page).is_file(), "{DEFAULT_RUNBOOK_URL}: no docs/{page}");
        assert_eq!((defaults.alarms.slack.as_ref(), defaults.tracing), (None, false));
        let json = r#"{"tracing": true, "alarms": {"slack": {"workspaceId": "T07EA123LEP", "channelId": "C07EZ1ABC23"}},
            "sources": [{"name": "a", "scheme": "github", "secretParameters": ["/a"]}]}"#;
        let chosen = Config::from_json(json).unwrap();
        assert!(chosen.tracing);
        assert_eq!(
            chosen.alarms.slack,
            Some(SlackConfig { workspace_id: "T07EA123LEP".into(), channel_id: "C07EZ1ABC23".into() })
        );
        let json = r##"{"alarms": {"failureRatePercent": 0, "runbookUrl": "README.md#runbook",
            "slack": {"workspaceId": "my workspace", "channelId": "#alerts"}},
            "sources": [{"name": "a", "scheme": "github", "secretParameters": ["/a"]}]}"##;
        let error = error_of(json);
        for expected in [
            "alarms.failureRatePercent: 0 is out of range 1..=100",
            "alarms.runbookUrl: `README.md#runbook` is not an http:// or https:// URL",
            "alarms.slack.workspaceId: `my workspace` is not a Slack workspace id",
            "alarms.slack.channelId: `#alerts` is not a Slack channel id",
        ] {
            assert!(error.contains(expected), "{expected} in:\n{error}");
        }
        let json = r#"{"alarms": {"slack": {"workspaceId": "T07EA123LEP"}}, "sources": []}"#;
        assert!(error_of(json).starts_with("alarms.slack: missing field `channelId`"), "{}", error_of(json));
    }

    #[test]
    fn routes_name_known_sources_and_valid_handlers() {
        let json = |routes: &str| {
            format!(
                r#"{{"sources": [{{"name": "stripe", "scheme": "stripe", "secretParameters": ["/a"]}}], "routes": [{routes}]}}"#
            )
        };
        let ok = json(
            r#"{"source": "stripe", "type": "invoice.*", "handler": {"forward": {"url": "https://billing.example.com/hooks"}}},
            {"source": "jobs", "type": "report.generate", "handler": {"custom": "report"}}, {"source": "*", "handler": "log"}"#,
        );
        let config = Config::from_json(&ok).unwrap();
        let HandlerConfig::Forward(forward) = &config.routes[0].handlers()[0] else { panic!("a forward route") };
        assert_eq!((forward.timeout_seconds, forward.max_attempts), (10, 5));
        assert_eq!(forward.circuit_breaker, BreakerConfig { failure_threshold: 5, cooldown_seconds: 30 });
        assert_eq!(config.routes[2].event_type, "*");

        assert_eq!(
            error_of(&json(r#"{"source": "strpe", "handler": "log"}"#)),
            "routes[0].source: `strpe` matches no source, nor `jobs`"
        );
        let error =
            error_of(&json(r#"{"source": "stripe", "handler": {"forward": {"url": "ftp://x", "maxAttempts": 0}}}"#));
        assert!(
            error.contains("routes[0].handler.forward.url: `ftp://x` is not an http:// or https:// URL"),
            "{error}"
        );
        assert!(error.contains("routes[0].handler.forward.maxAttempts: 0 is out of range 1..=20"), "{error}");
        let error = error_of(&json(r#"{"source": "stripe", "handler": "shout"}"#));
        assert!(error.starts_with("routes[0].handler: unknown variant `shout`"), "{error}");
    }

    #[test]
    fn jobs_is_reserved_and_ordering_takes_pointers() {
        assert!(error_of(&config(&[source("jobs", "github")])).contains("`jobs` is reserved"));
        let json = r#"{"sources": [{"name": "a", "scheme": "stripe", "secretParameters": ["/a"],
            "ordering": {"entityPointer": "data.id", "versionPointer": "/created"}}]}"#;
        assert_eq!(
            error_of(json),
            "sources[0].ordering.entityPointer: `data.id` is not a JSON pointer such as /data/id"
        );
    }

    #[test]
    fn allowed_addresses_are_ranges_and_are_named_when_they_are_not() {
        let json = |ranges: &str| {
            format!(
                r#"{{"sources": [{{"name": "a", "scheme": "github", "secretParameters": ["/a"], "allowIps": {ranges}}}]}}"#
            )
        };
        let allowed = Config::from_json(&json(r#"["192.30.252.0/22", "2606:50c0::/32", "203.0.113.7"]"#)).unwrap();
        assert_eq!(allowed.sources[0].allow_ips.as_ref().map(Vec::len), Some(3));
        let without = Config::from_json(&config(&[source("a", "github")])).unwrap();
        assert_eq!(without.sources[0].allow_ips, None);
        let error = error_of(&json(r#"["192.30.252.0/22", "192.30.252.1/22", "github.com"]"#));
        assert_eq!(
            error,
            "sources[0].allowIps[1]: `192.30.252.1/22` has bits set beyond its /22 prefix: write 192.30.252.0/22\n\
             sources[0].allowIps[2]: `github.com` is not an IPv4 or IPv6 address, nor a range such as 203.0.113.0/24 or 2001:db8::/32"
        );
        assert!(error_of(&json("[]")).starts_with("sources[0].allowIps: an empty list would refuse every request"));
    }

    #[test]
    fn scheme_names_parse_from_the_command_line() {
        for scheme in SchemeName::all() {
            assert_eq!(scheme.as_str().parse::<SchemeName>(), Ok(scheme));
        }
        assert!("gitlub".parse::<SchemeName>().unwrap_err().contains("`hookway providers` lists them"));
    }
}
