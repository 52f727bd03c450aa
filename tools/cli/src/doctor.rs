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
use aws_sdk_ssm::config::ProvideCredentials as _;
use aws_sdk_ssm::operation::get_parameter::GetParameterError;
use aws_sdk_ssm::types::ParameterType;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use hookway_core::config::{ParameterUse, digest, limits};
use hookway_core::local::state::DevState;
use hookway_core::scheme::{Key, Scheme};
use hookway_core::secret::parse_parameter;
use hookway_core::store::{DynamoStore, RecordKey, StateStore};
use hookway_core::{Config, Source};
use http::HeaderMap;
use serde_json::{Value, json};

use crate::error::CliError;
use crate::output::json_line;
use crate::send::{self, Outgoing};
use crate::sign::fresh_id;
use crate::stack::{
    self, CONFIG_DIGEST, DEFAULT_CONFIG, OUTPUT_KEYS, StackArgs, TABLE_NAME, WEBHOOK_URL, default_sdk_config,
};

/// How long `--smoke` waits for the test event's record.
const SMOKE_DEADLINE: Duration = Duration::from_secs(30);

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

/// How the fixes name this run's configuration, stack, account and region.
struct Fixes {
    /// `hookway`, with the `--profile` and `--region` this run was given (the local stack needs
    /// neither).
    hookway: String,
    /// ` --config FILE`, unless it is the default.
    config: String,
    /// ` --local` (and its `--state-dir`), or nothing.
    local: String,
    /// `npx cdk deploy` for this file and stack, in this account and region.
    deploy: String,
    /// `npx cdk bootstrap`, in this account and region.
    bootstrap: String,
    /// How an `aws` command starts: `aws`, with the local stack's endpoint or the profile given.
    aws: String,
    /// ` --region R` at the end of an `aws` command, when --region was given.
    region: String,
    /// ` --profile P`, when --profile was given.
    profile: String,
}

impl Fixes {
    /// `aws <command>`, for this account and region.
    fn aws(&self, command: &str) -> String {
        format!("{}{command}{}", self.aws, self.region)
    }
}

/// Why an AWS call failed, as far as its fix goes (the words are [`CliError::aws`]'s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trouble {
    /// The credentials lack a permission.
    Denied,
    /// The session has expired.
    Expired,
    /// No credentials were found, or AWS does not recognise them.
    Credentials,
    /// The endpoint did not answer.
    Unreachable,
    /// Anything else: throttled, an answer that could not be read.
    Other,
}

impl Trouble {
    fn of<E, R>(error: &SdkError<E, R>) -> Trouble
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        if let SdkError::ServiceError(service) = error {
            return match service.err().code().unwrap_or_default() {
                "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation" | "AuthorizationError" => {
                    Trouble::Denied
                }
                "ExpiredToken" | "ExpiredTokenException" | "RequestExpired" | "TokenRefreshRequired" => {
                    Trouble::Expired
                }
                "UnrecognizedClientException"
                | "InvalidClientTokenId"
                | "InvalidSignatureException"
                | "SignatureDoesNotMatch" => Trouble::Credentials,
                _ => Trouble::Other,
            };
        }
        // The credential chain's failures come as the causes' text alone.
        let mut causes = String::new();
        let mut cause = std::error::Error::source(error);
        while let Some(error) = cause {
            causes.push_str(&error.to_string().to_ascii_lowercase());
            causes.push('\n');
            cause = error.source();
        }
        let about_credentials = ["credential", "token", "session", "sso"].iter().any(|word| causes.contains(word));
        match error {
            _ if about_credentials && causes.contains("expired") => Trouble::Expired,
            _ if causes.contains("credential") => Trouble::Credentials,
            SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => Trouble::Unreachable,
            _ => Trouble::Other,
        }
    }

    /// The command that fixes it; `grant` is the permission a denied call lacks.
    fn fix(self, grant: &str, fixes: &Fixes) -> String {
        match self {
            Trouble::Denied => format!("grant {grant} to the credentials in use (docs/operator-policy.json)"),
            Trouble::Expired => {
                format!("sign in again: aws sso login{} (or refresh the credentials you exported)", fixes.profile)
            }
            Trouble::Credentials => format!("aws configure{}, or give another --profile", fixes.profile),
            Trouble::Unreachable if !fixes.local.is_empty() => "start the local stack: make dev".to_owned(),
            Trouble::Unreachable => "check the network, and --region (and any AWS_ENDPOINT_URL_* set)".to_owned(),
            Trouble::Other => format!("try again; RUST_LOG=debug {} doctor says more", fixes.hookway),
        }
    }

    /// Whether every further call would fail alike: the checks that call AWS stop there.
    fn halts(self) -> bool {
        matches!(self, Trouble::Expired | Trouble::Credentials | Trouble::Unreachable)
    }
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
    let path = args.stack.config_path(args.config.as_deref());
    let fixes = fixes(&args, &path, state.as_ref());

    let credentials = credentials(&aws, &fixes).await;
    let mut ready = credentials.status == Status::Ok;
    report.add(credentials)?;
    report.add(match aws.region() {
        Some(region) => Check::ok("AWS region", region.to_string()),
        None => {
            ready = false;
            let fix = "give --region, or export AWS_REGION=<region>, or set a region in your AWS profile";
            Check::fail("AWS region", "none is set", fix)
        }
    })?;

    let checked = configuration(&path, &fixes, &mut report)?;
    // What cannot be checked without AWS, said once: each of its calls would fail as one above did.
    let mut skipped = Vec::new();
    let mut keys = HashMap::new();
    let mut halted = false;
    if !ready {
        skipped.push("the SSM parameters".to_owned());
    } else if let Some((config, _)) = &checked {
        let mut halt = Halt::default();
        keys = parameters(&aws_sdk_ssm::Client::new(&aws), config, &fixes, &mut halt, &mut report).await?;
        if halt.skipped > 0 {
            skipped.push(format!("{} more parameter(s)", halt.skipped));
        }
        halted = halt.trouble.is_some();
    }
    let reachable = ready && !halted;

    let target = match &state {
        Some(state) => {
            report.add(Check::ok("CDK bootstrap", "skipped: the local stack needs none"))?;
            Some(local_stack(state, &args.stack.state_dir, &path, checked.as_ref(), &mut report)?)
        }
        None if reachable => deployed(&aws, &args.stack.stack, checked.as_ref(), &fixes, &mut report).await?,
        None => {
            skipped.push(format!("the CDK bootstrap and stack {}", args.stack.stack));
            None
        }
    };

    let smoked = match (&target, &checked) {
        _ if !args.smoke => None,
        (Some(target), Some((config, _))) if reachable => Some(smoke(&aws, target, config, &keys, &fixes).await),
        (None, _) if reachable => {
            Some(Check::fail("smoke test", "there is no stack to send through", fixes.deploy.clone()))
        }
        (Some(_), None) => Some(Check::warn("smoke test", "skipped: fix the configuration first", None)),
        _ => {
            skipped.push("the smoke test".to_owned());
            None
        }
    };
    if !skipped.is_empty() {
        let above = if halted { "the failure above" } else { "the failures above" };
        let detail = format!("skipped: fix {above} ({} cannot be checked until then)", skipped.join(", "));
        report.add(Check::warn("AWS checks", detail, None))?;
    }
    if let Some(check) = smoked {
        report.add(check)?;
    }
    finish(report)
}

/// The JSON answer if asked for, and the exit code.
fn finish(report: Report) -> Result<ExitCode, CliError> {
    let failed = report.failed();
    if report.json {
        let checks: Vec<Value> = report.checks.iter().map(Check::json).collect();
        json_line(&json!({"ok": !failed, "checks": checks}))?;
    }
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

fn fixes(args: &Args, path: &Path, state: Option<&DevState>) -> Fixes {
    let default_file = path == Path::new(DEFAULT_CONFIG);
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
    // The account and region this run was given, carried into each command a fix names; the
    // local stack's are its own.
    let choice = if state.is_some() { stack::AwsChoice::default() } else { stack::aws_choice() };
    let mut hookway = "hookway".to_owned();
    let mut cdk = String::new();
    let mut aws = String::new();
    if let Some(profile) = &choice.profile {
        hookway.push_str(&format!(" --profile {profile}"));
        cdk.push_str(&format!("AWS_PROFILE={profile} "));
        aws.push_str(&format!("AWS_PROFILE={profile} "));
    }
    if let Some(region) = &choice.region {
        hookway.push_str(&format!(" --region {region}"));
        cdk.push_str(&format!("AWS_REGION={region} "));
    }
    if let Some(state) = state {
        aws.push_str(&format!("AWS_ENDPOINT_URL={} ", state.aws_endpoint));
    }
    aws.push_str("aws ");
    let mut deploy = format!("{cdk}npx cdk deploy");
    if !default_file {
        deploy.push_str(&format!(" -c config={}", path.display()));
    }
    if args.stack.stack != "Hookway" {
        deploy.push_str(&format!(" -c stackName={}", args.stack.stack));
    }
    Fixes {
        hookway,
        config,
        local,
        deploy,
        bootstrap: format!("{cdk}npx cdk bootstrap"),
        aws,
        region: choice.region.map(|region| format!(" --region {region}")).unwrap_or_default(),
        profile: choice.profile.map(|profile| format!(" --profile {profile}")).unwrap_or_default(),
    }
}

/// Whether the SDK's credential chain finds credentials: as the commands resolve them, no STS call.
async fn credentials(aws: &SdkConfig, fixes: &Fixes) -> Check {
    let profile = &fixes.profile;
    let fix = format!("aws configure{profile}, or aws sso login{profile}, or give another --profile");
    let Some(provider) = aws.credentials_provider() else {
        return Check::fail("AWS credentials", "no credential provider is configured", fix);
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
        Err(error) => Check::fail("AWS credentials", format!("none found ({error})"), fix),
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
) -> Result<Option<(Option<ParameterType>, String)>, aws_sdk_ssm::error::SdkError<GetParameterError>> {
    match ssm.get_parameter().name(name).with_decryption(true).send().await {
        Ok(output) => Ok(output.parameter.map(|parameter| (parameter.r#type, parameter.value.unwrap_or_default()))),
        Err(error) if matches!(error.as_service_error(), Some(GetParameterError::ParameterNotFound(_))) => Ok(None),
        Err(error) => Err(error),
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

/// Where SSM stopped answering: the parameters after it are not read, but counted.
#[derive(Default)]
struct Halt {
    trouble: Option<Trouble>,
    skipped: usize,
}

/// Each secret parameter of the configuration: present, a SecureString, of the form its scheme
/// reads. The usable keys of each source, by name, for `--smoke`. Once a read fails in a way
/// every other would (no credentials, an expired session, SSM unreachable), the rest are skipped.
async fn parameters(
    ssm: &aws_sdk_ssm::Client,
    config: &Config,
    fixes: &Fixes,
    halt: &mut Halt,
    report: &mut Report,
) -> Result<HashMap<String, Vec<Key>>, CliError> {
    let mut keys = HashMap::new();
    // A value is read from a file, never given on the command line: it would land in the shell's history.
    let aws_put = |name: &str, what: &str| {
        let put = fixes.aws(&format!("ssm put-parameter --type SecureString --name {name} --value file://secret.txt"));
        format!("{put} (secret.txt: {what}, no trailing newline)")
    };
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
                // The local stack's is made up, as its first start makes up each.
                let value = if fixes.local.is_empty() {
                    format!(" --value-file secret.txt (secret.txt: the secret {title} shows)")
                } else {
                    String::new()
                };
                format!("{} secrets put {}{}{}{value}", fixes.hookway, source.name, fixes.config, fixes.local)
            } else {
                aws_put(name, &format!("the secret {title} shows"))
            };
            let parameter = Parameter { name, role: format!("secret of source {}", source.name), put };
            if let Some(value) = present(ssm, &parameter, fixes, halt, report).await? {
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
            let put = aws_put(name, &format!("the verify token you give {title}"));
            let parameter = Parameter { name, role: format!("verify token of source {}", source.name), put };
            if let Some(value) = present(ssm, &parameter, fixes, halt, report).await? {
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
                " --value-file token.txt (token.txt: the Authorization header the destination expects)",
            ),
        };
        // The local stack's is made up, as the first start makes up each.
        let value = if fixes.local.is_empty() { value } else { "" };
        let put = format!("{} secrets put {name}{}{}{value}", fixes.hookway, fixes.config, fixes.local);
        let parameter = Parameter { name, role: role.to_owned(), put };
        if let Some(value) = present(ssm, &parameter, fixes, halt, report).await? {
            report.add(match outbound_form(used, &value) {
                Ok(what) => Check::ok(format!("parameter {name}"), format!("SecureString, {what}")),
                Err(problem) => form_fail(&parameter, "what a destination's parameter holds", &problem),
            })?;
        }
    }
    Ok(keys)
}

/// The parameter's value if it exists and is a SecureString; otherwise the failure, reported,
/// with the fix its kind calls for. After a read that halts, none is read: each is counted.
async fn present(
    ssm: &aws_sdk_ssm::Client,
    parameter: &Parameter<'_>,
    fixes: &Fixes,
    halt: &mut Halt,
    report: &mut Report,
) -> Result<Option<String>, CliError> {
    if halt.trouble.is_some() {
        halt.skipped += 1;
        return Ok(None);
    }
    let name = format!("parameter {}", parameter.name);
    let check = match read_parameter(ssm, parameter.name).await {
        Ok(Some((Some(ParameterType::SecureString), value))) => return Ok(Some(value)),
        Ok(Some((kind, _))) => {
            let kind = kind.map_or_else(|| "an unknown type".to_owned(), |kind| kind.as_str().to_owned());
            let detail = format!("the {} is a {kind}, not a SecureString: it is stored unencrypted", parameter.role);
            Check::fail(name, detail, parameter.put.clone())
        }
        Ok(None) => Check::fail(name, format!("the {} does not exist", parameter.role), parameter.put.clone()),
        Err(error) => {
            let trouble = Trouble::of(&error);
            if trouble.halts() {
                halt.trouble = Some(trouble);
            }
            let fix = trouble.fix("ssm:GetParameter on it", fixes);
            Check::fail(name, format!("the {} cannot be read: {}", parameter.role, CliError::aws(error)), fix)
        }
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
    let region = aws.region().map_or_else(|| "this region".to_owned(), ToString::to_string);
    let unreadable = |stack: &str, error: SdkError<_, _>| {
        let trouble = Trouble::of(&error);
        let fix = trouble.fix(&format!("cloudformation:DescribeStacks on {stack}"), fixes);
        (trouble, Check::fail(format!("stack {stack}"), format!("cannot be described: {}", CliError::aws(error)), fix))
    };
    report.add(match stack::describe(aws, "CDKToolkit").await {
        Ok(Some(bootstrap)) => Check::ok("CDK bootstrap", format!("CDKToolkit is {}", bootstrap.status)),
        Ok(None) => Check::fail("CDK bootstrap", format!("no CDKToolkit stack in {region}"), fixes.bootstrap.clone()),
        Err(error) => {
            let (trouble, check) = unreadable("CDKToolkit", error);
            if trouble.halts() {
                report.add(check)?;
                report.add(Check::warn(format!("stack {name}"), "skipped: fix the failure above", None))?;
                return Ok(None);
            }
            check
        }
    })?;
    let deploy = &fixes.deploy;
    let stack = format!("stack {name}");
    let stack::Described { status, outputs } = match stack::describe(aws, name).await {
        Ok(Some(found)) => found,
        Ok(None) => {
            report.add(Check::warn(stack, format!("not deployed in {region} yet"), Some(deploy.clone())))?;
            return Ok(None);
        }
        Err(error) => {
            report.add(unreadable(name, error).1)?;
            return Ok(None);
        }
    };
    let events =
        format!("{}, then {deploy}", fixes.aws(&format!("cloudformation describe-stack-events --stack-name {name}")));
    report.add(if status.ends_with("_IN_PROGRESS") {
        Check::warn(stack, format!("{status}: a deployment is under way"), None)
    } else if status.ends_with("_FAILED") || status.contains("ROLLBACK") {
        Check::fail(stack, status, events)
    } else {
        Check::ok(stack, status)
    })?;
    let missing: Vec<&str> = OUTPUT_KEYS.into_iter().filter(|key| !outputs.contains_key(*key)).collect();
    report.add(if missing.is_empty() {
        Check::ok("stack outputs", format!("all {} there", OUTPUT_KEYS.len()))
    } else {
        Check::fail("stack outputs", format!("missing: {}", missing.join(", ")), deploy.clone())
    })?;
    if let (Some((_, digest_of_file)), Some(running)) = (checked, outputs.get(CONFIG_DIGEST)) {
        report.add(if running == digest_of_file {
            Check::ok("configuration digest", format!("the stack runs this file ({running})"))
        } else {
            Check::fail(
                "configuration digest",
                format!("the stack runs {running}, this file is {digest_of_file}"),
                deploy.clone(),
            )
        })?;
    }
    Ok(match (outputs.get(WEBHOOK_URL), outputs.get(TABLE_NAME)) {
        (Some(url), Some(table)) => Some(Target {
            webhook_url: url.clone(),
            table: table.clone(),
            logs: "the intake's and the worker's logs (the DashboardUrl output links them)".to_owned(),
        }),
        _ => None,
    })
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
    let show =
        format!("{} events show {event_id} --source {}{}{}", fixes.hookway, source.name, fixes.config, fixes.local);
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

/// Posts a test event signed as `source` with `key`, as `hookway send` does: the id the intake
/// gave it, and the body as sent.
async fn post(source: &Source, key: &Key, url: &str) -> Result<(String, Vec<u8>), String> {
    const EVENT_TYPE: &str = "hookway.doctor";
    let id = fresh_id(&source.scheme);
    let outgoing = Outgoing {
        source,
        key,
        url,
        id: &id,
        body: send::sample(&id, EVENT_TYPE, "hookway doctor --smoke").to_string().into_bytes(),
        content_type: "application/json",
        event_type: Some(EVENT_TYPE),
        headers: HeaderMap::new(),
    };
    let delivered = tokio::time::timeout(SMOKE_DEADLINE, send::post(outgoing))
        .await
        .map_err(|_| format!("POST {url}: no answer in {} s", SMOKE_DEADLINE.as_secs()))?
        .map_err(|error| error.to_string())?;
    if (200..300).contains(&delivered.status) {
        Ok((delivered.id, delivered.body))
    } else {
        Err(format!("POST {url} answered {}", delivered.line()))
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
        let fixes = Fixes {
            hookway: "hookway".into(),
            config: String::new(),
            local: String::new(),
            deploy: String::new(),
            bootstrap: String::new(),
            aws: "aws ".into(),
            region: String::new(),
            profile: String::new(),
        };
        let mut report = Report { checks: Vec::new(), json: true };
        let (config, digest) = configuration(&path, &fixes, &mut report).unwrap().unwrap();
        assert!(config.source("stripe").is_some());
        assert!(digest.starts_with("sha256:"));
        assert_eq!(report.checks[0].status, Status::Ok, "{}", report.checks[0].line());
    }
}
