//! `hookway doctor`: what stands between this configuration and a working stack, one line per
//! check, each failure with the command that fixes it.
//!
//! Before a deploy: AWS credentials and a region resolve (the SDK's credential chain and its
//! configuration, no STS call); the configuration parses and fits every limit `hookway config check`
//! checks; every secret parameter it names — each source's secrets and verify token, each
//! destination's signing secret and `Authorization` value — exists in SSM, is a SecureString and
//! holds what its scheme reads (the value is never printed); the CDK bootstrap stack exists.
//! After a deploy: the stack is in a stable state, has its outputs, and runs this file (its
//! `ConfigDigest` output); `--smoke` sends a signed test event through its `WebhookUrl` and waits
//! for the worker's record of it in the state table.
//!
//! With `--local` the same checks run against the local stack of `make dev`: its state file, its
//! moto, and the copy of the configuration its functions run.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use aws_sdk_cloudformation::error::ProvideErrorMetadata as _;
use aws_sdk_ssm::config::ProvideCredentials as _;
use aws_sdk_ssm::operation::get_parameter::GetParameterError;
use aws_sdk_ssm::types::ParameterType;
use hookway_core::config::{ParameterUse, digest, limits};
use hookway_core::local::state::DevState;
use hookway_core::scheme::{Key, Scheme, SignRequest};
use hookway_core::secret::parse_parameter;
use hookway_core::store::{DynamoStore, RecordKey, StateStore};
use hookway_core::{Config, Source, unix_now};
use serde_json::{Value, json};

use crate::error::CliError;
use crate::stack::{StackArgs, default_sdk_config};

/// How long `--smoke` waits for the test event's record.
const SMOKE_DEADLINE: Duration = Duration::from_secs(30);

/// The outputs the operator commands and `--smoke` read.
const OUTPUTS: [&str; 9] = [
    "ApiUrl",
    "WebhookUrl",
    "EventsQueueUrl",
    "EventsDeadLetterQueueUrl",
    "JobsDeadLetterQueueUrl",
    "TableName",
    "ArchiveBucketName",
    "WorkerFunctionName",
    "ConfigDigest",
];

/// Prints one line per check (`ok`, `warn`, or `FAIL … — fix: <command>`); exits 1 if any fails.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The configuration file [default: hookway.json; with --local, the one the local stack runs].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Also send a signed test event through the stack's webhook URL and wait (30 s at most) for
    /// its record in the state table. It goes through your routes like any other event.
    #[arg(long)]
    smoke: bool,
    /// One JSON object: {"ok": bool, "checks": [{"name", "status": "ok|fail|warn", "detail", "fix"}]}.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    stack: StackArgs,
}

/// A check's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Ok,
    Warn,
    Fail,
}

/// One check: what it looked at, how it stands, and the command that fixes it.
#[derive(Debug)]
struct Check {
    name: String,
    status: Status,
    detail: String,
    fix: Option<String>,
}

impl Check {
    fn ok(name: impl Into<String>, detail: impl Into<String>) -> Check {
        Check { name: name.into(), status: Status::Ok, detail: detail.into(), fix: None }
    }

    fn warn(name: impl Into<String>, detail: impl Into<String>, fix: Option<String>) -> Check {
        Check { name: name.into(), status: Status::Warn, detail: detail.into(), fix }
    }

    fn fail(name: impl Into<String>, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check { name: name.into(), status: Status::Fail, detail: detail.into(), fix: Some(fix.into()) }
    }

    /// The line it is printed as.
    fn line(&self) -> String {
        let status = match self.status {
            Status::Ok => "ok  ",
            Status::Warn => "warn",
            Status::Fail => "FAIL",
        };
        match &self.fix {
            Some(fix) => format!("{status} {}: {} — fix: {fix}", self.name, self.detail),
            None => format!("{status} {}: {}", self.name, self.detail),
        }
    }

    /// The object `--json` lists it as.
    fn json(&self) -> Value {
        let status = match self.status {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Fail => "fail",
        };
        json!({"name": self.name, "status": status, "detail": self.detail, "fix": self.fix})
    }
}

/// The checks so far; each line is printed as its check ends, unless the answer is JSON.
struct Report {
    checks: Vec<Check>,
    json: bool,
}

impl Report {
    fn add(&mut self, check: Check) -> Result<(), CliError> {
        if !self.json {
            writeln!(std::io::stdout().lock(), "{}", check.line())?;
        }
        self.checks.push(check);
        Ok(())
    }

    fn failed(&self) -> bool {
        self.checks.iter().any(|check| check.status == Status::Fail)
    }
}

/// How the fixes name this run's configuration and stack.
struct Fixes {
    /// ` --config FILE`, unless it is the default.
    config: String,
    /// ` --local` (and its `--state-dir`), or nothing.
    local: String,
    /// `npx cdk deploy`'s context for this file and stack.
    deploy: String,
    /// `AWS_ENDPOINT_URL=… ` before an `aws` command for the local stack.
    aws_prefix: String,
}

pub async fn run(args: Args) -> Result<ExitCode, CliError> {
    let mut report = Report { checks: Vec::new(), json: args.json };
    let local = args.stack.is_local();
    let state = if local {
        match DevState::running(&args.stack.state_dir) {
            Ok(state) => {
                let detail = format!("running at {} (moto at {})", state.gateway_url, state.aws_endpoint);
                report.add(Check::ok("local stack", detail))?;
                Some(state)
            }
            Err(error) => {
                report.add(Check::fail("local stack", error.to_string(), "make dev"))?;
                return finish(report);
            }
        }
    } else {
        None
    };
    let aws = match &state {
        Some(_) => args.stack.sdk_config().await?,
        None => default_sdk_config().await,
    };
    let path = args.config.clone().or_else(|| state.as_ref().map(|state| state.config.clone()));
    let path = path.unwrap_or_else(|| PathBuf::from("hookway.json"));
    let fixes = fixes(&args, &path, state.as_ref());

    let credentials = credentials(&aws).await;
    let resolved = credentials.status == Status::Ok;
    report.add(credentials)?;
    report.add(match aws.region() {
        Some(region) => Check::ok("AWS region", region.to_string()),
        None => {
            Check::fail("AWS region", "none is set", "export AWS_REGION=<region> (or set a region in your AWS profile)")
        }
    })?;

    let checked = configuration(&path, &fixes, &mut report)?;
    let mut keys = HashMap::new();
    if let Some((config, _)) = &checked
        && resolved
    {
        keys = parameters(&aws_sdk_ssm::Client::new(&aws), config, &fixes, &mut report).await?;
    }

    let target = match &state {
        Some(state) => {
            report.add(Check::ok("CDK bootstrap", "skipped: the local stack needs none"))?;
            Some(local_stack(state, &args.stack.state_dir, &path, checked.as_ref(), &mut report)?)
        }
        None if resolved => deployed(&aws, &args.stack.stack, checked.as_ref(), &fixes, &mut report).await?,
        None => None,
    };

    if args.smoke {
        let check = match (&target, &checked) {
            (Some(target), Some((config, _))) => smoke(&aws, target, config, &keys, &fixes).await,
            (None, _) if resolved => Check::fail(
                "smoke test",
                "there is no stack to send through",
                format!("npx cdk deploy{}", fixes.deploy),
            ),
            _ => Check::warn("smoke test", "skipped: fix the failures above first", None),
        };
        report.add(check)?;
    }
    finish(report)
}

/// The JSON answer if asked for, and the exit code.
fn finish(report: Report) -> Result<ExitCode, CliError> {
    let failed = report.failed();
    if report.json {
        let checks: Vec<Value> = report.checks.iter().map(Check::json).collect();
        let answer = json!({"ok": !failed, "checks": checks});
        let text = serde_json::to_string_pretty(&answer).map_err(std::io::Error::other)?;
        writeln!(std::io::stdout().lock(), "{text}")?;
    }
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

fn fixes(args: &Args, path: &Path, state: Option<&DevState>) -> Fixes {
    let default_file = path == Path::new("hookway.json");
    let config = if default_file || (state.is_some() && args.config.is_none()) {
        String::new()
    } else {
        format!(" --config {}", path.display())
    };
    let local = match state {
        Some(_) if args.stack.state_dir == Path::new(".hookway") => " --local".to_owned(),
        Some(_) => format!(" --local --state-dir {}", args.stack.state_dir.display()),
        None => String::new(),
    };
    let mut deploy = String::new();
    if !default_file {
        deploy.push_str(&format!(" -c config={}", path.display()));
    }
    if args.stack.stack != "Hookway" {
        deploy.push_str(&format!(" -c stackName={}", args.stack.stack));
    }
    let aws_prefix = state.map(|state| format!("AWS_ENDPOINT_URL={} ", state.aws_endpoint)).unwrap_or_default();
    Fixes { config, local, deploy, aws_prefix }
}

/// Whether the SDK's credential chain finds credentials: as the commands resolve them, no STS call.
async fn credentials(aws: &SdkConfig) -> Check {
    const FIX: &str = "aws configure, or aws sso login, or set AWS_PROFILE";
    let Some(provider) = aws.credentials_provider() else {
        return Check::fail("AWS credentials", "no credential provider is configured", FIX);
    };
    match provider.provide_credentials().await {
        Ok(credentials) => {
            let detail = match credentials.expiry() {
                Some(at) => format!("resolved, valid until {}", humantime::format_rfc3339_seconds(at)),
                None => "resolved".to_owned(),
            };
            Check::ok("AWS credentials", detail)
        }
        // The chain's error says which providers it tried; it never holds a secret.
        Err(error) => Check::fail("AWS credentials", format!("none found ({error})"), FIX),
    }
}

/// The configuration as `hookway config check` checks it: its parse, its limits, its warnings.
fn configuration(path: &Path, fixes: &Fixes, report: &mut Report) -> Result<Option<(Config, String)>, CliError> {
    let name = format!("configuration {}", path.display());
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) => {
            report.add(Check::fail(
                name,
                format!("cannot be read: {error}"),
                format!("hookway init{}", fixes.config),
            ))?;
            return Ok(None);
        }
    };
    let fix = format!("edit it: hookway config check --config {} names each field at fault", path.display());
    let config = match Config::from_slice(&bytes) {
        Ok(config) => config,
        Err(error) => {
            report.add(Check::fail(name, one_line(&error.to_string()), fix))?;
            return Ok(None);
        }
    };
    let problems = limits::check(&config);
    if !problems.is_empty() {
        let said: Vec<String> = problems.iter().map(ToString::to_string).collect();
        report.add(Check::fail(name, said.join("; "), fix))?;
        return Ok(None);
    }
    if let Err(error) = limits::usage(&config) {
        report.add(Check::fail(name, one_line(&error), fix))?;
        return Ok(None);
    }
    let digest = digest(&bytes);
    report.add(Check::ok(&name, format!("{} source(s), fits one stack, {digest}", config.sources.len())))?;
    for warning in config.warnings() {
        report.add(Check::warn(&name, warning.to_string(), None))?;
    }
    Ok(Some((config, digest)))
}

fn one_line(text: &str) -> String {
    text.lines().collect::<Vec<_>>().join("; ")
}

/// A parameter as SSM holds it: its type and value (never printed), or `None` if there is none.
async fn read_parameter(
    ssm: &aws_sdk_ssm::Client,
    name: &str,
) -> Result<Option<(Option<ParameterType>, String)>, CliError> {
    match ssm.get_parameter().name(name).with_decryption(true).send().await {
        Ok(output) => Ok(output.parameter.map(|parameter| (parameter.r#type, parameter.value.unwrap_or_default()))),
        Err(error) if matches!(error.as_service_error(), Some(GetParameterError::ParameterNotFound(_))) => Ok(None),
        Err(error) => Err(CliError::aws(error)),
    }
}

/// What a parameter is for, and how a fix puts it.
struct Parameter<'a> {
    name: &'a str,
    /// `secret of source stripe`, `signing secret of a destination`, …
    role: String,
    /// The command that puts it.
    put: String,
}

/// Each secret parameter of the configuration: present, a SecureString, of the form its scheme
/// reads. The usable keys of each source, by name, for `--smoke`.
async fn parameters(
    ssm: &aws_sdk_ssm::Client,
    config: &Config,
    fixes: &Fixes,
    report: &mut Report,
) -> Result<HashMap<String, Vec<Key>>, CliError> {
    let mut keys = HashMap::new();
    for source_config in &config.sources {
        let source = match Source::new(source_config) {
            Ok(source) => source,
            Err(error) => {
                let fix = format!("hookway config check{}", fixes.config);
                report.add(Check::fail(format!("source {}", source_config.name), error.to_string(), fix))?;
                continue;
            }
        };
        let title = source_config.scheme.provider().map_or("the sender", |provider| provider.title);
        let mut usable = Vec::new();
        for (index, name) in source.secret_parameters.iter().enumerate() {
            let put = if index == 0 {
                let value =
                    if fixes.local.is_empty() { format!(" --value <the secret {title} shows>") } else { String::new() };
                format!("hookway secrets put {}{}{}{value}", source.name, fixes.config, fixes.local)
            } else {
                format!(
                    "{}aws ssm put-parameter --type SecureString --name {name} --value <the secret {title} shows>",
                    fixes.aws_prefix
                )
            };
            let parameter = Parameter { name, role: format!("secret of source {}", source.name), put };
            if let Some(value) = present(ssm, &parameter, report).await? {
                let (found, problems) = source.keys([(name.as_str(), value.as_str())]);
                let check = match problems.first() {
                    Some(problem) => form_fail(&parameter, &format!("a {} secret", source.scheme.name()), problem),
                    None if found.is_empty() => form_fail(&parameter, "a secret", &"it is empty"),
                    None => Check::ok(
                        format!("parameter {name}"),
                        format!("SecureString, {} {} secret(s)", found.len(), source.scheme.name()),
                    ),
                };
                report.add(check)?;
                usable.extend(found);
            }
        }
        if let Some(name) = &source.verify_token_parameter {
            let put = format!(
                "{}aws ssm put-parameter --type SecureString --name {name} --value <the verify token you give {title}>",
                fixes.aws_prefix
            );
            let parameter = Parameter { name, role: format!("verify token of source {}", source.name), put };
            if let Some(value) = present(ssm, &parameter, report).await? {
                report.add(match Key::verify_token(&value) {
                    Ok(_) => Check::ok(format!("parameter {name}"), "SecureString, a verify token"),
                    Err(problem) => form_fail(&parameter, "a verify token", &problem),
                })?;
            }
        }
        keys.insert(source.name.clone(), usable);
    }
    for (name, used) in config.outbound_parameters() {
        let (role, value) = match used {
            ParameterUse::Signing => ("signing secret of a destination", ""),
            ParameterUse::Authorization => (
                "Authorization value of a destination",
                " --value '<the Authorization header the destination expects>'",
            ),
        };
        // The local stack's is made up, as the first start makes up each.
        let value = if fixes.local.is_empty() { value } else { "" };
        let put = format!("hookway secrets put {name}{}{}{value}", fixes.config, fixes.local);
        let parameter = Parameter { name, role: role.to_owned(), put };
        if let Some(value) = present(ssm, &parameter, report).await? {
            report.add(match outbound_form(used, &value) {
                Ok(what) => Check::ok(format!("parameter {name}"), format!("SecureString, {what}")),
                Err(problem) => form_fail(&parameter, "what a destination's parameter holds", &problem),
            })?;
        }
    }
    Ok(keys)
}

/// The parameter's value if it exists and is a SecureString; otherwise the failure, reported.
async fn present(
    ssm: &aws_sdk_ssm::Client,
    parameter: &Parameter<'_>,
    report: &mut Report,
) -> Result<Option<String>, CliError> {
    let name = format!("parameter {}", parameter.name);
    let check = match read_parameter(ssm, parameter.name).await {
        Ok(Some((Some(ParameterType::SecureString), value))) => return Ok(Some(value)),
        Ok(Some((kind, _))) => {
            let kind = kind.map_or_else(|| "an unknown type".to_owned(), |kind| kind.as_str().to_owned());
            let detail = format!("the {} is a {kind}, not a SecureString: it is stored unencrypted", parameter.role);
            Check::fail(name, detail, parameter.put.clone())
        }
        Ok(None) => Check::fail(name, format!("the {} does not exist", parameter.role), parameter.put.clone()),
        Err(error) => Check::fail(
            name,
            format!("the {} cannot be read: {error}", parameter.role),
            "grant ssm:GetParameter on it (docs/operator-policy.json), or check --region and AWS_PROFILE",
        ),
    };
    report.add(check)?;
    Ok(None)
}

/// A parameter whose value is not of its form. `problem` never holds the value.
fn form_fail(parameter: &Parameter<'_>, form: &str, problem: &dyn std::fmt::Display) -> Check {
    Check::fail(
        format!("parameter {}", parameter.name),
        format!("the {} does not hold {form}: {problem}", parameter.role),
        parameter.put.clone(),
    )
}

/// Whether a destination's parameter holds what the worker reads: `whsec_` secrets (as
/// Standard Webhooks reads them), or an `Authorization` header value.
fn outbound_form(used: ParameterUse, value: &str) -> Result<String, String> {
    match used {
        ParameterUse::Signing => {
            let scheme = Scheme::named("standard-webhooks").ok_or("the Standard Webhooks scheme is missing")?;
            let secrets = parse_parameter(value).map_err(|error| error.to_string())?;
            for secret in &secrets {
                scheme.key(&secret.value, secret.expires_at).map_err(|error| error.to_string())?;
            }
            match secrets.len() {
                0 => Err("it holds no secret".to_owned()),
                count => Ok(format!("{count} whsec_ signing secret(s)")),
            }
        }
        ParameterUse::Authorization if value.trim().is_empty() => Err("it is empty".to_owned()),
        ParameterUse::Authorization if http::HeaderValue::from_str(value).is_err() => {
            Err("it is not a valid HTTP header value".to_owned())
        }
        ParameterUse::Authorization => Ok("an Authorization header value".to_owned()),
    }
}

/// Where `--smoke` sends its event, and where it looks for its record.
struct Target {
    /// The webhook URL, with `{source}` for the source's name.
    webhook_url: String,
    /// The state table.
    table: String,
    /// Where a fix looks when the event goes astray.
    logs: String,
}

/// The local stack: its outputs, and whether its functions run this configuration.
fn local_stack(
    state: &DevState,
    state_dir: &Path,
    path: &Path,
    checked: Option<&(Config, String)>,
    report: &mut Report,
) -> Result<Target, CliError> {
    let missing: Vec<&str> =
        state.outputs().into_iter().filter(|(_, value)| value.is_empty()).map(|(key, _)| key).collect();
    report.add(if missing.is_empty() {
        Check::ok("local stack outputs", format!("all {} in its state file", state.outputs().len()))
    } else {
        Check::fail("local stack outputs", format!("missing: {}", missing.join(", ")), "restart it: make dev")
    })?;
    if let Some((_, digest_of_file)) = checked {
        // The copy the functions read, as this start staged it; the file itself if there is none.
        let staged = state_dir.join(hookway_core::env::CONFIG_FILE);
        let running = std::fs::read(&staged).or_else(|_| std::fs::read(&state.config)).map(|bytes| digest(&bytes));
        let fix = format!("restart the local stack with it (Ctrl-C, then hookway dev --config {})", path.display());
        report.add(match running {
            Ok(running) if running == *digest_of_file => {
                Check::ok("configuration digest", format!("the local stack runs {}", path.display()))
            }
            Ok(running) => Check::fail(
                "configuration digest",
                format!("the local stack runs {running}, {} is {digest_of_file}", path.display()),
                fix,
            ),
            Err(error) => {
                Check::fail("configuration digest", format!("cannot read what the local stack runs: {error}"), fix)
            }
        })?;
    }
    Ok(Target {
        webhook_url: format!("{}/webhooks/{{source}}", state.gateway_url),
        table: state.table.clone(),
        logs: format!("the local stack's output (its logs are in {})", state.logs.display()),
    })
}

/// The CDK bootstrap stack, and the deployed stack: its state, outputs and configuration digest.
async fn deployed(
    aws: &SdkConfig,
    name: &str,
    checked: Option<&(Config, String)>,
    fixes: &Fixes,
    report: &mut Report,
) -> Result<Option<Target>, CliError> {
    let cloudformation = aws_sdk_cloudformation::Client::new(aws);
    let region = aws.region().map_or_else(|| "this region".to_owned(), ToString::to_string);
    let unreadable = |stack: &str, error: CliError| {
        let fix = format!(
            "grant cloudformation:DescribeStacks on {stack} (docs/operator-policy.json), or check AWS_PROFILE and --region"
        );
        Check::fail(format!("stack {stack}"), format!("cannot be described: {error}"), fix)
    };
    report.add(match describe(&cloudformation, "CDKToolkit").await {
        Ok(Some((status, _))) => Check::ok("CDK bootstrap", format!("CDKToolkit is {status}")),
        Ok(None) => Check::fail("CDK bootstrap", format!("no CDKToolkit stack in {region}"), "npx cdk bootstrap"),
        Err(error) => unreadable("CDKToolkit", error),
    })?;
    let deploy = format!("npx cdk deploy{}", fixes.deploy);
    let stack = format!("stack {name}");
    let (status, outputs) = match describe(&cloudformation, name).await {
        Ok(Some(found)) => found,
        Ok(None) => {
            report.add(Check::warn(stack, format!("not deployed in {region} yet"), Some(deploy)))?;
            return Ok(None);
        }
        Err(error) => {
            report.add(unreadable(name, error))?;
            return Ok(None);
        }
    };
    let events = format!("aws cloudformation describe-stack-events --stack-name {name}, then {deploy}");
    report.add(if status.ends_with("_IN_PROGRESS") {
        Check::warn(stack, format!("{status}: a deployment is under way"), None)
    } else if status.ends_with("_FAILED") || status.contains("ROLLBACK") {
        Check::fail(stack, status, events)
    } else {
        Check::ok(stack, status)
    })?;
    let missing: Vec<&str> = OUTPUTS.into_iter().filter(|key| !outputs.contains_key(*key)).collect();
    report.add(if missing.is_empty() {
        Check::ok("stack outputs", format!("all {} there", OUTPUTS.len()))
    } else {
        Check::fail("stack outputs", format!("missing: {}", missing.join(", ")), deploy.clone())
    })?;
    if let (Some((_, digest_of_file)), Some(running)) = (checked, outputs.get("ConfigDigest")) {
        report.add(if running == digest_of_file {
            Check::ok("configuration digest", format!("the stack runs this file ({running})"))
        } else {
            Check::fail(
                "configuration digest",
                format!("the stack runs {running}, this file is {digest_of_file}"),
                deploy,
            )
        })?;
    }
    Ok(match (outputs.get("WebhookUrl"), outputs.get("TableName")) {
        (Some(url), Some(table)) => Some(Target {
            webhook_url: url.clone(),
            table: table.clone(),
            logs: "the intake's and the worker's logs (the DashboardUrl output links them)".to_owned(),
        }),
        _ => None,
    })
}

/// A stack's status and outputs, or `None` if there is no such stack.
async fn describe(
    cloudformation: &aws_sdk_cloudformation::Client,
    name: &str,
) -> Result<Option<(String, HashMap<String, String>)>, CliError> {
    let described = match cloudformation.describe_stacks().stack_name(name).send().await {
        Ok(described) => described,
        // CloudFormation says so with a ValidationError: "Stack with id X does not exist".
        Err(error)
            if error
                .as_service_error()
                .and_then(|error| error.message())
                .is_some_and(|m| m.contains("does not exist")) =>
        {
            return Ok(None);
        }
        Err(error) => return Err(CliError::aws(error)),
    };
    let Some(stack) = described.stacks().first() else { return Ok(None) };
    let status = stack.stack_status().map_or_else(|| "UNKNOWN".to_owned(), |status| status.as_str().to_owned());
    let outputs = stack
        .outputs()
        .iter()
        .filter_map(|output| Some((output.output_key()?.to_owned(), output.output_value()?.to_owned())))
        .collect();
    Ok(Some((status, outputs)))
}

/// A signed test event through the webhook URL, and its record in the state table.
async fn smoke(
    aws: &SdkConfig,
    target: &Target,
    config: &Config,
    keys: &HashMap<String, Vec<Key>>,
    fixes: &Fixes,
) -> Check {
    const NAME: &str = "smoke test";
    // A source this machine may send as, with a secret to sign with (not a provider's public key).
    let chosen = config.sources.iter().filter(|source| source.allow_ips.is_none()).find_map(|config| {
        let source = Source::new(config).ok()?;
        let key = keys.get(&source.name)?.first()?;
        (!source.scheme.spec().algorithm.is_public_key()).then_some((source, key))
    });
    let Some((source, key)) = chosen else {
        let detail = "no source has a secret this machine can sign with (a provider's public key, or allowIps)";
        return Check::warn(NAME, detail, None);
    };
    let url = target.webhook_url.replace("{source}", &source.name);
    let started = Instant::now();
    let (event_id, body) = match post(&source, key, &url).await {
        Ok(sent) => sent,
        Err(error) => return Check::fail(NAME, error, format!("see why in {}", target.logs)),
    };
    let record_key = if config.unsigned_id_sources().contains(&source.name) {
        RecordKey::event_body(&source.name, &body)
    } else {
        RecordKey::event(&source.name, &event_id)
    };
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(aws), &target.table);
    let show = format!("hookway events show {event_id} --source {}{}{}", source.name, fixes.config, fixes.local);
    loop {
        match store.status(&record_key).await {
            Ok(Some(record)) if !record.status.is_empty() => {
                let detail = format!(
                    "{} event {event_id} sent to {url}, recorded {} after {:.1} s",
                    source.name,
                    record.status,
                    started.elapsed().as_secs_f64()
                );
                return if record.status == "FAILED" {
                    Check::warn(NAME, detail, Some(show))
                } else {
                    Check::ok(NAME, detail)
                };
            }
            Ok(_) => {}
            Err(error) => {
                let fix = "grant dynamodb:GetItem on the state table (docs/operator-policy.json)";
                return Check::fail(NAME, format!("cannot read the state table: {error}"), fix);
            }
        }
        if started.elapsed() >= SMOKE_DEADLINE {
            let detail = format!(
                "event {event_id} was accepted at {url}, and has no record in the state table after {} s",
                SMOKE_DEADLINE.as_secs()
            );
            return Check::fail(NAME, detail, format!("{show}; see why in {}", target.logs));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Posts a test event signed as `source` with `key`: the id the intake gave it, and the body.
async fn post(source: &Source, key: &Key, url: &str) -> Result<(String, Vec<u8>), String> {
    let id = crate::sign::fresh_id(&source.scheme);
    let event_type = "hookway.doctor";
    let body = json!({
        "id": id, "type": event_type, "created": unix_now(), "event_id": id,
        "event": {"type": event_type}, "data": {"object": {"id": id}}, "sentBy": "hookway doctor --smoke",
    })
    .to_string()
    .into_bytes();
    let signed_url = source.public_url.as_deref().unwrap_or(url);
    let request = SignRequest { id: &id, timestamp: unix_now(), body: &body, method: "POST", url: signed_url };
    let signed =
        source.scheme.sign(key, &request).map_err(|error| format!("cannot sign as {}: {error}", source.name))?;
    let body = signed.body.unwrap_or(body);
    let client = reqwest::Client::builder().timeout(SMOKE_DEADLINE).build().map_err(|error| error.to_string())?;
    let mut request = client.post(url).header("content-type", "application/json").body(body.clone());
    for (name, value) in signed.headers {
        request = request.header(name, value);
    }
    if let Some(name) = source.scheme.type_header() {
        request = request.header(name, event_type);
    }
    let response = request.send().await.map_err(|error| format!("POST {url}: {error}"))?;
    let status = response.status();
    let answer: Value = response.json().await.unwrap_or(Value::Null);
    match answer.get("id").and_then(Value::as_str) {
        Some(event_id) if status.is_success() => Ok((event_id.to_owned(), body)),
        _ => Err(format!("POST {url} answered {status} {answer}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_says_the_status_and_a_failure_its_fix() {
        assert_eq!(Check::ok("AWS region", "eu-west-1").line(), "ok   AWS region: eu-west-1");
        let fail =
            Check::fail("parameter /hookway/stripe/secret", "the secret does not exist", "hookway secrets put stripe");
        assert_eq!(
            fail.line(),
            "FAIL parameter /hookway/stripe/secret: the secret does not exist — fix: hookway secrets put stripe"
        );
        assert_eq!(Check::warn("stack Hookway", "x", None).line(), "warn stack Hookway: x");
        let json = fail.json();
        assert_eq!(json["status"], "fail");
        assert_eq!(json["fix"], "hookway secrets put stripe");
    }

    #[test]
    fn a_destination_parameter_holds_its_form() {
        let signing = |value: &str| outbound_form(ParameterUse::Signing, value);
        assert!(signing("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_ok());
        let refused = signing("not base64 at all!").unwrap_err();
        assert!(!refused.contains("not base64 at all!"), "the value is never said: {refused}");
        assert!(outbound_form(ParameterUse::Authorization, "Bearer abc").is_ok());
        assert!(outbound_form(ParameterUse::Authorization, " ").is_err());
        assert!(outbound_form(ParameterUse::Authorization, "Bearer a\nb").is_err());
    }

    #[test]
    fn the_repository_configuration_passes_the_configuration_check() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../hookway.json");
        let fixes =
            Fixes { config: String::new(), local: String::new(), deploy: String::new(), aws_prefix: String::new() };
        let mut report = Report { checks: Vec::new(), json: true };
        let (config, digest) = configuration(&path, &fixes, &mut report).unwrap().unwrap();
        assert!(config.source("stripe").is_some());
        assert!(digest.starts_with("sha256:"));
        assert_eq!(report.checks[0].status, Status::Ok, "{}", report.checks[0].line());
    }
}
