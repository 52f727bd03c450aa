//! `hookway secrets put|rotate <SOURCE|PARAMETER>` (or `--source NAME`): a source's secret in SSM,
//! as a SecureString — or a destination's parameter, named as the configuration names it: a
//! `sign.secretParameters` signing secret (`whsec_…`), or an `authorization.parameter` value
//! (`Bearer …`; put only).
//! The new value comes from stdin (a pipe or a file; any stdin with `--value-file -`),
//! `--value-file`, or `--value` (which lands in the shell's history, and says so); without one, a
//! fresh one is made. A value given is checked against the form its scheme takes (a destination's
//! signing secret: `whsec_…`) before anything is stored.
//!
//! `rotate` keeps the secrets in use valid for a grace period (default 24 h) beside the new one,
//! so senders can switch without a failed delivery: the parameter becomes
//! `{"secrets": [{"value": "<new>"}, {"value": "<old>", "expiresAt": "<now + grace>"}]}`. If the
//! secrets in use cannot be read (access denied, throttled, SSM unreachable), `rotate` stops and
//! changes nothing: overwriting them would cut off every sender still signing with them.

use std::io::IsTerminal as _;
use std::os::fd::AsFd as _;
use std::os::unix::fs::FileTypeExt as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use aws_sdk_ssm::error::SdkError;
use aws_sdk_ssm::operation::get_parameter::{GetParameterError, GetParameterOutput};
use aws_sdk_ssm::types::ParameterType;
use hookway_core::config::ParameterUse;
use hookway_core::hookway_providers::providers::standard_webhooks;
use hookway_core::local::secrets::LocalSecrets;
use hookway_core::scheme::{Key, Scheme};
use hookway_core::secret::{StoredSecret, format_parameter, generate, generate_outbound, parse_parameter};
use hookway_core::unix_now;

use crate::config::Loaded;
use crate::error::CliError;
use crate::output::{outln, warnln};
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
    /// or --value-file [default: stdin when it is a pipe or a file; else, or when stdin is empty,
    /// a fresh random one, printed once].
    #[arg(long, value_name = "SECRET", conflicts_with = "value_file")]
    value: Option<String>,
    /// Read the new secret from this file (`-`: stdin, whatever it is); one trailing newline is
    /// dropped.
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
    let Loaded { path, config, .. } = args.stack.load_config(args.config.as_deref())?;
    // clap requires one of the two.
    let named = args.named.as_ref().or(args.source_flag.as_ref()).cloned().unwrap_or_default();
    // `--source` names a source only; first, a destination's parameter too.
    let parameters = if args.source_flag.is_some() { Vec::new() } else { config.outbound_parameters() };
    let destination = parameters.into_iter().find(|(name, _)| *name == named);
    // The parameter, a fresh value for it, and the form a value given must take (none: any).
    let (parameter, fresh, form) = match (config.source(&named), destination) {
        (Some(source), _) => (
            source.secret_parameters.first().cloned().unwrap_or_default(),
            generate(source.scheme),
            Some(Form::Source(hookway_core::Source::new(source)?.scheme)),
        ),
        (None, Some((_, ParameterUse::Authorization))) if grace.is_some() => {
            return Err(CliError::Usage(format!(
                "{}: an Authorization parameter holds one value: `hookway secrets put` the new one",
                named
            )));
        }
        (None, Some((name, used))) => {
            (name.to_owned(), generate_outbound(used), (used == ParameterUse::Signing).then_some(Form::Signing))
        }
        (None, None) => {
            return Err(CliError::UnknownSource { name: named, config: path });
        }
    };
    let given = given_value(args)?;
    if let (Some(value), Some(form)) = (&given, &form) {
        form.suits(value).map_err(|reason| CliError::Usage(format!("{named}: {reason}; nothing was stored")))?;
    }
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
        outln!("the previous secret(s) stay valid until {}", hookway_core::store::rfc3339(until))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The form of a value given.
enum Form {
    /// A source's secret, as its scheme takes it.
    Source(Scheme),
    /// A destination's signing secret: Standard Webhooks' `whsec_…`.
    Signing,
}

impl Form {
    /// Whether `value` takes this form; if not, why (without the value).
    fn suits(&self, value: &str) -> Result<(), String> {
        let key = match self {
            Form::Source(scheme) => scheme.key(value, None),
            Form::Signing if value.starts_with("whpk_") => {
                return Err("a destination signs with a whsec_ secret, not a whpk_ public key".into());
            }
            Form::Signing => {
                let spec = &standard_webhooks::PROVIDER.spec;
                Key::new(spec.algorithm, spec.secret, value, None)
            }
        };
        key.map(drop).map_err(|error| error.to_string())
    }
}

/// The secret given: `--value` (with a warning: it lands in the shell's history and the process
/// list), `--value-file`, or stdin when it is a pipe or a file; none (a fresh one is made) when
/// stdin is a terminal, empty, or something that may never end (a socket, a character device:
/// `ssh`, `docker -i`), unless `--value-file -` asks for it.
fn given_value(args: &Args) -> Result<Option<String>, CliError> {
    if let Some(value) = &args.value {
        warnln!(
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
        None if !stdin_ends() => return Ok(None),
        None => std::io::read_to_string(std::io::stdin())?,
    };
    let value = one_line(&text);
    match (value.is_empty(), &args.value_file) {
        (false, _) => Ok(Some(value.to_owned())),
        (true, None) => Ok(None),
        (true, Some(path)) => Err(CliError::Usage(format!("--value-file {}: no secret in it", path.display()))),
    }
}

/// Whether stdin is a pipe or a file, which end: not a terminal, a socket or a character device
/// (`/dev/null` included), which a command left waiting on would hang on.
fn stdin_ends() -> bool {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return false;
    }
    let metadata = stdin.as_fd().try_clone_to_owned().and_then(|fd| std::fs::File::from(fd).metadata());
    metadata.is_ok_and(|metadata| metadata.file_type().is_fifo() || metadata.is_file())
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

    #[test]
    fn a_value_given_must_take_its_scheme_s_form() {
        let discord = Form::Source(Scheme::named("discord").unwrap());
        // RFC 8032's first test key.
        let public = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
        assert!(discord.suits(public).is_ok(), "an Ed25519 public key, 64 hex digits");
        let said = discord.suits("whsec_not-a-public-key").unwrap_err();
        assert!(said.contains("64 hex digits") && !said.contains("whsec_not"), "{said}");
        assert!(Form::Source(Scheme::named("stripe").unwrap()).suits("whsec_anything").is_ok());

        let fresh = generate_outbound(ParameterUse::Signing).unwrap();
        assert!(Form::Signing.suits(&fresh).is_ok(), "{fresh}");
        assert!(Form::Signing.suits("whsec_!!not base64!!").is_err());
        assert!(Form::Signing.suits("").is_err());
        let public = Form::Signing.suits("whpk_MCowBQYDK2VwAyEA").unwrap_err();
        assert!(public.contains("whsec_"), "{public}");
    }
}
