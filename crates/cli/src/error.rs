//! What can go wrong before a command has an answer: exit 2, as for the usage errors clap finds.

use std::path::PathBuf;

use hookway_core::config::ConfigError;
use hookway_core::scheme::KeyError;
use hookway_core::secret_cache::StoreError;
use hookway_core::source::SourceError;

/// A command could not run.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Input or output failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// A file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    /// An argument is not usable.
    #[error("{0}")]
    Usage(String),
    /// The configuration is not valid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A source does not compile (an `hmac` section the configuration check would refuse).
    #[error(transparent)]
    Source(#[from] SourceError),
    /// No source of that name.
    #[error("no source named `{name}` in {}", config.display())]
    UnknownSource { name: String, config: PathBuf },
    /// A secret is not of the scheme's form.
    #[error("secret: {0}")]
    Key(#[from] KeyError),
    /// A source's secrets could not be read.
    #[error(transparent)]
    Secrets(#[from] StoreError),
    /// A source has no usable secret.
    #[error("no usable secret for source `{0}`: give --secret, or put one with `hookway secrets put`")]
    NoSecret(String),
    /// A `--header` is not `Name: value`.
    #[error("--header `{0}`: expected 'Name: value'")]
    Header(String),
    /// The local stack's state.
    #[error(transparent)]
    LocalStack(#[from] hookway_core::local::state::StateError),
    /// The local stack's secrets file.
    #[error(transparent)]
    LocalSecrets(#[from] hookway_core::local::secrets::SecretsFileError),
    /// The local stack stopped with an error.
    #[error(transparent)]
    Dev(#[from] hookway_dev::DevError),
    /// A deployed stack lacks an output.
    #[error("the stack {stack} has no output {key}: is it deployed (npx cdk deploy) and up to date?")]
    MissingOutput { stack: String, key: String },
    /// An AWS call failed.
    #[error("{0}")]
    Aws(String),
    /// An HTTP request failed.
    #[error("{0}")]
    Http(String),
}
