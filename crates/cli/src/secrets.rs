//! `hookway secrets put|rotate <SOURCE|PARAMETER>` (or `--source NAME`): a source's secret in SSM,
//! as a SecureString — or a destination's parameter, named as the configuration names it: a
//! `sign.secretParameters` signing secret (`whsec_…`), or an `authorization.parameter` value
//! (`Bearer …`; put only).
//! The new value comes from stdin (when it is not a terminal), `--value-file`, or `--value`
//! (which lands in the shell's history, and says so); without one, a fresh one is made.
//!
//! `rotate` keeps the secrets in use valid for a grace period (default 24 h) beside the new one,
//! so senders can switch without a failed delivery: the parameter becomes
//! `{"secrets": [{"value": "<new>"}, {"value": "<old>", "expiresAt": "<now + grace>"}]}`. If the
//! secrets in use cannot be read (access denied, throttled, SSM unreachable), `rotate` stops and
//! changes nothing: overwriting them would cut off every sender still signing with them.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use aws_sdk_ssm::error::SdkError;
use aws_sdk_ssm::operation::get_parameter::{GetParameterError, GetParameterOutput};
use aws_sdk_ssm::types::ParameterType;
use hookway_core::config::ParameterUse;
use hookway_core::local::secrets::LocalSecrets;
use hookway_core::secret::{StoredSecret, format_parameter, generate, generate_outbound, parse_parameter};
use hookway_core::{Config, unix_now};

use crate::error::CliError;
use crate::output::outln;
use crate::stack::StackArgs;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Set the source's secret, replacing what is there.
    Put(Args),
    /// Add a new secret and keep those in use valid for a grace period.
    Rotate {
        #[command(flatten)]
        args: Args,
        /// How long the previous secrets stay valid, e.g. `24h`, `90m`.
        #[arg(long, value_name = "DURATION", default_value = "24h", value_parser = humantime::parse_duration)]
        grace: Duration,
    },
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The source, or a destination's parameter (`/…`, as the routes name it).
    #[arg(value_name = "SOURCE|PARAMETER", required_unless_present = "source_flag")]
    named: Option<String>,
    /// The source, as the other commands name it (instead of naming it first).
    #[arg(long = "source", value_name = "NAME", conflicts_with = "named")]
    source_flag: Option<String>,
    /// The new secret, as the sender shows it: it lands in your shell's history, so prefer stdin
    /// or --value-file [default: stdin when it is not a terminal; else, or when stdin is empty, a
    /// fresh random one, printed once].
    #[arg(long, value_name = "SECRET", conflicts_with = "value_file")]
    value: Option<String>,
    /// Read the new secret from this file (`-`: stdin); one trailing newline is dropped.
    #[arg(long, value_name = "FILE")]
    value_file: Option<PathBuf>,
    /// The configuration file the source is read from [default: the local stack's, else
    /// hookway.json].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(flatten)]
    stack: StackArgs,
}

pub async fn run(command: Command) -> Result<ExitCode, CliError> {
    let (args, grace) = match &command {
        Command::Put(args) => (args, None),
        Command::Rotate { args, grace } => (args, Some(*grace)),
    };
    let path = args.stack.config_path(args.config.as_deref());
    let config = Config::load(&path)?;
    // clap requires one of the two.
    let named = args.named.as_ref().or(args.source_flag.as_ref()).cloned().unwrap_or_default();
    // `--source` names a source only; first, a destination's parameter too.
    let parameters = if args.source_flag.is_some() { Vec::new() } else { config.outbound_parameters() };
    let destination = parameters.into_iter().find(|(name, _)| *name == named);
    let (parameter, fresh) = match (config.source(&named), destination) {
        (Some(source), _) => (source.secret_parameters.first().cloned().unwrap_or_default(), generate(source.scheme)),
        (None, Some((_, ParameterUse::Authorization))) if grace.is_some() => {
            return Err(CliError::Usage(format!(
                "{}: an Authorization parameter holds one value: `hookway secrets put` the new one",
                named
            )));
        }
        (None, Some((name, used))) => (name.to_owned(), generate_outbound(used)),
        (None, None) => {
            return Err(CliError::UnknownSource { name: named, config: path });
        }
    };
    let given = given_value(args)?;
    let generated = given.is_none();
    let new_secret = match given {
        Some(value) => value,
        None => fresh.map_err(|error| CliError::Usage(error.to_string()))?,
    };
    let ssm = aws_sdk_ssm::Client::new(&args.stack.sdk_config().await?);
    let mut secrets = vec![StoredSecret { value: new_secret.clone(), expires_at: None }];
    if let Some(grace) = grace {
        let until = unix_now() + i64::try_from(grace.as_secs()).unwrap_or(i64::MAX / 2);
        let current = ssm.get_parameter().name(&parameter).with_decryption(true).send().await;
        let current = current_value(&parameter, current)?;
        for old in parse_parameter(&current)? {
            let expired = old.expires_at.is_some_and(|at| at < unix_now());
            if !expired && !old.value.is_empty() && old.value != new_secret {
                let expires_at = Some(old.expires_at.map_or(until, |at| at.min(until)));
                secrets.push(StoredSecret { value: old.value, expires_at });
            }
        }
    }
    let value = format_parameter(&secrets);
    ssm.put_parameter()
        .name(&parameter)
        .value(&value)
        .r#type(ParameterType::SecureString)
        .overwrite(true)
        .send()
        .await
        .map_err(CliError::aws)?;
    if args.stack.is_local() {
        let mut local = LocalSecrets::load(&args.stack.state_dir)?;
        local.values.insert(parameter.clone(), value);
        local.save()?;
    }
    outln!("{parameter}: {} secret(s)", secrets.len())?;
    if generated {
        outln!("new secret (give it to the sender): {new_secret}")?;
    }
    if let Some(until) = secrets.iter().skip(1).filter_map(|secret| secret.expires_at).max() {
        outln!("the previous secret(s) stay valid until {}", rfc3339(until))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The secret given: `--value` (with a warning: it lands in the shell's history and the process
/// list), `--value-file`, or stdin when it is not a terminal; none (a fresh one is made) when
/// stdin is a terminal or empty.
fn given_value(args: &Args) -> Result<Option<String>, CliError> {
    if let Some(value) = &args.value {
        eprintln!(
            "hookway: warning: --value puts the secret in your shell's history and the process list: \
             pipe it on stdin or give --value-file FILE"
        );
        return Ok(Some(value.clone()));
    }
    let text = match args.value_file.as_deref() {
        Some(path) if path != Path::new("-") => {
            std::fs::read_to_string(path).map_err(|source| CliError::Read { path: path.to_owned(), source })?
        }
        Some(_) => std::io::read_to_string(std::io::stdin())?,
        None if std::io::stdin().is_terminal() => return Ok(None),
        None => std::io::read_to_string(std::io::stdin())?,
    };
    let value = one_line(&text);
    match (value.is_empty(), &args.value_file) {
        (false, _) => Ok(Some(value.to_owned())),
        (true, None) => Ok(None),
        (true, Some(path)) => Err(CliError::Usage(format!("--value-file {}: no secret in it", path.display()))),
    }
}

/// The text without the newline `echo` and editors end it with.
fn one_line(text: &str) -> &str {
    let text = text.strip_suffix('\n').unwrap_or(text);
    text.strip_suffix('\r').unwrap_or(text)
}

/// The parameter's value now: empty when it does not exist yet (a first rotation). Any other
/// failure is an error, so that the secrets in use are never replaced unread.
fn current_value(
    parameter: &str,
    read: Result<GetParameterOutput, SdkError<GetParameterError>>,
) -> Result<String, CliError> {
    match read {
        Ok(output) => Ok(output.parameter.and_then(|parameter| parameter.value).unwrap_or_default()),
        Err(error) if matches!(error.as_service_error(), Some(GetParameterError::ParameterNotFound(_))) => {
            Ok(String::new())
        }
        Err(error) => Err(CliError::Aws(format!(
            "cannot read the secrets in use from {parameter}, so nothing was changed: {}",
            CliError::aws(error)
        ))),
    }
}

fn rfc3339(seconds: i64) -> String {
    let at = std::time::UNIX_EPOCH + Duration::from_secs(u64::try_from(seconds).unwrap_or_default());
    humantime::format_rfc3339_seconds(at).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_trailing_newline_is_dropped_and_nothing_else() {
        assert_eq!(one_line("whsec_abc\n"), "whsec_abc");
        assert_eq!(one_line("whsec_abc\r\n"), "whsec_abc");
        assert_eq!(one_line("whsec_abc"), "whsec_abc");
        assert_eq!(one_line(" a b \n\n"), " a b \n", "only the one newline a line ends with");
    }
}
