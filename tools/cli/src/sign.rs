//! `hookway sign`: the headers a sender would send with a body.

use std::path::PathBuf;

use hookway_core::hookway_providers::spec::IdStyle;
use hookway_core::scheme::{Scheme, SignRequest};
use hookway_core::unix_now;

use crate::error::CliError;
use crate::output::outln;
use crate::target::{self, Target};

/// Prints one `Name: value` line per header; a provider that carries its signature in the body
/// (Mailgun) also gets a blank line and the body to send. The timestamp is now and the id fresh
/// unless given.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    target: Target,
    /// The secret or token to sign with, as the provider shows it (with --source, read from SSM
    /// when absent).
    #[arg(long, value_name = "SECRET", required_unless_present_any = ["source", "private_key"])]
    secret: Option<String>,
    /// A test private key, for providers that sign with one: Ed25519 (hex seed, or whsk_…) or
    /// P-256 (base64 PKCS#8 DER).
    #[arg(long, value_name = "KEY", conflicts_with = "secret")]
    private_key: Option<String>,
    /// The event id, for providers that send one (a fresh one when absent).
    #[arg(long, value_name = "ID")]
    id: Option<String>,
    /// The signed timestamp, in Unix seconds (now when absent).
    #[arg(long, value_name = "UNIX_SECONDS", allow_negative_numbers = true)]
    timestamp: Option<i64>,
    /// The full URL the request goes to, for providers that sign it.
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// The request's method, for providers that sign it.
    #[arg(long, value_name = "METHOD", default_value = "POST")]
    method: String,
    /// The body to sign; stdin when absent or `-`.
    #[arg(value_name = "BODY_FILE")]
    body: Option<PathBuf>,
}

pub async fn run(args: Args) -> Result<std::process::ExitCode, CliError> {
    let source = args.target.source()?;
    let key = match &args.private_key {
        Some(private) => source.scheme.private_key(private)?,
        None => target::keys(&source, args.secret.as_slice(), None).await?.remove(0),
    };
    let body = target::read_body(args.body.as_deref())?;
    let id = args.id.unwrap_or_else(|| fresh_id(&source.scheme));
    let url = args.url.as_deref().or(source.public_url.as_deref()).unwrap_or_default();
    let request = SignRequest {
        id: &id,
        timestamp: args.timestamp.unwrap_or_else(unix_now),
        body: &body,
        method: &args.method,
        url,
    };
    let signed = source.scheme.sign(&key, &request).map_err(|error| CliError::Usage(error.to_string()))?;
    for (name, value) in &signed.headers {
        outln!("{name}: {value}")?;
    }
    if let Some(body) = signed.body {
        outln!()?;
        outln!("{}", String::from_utf8_lossy(&body))?;
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// A new delivery id in the provider's style.
pub fn fresh_id(scheme: &Scheme) -> String {
    let uuid = uuid::Uuid::new_v4();
    match scheme.spec().id_style {
        IdStyle::Prefixed(prefix) => format!("{prefix}{}", uuid.simple()),
        IdStyle::Uuid => uuid.to_string(),
    }
}
