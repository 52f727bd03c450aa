//! `hookway secrets put|rotate <SOURCE|PARAMETER>`: a source's secret in SSM, as a SecureString —
//! or a destination's parameter, named as the configuration names it: a `sign.secretParameters`
//! signing secret (`whsec_…`), or an `authorization.parameter` value (`Bearer …`; put only).
//!
//! `rotate` keeps the secrets in use valid for a grace period (default 24 h) beside the new one,
//! so senders can switch without a failed delivery: the parameter becomes
//! `{"secrets": [{"value": "<new>"}, {"value": "<old>", "expiresAt": "<now + grace>"}]}`. If the
//! secrets in use cannot be read (access denied, throttled, SSM unreachable), `rotate` stops and
//! changes nothing: overwriting them would cut off every sender still signing with them.

use std::path::PathBuf;
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
    #[arg(value_name = "SOURCE|PARAMETER")]
    source: String,
    /// The new secret, as the sender shows it [default: a fresh random one, printed once].
    #[arg(long, value_name = "SECRET")]
    value: Option<String>,
    /// The configuration file the source is read from.
    #[arg(long, value_name = "FILE", default_value = "hookway.json")]
    config: PathBuf,
    #[command(flatten)]
    stack: StackArgs,
}

pub async fn run(command: Command) -> Result<ExitCode, CliError> {
    let (args, grace) = match &command {
        Command::Put(args) => (args, None),
        Command::Rotate { args, grace } => (args, Some(*grace)),
    };
    let config = Config::load(&args.config)?;
    let destination = config.outbound_parameters().into_iter().find(|(name, _)| *name == args.source);
    let (parameter, fresh) = match (config.source(&args.source), destination) {
        (Some(source), _) => (source.secret_parameters.first().cloned().unwrap_or_default(), generate(source.scheme)),
        (None, Some((_, ParameterUse::Authorization))) if grace.is_some() => {
            return Err(CliError::Usage(format!(
                "{}: an Authorization parameter holds one value: `hookway secrets put` the new one",
                args.source
            )));
        }
        (None, Some((name, used))) => (name.to_owned(), generate_outbound(used)),
        (None, None) => {
            return Err(CliError::UnknownSource { name: args.source.clone(), config: args.config.clone() });
        }
    };
    let new_secret = match &args.value {
        Some(value) => value.clone(),
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
    if args.value.is_none() {
        outln!("new secret (give it to the sender): {new_secret}")?;
    }
    if let Some(until) = secrets.iter().skip(1).filter_map(|secret| secret.expires_at).max() {
        outln!("the previous secret(s) stay valid until {}", rfc3339(until))?;
    }
    Ok(ExitCode::SUCCESS)
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
