//! A configured source, compiled once at start-up for the request path.

use std::collections::HashMap;

use http::HeaderMap;

use crate::cidr::Cidr;
use crate::config::{Config, Problem, SchemeName, SourceConfig};
use crate::scheme::{Identity, MalformedEvent, Scheme, VerifyError};
use crate::secret::{KeyError, SigningKey, parse_parameter};

/// A webhook sender, ready to verify.
#[derive(Debug, Clone)]
pub struct Source {
    /// The `{source}` of its endpoint.
    pub name: String,
    /// How it signs.
    pub scheme: Scheme,
    /// Accepted clock skew of its timestamps, both ways.
    pub tolerance_seconds: u64,
    /// Whether a failed verification is answered 404 rather than 401.
    pub hide_rejections: bool,
    /// The SSM parameters holding its secrets.
    pub secret_parameters: Vec<String>,
    /// The headers kept in its events' envelopes, lowercase.
    pub kept_headers: Vec<String>,
    /// The only addresses it may send from; `None`: any.
    pub allow_ips: Option<Vec<Cidr>>,
}

impl Source {
    /// Compiles a configured source.
    pub fn new(config: &SourceConfig) -> Result<Source, Problem> {
        let scheme = config.compile_scheme()?;
        Ok(Source {
            name: config.name.clone(),
            kept_headers: kept_headers(&scheme),
            scheme,
            tolerance_seconds: config.tolerance_seconds,
            hide_rejections: config.hide_rejections,
            secret_parameters: config.secret_parameters.clone(),
            allow_ips: allow_ips(config)?,
        })
    }

    /// A source with a named scheme's defaults, as the command line uses it. `hmac` needs its
    /// settings: use [`Source::new`] with a configured source.
    pub fn with_scheme(name: &str, scheme: SchemeName) -> Result<Source, Problem> {
        let scheme = Scheme::new(scheme, None)?;
        Ok(Source {
            name: name.to_owned(),
            kept_headers: kept_headers(&scheme),
            scheme,
            tolerance_seconds: crate::config::DEFAULT_TOLERANCE_SECONDS,
            hide_rejections: false,
            secret_parameters: Vec::new(),
            allow_ips: None,
        })
    }

    /// Whether a request from `address` may be verified at all: anything goes without
    /// `allowIps`; with it, only an address in one of its ranges (an unknown address is refused).
    pub fn allows(&self, address: Option<std::net::IpAddr>) -> bool {
        match &self.allow_ips {
            None => true,
            Some(ranges) => address.is_some_and(|address| ranges.iter().any(|range| range.contains(address))),
        }
    }

    /// Verifies a request with these keys at Unix time `now`.
    pub fn verify(&self, headers: &HeaderMap, body: &[u8], keys: &[SigningKey], now: i64) -> Result<(), VerifyError> {
        self.scheme.verify(headers, body, keys, self.tolerance_seconds, now)
    }

    /// Names the event of a verified request.
    pub fn identify(&self, headers: &HeaderMap, body: &[u8]) -> Result<Identity, MalformedEvent> {
        self.scheme.identify(&self.name, headers, body)
    }

    /// The keys in parameter values as stored: every usable secret, and what was wrong with the
    /// others (never the secret itself).
    pub fn keys<'v>(&self, values: impl IntoIterator<Item = &'v str>) -> (Vec<SigningKey>, Vec<KeyError>) {
        let mut keys = Vec::new();
        let mut problems = Vec::new();
        for value in values {
            match parse_parameter(value) {
                Ok(secrets) => {
                    for stored in secrets {
                        match self.scheme.key(&stored.value, stored.expires_at) {
                            Ok(key) => keys.push(key),
                            Err(problem) => problems.push(problem),
                        }
                    }
                }
                Err(problem) => problems.push(problem),
            }
        }
        (keys, problems)
    }
}

/// The compiled `allowIps`. Fails only for a range [`Config::validate`] has already refused.
fn allow_ips(config: &SourceConfig) -> Result<Option<Vec<Cidr>>, Problem> {
    let Some(ranges) = &config.allow_ips else { return Ok(None) };
    let parsed = ranges.iter().map(|range| range.parse::<Cidr>()).collect::<Result<Vec<_>, _>>();
    parsed.map(Some).map_err(|error| Problem { field: "allowIps".into(), message: error.to_string() })
}

/// What every envelope keeps besides the scheme's own headers (the content type has its own field).
const ALWAYS_KEPT: [&str; 1] = ["user-agent"];

fn kept_headers(scheme: &Scheme) -> Vec<String> {
    ALWAYS_KEPT.iter().map(|name| (*name).to_owned()).chain(scheme.kept_headers()).collect()
}

/// Compiles every source of a configuration, by name.
pub fn compile(config: &Config) -> Result<HashMap<String, Source>, Problem> {
    config.sources.iter().map(|source| Ok((source.name.clone(), Source::new(source)?))).collect()
}
