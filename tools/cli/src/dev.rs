//! `hookway dev`: the whole stack on this machine (see the `hookway-dev` crate), with the
//! inspector at `/_hookway/` ([`crate::inspector`]).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use hookway_dev::{DevOptions, LocalFunctions};

use crate::error::CliError;
use crate::inspector::Inspector;

/// Runs moto, the real Lambdas under `cargo lambda watch`, and a local gateway, until Ctrl-C: the
/// webhooks in the events of the front door `webhooks.endpoint` chooses (the REST API, an HTTP
/// API or the Function URL), `/jobs` as the REST API serves it. Run it from the repository's root.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The configuration file.
    #[arg(long, value_name = "FILE", default_value = "hookway.json")]
    config: PathBuf,
    /// The local stack's name: the functions' metric namespace, as a deployed stack's name is.
    #[arg(long, value_name = "NAME", default_value = hookway_dev::DEFAULT_STACK, env = "HOOKWAY_STACK")]
    stack: String,
    /// The API's port on 127.0.0.1.
    #[arg(long, value_name = "PORT", default_value_t = 3000, env = "HOOKWAY_DEV_PORT")]
    port: u16,
    /// moto's port (the local AWS_ENDPOINT_URL).
    #[arg(long, value_name = "PORT", default_value_t = 4566)]
    aws_port: u16,
    /// `cargo lambda watch`'s port.
    #[arg(long, value_name = "PORT", default_value_t = 9000)]
    lambda_port: u16,
    /// Seconds a received event stays hidden before it is delivered again.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    visibility_timeout: u64,
    /// Seconds before a failed job's first retry; each later retry waits twice as long.
    #[arg(long, value_name = "SECONDS", default_value_t = 2)]
    job_retry_delay: u64,
    /// Seconds between the worker's sweeps, which release parked events whose time has come
    /// (deployed, every minute).
    #[arg(long, value_name = "SECONDS", default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=3600))]
    release_interval: u64,
    /// Do not rebuild and restart the functions when the code changes.
    #[arg(long)]
    no_reload: bool,
    /// Run the functions built with optimisations, as Lambda runs them (the first build takes
    /// several minutes longer): for timing them, as `make cost` does.
    #[arg(long)]
    release: bool,
    /// Where the state file and the generated secrets are kept.
    #[arg(long, value_name = "DIR", default_value = ".hookway")]
    state_dir: PathBuf,
    /// Forward every source's events to this URL as well (a service on this machine), without
    /// editing the configuration file: the stack runs a copy with a `forward` route to it.
    #[arg(long, value_name = "URL")]
    forward_to: Option<String>,
    /// Serve a `lambda` target's function on this machine: NAME is the function's name in the
    /// target's ARN, URL where it answers (repeatable). A URL without a path is a Lambda Invoke
    /// API, such as another `cargo lambda watch`; any other URL is POSTed the payload as it is,
    /// and its answer is the function's (a 5xx or an `X-Amz-Function-Error` header: a function
    /// error).
    #[arg(long = "function", value_name = "NAME=URL")]
    functions: Vec<String>,
}

pub async fn run(args: Args) -> Result<ExitCode, CliError> {
    let venv = PathBuf::from(".venv/bin");
    // moto as tools/moto-server runs it: DynamoDB writes one at a time, as DynamoDB applies them.
    let moto_server = std::env::var_os("MOTO_SERVER").map(PathBuf::from).unwrap_or_else(|| {
        let launcher = PathBuf::from("tools/moto-server");
        if launcher.exists() { launcher } else { PathBuf::from("moto_server") }
    });
    let functions = LocalFunctions::parse(args.functions.iter().map(String::as_str))
        .map_err(|reason| CliError::Usage(format!("--function {reason}")))?;
    let tool_dir = venv.join("cargo-lambda").exists().then(|| std::fs::canonicalize(&venv)).transpose()?;
    // The inspector at /_hookway/: the operator commands' functions, on this stack.
    let inspector = Inspector::new(args.state_dir.clone());
    let options = DevOptions {
        mount: Some(Arc::new(inspector)),
        config: args.config,
        stack: args.stack,
        state_dir: args.state_dir,
        port: args.port,
        aws_port: args.aws_port,
        lambda_port: args.lambda_port,
        visibility_timeout: Duration::from_secs(args.visibility_timeout),
        job_retry_delay: Duration::from_secs(args.job_retry_delay),
        release_interval: Duration::from_secs(args.release_interval),
        reload: !args.no_reload,
        release: args.release,
        moto_server,
        tool_dir,
        forward_to: args.forward_to,
        functions,
    };
    hookway_dev::run(options).await?;
    Ok(ExitCode::SUCCESS)
}
