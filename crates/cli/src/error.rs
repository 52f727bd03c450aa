//! What can go wrong in a command, and the exit code each says it with:
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | a failure at run time: AWS, the network, a check that failed |
//! | 2 | a usage or configuration error: fix the command line or the configuration |
//!
//! AWS errors are said in words, with what to do ([`CliError::aws`]); `RUST_LOG=debug` adds the
//! SDK's own account of them.

use std::error::Error as _;
use std::path::PathBuf;
use std::process::ExitCode;

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
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
    /// No deployed stack of that name.
    #[error(
        "no stack named {0} in this account and region: deploy it (npx cdk deploy), or name yours with --stack or HOOKWAY_STACK (and --region, --profile)"
    )]
    UnknownStack(String),
    /// An AWS call failed, in words.
    #[error("{0}")]
    Aws(String),
    /// An HTTP request failed.
    #[error("{0}")]
    Http(String),
}

impl CliError {
    /// The exit code this error ends the command with.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            CliError::Usage(_)
            | CliError::Config(_)
            | CliError::Source(_)
            | CliError::UnknownSource { .. }
            | CliError::Key(_)
            | CliError::NoSecret(_)
            | CliError::Header(_)
            | CliError::Read { .. }
            | CliError::LocalSecrets(_) => ExitCode::from(2),
            CliError::Io(_)
            | CliError::Secrets(_)
            | CliError::LocalStack(_)
            | CliError::Dev(_)
            | CliError::MissingOutput { .. }
            | CliError::UnknownStack(_)
            | CliError::Aws(_)
            | CliError::Http(_) => ExitCode::from(1),
        }
    }

    /// An AWS SDK error, said in words with what to do: `.map_err(CliError::aws)`.
    pub fn aws<E, R>(error: SdkError<E, R>) -> CliError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug,
    {
        tracing_debug(&error);
        CliError::Aws(aws_words(&error))
    }
}

/// The SDK's own account of an error, for `RUST_LOG=debug`.
fn tracing_debug<E: std::fmt::Debug>(error: &E) {
    if std::env::var("RUST_LOG").is_ok_and(|level| level.contains("debug") || level.contains("trace")) {
        crate::output::warnln!("hookway: debug: {error:?}");
    }
}

/// What went wrong with an AWS call and what to do, in a sentence or two.
fn aws_words<E, R>(error: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    // The causes, outermost first, as text: the credential chain's errors come only this way.
    let mut chain = Vec::new();
    let mut cause: Option<&(dyn std::error::Error + 'static)> = error.source();
    while let Some(error) = cause {
        chain.push(error.to_string());
        cause = error.source();
    }
    let causes = chain.join(": ");
    match error {
        SdkError::ServiceError(service) => {
            let service = service.err();
            let code = service.code().unwrap_or("an error");
            let message = service.message().unwrap_or("");
            aws_service_words(code, message)
        }
        SdkError::TimeoutError(_) => {
            "AWS did not answer in time: check the network, or try again (--region says where)".into()
        }
        _ if mentions_credentials(&causes) => format!(
            "no AWS credentials found: run `aws configure` or `aws sso login`, set AWS_PROFILE (or --profile), or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY ({})",
            last(&chain)
        ),
        _ if causes.contains("region") && causes.contains("not") => {
            "no AWS region set: give --region, or set AWS_REGION (or a region in your profile)".into()
        }
        SdkError::DispatchFailure(_) => format!(
            "cannot reach the AWS endpoint ({}): check the network or AWS_ENDPOINT_URL; for the local stack, is `make dev` running?",
            last(&chain)
        ),
        SdkError::ResponseError(_) => format!("AWS sent an answer that could not be read ({})", last(&chain)),
        _ => format!("an AWS call could not be made ({})", last(&chain)),
    }
}

/// A service's error code and message, in words.
fn aws_service_words(code: &str, message: &str) -> String {
    match code {
        "ExpiredToken" | "ExpiredTokenException" | "RequestExpired" | "TokenRefreshRequired" => format!(
            "your AWS session has expired ({message}): sign in again (`aws sso login`, or refresh the token you exported)"
        ),
        "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation" | "AuthorizationError" => format!(
            "access denied ({message}): the credentials in use lack this permission; docs/operator-policy.json lists what the commands need"
        ),
        "UnrecognizedClientException"
        | "InvalidClientTokenId"
        | "InvalidSignatureException"
        | "SignatureDoesNotMatch" => {
            format!(
                "AWS does not recognise these credentials ({message}): check AWS_PROFILE (or --profile) and the keys it holds"
            )
        }
        "ThrottlingException" | "Throttling" | "TooManyRequestsException" | "RequestLimitExceeded" => {
            format!("AWS is throttling these calls ({message}): wait a moment and try again")
        }
        "ResourceNotFoundException" | "QueueDoesNotExist" | "AWS.SimpleQueueService.NonExistentQueue" => format!(
            "not found ({message}): is the stack deployed and up to date (npx cdk deploy), and are --stack and --region right?"
        ),
        _ if message.is_empty() => format!("AWS refused the call: {code}"),
        _ => format!("AWS refused the call: {code}: {message}"),
    }
}

/// Whether the causes say the credential chain found nothing.
fn mentions_credentials(causes: &str) -> bool {
    let causes = causes.to_ascii_lowercase();
    causes.contains("credential") && !causes.contains("expired")
}

/// The innermost cause, the one that says what happened.
fn last(chain: &[String]) -> &str {
    chain.last().map(String::as_str).unwrap_or("no detail")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_errors_are_said_in_words() {
        assert!(
            aws_service_words("ExpiredTokenException", "The security token included in the request is expired")
                .contains("sign in again")
        );
        assert!(aws_service_words("AccessDeniedException", "not authorized").contains("operator-policy.json"));
        assert!(aws_service_words("QueueDoesNotExist", "").contains("--region"));
        assert_eq!(aws_service_words("Odd", "x"), "AWS refused the call: Odd: x");
    }

    #[test]
    fn usage_and_runtime_errors_exit_differently() {
        assert_eq!(CliError::Usage("x".into()).exit_code(), ExitCode::from(2));
        assert_eq!(CliError::Aws("x".into()).exit_code(), ExitCode::from(1));
        assert_eq!(CliError::Http("x".into()).exit_code(), ExitCode::from(1));
    }
}
