//! A configured source, compiled once at start-up for the request path.

use std::collections::HashMap;

use crate::cidr::{Cidr, CidrError};
use crate::config::{Config, DEFAULT_TOLERANCE_SECONDS, SourceConfig};
use crate::scheme::{Answer, Identity, Key, KeyError, MalformedEvent, Request, Scheme, SchemeError, VerifyError};
use crate::secret::parse_parameter;

/// Why a configured source cannot be compiled (a validated configuration always compiles).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
    /// Its scheme's settings are refused.
    #[error(transparent)]
    Scheme(#[from] SchemeError),
    /// One of its `allowIps` is not an address or a range.
    #[error("allowIps: {0}")]
    AllowIps(#[from] CidrError),
}

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
    /// The SSM parameters holding its secrets, then its verify token's, if any.
    pub secret_parameters: Vec<String>,
    /// The parameter holding the verify token of its `GET` handshake.
    pub verify_token_parameter: Option<String>,
    /// The URL the provider calls, where configured (`publicUrl`).
    pub public_url: Option<String>,
    /// The headers kept in its events' envelopes, lowercase.
    pub kept_headers: Vec<String>,
    /// The only addresses it may send from; `None`: any.
    pub allow_ips: Option<Vec<Cidr>>,
}

impl Source {
    /// Compiles a configured source.
    pub fn new(config: &SourceConfig) -> Result<Source, SourceError> {
        let scheme = config.compile_scheme()?;
        let mut secret_parameters = config.secret_parameters.clone();
        secret_parameters.extend(config.verify_token_parameter.iter().cloned());
        Ok(Source {
            name: config.name.clone(),
            kept_headers: kept_headers(&scheme),
            scheme,
            tolerance_seconds: config.tolerance_seconds,
            hide_rejections: config.hide_rejections,
            secret_parameters,
            verify_token_parameter: config.verify_token_parameter.clone(),
            public_url: config.public_url.clone(),
            allow_ips: allow_ips(config)?,
        })
    }

    /// A source with a catalog scheme's defaults, as the command line uses it. `hmac` needs its
    /// settings: use [`Source::new`] with a configured source.
    pub fn with_scheme(name: &str, scheme: Scheme) -> Source {
        Source {
            name: name.to_owned(),
            kept_headers: kept_headers(&scheme),
            scheme,
            tolerance_seconds: DEFAULT_TOLERANCE_SECONDS,
            hide_rejections: false,
            secret_parameters: Vec::new(),
            verify_token_parameter: None,
            public_url: None,
            allow_ips: None,
        }
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
    pub fn verify(&self, request: &Request<'_>, keys: &[Key], now: i64) -> Result<(), VerifyError> {
        self.scheme.verify(request, keys, self.tolerance_seconds, now)
    }

    /// Names the event of a verified request.
    pub fn identify(&self, request: &Request<'_>) -> Result<Identity, MalformedEvent> {
        self.scheme.identify(&self.name, request)
    }

    /// The answer to a signed handshake, once the request verified.
    pub fn answer_verified(&self, request: &Request<'_>, keys: &[Key], now: i64) -> Option<Answer> {
        self.scheme.answer_verified(request, keys, self.tolerance_seconds, now)
    }

    /// The keys in parameter values as stored, by parameter: every usable secret (and the verify
    /// token), and what was wrong with the others (never the secret itself).
    pub fn keys<'v>(&self, values: impl IntoIterator<Item = (&'v str, &'v str)>) -> (Vec<Key>, Vec<KeyError>) {
        let mut keys = Vec::new();
        let mut problems = Vec::new();
        for (parameter, value) in values {
            if self.verify_token_parameter.as_deref() == Some(parameter) {
                match Key::verify_token(value) {
                    Ok(key) => keys.push(key),
                    Err(problem) => problems.push(problem),
                }
                continue;
            }
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
fn allow_ips(config: &SourceConfig) -> Result<Option<Vec<Cidr>>, CidrError> {
    config.allow_ips.as_ref().map(|ranges| ranges.iter().map(|range| range.parse()).collect()).transpose()
}

/// What every envelope keeps besides the scheme's own headers (the content type has its own field).
const ALWAYS_KEPT: [&str; 1] = ["user-agent"];

fn kept_headers(scheme: &Scheme) -> Vec<String> {
    ALWAYS_KEPT.iter().map(|name| (*name).to_owned()).chain(scheme.kept_headers()).collect()
}

/// Compiles every source of a configuration, by name.
pub fn compile(config: &Config) -> Result<HashMap<String, Source>, SourceError> {
    config.sources.iter().map(|source| Ok((source.name.clone(), Source::new(source)?))).collect()
}
