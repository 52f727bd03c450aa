//! The check of a local stack's run: the calls its moto saw, the template the CDK app synthesises
//! for the run's configuration, and the operator policy of `docs/operator-policy.json`, with the
//! local stack's names in place of AWS's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use hookway_core::local::secrets::LocalSecrets;
use hookway_core::local::state::DevState;
use serde_json::Value;

use crate::calls::Call;
use crate::check::{Caller, CheckError, Report, check};
use crate::policy::{Policy, PolicyError};
use crate::template::{Binding, Template, TemplateError};

/// The partition the local stack stands for.
pub const PARTITION: &str = "aws";
/// Where the operator policy is, in the repository.
pub const OPERATOR_POLICY: &str = "docs/operator-policy.json";
/// The archive's Firehose delivery stream, as `hookway dev` names it: no output names it.
pub use hookway_core::local::resources::ARCHIVE_STREAM;

/// Who makes the local stack's calls, and whose permissions they are made with in AWS.
pub const CALLERS: &[(&str, Caller)] = &[
    ("hookway-intake", Caller::Function),
    ("hookway-worker", Caller::Function),
    ("lambda-service", Caller::LambdaService),
    ("hookway-cli", Caller::Operator),
    ("hookway-dev", Caller::Unchecked("hookway dev creating the stack's resources, as CloudFormation does in AWS")),
    ("other", Caller::Unchecked("clients that name no application: a test's own checks")),
];

/// The check of a local run cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    /// The call log cannot be read.
    #[error("cannot read the calls from {url}: {reason}")]
    Calls {
        /// Where.
        url: String,
        /// Why.
        reason: String,
    },
    /// `cdk synth` failed.
    #[error("`{command}` failed: {output}")]
    Synth {
        /// The command.
        command: String,
        /// What it said.
        output: String,
    },
    /// A file cannot be read.
    #[error("{path}: {reason}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The operator policy.
    #[error("{OPERATOR_POLICY}: {0}")]
    Policy(#[from] PolicyError),
    /// The operator policy names a placeholder this check has no value for.
    #[error("{OPERATOR_POLICY}: no value for the placeholder {0}")]
    Placeholder(String),
    /// The template.
    #[error(transparent)]
    Template(#[from] TemplateError),
    /// The check.
    #[error(transparent)]
    Check(#[from] CheckError),
}

/// Every call moto saw, from `GET /_hookway/requests` of `endpoint` (the state's `aws_endpoint`).
pub async fn calls(endpoint: &str) -> Result<Vec<Call>, LocalError> {
    let url = format!("{}/_hookway/requests", endpoint.trim_end_matches('/'));
    let failed = |reason: String| LocalError::Calls { url: url.clone(), reason };
    let response = reqwest::get(&url).await.map_err(|error| failed(error.to_string()))?;
    if !response.status().is_success() {
        return Err(failed(format!("answered {}", response.status())));
    }
    response.json().await.map_err(|error| failed(error.to_string()))
}

/// The template the CDK app in `root` synthesises for the configuration `config`, into `out`
/// (without building the functions: the template is the same).
pub fn synthesize(root: &Path, config: &Path, out: &Path) -> Result<Value, LocalError> {
    let mut command = Command::new("npx");
    command
        .args(["cdk", "synth", "--no-notices", "--quiet", "-c", "skipBundling=true"])
        .arg("-c")
        .arg(format!("config={}", config.display()))
        .arg("-o")
        .arg(out)
        .env("CDK_DISABLE_CLI_TELEMETRY", "true")
        .current_dir(root);
    let described = format!("npx cdk synth -c skipBundling=true -c config={} -o {}", config.display(), out.display());
    let output = command
        .output()
        .map_err(|error| LocalError::Synth { command: described.clone(), output: error.to_string() })?;
    if !output.status.success() {
        let said = String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
        return Err(LocalError::Synth { command: described, output: said });
    }
    // The app's one stack, whatever its name (`-c stackName=…`).
    let manifest = read_json(&out.join("manifest.json"))?;
    let artifacts = manifest.get("artifacts").and_then(Value::as_object).cloned().unwrap_or_default();
    let templates: Vec<&str> = artifacts
        .values()
        .filter(|artifact| artifact.get("type").and_then(Value::as_str) == Some("aws:cloudformation:stack"))
        .filter_map(|artifact| artifact.pointer("/properties/templateFile").and_then(Value::as_str))
        .collect();
    match templates.as_slice() {
        [template] => read_json(&out.join(template)),
        _ => Err(LocalError::Synth { command: described, output: format!("not one stack but {templates:?}") }),
    }
}

fn read_json(path: &Path) -> Result<Value, LocalError> {
    let failed = |reason: String| LocalError::Read { path: path.to_owned(), reason };
    let text = std::fs::read_to_string(path).map_err(|error| failed(error.to_string()))?;
    serde_json::from_str(&text).map_err(|error| failed(error.to_string()))
}

/// The local stack's name: what its resources' names begin with (`hookway` of `hookway-state`).
pub fn stack_name(state: &DevState) -> String {
    state.stack_name().to_owned()
}

/// The local stack in a deployed one's terms.
pub fn binding(state: &DevState, account: &str) -> Binding {
    Binding {
        partition: PARTITION.to_owned(),
        region: state.region.clone(),
        account: account.to_owned(),
        stack_name: stack_name(state),
        outputs: state.outputs().into_iter().map(|(key, value)| (key.to_owned(), value.to_owned())).collect(),
        singletons: BTreeMap::from([("AWS::KinesisFirehose::DeliveryStream".to_owned(), ARCHIVE_STREAM.to_owned())]),
    }
}

/// moto's account, as the queue URLs name it (`http://127.0.0.1:PORT/ACCOUNT/NAME`).
pub fn account(state: &DevState) -> String {
    state.events_queue_url.trim_end_matches('/').rsplit('/').nth(1).unwrap_or_default().to_owned()
}

/// The operator policy's placeholders, as the local stack in `state_dir` fills them: `Partition`,
/// `Region`, `UrlSuffix` (the partition's domain), `Account`, `StackName` (and
/// `StackNameLowercase`, as S3 names its buckets) and `SecretsPath`, the path the configuration's
/// parameters are under.
pub fn placeholders(state_dir: &Path, state: &DevState) -> Result<BTreeMap<&'static str, String>, LocalError> {
    let secrets = LocalSecrets::load(state_dir)
        .map_err(|error| LocalError::Read { path: state_dir.to_owned(), reason: error.to_string() })?;
    let (name, account) = (stack_name(state), account(state));
    Ok(BTreeMap::from([
        ("Partition", PARTITION.to_owned()),
        ("Region", state.region.clone()),
        ("UrlSuffix", "amazonaws.com".to_owned()),
        ("Account", account),
        ("StackNameLowercase", name.to_lowercase()),
        ("StackName", name),
        ("SecretsPath", common_path(secrets.values.keys().map(String::as_str))),
    ]))
}

/// The longest `/…/` path every name is under (`/hookway/` of `/hookway/github/secret` and
/// `/hookway/e2e/token`).
pub fn common_path<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let mut common: Option<&str> = None;
    for name in names {
        let prefix = common.map_or(name, |common| {
            let same = common.bytes().zip(name.bytes()).take_while(|(a, b)| a == b).count();
            &common[..same]
        });
        common = Some(prefix);
    }
    let common = common.unwrap_or("/");
    common.rfind('/').map_or("/".to_owned(), |end| common[..=end].to_owned())
}

/// The operator policy at `path`, its `${Placeholder}`s filled from `values`.
pub fn operator_policy(path: &Path, values: &BTreeMap<&'static str, String>) -> Result<Policy, LocalError> {
    let failed = |reason: String| LocalError::Read { path: path.to_owned(), reason };
    let mut text = std::fs::read_to_string(path).map_err(|error| failed(error.to_string()))?;
    for (name, value) in values {
        text = text.replace(&format!("${{{name}}}"), value);
    }
    if let Some(start) = text.find("${") {
        let name = text[start..].split('}').next().unwrap_or_default();
        return Err(LocalError::Placeholder(format!("{name}}}")));
    }
    let document: Value = serde_json::from_str(&text).map_err(|error| failed(error.to_string()))?;
    Ok(Policy::parse(OPERATOR_POLICY, &document)?)
}

/// Checks the run of the local stack in `state_dir`: every call its moto saw against the roles of
/// the template synthesised from its configuration (into `out`), and the operator commands' against
/// the operator policy.
pub async fn check_run(root: &Path, state_dir: &Path, out: &Path) -> Result<Report, LocalError> {
    check_state(root, state_dir, Some(out), CALLERS).await
}

/// Checks the operator commands' calls alone, made against a moto that `state_dir`'s state file
/// points at (a test standing in for `hookway dev`), against the operator policy.
pub async fn check_operator_calls(root: &Path, state_dir: &Path) -> Result<Report, LocalError> {
    let callers = [
        ("hookway-cli", Caller::Operator),
        ("other", Caller::Unchecked("clients that name no application: the test's own, standing in for the stack")),
    ];
    check_state(root, state_dir, None, &callers).await
}

async fn check_state(
    root: &Path,
    state_dir: &Path,
    out: Option<&Path>,
    callers: &[(&str, Caller)],
) -> Result<Report, LocalError> {
    let state = DevState::read(state_dir)
        .map_err(|error| LocalError::Read { path: state_dir.to_owned(), reason: error.to_string() })?;
    let calls = calls(&state.aws_endpoint).await?;
    let template = match out {
        Some(out) => synthesize(root, &state.config, out)?,
        None => serde_json::json!({"Resources": {}}),
    };
    let mut template = Template::new(&template, binding(&state, &account(&state)))?;
    let operator = operator_policy(&root.join(OPERATOR_POLICY), &placeholders(state_dir, &state)?)?;
    Ok(check(&mut template, root, Some(&operator), callers, &calls, PARTITION)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_common_path_ends_with_a_slash() {
        let names = ["/hookway/github/secret", "/hookway/e2e/fanout/token", "/hookway/stripe/secret"];
        assert_eq!(common_path(names.into_iter()), "/hookway/");
        assert_eq!(common_path(["/a/b"].into_iter()), "/a/");
        assert_eq!(common_path(["/a/b", "/c"].into_iter()), "/");
        assert_eq!(common_path(std::iter::empty()), "/");
    }
}
