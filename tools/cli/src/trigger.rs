//! `hookway trigger`: send a provider's real sample event, signed exactly as the provider signs
//! it, to a source of the stack — the event a developer would otherwise wait for the provider to
//! send.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use hookway_core::hookway_providers::sample::{self, Sample};
use hookway_core::hookway_providers::{self, Provider};
use hookway_core::{Source, unix_now};
use http::{HeaderMap, HeaderName, HeaderValue};
use serde_json::json;

use crate::config::Loaded;
use crate::error::CliError;
use crate::send::{self, Outgoing, Place};
use crate::sign::fresh_id;
use crate::stack::StackArgs;

/// Prints the answer's status and the event id (exit 0 on a 2xx answer, 1 otherwise); `--list`
/// names the provider's samples, the first being the default.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The provider, as `hookway providers` names it (e.g. stripe, github, slack).
    #[arg(value_name = "PROVIDER")]
    provider: String,
    /// The sample event [default: the provider's first, as `--list` shows].
    #[arg(value_name = "EVENT")]
    event: Option<String>,
    /// List the provider's sample events, with their content type and where each comes from.
    #[arg(long)]
    list: bool,
    /// The source to send to [default: the first source of the configuration whose scheme is PROVIDER].
    #[arg(long, value_name = "NAME")]
    source: Option<String>,
    /// The configuration file [default: the one the local stack runs with, with --local; else hookway.json].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Where to post: a webhook URL (`{source}` is replaced) or the API it is under [default:
    /// the local stack's with --local, else the deployed stack's WebhookUrl output].
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// The secret to sign with [default: the source's newest secret, read from SSM].
    #[arg(long, value_name = "SECRET")]
    secret: Option<String>,
    /// A test private key, for providers that sign with one (Ed25519, P-256) [default: the local
    /// stack's test key].
    #[arg(long, value_name = "KEY", conflicts_with = "secret")]
    private_key: Option<String>,
    /// Print JSON: one object {"status", "id", "source", "provider", "event", "url"}; with --list,
    /// one object a line per sample {"event", "eventType", "contentType", "source", "note", "default"}.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    stack: StackArgs,
}

pub async fn run(args: Args) -> Result<ExitCode, CliError> {
    let provider = hookway_providers::find(&args.provider).ok_or_else(|| {
        CliError::Usage(format!("unknown provider `{}`: `hookway providers` lists them", args.provider))
    })?;
    if args.list {
        list(provider, args.json)?;
        return Ok(ExitCode::SUCCESS);
    }
    let sample = sample::sample(provider.name, args.event.as_deref()).ok_or_else(|| {
        let names: Vec<&str> = sample::samples(provider.name).iter().map(|sample| sample.event).collect();
        CliError::Usage(format!(
            "{} has no sample event `{}`: its samples are {}",
            provider.name,
            args.event.as_deref().unwrap_or_default(),
            names.join(", ")
        ))
    })?;
    // The source before the stack: a usage error needs no AWS.
    let config = args.stack.load_config(args.config.as_deref())?;
    let source = source_for(provider, args.source.as_deref(), &config)?;
    let headers = sample_headers(sample)?;
    let place = Place::find(&args.stack, args.url.as_deref()).await?;
    let key =
        send::signing_key(&source, args.secret.as_deref(), args.private_key.as_deref(), &args.stack, &place).await?;
    let id = fresh_id(&source.scheme);
    let url = place.webhook_url(&source.name);
    let delivered = send::post(Outgoing {
        source: &source,
        key: &key,
        url: &url,
        id: &id,
        body: sample.body(&provider.spec, &id, unix_now()),
        content_type: sample.content_type,
        event_type: sample.event_type,
        headers,
    })
    .await?;
    let mut out = std::io::stdout().lock();
    if args.json {
        let said = json!({
            "status": delivered.status,
            "id": delivered.id,
            "source": source.name,
            "provider": provider.name,
            "event": sample.event,
            "url": url,
        });
        writeln!(out, "{said}")?;
    } else {
        writeln!(out, "{}", delivered.line())?;
    }
    Ok(delivered.exit_code())
}

/// The source named, or the configuration's first whose scheme is the provider.
fn source_for(provider: &Provider, named: Option<&str>, loaded: &Loaded) -> Result<Source, CliError> {
    let (config, path) = (&loaded.config, &loaded.path);
    let source = match named {
        Some(name) => {
            let found = config.source(name);
            let found =
                found.ok_or_else(|| CliError::UnknownSource { name: name.to_owned(), config: path.to_owned() })?;
            let source = Source::new(found)?;
            if source.scheme.name() != provider.name {
                return Err(CliError::Usage(format!(
                    "the source `{name}` verifies as {}, not {}: name a {} source",
                    source.scheme.name(),
                    provider.name,
                    provider.name
                )));
            }
            source
        }
        None => {
            let mut sources = config.sources.iter().map(Source::new);
            let first =
                sources.find(|source| source.as_ref().is_ok_and(|source| source.scheme.name() == provider.name));
            match first {
                Some(source) => source?,
                None => {
                    return Err(CliError::Usage(format!(
                        "no source of {} verifies as {}: add one, or name one with --source",
                        path.display(),
                        provider.name
                    )));
                }
            }
        }
    };
    Ok(source)
}

/// The headers the provider sends with the sample besides its signature, id and type.
fn sample_headers(sample: &Sample) -> Result<HeaderMap, CliError> {
    sample
        .headers
        .iter()
        .map(|(name, value)| {
            let line = || CliError::Header(format!("{name}: {value}"));
            Ok((
                HeaderName::from_bytes(name.as_bytes()).map_err(|_| line())?,
                HeaderValue::from_str(value).map_err(|_| line())?,
            ))
        })
        .collect()
}

/// The provider's samples: the first is the default.
fn list(provider: &Provider, as_json: bool) -> Result<(), CliError> {
    let samples = sample::samples(provider.name);
    let mut out = std::io::stdout().lock();
    if as_json {
        for (index, sample) in samples.iter().enumerate() {
            let listed = json!({
                "event": sample.event,
                "eventType": sample.event_type,
                "contentType": sample.content_type,
                "source": sample.source,
                "note": sample.note,
                "default": index == 0,
            });
            writeln!(out, "{listed}")?;
        }
        return Ok(());
    }
    let width = samples.iter().map(|sample| sample.event.len()).max().unwrap_or(0);
    for (index, sample) in samples.iter().enumerate() {
        let default = if index == 0 { "  (default)" } else { "" };
        writeln!(out, "{:width$}  {}  {}{default}", sample.event, sample.content_type, sample.source)?;
    }
    Ok(())
}
