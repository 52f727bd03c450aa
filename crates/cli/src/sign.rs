//! `hookway sign`: the headers a sender would send with a body.

use std::path::PathBuf;

use hookway_core::scheme::SignRequest;
use hookway_core::{SchemeName, unix_now};

use crate::error::CliError;
use crate::target::{self, Target};

/// Prints one `Name: value` line per header. The timestamp is now and the id fresh unless given.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    target: Target,
    /// The secret to sign with (with --source, read from SSM when absent).
    #[arg(long, value_name = "SECRET", required_unless_present = "source")]
    secret: Option<String>,
    /// The event id, for schemes that send one (a fresh one when absent).
    #[arg(long, value_name = "ID")]
    id: Option<String>,
    /// The signed timestamp, in Unix seconds (now when absent).
    #[arg(long, value_name = "UNIX_SECONDS", allow_negative_numbers = true)]
    timestamp: Option<i64>,
    /// The body to sign; stdin when absent or `-`.
    #[arg(value_name = "BODY_FILE")]
    body: Option<PathBuf>,
}

pub async fn run(args: Args) -> Result<std::process::ExitCode, CliError> {
    let source = args.target.source()?;
    let keys = target::keys(&source, args.secret.as_slice(), None).await?;
    let body = target::read_body(args.body.as_deref())?;
    let id = args.id.unwrap_or_else(|| fresh_id(source.scheme.name()));
    let request = SignRequest { id: &id, timestamp: args.timestamp.unwrap_or_else(unix_now), body: &body };
    for (name, value) in source.scheme.sign(&keys[0], &request) {
        println!("{name}: {value}");
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// A new delivery id in the sender's style.
pub fn fresh_id(scheme: SchemeName) -> String {
    let uuid = uuid::Uuid::new_v4();
    match scheme {
        SchemeName::StandardWebhooks => format!("msg_{}", uuid.simple()),
        _ => uuid.to_string(),
    }
}
