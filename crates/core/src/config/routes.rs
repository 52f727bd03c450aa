//! Routes: which handler processes which events. The first route whose source and type match an
//! event takes it; an event no route matches is acknowledged and logged.

use serde::{Deserialize, Serialize};

use super::Problems;

/// The source of the jobs `POST /jobs` accepts; routes name it like a webhook source.
pub const JOBS_SOURCE: &str = "jobs";

/// One route.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RouteConfig {
    /// A source's name, `jobs` for `POST /jobs` jobs, or a pattern where `*` matches anything.
    pub source: String,
    /// An event type, or a pattern where `*` matches anything, e.g. `invoice.*`.
    #[serde(rename = "type", default = "any")]
    pub event_type: String,
    /// What processes the matching events.
    pub handler: HandlerConfig,
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
    /// Attempts within one invocation (its time budget permitting); the queue retries after.
    #[serde(default = "default_max_attempts")]
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = 20)))]
    pub max_attempts: u32,
    /// When to stop calling a failing destination for a while.
    #[serde(default)]
    pub circuit_breaker: BreakerConfig,
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
    pub(super) fn validate(&self, at: &str, sources: &[&str], problems: &mut Problems) {
        let matches_some = sources.iter().chain([&JOBS_SOURCE]).any(|name| glob_matches(&self.source, name));
        if !matches_some {
            problems.add(format!("{at}.source"), format!("`{}` matches no source, nor `{JOBS_SOURCE}`", self.source));
        }
        match &self.handler {
            HandlerConfig::Forward(forward) => forward.validate(&format!("{at}.handler.forward"), problems),
            HandlerConfig::Custom(name) if name.is_empty() => {
                problems.add(format!("{at}.handler.custom"), "name the handler registered in the worker");
            }
            _ => {}
        }
    }
}

impl ForwardConfig {
    fn validate(&self, at: &str, problems: &mut Problems) {
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
        let breaker = &self.circuit_breaker;
        if !(1..=1000).contains(&breaker.failure_threshold) {
            let message = format!("{} is out of range 1..=1000", breaker.failure_threshold);
            problems.add(format!("{at}.circuitBreaker.failureThreshold"), message);
        }
        if !(1..=3600).contains(&breaker.cooldown_seconds) {
            let message = format!("{} is out of range 1..=3600", breaker.cooldown_seconds);
            problems.add(format!("{at}.circuitBreaker.cooldownSeconds"), message);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::glob_matches;

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
