//! `hookway verify`: checks a request's signature exactly as the intake does.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use hookway_core::scheme::Request;
use http::{HeaderMap, HeaderName, HeaderValue};
use serde_json::json;

use crate::error::CliError;
use crate::target::{self, Target};

/// Prints `valid`, then the event's `id:` and `type:` (exit 0), or `invalid: <reason>` (exit 1);
/// `--json`, one object: {"valid", "source", "reason", "id", "type"}.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    target: Target,
    /// A secret to accept; repeat it to accept several, as during a rotation (with --source, the
    /// source's secrets are read from SSM when absent).
    #[arg(long = "secret", value_name = "SECRET", required_unless_present = "source")]
    secrets: Vec<String>,
    /// Accepted age of the signed timestamp, both ways, in seconds [default: the source's, else 300].
    #[arg(long, value_name = "SECONDS")]
    tolerance: Option<u64>,
    /// Verify as if it were this Unix time.
    #[arg(long, value_name = "UNIX_SECONDS", allow_negative_numbers = true)]
    now: Option<i64>,
    /// The full URL the provider called, for providers that sign it (Twilio, Square, HubSpot).
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// The request's method, for providers that sign it.
    #[arg(long, value_name = "METHOD", default_value = "POST")]
    method: String,
    /// A request header, `Name: value` (names are case-insensitive); repeat for each.
    #[arg(short = 'H', long = "header", value_name = "'Name: value'")]
    headers: Vec<String>,
    /// The request body; stdin when absent or `-`.
    #[arg(value_name = "BODY_FILE")]
    body: Option<PathBuf>,
    /// Print one JSON object: {"valid", "source", "reason", "id", "type"}.
    #[arg(long)]
    json: bool,
}

pub async fn run(args: Args) -> Result<ExitCode, CliError> {
    let mut source = args.target.source()?;
    if let Some(tolerance) = args.tolerance {
        source.tolerance_seconds = tolerance;
    }
    let headers = parse_headers(&args.headers)?;
    let body = target::read_body(args.body.as_deref())?;
    let keys = target::keys(&source, &args.secrets, None).await?;
    let now = args.now.unwrap_or_else(hookway_core::unix_now);
    let url = args.url.as_deref().or(source.public_url.as_deref()).unwrap_or_default();
    let request = Request { method: &args.method, url, headers: &headers, body: &body };
    let verified = source.verify(&request, &keys, now);
    let identified = verified.as_ref().ok().map(|()| source.identify(&request));
    let mut out = std::io::stdout().lock();
    if args.json {
        let (id, event_type, note) = match &identified {
            Some(Ok(identity)) => (Some(identity.id.as_str()), identity.event_type.as_deref(), None),
            Some(Err(problem)) => (None, None, Some(format!("the intake would answer 400: {problem}"))),
            None => (None, None, None),
        };
        let reason = verified.as_ref().err().map(ToString::to_string).or(note);
        let said =
            json!({"valid": verified.is_ok(), "source": source.name, "reason": reason, "id": id, "type": event_type});
        writeln!(out, "{said}")?;
        return Ok(if verified.is_ok() { ExitCode::SUCCESS } else { ExitCode::FAILURE });
    }
    if let Err(reason) = verified {
        writeln!(out, "invalid: {reason}")?;
        return Ok(ExitCode::FAILURE);
    }
    writeln!(out, "valid")?;
    match identified {
        Some(Ok(identity)) => {
            writeln!(out, "id: {}", identity.id)?;
            if let Some(event_type) = identity.event_type {
                writeln!(out, "type: {event_type}")?;
            }
        }
        Some(Err(problem)) => writeln!(out, "note: the intake would answer 400: {problem}")?,
        None => {}
    }
    Ok(ExitCode::SUCCESS)
}

/// `Name: value` lines into headers.
pub fn parse_headers(lines: &[String]) -> Result<HeaderMap, CliError> {
    lines
        .iter()
        .map(|line| {
            let (name, value) = line.split_once(':').ok_or_else(|| CliError::Header(line.clone()))?;
            let name = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| CliError::Header(line.clone()))?;
            let value = HeaderValue::from_str(value.trim()).map_err(|_| CliError::Header(line.clone()))?;
            Ok((name, value))
        })
        .collect()
}
