//! Hookway's core library: what the intake, the worker and the command line share.
//!
//! * [`archive`] — the event store: every event archived in S3, and the bodies too large for a message.
//! * [`aws`] — the AWS SDK configuration, with timeouts, and the calls made without SDK crates
//!   (S3, Firehose, and the targets' SNS, EventBridge, Lambda and Step Functions).
//! * [`cidr`] — IP address ranges, for a source's allowlist.
//! * [`config`] — `hookway.json`, parsed and validated with errors that name the field at fault.
//! * [`dead_letter`] — why an event is in the events dead-letter queue.
//! * [`env`] — the Lambdas' environment variables, declared once.
//! * [`scheme`] — the signature schemes: verify, sign, and name the event a request carries.
//! * [`source`] — a configured source, compiled for the request path.
//! * [`secret`] and [`secret_cache`] — secrets as stored in SSM, and the one cache the intake and
//!   the worker read them through.
//! * [`envelope`] — the versioned JSON an event travels in through SQS.
//! * [`job`] — the job event `POST /jobs` hands the worker, and Lambda's record of one that failed.
//! * `local` (feature `local`) — the local stack as the operator commands and tests see it.
//! * [`store`] — the state table: idempotency records, entity versions and job statuses.
//! * [`target`] — the versioned envelope an AWS-native target receives.
//! * [`telemetry`] — JSON logs.
//! * [`transform`] — jq programs: a destination's `transform` and a route's `jq` condition.

// No unwrap or expect on request paths: every failure is an error with a status or an exit code.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod archive;
pub mod aws;
pub mod cidr;
pub mod config;
pub mod dead_letter;
pub mod env;
pub mod envelope;
pub mod job;
#[cfg(feature = "local")]
pub mod local;
pub mod scheme;
pub mod secret;
pub mod secret_cache;
pub mod source;
pub mod store;
pub mod target;
pub mod telemetry;
pub mod transform;

pub use config::{Config, SchemeName};
pub use envelope::Envelope;
pub use hookway_providers;
pub use source::Source;

/// The current Unix time in seconds.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX))
}

/// The current Unix time in milliseconds.
pub fn unix_now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX))
}

/// A Unix time in milliseconds in RFC 3339, e.g. `2026-11-22T05:44:00.123Z`.
pub fn rfc3339_ms(unix_ms: i64) -> String {
    let since_epoch = std::time::Duration::from_millis(u64::try_from(unix_ms).unwrap_or_default());
    humantime::format_rfc3339_millis(std::time::UNIX_EPOCH + since_epoch).to_string()
}

/// An RFC 3339 time as Unix milliseconds.
pub fn parse_rfc3339_ms(text: &str) -> Option<i64> {
    let elapsed = parse_rfc3339(text)?.duration_since(std::time::UNIX_EPOCH).ok()?;
    i64::try_from(elapsed.as_millis()).ok()
}

/// The current time in RFC 3339 with milliseconds, e.g. `2026-11-22T05:44:00.123Z`.
pub fn rfc3339_now() -> String {
    humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string()
}

/// Parses an RFC 3339 time, such as `2026-11-22T05:44:00.123Z`.
pub fn parse_rfc3339(text: &str) -> Option<std::time::SystemTime> {
    humantime::parse_rfc3339_weak(text).ok()
}
