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

use std::path::PathBuf;
use std::process::ExitCode;

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use hookway_core::aws::sdk_error_words;
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
    /// The configuration file a command read is not valid: the file, and what is wrong with it
    /// (each further problem on a line of its own).
    #[error("{}: {}", path.display(), source.to_string().replace('\n', "\n  "))]
    ConfigFile { path: PathBuf, source: ConfigError },
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
    #[error("{}", advised(&.0.to_string()))]
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
    #[cfg(feature = "dev")]
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
            | CliError::ConfigFile { .. }
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
            | CliError::MissingOutput { .. }
            | CliError::UnknownStack(_)
            | CliError::Aws(_)
            | CliError::Http(_) => ExitCode::from(1),
            #[cfg(feature = "dev")]
            CliError::Dev(_) => ExitCode::from(1),
        }
    }

    /// An AWS SDK error, said in words with what to do: `.map_err(CliError::aws)`.
    pub fn aws<E, R>(error: SdkError<E, R>) -> CliError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug,
    {
        tracing_debug(&error);
        CliError::Aws(advised(&sdk_error_words(&error)))
    }

    /// A core error that says an AWS failure in words (the state table's, the archive's), with
    /// what to do: `.map_err(CliError::aws_said)`.
    pub fn aws_said<E: std::fmt::Display>(error: E) -> CliError {
        CliError::Aws(advised(&error.to_string()))
    }
}

/// The SDK's own account of an error, for `RUST_LOG=debug`.
fn tracing_debug<E: std::fmt::Debug>(error: &E) {
    if std::env::var("RUST_LOG").is_ok_and(|level| level.contains("debug") || level.contains("trace")) {
        crate::output::warnln!("hookway: debug: {error:?}");
    }
}

/// An AWS failure said in words ([`sdk_error_words`], or a core error that carries them), with
/// what to do.
fn advised(words: &str) -> String {
    match advice(words) {
        Some(advice) => format!("{words}: {advice}"),
        None => words.to_owned(),
    }
}

/// What to do about a failure said in [`AwsFailure`]'s words.
fn advice(words: &str) -> Option<&'static str> {
    let words = words.to_lowercase();
    let refused = |codes: &[&str]| {
        words.contains("refused the call: ") && codes.iter().any(|code| words.contains(&code.to_lowercase()))
    };
    Some(if words.contains("the aws session has expired") {
        "sign in again (`aws sso login`, or refresh the token you exported)"
    } else if words.contains("no aws credentials") {
        "run `aws configure` or `aws sso login`, set AWS_PROFILE (or --profile), or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
    } else if words.contains("no aws region set") {
        "give --region, or set AWS_REGION (or a region in your profile)"
    } else if words.contains("cannot reach the ") && words.contains(" endpoint (") {
        "check the network or AWS_ENDPOINT_URL; for the local stack, is `make dev` running?"
    } else if words.contains("did not answer in time") {
        "check the network, or try again (--region says where)"
    } else if refused(&["AccessDenied", "UnauthorizedOperation", "AuthorizationError", "Forbidden"]) {
        "the credentials in use lack this permission; docs/operator-policy.json lists what the commands need"
    } else if refused(&["UnrecognizedClient", "InvalidClientTokenId", "InvalidSignature", "SignatureDoesNotMatch"]) {
        "AWS does not recognise these credentials: check AWS_PROFILE (or --profile) and the keys it holds"
    } else if refused(&["Throttl", "TooManyRequests", "RequestLimitExceeded", "SlowDown"]) {
        "AWS is throttling these calls: wait a moment and try again"
    } else if refused(&["ResourceNotFound", "QueueDoesNotExist", "NonExistentQueue", "NoSuchBucket"]) {
        "is the stack deployed and up to date (npx cdk deploy), and are --stack and --region right?"
    } else {
        return None;
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use aws_sdk_ssm::operation::get_parameters::GetParametersError;
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::client::result::ConnectorError;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    /// What the command line says of a call that failed to dispatch with this cause, as the SDK's.
    fn dispatch_failure(cause: &str) -> String {
        let cause = Box::new(std::io::Error::other(cause.to_owned()));
        let error: SdkError<GetParametersError, HttpResponse> =
            SdkError::dispatch_failure(ConnectorError::other(cause, None));
        CliError::aws(error).to_string()
    }

    fn refused(code: &str, message: &str) -> String {
        let metadata = ErrorMetadata::builder().code(code).message(message).build();
        let raw = HttpResponse::new(400.try_into().unwrap(), SdkBody::from("{}"));
        CliError::aws(SdkError::service_error(GetParametersError::generic(metadata), raw)).to_string()
    }

    #[test]
    fn service_errors_are_said_in_words_with_what_to_do() {
        let expired = refused("ExpiredTokenException", "The security token included in the request is expired");
        assert!(expired.starts_with("the AWS session has expired (ExpiredTokenException: "), "{expired}");
        assert!(expired.ends_with("sign in again (`aws sso login`, or refresh the token you exported)"), "{expired}");
        let denied = refused("AccessDeniedException", "not authorized");
        assert!(denied.starts_with("SSM refused the call: AccessDeniedException: not authorized: "), "{denied}");
        assert!(denied.contains("operator-policy.json"), "{denied}");
        assert!(refused("ParameterNotFound", "").ends_with("SSM refused the call: ParameterNotFound"));
        assert!(refused("ThrottlingException", "Rate exceeded").contains("wait a moment"));
        assert!(refused("UnrecognizedClientException", "bad").contains("check AWS_PROFILE"));
    }

    #[test]
    fn an_expired_sso_session_is_not_an_unreachable_endpoint() {
        for cause in [
            "an error occurred while loading credentials: the SSO token has expired and cannot be refreshed",
            "an error occurred while loading credentials: Error retrieving credentials from credential_process: Error when retrieving token from sso: Token has expired and refresh failed",
        ] {
            let said = dispatch_failure(cause);
            assert!(said.starts_with("the AWS session has expired ("), "{said}");
            assert!(said.contains("aws sso login"), "{said}");
            assert!(!said.contains("cannot reach"), "{said}");
        }
    }

    #[test]
    fn missing_credentials_are_said_with_what_to_do() {
        let said = dispatch_failure(
            "an error occurred while loading credentials: failed to load IMDS session token: service error: request forbidden: IMDS is disabled or the caller has insufficient permissions.",
        );
        assert!(said.starts_with("no AWS credentials ("), "{said}");
        assert!(said.contains("`aws configure`"), "{said}");
    }

    #[test]
    fn a_missing_region_is_said_with_what_to_do() {
        let error: SdkError<GetParametersError, HttpResponse> =
            SdkError::construction_failure(Box::new(std::io::Error::other("Invalid Configuration: Missing Region")));
        assert_eq!(
            CliError::aws(error).to_string(),
            "no AWS region set: give --region, or set AWS_REGION (or a region in your profile)"
        );
    }

    #[test]
    fn an_endpoint_down_is_said_once_in_words() {
        let said = dispatch_failure("tcp connect error: Connection refused (os error 111)");
        assert_eq!(
            said,
            "cannot reach the SSM endpoint (tcp connect error: Connection refused (os error 111)): check the network or AWS_ENDPOINT_URL; for the local stack, is `make dev` running?"
        );
        // A core error carrying the same words says the same thing.
        let store = StoreError("cannot reach the SSM endpoint (Connection refused (os error 111))".into());
        assert!(CliError::Secrets(store).to_string().ends_with("is `make dev` running?"));
        assert_eq!(CliError::aws_said("something else").to_string(), "something else");
    }

    #[test]
    fn usage_and_runtime_errors_exit_differently() {
        assert_eq!(CliError::Usage("x".into()).exit_code(), ExitCode::from(2));
        assert_eq!(CliError::Aws("x".into()).exit_code(), ExitCode::from(1));
        assert_eq!(CliError::Http("x".into()).exit_code(), ExitCode::from(1));
    }
}
