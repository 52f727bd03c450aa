//! `hookway send`: sign a webhook as its provider would, and post it.

use std::path::PathBuf;
use std::process::ExitCode;

use hookway_core::scheme::SignRequest;
use hookway_core::{Config, unix_now};
use serde_json::{Value, json};

use hookway_core::local::secrets::LocalSecrets;

use crate::error::CliError;
use crate::sign::fresh_id;
use crate::stack::StackArgs;
use crate::target;

/// Prints the answer's status and the event id.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The API (`http://127.0.0.1:3000`, or the stack's ApiUrl output); `/webhooks/<source>` is added.
    #[arg(value_name = "URL")]
    url: String,
    /// The source to send as.
    #[arg(long, value_name = "NAME")]
    source: String,
    /// The configuration file the source is read from [default: the local stack's, else
    /// hookway.json].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The secret to sign with [default: the source's newest secret, read from SSM].
    #[arg(long, value_name = "SECRET")]
    secret: Option<String>,
    /// A test private key, for providers that sign with one (Ed25519, P-256).
    #[arg(long, value_name = "KEY", conflicts_with = "secret")]
    private_key: Option<String>,
    /// The body: `@FILE`, or the JSON itself [default: a test event naming its id and type].
    #[arg(long, value_name = "@FILE|JSON")]
    data: Option<String>,
    /// The event type, for schemes that send it in a header, and for the default body.
    #[arg(long = "type", value_name = "TYPE", default_value = "hookway.test")]
    event_type: String,
    /// The delivery id [default: a fresh one].
    #[arg(long, value_name = "ID")]
    id: Option<String>,
    #[command(flatten)]
    stack: StackArgs,
}

pub async fn run(args: Args) -> Result<ExitCode, CliError> {
    let path = args.stack.config_path(args.config.as_deref());
    let config = Config::load(&path)?;
    let source = config
        .source(&args.source)
        .ok_or_else(|| CliError::UnknownSource { name: args.source.clone(), config: path })?;
    let source = hookway_core::Source::new(source)?;
    let id = args.id.unwrap_or_else(|| fresh_id(&source.scheme));
    let body = match &args.data {
        Some(data) => match data.strip_prefix('@') {
            Some(path) => std::fs::read(path).map_err(|error| CliError::Read { path: path.into(), source: error })?,
            None => data.clone().into_bytes(),
        },
        None => sample(&id, &args.event_type).to_string().into_bytes(),
    };
    let key = match (&args.private_key, &args.secret) {
        (Some(private), _) => source.scheme.private_key(private)?,
        (None, Some(secret)) => source.scheme.key(secret, None)?,
        // Only a test private key signs as a public-key provider: the local stack keeps one.
        (None, None) if source.scheme.spec().algorithm.is_public_key() => {
            let local = LocalSecrets::load(&args.stack.state_dir)?;
            let private = source.secret_parameters.first().and_then(|parameter| local.private_keys.get(parameter));
            let private = private.ok_or_else(|| {
                CliError::Usage(format!("{} signs with a private key: give a test key with --private-key", source.name))
            })?;
            source.scheme.private_key(private)?
        }
        (None, None) => {
            let aws = args.stack.sdk_config().await?;
            target::keys(&source, &[], Some(&aws)).await?.remove(0)
        }
    };
    let url = webhook_url(&args.url, &source.name);
    let signed_url = source.public_url.clone().unwrap_or_else(|| url.clone());
    let request = SignRequest { id: &id, timestamp: unix_now(), body: &body, method: "POST", url: &signed_url };
    let signed = source.scheme.sign(&key, &request).map_err(|error| CliError::Usage(error.to_string()))?;
    let body = signed.body.unwrap_or(body);
    let mut post = reqwest::Client::new().post(&url).header("content-type", "application/json").body(body);
    for (name, value) in signed.headers {
        post = post.header(name, value);
    }
    if let Some(name) = source.scheme.type_header() {
        post = post.header(name, &args.event_type);
    }
    let response = post.send().await.map_err(|error| CliError::Http(format!("POST {url}: {error}")))?;
    let status = response.status();
    let answer: Value = response.json().await.unwrap_or(Value::Null);
    match answer.get("id").and_then(Value::as_str) {
        Some(event_id) => println!("{status}  id: {event_id}"),
        None => println!("{status}  {answer}"),
    }
    Ok(if status.is_success() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// `URL/webhooks/<source>`, unless `url` already is a source's webhook URL.
fn webhook_url(url: &str, source: &str) -> String {
    let url = url.trim_end_matches('/');
    if url.ends_with(&format!("/webhooks/{source}")) { url.to_owned() } else { format!("{url}/webhooks/{source}") }
}

/// A test event every scheme can name: `id`/`type` (Stripe, Standard Webhooks, hmac), `event_id`
/// and `event.type` (Slack).
fn sample(id: &str, event_type: &str) -> Value {
    json!({
        "id": id,
        "type": event_type,
        "created": unix_now(),
        "event_id": id,
        "event": {"type": event_type},
        "data": {"object": {"id": id}},
        "sentBy": "hookway send",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_may_be_the_api_or_the_webhook() {
        assert_eq!(webhook_url("http://127.0.0.1:3000", "github"), "http://127.0.0.1:3000/webhooks/github");
        assert_eq!(webhook_url("https://x/v1/", "github"), "https://x/v1/webhooks/github");
        assert_eq!(webhook_url("https://x/v1/webhooks/github", "github"), "https://x/v1/webhooks/github");
    }
}
