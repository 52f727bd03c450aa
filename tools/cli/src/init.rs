//! `hookway init`: a starter hookway.json — one source per provider, each with its secret's SSM
//! parameter under `/hookway/<source>/`, every event forwarded to one URL — and the commands that
//! come next. It writes only what differs from the defaults, and never overwrites a file unless
//! told to.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::builder::PossibleValuesParser;
use hookway_core::Config;
use hookway_core::config::{ConfigError, WebhookEndpoint, limits};
use hookway_core::hookway_providers::spec::Handshake;
use hookway_core::scheme::{CATALOG, Provider};
use serde::Serialize;
use serde_json::{Value, json};

use crate::error::CliError;

/// The provider a source is made for when none is named.
const DEFAULT_PROVIDER: &str = "stripe";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A provider to receive webhooks from, one source each, named after it (`hookway providers`
    /// lists them) [default: stripe].
    #[arg(long = "source", value_name = "PROVIDER", value_parser = providers(), hide_possible_values = true)]
    sources: Vec<String>,
    /// Where every event is forwarded: your application's webhook endpoint.
    #[arg(long, value_name = "URL", default_value = "http://localhost:8080/webhooks")]
    forward_to: String,
    /// The front door of /webhooks/*: API Gateway's REST API, an HTTP API, or the intake's Function URL.
    #[arg(long, value_name = "ENDPOINT", value_parser = endpoints(), default_value = "rest")]
    endpoint: String,
    /// Overwrite the file if it exists.
    #[arg(long)]
    force: bool,
    /// The file to write.
    #[arg(long, value_name = "FILE", default_value = "hookway.json")]
    config: PathBuf,
}

fn providers() -> PossibleValuesParser {
    PossibleValuesParser::new(CATALOG.iter().map(|provider| provider.name))
}

/// `webhooks.endpoint`'s values (a test holds them to [`WebhookEndpoint::ALL`]).
const ENDPOINTS: [&str; 3] = ["rest", "http-api", "function-url"];

fn endpoints() -> PossibleValuesParser {
    PossibleValuesParser::new(ENDPOINTS)
}

pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let providers = chosen(&args.sources)?;
    let starter = starter(&providers, &args.forward_to, &args.endpoint, schema_beside(&args.config))?;
    let mut text = serde_json::to_string_pretty(&starter).map_err(std::io::Error::other)?;
    text.push('\n');
    write(&args.config, &text, args.force)?;

    let mut out = std::io::stdout().lock();
    let names: Vec<&str> = providers.iter().map(|provider| provider.name).collect();
    writeln!(
        out,
        "wrote {}: source(s) {}, every event forwarded to {}",
        args.config.display(),
        names.join(", "),
        args.forward_to
    )?;
    let default_file = args.config == Path::new("hookway.json");
    let config_arg = if default_file { String::new() } else { format!(" --config {}", args.config.display()) };
    writeln!(out)?;
    writeln!(out, "Next:")?;
    if default_file {
        writeln!(
            out,
            "  make dev                  # the whole stack on this machine; it makes up each source's secret"
        )?;
    } else {
        writeln!(
            out,
            "  hookway dev{config_arg}   # the whole stack on this machine; it makes up each source's secret"
        )?;
    }
    for name in &names {
        writeln!(out, "  hookway trigger {name} --local{config_arg}")?;
    }
    writeln!(
        out,
        "Before a deploy, put each secret as its provider shows it (a SecureString in SSM), from a file: \
         on the command line it would land in your shell's history:"
    )?;
    for provider in &providers {
        writeln!(
            out,
            "  hookway secrets put {name}{config_arg} --value-file {name}-secret.txt   # the secret {title} shows",
            name = provider.name,
            title = provider.title
        )?;
    }
    writeln!(out, "  hookway doctor{config_arg}")?;
    let context = if default_file { String::new() } else { format!(" -c config={}", args.config.display()) };
    writeln!(out, "  npx cdk deploy{context}")?;
    Ok(ExitCode::SUCCESS)
}

/// The providers named, in order (Stripe when none is), each once.
fn chosen(names: &[String]) -> Result<Vec<&'static Provider>, CliError> {
    let names: Vec<&str> =
        if names.is_empty() { vec![DEFAULT_PROVIDER] } else { names.iter().map(String::as_str).collect() };
    let mut providers: Vec<&'static Provider> = Vec::new();
    for name in names {
        let provider = CATALOG.iter().find(|provider| provider.name == name).ok_or_else(|| {
            CliError::Usage(format!("--source: unknown provider `{name}` (`hookway providers` lists them)"))
        })?;
        if providers.iter().any(|known| known.name == name) {
            return Err(CliError::Usage(format!("--source {name} is given twice: a source's name is its endpoint's")));
        }
        providers.push(provider);
    }
    Ok(providers)
}

/// What the starter holds, in the order a reader looks for it.
#[derive(Debug, Serialize)]
struct Starter {
    #[serde(rename = "$schema", skip_serializing_if = "Option::is_none")]
    schema: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    webhooks: Option<Value>,
    sources: Vec<Value>,
    routes: [Route; 1],
}

#[derive(Debug, Serialize)]
struct Route {
    source: &'static str,
    handler: Value,
}

/// The starter configuration, checked as `hookway config check` checks one.
fn starter(
    providers: &[&Provider],
    forward_to: &str,
    endpoint: &str,
    schema: Option<&'static str>,
) -> Result<Starter, CliError> {
    let starter = Starter {
        schema,
        webhooks: (endpoint != WebhookEndpoint::default().to_string()).then(|| json!({"endpoint": endpoint})),
        sources: providers.iter().map(|provider| source(provider)).collect(),
        routes: [Route { source: "*", handler: json!({"forward": {"url": forward_to}}) }],
    };
    let text = serde_json::to_string(&starter).map_err(std::io::Error::other)?;
    let parsed = Config::from_json(&text).map_err(|error| match error {
        // Only --forward-to can be at fault in what is written.
        ConfigError::Invalid(problems) => CliError::Usage(format!(
            "--forward-to {forward_to}: {}",
            problems.iter().map(|problem| problem.message.clone()).collect::<Vec<_>>().join("; ")
        )),
        other => other.into(),
    })?;
    let problems = limits::check(&parsed);
    if !problems.is_empty() {
        return Err(ConfigError::Invalid(problems).into());
    }
    Ok(starter)
}

/// A provider's source: named after it, its secret in `/hookway/<name>/secret`, and its verify
/// token in `/hookway/<name>/verify-token` if its handshake checks one.
fn source(provider: &Provider) -> Value {
    let name = provider.name;
    let mut source = json!({
        "name": name,
        "scheme": name,
        "secretParameters": [format!("/hookway/{name}/secret")],
    });
    if matches!(provider.spec.handshake, Some(Handshake::Get { needs_token: true, .. })) {
        source["verifyTokenParameter"] = format!("/hookway/{name}/verify-token").into();
    }
    source
}

/// `./hookway.schema.json` when the schema is beside the file (as in the repository), for
/// editors; `hookway config schema` prints it.
fn schema_beside(config: &Path) -> Option<&'static str> {
    let dir = config.parent().filter(|dir| !dir.as_os_str().is_empty()).unwrap_or(Path::new("."));
    dir.join("hookway.schema.json").is_file().then_some("./hookway.schema.json")
}

/// Writes `text` to `path`: a new file, or, with `force`, over the one there.
fn write(path: &Path, text: &str, force: bool) -> Result<(), CliError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let mut file = options.open(path).map_err(|error| {
        if error.kind() == std::io::ErrorKind::AlreadyExists {
            CliError::Usage(format!("{} exists: it is left as it is (--force overwrites it)", path.display()))
        } else {
            CliError::Io(std::io::Error::new(error.kind(), format!("cannot write {}: {error}", path.display())))
        }
    })?;
    file.write_all(text.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_starter_names_each_source_its_parameter_and_the_route() {
        let providers = chosen(&["stripe".into(), "github".into()]).unwrap();
        let config = starter(&providers, "http://localhost:8080/webhooks", "rest", None).unwrap();
        let text = serde_json::to_string(&config).unwrap();
        assert!(text.starts_with(r#"{"sources":[{"name":"stripe","#), "in the order a reader looks: {text}");
        assert!(
            text.ends_with(
                r#""routes":[{"source":"*","handler":{"forward":{"url":"http://localhost:8080/webhooks"}}}]}"#
            )
        );
        assert_eq!(
            serde_json::to_value(config).unwrap(),
            json!({
                "sources": [
                    {"name": "stripe", "scheme": "stripe", "secretParameters": ["/hookway/stripe/secret"]},
                    {"name": "github", "scheme": "github", "secretParameters": ["/hookway/github/secret"]},
                ],
                "routes": [{"source": "*", "handler": {"forward": {"url": "http://localhost:8080/webhooks"}}}],
            })
        );
        let function_url = starter(&chosen(&[]).unwrap(), "https://app.example.com/hooks", "function-url", None);
        assert_eq!(function_url.unwrap().webhooks, Some(json!({"endpoint": "function-url"})));
    }

    #[test]
    fn a_verify_token_is_named_where_the_handshake_needs_one() {
        let needs_token = CATALOG
            .iter()
            .find(|provider| matches!(provider.spec.handshake, Some(Handshake::Get { needs_token: true, .. })));
        let provider = needs_token.expect("a provider whose GET handshake checks a verify token");
        let config = starter(&[provider], "http://localhost:8080/webhooks", "rest", None).unwrap();
        let config = serde_json::to_value(config).unwrap();
        let expected = format!("/hookway/{}/verify-token", provider.name);
        assert_eq!(config["sources"][0]["verifyTokenParameter"], json!(expected));
    }

    #[test]
    fn every_endpoint_may_be_chosen() {
        assert_eq!(WebhookEndpoint::ALL.map(|endpoint| endpoint.to_string()), ENDPOINTS);
    }

    #[test]
    fn mistakes_are_usage_errors() {
        let twice = chosen(&["github".into(), "github".into()]).unwrap_err();
        assert!(twice.to_string().contains("twice"), "{twice}");
        let bad_url = starter(&chosen(&[]).unwrap(), "ftp://x", "rest", None).unwrap_err();
        assert!(bad_url.to_string().starts_with("--forward-to ftp://x: "), "{bad_url}");
        assert_eq!(bad_url.exit_code(), ExitCode::from(2));
    }
}
