//! `hookway transform`: run a route's handler's `transform` on a body, as the worker would, and
//! print what it yields — the body it delivers, and the headers (`forward`) or message attributes
//! (targets) it sets — or jq's error. The body is an archived event's (`--event`, read as
//! `hookway events show` reads it) or a file's (`--file`, `-` for stdin).

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use hookway_core::config::{HandlerConfig, RouteConfig, header_problem};
use hookway_core::transform::{EventVars, Program};
use hookway_core::{Config, rfc3339_now};
use serde_json::{Map, Value, json};

use crate::config::Loaded;
use crate::error::CliError;
use crate::events::lookup;
use crate::filter::{Filter, parse_time};
use crate::output::{json_line, outln, warnln};
use crate::stack::StackArgs;

/// The id `$event` has for a body from a file.
const FILE_EVENT_ID: &str = "transform-test";

/// Prints what the transform yields (exit 0), or jq's error (exit 1).
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("input").required(true).args(["event", "file"])))]
pub struct Args {
    /// The route, by its index in `routes` (from 0).
    #[arg(long, value_name = "N")]
    route: usize,
    /// The handler of the route, by its index (from 0).
    #[arg(long, value_name = "M", default_value_t = 0)]
    handler: usize,
    /// An archived event's id: its body, id, source, type and time of receipt.
    #[arg(long, value_name = "ID")]
    event: Option<String>,
    /// A file holding the body (`-`: stdin).
    #[arg(long, value_name = "FILE")]
    file: Option<PathBuf>,
    /// With --event: its source [default: every source of the configuration]; with --file:
    /// `$event.source` [default: the route's source, unless it is a pattern].
    #[arg(long, value_name = "NAME")]
    source: Option<String>,
    /// With --file: `$event.type` [default: the route's type, unless it is a pattern].
    #[arg(long = "type", value_name = "TYPE", requires = "file")]
    event_type: Option<String>,
    /// With --event: search the archive from TIME once the event's record has expired [default: 1d ago].
    #[arg(long, value_name = "TIME", value_parser = parse_time, requires = "event")]
    since: Option<std::time::SystemTime>,
    /// The configuration file [default: the local stack's with --local, else hookway.json].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Print one JSON object: {"body", "headers"} for a forward, {"body", "attributes"} for a
    /// target; {"error"} when the program fails.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    stack: StackArgs,
}

/// The event the program runs on.
struct Input {
    body: Vec<u8>,
    id: String,
    source: String,
    event_type: Option<String>,
    received_at: String,
}

pub async fn run(args: Args) -> Result<ExitCode, CliError> {
    let Loaded { path, config, .. } = args.stack.load_config(args.config.as_deref())?;
    let (at, handler) = handler(&config, args.route, args.handler, &path)?;
    let code = handler.transform().ok_or_else(|| {
        let place = at.rsplit_once('.').map_or(at.as_str(), |(place, _)| place);
        CliError::Usage(format!("{place} (`{}`) has no transform", handler.delivery_name()))
    })?;
    let program = Program::compile(code).map_err(|error| CliError::Usage(format!("{at}.transform: {error}")))?;
    let route = &config.routes[args.route];
    let input = match (&args.event, &args.file) {
        (Some(id), _) => archived(id, &args, &config).await?,
        (None, Some(file)) => from_file(file, &args, route)?,
        (None, None) => return Err(CliError::Usage("give --event ID or --file FILE".to_owned())),
    };
    let vars = EventVars {
        id: &input.id,
        source: &input.source,
        event_type: input.event_type.as_deref(),
        received_at: &input.received_at,
    };
    let named = if matches!(handler, HandlerConfig::Forward(_)) { "headers" } else { "attributes" };
    let forward = matches!(handler, HandlerConfig::Forward(_));
    // What the worker would refuse too: a header Hookway sets itself, or too many attributes.
    let refused = |output: &hookway_core::transform::Output| -> Option<String> {
        if forward {
            let mut problems = output.headers.iter().filter_map(|(name, value)| header_problem(name, value));
            return problems.next().map(|problem| format!("with_headers: {problem}"));
        }
        // hookway-id, hookway-source and, if the event has a type, hookway-type.
        let most = hookway_core::target::MAX_ATTRIBUTES - 2 - usize::from(input.event_type.is_some());
        (output.headers.len() > most).then(|| {
            format!(
                "with_attributes gives {} attribute(s): SQS and SNS take {most} beside Hookway's",
                output.headers.len()
            )
        })
    };
    match program.run_bytes(&input.body, &vars).map_err(|error| error.to_string()).and_then(|output| {
        match refused(&output) {
            Some(problem) => Err(problem),
            None => Ok(output),
        }
    }) {
        Ok(output) => {
            if args.json {
                let set: Map<String, Value> =
                    output.headers.into_iter().map(|(name, value)| (name, Value::String(value))).collect();
                json_line(&json!({"body": output.body, named: set}))?;
            } else {
                let body = serde_json::to_string_pretty(&output.body).map_err(std::io::Error::other)?;
                outln!("{body}")?;
                if !output.headers.is_empty() {
                    outln!("{named}:")?;
                    for (name, value) in &output.headers {
                        outln!("  {name}: {value}")?;
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            if args.json {
                json_line(&json!({"error": error}))?;
            } else {
                warnln!("hookway: {at}.transform: {error}");
            }
            Ok(ExitCode::FAILURE)
        }
    }
}

/// The handler at `routes[route]`, and where it is in the file (`routes[0].handlers[1].sqs`).
fn handler<'c>(
    config: &'c Config,
    route: usize,
    index: usize,
    path: &Path,
) -> Result<(String, &'c HandlerConfig), CliError> {
    let routes = &config.routes;
    let found: &RouteConfig = routes.get(route).ok_or_else(|| {
        CliError::Usage(format!(
            "{} has {} route(s): --route is from 0 to {}",
            path.display(),
            routes.len(),
            routes.len().saturating_sub(1)
        ))
    })?;
    let handlers = found.handlers();
    let handler = handlers.get(index).ok_or_else(|| {
        CliError::Usage(format!(
            "routes[{route}] has {} handler(s): --handler is from 0 to {}",
            handlers.len(),
            handlers.len().saturating_sub(1)
        ))
    })?;
    let list = if found.handler.is_some() { "handler".to_owned() } else { format!("handlers[{index}]") };
    Ok((format!("routes[{route}].{list}.{}", handler.key()), handler))
}

/// An archived event, found as `hookway events show` finds it.
async fn archived(id: &str, args: &Args, config: &Config) -> Result<Input, CliError> {
    let stack = args.stack.resolve().await?;
    let search =
        Filter { source: args.source.clone(), since: args.since, ids: vec![id.to_owned()], ..Filter::default() };
    let (found, sources) = lookup(id, args.source.clone(), &search, config, &stack).await?;
    let Some(event) = found.iter().find_map(|found| found.archived.as_ref()) else {
        return Err(CliError::Usage(format!(
            "no archived event `{id}` (sources: {}): give --since to search further back, or --file",
            sources.join(", ")
        )));
    };
    let envelope = &event.envelope;
    Ok(Input {
        body: event.body(stack.bucket()).await?,
        id: envelope.id.to_string(),
        source: envelope.source.to_string(),
        event_type: envelope.event_type.as_deref().map(str::to_owned),
        received_at: envelope.received_at.to_string(),
    })
}

/// A body from a file, or stdin; `$event` from the flags and the route.
fn from_file(file: &Path, args: &Args, route: &RouteConfig) -> Result<Input, CliError> {
    let body = if file == Path::new("-") {
        let mut body = Vec::new();
        std::io::stdin().lock().read_to_end(&mut body)?;
        body
    } else {
        std::fs::read(file).map_err(|source| CliError::Read { path: file.to_owned(), source })?
    };
    let exact = |pattern: &str| (!pattern.contains('*')).then(|| pattern.to_owned());
    Ok(Input {
        body,
        id: FILE_EVENT_ID.to_owned(),
        source: args.source.clone().or_else(|| exact(&route.source)).unwrap_or_default(),
        event_type: args.event_type.clone().or_else(|| exact(&route.event_type)),
        received_at: rfc3339_now(),
    })
}
