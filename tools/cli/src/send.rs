//! `hookway send`: sign a webhook as its provider would, and post it. The signing and posting,
//! and finding where to post and with which key, are shared with `hookway trigger`.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use aws_config::SdkConfig;
use hookway_core::local::secrets::LocalSecrets;
use hookway_core::scheme::{Key, SignRequest};
use hookway_core::{Source, unix_now};
use http::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use serde_json::{Value, json};

use crate::config::Loaded;
use crate::error::CliError;
use crate::sign::fresh_id;
use crate::stack::StackArgs;
use crate::target;
use crate::verify::parse_headers;

/// Prints the answer's status and the event id (exit 0 on a 2xx answer, 1 otherwise).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to post: the API (`/webhooks/<source>` is added) or a webhook URL (`{source}` is
    /// replaced) [default: the local stack's with --local, else the deployed stack's WebhookUrl].
    #[arg(value_name = "URL")]
    url: Option<String>,
    /// The source to send as.
    #[arg(long, value_name = "NAME")]
    source: String,
    /// The configuration file the source is read from [default: the one the local stack runs
    /// with, with --local; else hookway.json].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The secret to sign with [default: the source's newest secret, read from SSM].
    #[arg(long, value_name = "SECRET")]
    secret: Option<String>,
    /// A test private key, for providers that sign with one (Ed25519, P-256).
    #[arg(long, value_name = "KEY", conflicts_with = "secret")]
    private_key: Option<String>,
    /// The body: `@FILE`, `@-` for stdin, or the body itself [default: a test event naming its
    /// id and type].
    #[arg(long, value_name = "@FILE|@-|BODY")]
    data: Option<String>,
    /// The body's content type.
    #[arg(long, value_name = "TYPE", default_value = "application/json")]
    content_type: String,
    /// A header to send besides the signature's, `Name: value`; repeat for each.
    #[arg(short = 'H', long = "header", value_name = "'Name: value'")]
    headers: Vec<String>,
    /// The event type, for schemes that send it in a header, and for the default body.
    #[arg(long = "type", value_name = "TYPE", default_value = "hookway.test")]
    event_type: String,
    /// The delivery id [default: a fresh one].
    #[arg(long, value_name = "ID")]
    id: Option<String>,
    /// Print one JSON object: {"status", "id", "source", "url"}.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    stack: StackArgs,
}

pub async fn run(args: Args) -> Result<ExitCode, CliError> {
    // What the command line and the configuration say first: a usage error needs no AWS.
    let Loaded { path: config_path, config, .. } = args.stack.load_config(args.config.as_deref())?;
    let source = config
        .source(&args.source)
        .ok_or_else(|| CliError::UnknownSource { name: args.source.clone(), config: config_path.clone() })?;
    let source = Source::new(source)?;
    let id = args.id.clone().unwrap_or_else(|| fresh_id(&source.scheme));
    let body = match &args.data {
        Some(data) => match data.strip_prefix('@') {
            Some(path) => target::read_body(Some(Path::new(path)))?,
            None => data.clone().into_bytes(),
        },
        None => sample(&id, &args.event_type, "hookway send").to_string().into_bytes(),
    };
    let headers = parse_headers(&args.headers)?;
    let place = Place::find(&args.stack, args.url.as_deref()).await?;
    let key = signing_key(&source, args.secret.as_deref(), args.private_key.as_deref(), &args.stack, &place).await?;
    let url = place.webhook_url(&source.name);
    let delivered = post(Outgoing {
        source: &source,
        key: &key,
        url: &url,
        id: &id,
        body,
        content_type: &args.content_type,
        event_type: Some(&args.event_type),
        headers,
    })
    .await?;
    let mut out = std::io::stdout().lock();
    if args.json {
        let said = json!({"status": delivered.status, "id": delivered.id, "source": source.name, "url": url});
        writeln!(out, "{said}")?;
    } else {
        writeln!(out, "{}", delivered.line())?;
    }
    Ok(delivered.exit_code())
}

/// Where a command posts, and the AWS it reads its source's secrets from.
pub struct Place {
    /// The webhook URL, `{source}` standing for the source's name; or the API it is under.
    url: String,
    /// AWS, where the stack was looked up (else the secrets come through the default chain).
    aws: Option<SdkConfig>,
}

impl Place {
    /// `url` if given, else the local stack's webhook URL (`--local`), else the deployed stack's
    /// `WebhookUrl` output.
    pub async fn find(stack: &StackArgs, url: Option<&str>) -> Result<Place, CliError> {
        match url {
            Some(url) => Ok(Place { url: url.to_owned(), aws: None }),
            None => {
                let found = stack.resolve().await?;
                Ok(Place { url: found.webhook_url, aws: Some(found.aws) })
            }
        }
    }

    /// The URL `source` posts to.
    pub fn webhook_url(&self, source: &str) -> String {
        webhook_url(&self.url, source)
    }
}

/// The key to sign as `source` with: the given secret or test private key; else, for a public-key
/// provider, the local stack's test private key; else the source's newest secret from SSM.
pub async fn signing_key(
    source: &Source,
    secret: Option<&str>,
    private_key: Option<&str>,
    stack: &StackArgs,
    place: &Place,
) -> Result<Key, CliError> {
    match (private_key, secret) {
        (Some(private), _) => Ok(source.scheme.private_key(private)?),
        (None, Some(secret)) => Ok(source.scheme.key(secret, None)?),
        // Only a test private key signs as a public-key provider: the local stack keeps one.
        (None, None) if source.scheme.spec().algorithm.is_public_key() => {
            let local = LocalSecrets::load(&stack.state_dir)?;
            let private = source.secret_parameters.first().and_then(|parameter| local.private_keys.get(parameter));
            let private = private.ok_or_else(|| {
                CliError::Usage(format!("{} signs with a private key: give a test key with --private-key", source.name))
            })?;
            Ok(source.scheme.private_key(private)?)
        }
        (None, None) => {
            let aws = match &place.aws {
                Some(aws) => aws.clone(),
                None => stack.sdk_config().await?,
            };
            Ok(target::keys(source, &[], Some(&aws)).await?.remove(0))
        }
    }
}

/// A webhook to sign and post.
pub struct Outgoing<'a> {
    pub source: &'a Source,
    pub key: &'a Key,
    /// Where it goes, and the URL it is signed for unless the source has a `publicUrl`.
    pub url: &'a str,
    /// The delivery id, where the provider sends one in a header.
    pub id: &'a str,
    pub body: Vec<u8>,
    pub content_type: &'a str,
    /// Sent in the provider's type header, where it has one.
    pub event_type: Option<&'a str>,
    /// More headers; the signature's are the scheme's alone.
    pub headers: HeaderMap,
}

/// What the receiver answered.
#[derive(Debug)]
pub struct Delivered {
    pub status: u16,
    /// The event id the answer gives, else the one sent.
    pub id: String,
    /// The answer's body (JSON where it is).
    pub answer: Value,
    /// The body as sent (the signature's, for a scheme that signs inside it).
    pub body: Vec<u8>,
}

impl Delivered {
    /// `202 Accepted  id: …`, or the status and the answer.
    pub fn line(&self) -> String {
        let status = reqwest::StatusCode::from_u16(self.status).map(|status| status.to_string());
        let status = status.unwrap_or_else(|_| self.status.to_string());
        match self.answer.get("id").and_then(Value::as_str) {
            Some(id) => format!("{status}  id: {id}"),
            None if self.answer.is_null() && (200..300).contains(&self.status) => format!("{status}  id: {}", self.id),
            None if self.answer.is_null() => status,
            None => match &self.answer {
                // A text answer (a handshake's challenge) as sent.
                Value::String(text) => format!("{status}  {text}"),
                answer => format!("{status}  {answer}"),
            },
        }
    }

    /// 0 on a 2xx answer, 1 otherwise.
    pub fn exit_code(&self) -> ExitCode {
        if (200..300).contains(&self.status) { ExitCode::SUCCESS } else { ExitCode::FAILURE }
    }
}

/// Signs `outgoing` exactly as its provider does — headers, id, timestamp, the body where the
/// signature travels in it — and posts it.
pub async fn post(outgoing: Outgoing<'_>) -> Result<Delivered, CliError> {
    let Outgoing { source, key, url, id, body, content_type, event_type, headers: extra } = outgoing;
    let signed_url = source.public_url.as_deref().unwrap_or(url);
    let request = SignRequest { id, timestamp: unix_now(), body: &body, method: "POST", url: signed_url };
    let signed = source.scheme.sign(key, &request).map_err(|error| CliError::Usage(error.to_string()))?;
    let body = signed.body.unwrap_or(body);
    let mut headers = HeaderMap::new();
    let value = |text: &str| HeaderValue::from_str(text).map_err(|_| CliError::Header(text.to_owned()));
    headers.insert(CONTENT_TYPE, value(content_type)?);
    if let (Some(name), Some(event_type)) = (source.scheme.type_header(), event_type) {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| CliError::Header(name.to_owned()))?;
        headers.insert(name, value(event_type)?);
    }
    for (name, value) in extra.iter() {
        headers.insert(name, value.clone());
    }
    for (name, text) in &signed.headers {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| CliError::Header(name.clone()))?;
        headers.insert(name, value(text)?);
    }
    let response = reqwest::Client::new()
        .post(url)
        .headers(headers)
        .body(body.clone())
        .send()
        .await
        .map_err(|error| CliError::Http(format!("POST {url}: {error}")))?;
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    let answer = serde_json::from_str(&text).unwrap_or(if text.is_empty() { Value::Null } else { Value::String(text) });
    let answered = answer.get("id").and_then(Value::as_str).map(str::to_owned);
    Ok(Delivered { status, id: answered.unwrap_or_else(|| id.to_owned()), answer, body })
}

/// `url` with `{source}` replaced; else `url` itself when it already is the source's webhook URL;
/// else the API's: `url/webhooks/<source>`.
pub fn webhook_url(url: &str, source: &str) -> String {
    if url.contains("{source}") {
        return url.replace("{source}", source);
    }
    let url = url.trim_end_matches('/');
    if url.ends_with(&format!("/webhooks/{source}")) { url.to_owned() } else { format!("{url}/webhooks/{source}") }
}

/// A test event every scheme can name: `id`/`type` (Stripe, Standard Webhooks, hmac), `event_id`
/// and `event.type` (Slack); `sent_by` names the command that sent it.
pub(crate) fn sample(id: &str, event_type: &str, sent_by: &str) -> Value {
    json!({
        "id": id,
        "type": event_type,
        "created": unix_now(),
        "event_id": id,
        "event": {"type": event_type},
        "data": {"object": {"id": id}},
        "sentBy": sent_by,
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
        assert_eq!(
            webhook_url("https://x.lambda-url.on.aws/webhooks/{source}", "github"),
            "https://x.lambda-url.on.aws/webhooks/github"
        );
    }

    #[test]
    fn the_line_says_the_status_and_the_id() {
        let delivered = |status, answer| Delivered { status, id: "sent".into(), answer, body: Vec::new() };
        assert_eq!(delivered(202, json!({"id": "evt_1"})).line(), "202 Accepted  id: evt_1");
        assert_eq!(delivered(200, json!({"challenge": "c"})).line(), "200 OK  {\"challenge\":\"c\"}");
        assert_eq!(delivered(200, json!("challenge")).line(), "200 OK  challenge");
        assert_eq!(delivered(204, Value::Null).line(), "204 No Content  id: sent");
        assert_eq!(delivered(401, Value::Null).line(), "401 Unauthorized");
        assert_eq!(delivered(204, Value::Null).exit_code(), ExitCode::SUCCESS);
        assert_eq!(delivered(403, Value::Null).exit_code(), ExitCode::FAILURE);
    }
}
