//! Which sender a command acts as: a provider of the catalog with its defaults (`--scheme`), or a
//! source of hookway.json (`--source`, `--config`), the way to use the `hmac` scheme.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use aws_config::SdkConfig;
use clap::builder::PossibleValuesParser;
use hookway_core::Source;
use hookway_core::scheme::{CATALOG, Key, Scheme};
use hookway_core::secret_cache::{SecretStore, SsmSecretStore};

use crate::config::Loaded;
use crate::error::CliError;

/// The schemes `--scheme` names: the catalog's (`hmac` needs settings, so it comes through
/// `--source`).
fn schemes() -> PossibleValuesParser {
    PossibleValuesParser::new(CATALOG.iter().map(|provider| provider.name))
}

/// `--scheme`, or `--source` and `--config`.
#[derive(Debug, clap::Args)]
pub struct Target {
    /// The sender: a provider of the catalog, with its defaults (`hookway providers` lists them).
    #[arg(long, value_parser = schemes(), hide_possible_values = true, required_unless_present = "source", conflicts_with = "source")]
    pub scheme: Option<String>,
    /// A source of the configuration file, instead of --scheme: its scheme, settings and tolerance.
    #[arg(long, value_name = "NAME")]
    pub source: Option<String>,
    /// The configuration file --source is read from.
    #[arg(long, value_name = "FILE", default_value = "hookway.json")]
    pub config: PathBuf,
}

impl Target {
    /// The source this command acts as.
    pub fn source(&self) -> Result<Source, CliError> {
        if let Some(name) = &self.scheme {
            let scheme =
                Scheme::named(name).ok_or_else(|| CliError::Usage(format!("--scheme: unknown provider `{name}`")))?;
            return Ok(Source::with_scheme(name, scheme));
        }
        // clap requires --source when --scheme is absent.
        let name = self.source.clone().unwrap_or_default();
        let config = Loaded::read(&self.config)?.config;
        let source =
            config.source(&name).ok_or_else(|| CliError::UnknownSource { name, config: self.config.clone() })?;
        Ok(Source::new(source)?)
    }
}

/// The keys for `secrets`, or, when none is given, the source's secrets read from SSM through
/// `aws` (by default, the default credential chain; `AWS_ENDPOINT_URL` for the local stack).
pub async fn keys(source: &Source, secrets: &[String], aws: Option<&SdkConfig>) -> Result<Vec<Key>, CliError> {
    let keys = if secrets.is_empty() && !source.secret_parameters.is_empty() {
        let aws = match aws {
            Some(aws) => aws.clone(),
            None => crate::stack::default_sdk_config().await,
        };
        let values = SsmSecretStore::new(aws_sdk_ssm::Client::new(&aws)).fetch(&source.secret_parameters).await?;
        let stored = source.secret_parameters.iter().zip(&values);
        source.keys(stored.filter_map(|(name, value)| Some((name.as_str(), value.as_deref()?)))).0
    } else {
        secrets.iter().map(|secret| source.scheme.key(secret, None)).collect::<Result<_, _>>()?
    };
    if keys.is_empty() {
        return Err(CliError::NoSecret(source.name.clone()));
    }
    Ok(keys)
}

/// The body: from `path`, or stdin when it is absent or `-`.
pub fn read_body(path: Option<&Path>) -> Result<Vec<u8>, CliError> {
    match path {
        Some(path) if path != Path::new("-") => {
            std::fs::read(path).map_err(|source| CliError::Read { path: path.to_owned(), source })
        }
        _ => {
            let mut body = Vec::new();
            std::io::stdin().read_to_end(&mut body)?;
            Ok(body)
        }
    }
}
