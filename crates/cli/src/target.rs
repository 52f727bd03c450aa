//! Which sender a command acts as: a named scheme with its defaults (`--scheme`), or a source of
//! hookway.json (`--source`, `--config`), the way to use the `hmac` scheme.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use aws_config::SdkConfig;
use hookway_core::secret::SigningKey;
use hookway_core::secret_cache::{SecretStore, SsmSecretStore};
use hookway_core::{Config, SchemeName, Source};

use crate::error::CliError;

/// The schemes `--scheme` names; `hmac` needs settings, so it comes through `--source`.
pub const SCHEMES: [&str; 5] = ["standard-webhooks", "stripe", "github", "slack", "shopify"];

/// `--scheme`, or `--source` and `--config`.
#[derive(Debug, clap::Args)]
pub struct Target {
    /// The sender's signature scheme.
    #[arg(long, value_parser = SCHEMES, required_unless_present = "source", conflicts_with = "source")]
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
        if let Some(scheme) = &self.scheme {
            let scheme: SchemeName = scheme
                .parse()
                .map_err(|message| hookway_core::config::Problem { field: "--scheme".into(), message })?;
            return Ok(Source::with_scheme(scheme.as_str(), scheme)?);
        }
        // clap requires --source when --scheme is absent.
        let name = self.source.clone().unwrap_or_default();
        let config = Config::load(&self.config)?;
        let source =
            config.source(&name).ok_or_else(|| CliError::UnknownSource { name, config: self.config.clone() })?;
        Ok(Source::new(source)?)
    }
}

/// The keys for `secrets`, or, when none is given, the source's secrets read from SSM through
/// `aws` (by default, the default credential chain; `AWS_ENDPOINT_URL` for the local stack).
pub async fn keys(source: &Source, secrets: &[String], aws: Option<&SdkConfig>) -> Result<Vec<SigningKey>, CliError> {
    let keys = if secrets.is_empty() && !source.secret_parameters.is_empty() {
        let aws = match aws {
            Some(aws) => aws.clone(),
            None => hookway_core::aws::sdk_config().await,
        };
        let values = SsmSecretStore::new(aws_sdk_ssm::Client::new(&aws)).fetch(&source.secret_parameters).await?;
        source.keys(values.iter().flatten().map(String::as_str)).0
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
