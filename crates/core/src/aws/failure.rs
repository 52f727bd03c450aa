//! An AWS SDK error in words: what went wrong, with the service's error code and message or the
//! innermost cause, never the SDK's `Debug` account (raw responses, bodies, connector internals).
//! The intake, the worker and the command line all say an SDK error through [`sdk_error_words`];
//! the command line adds what to do. The `Debug` account goes to `tracing` at debug level.

use std::error::Error;

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// What went wrong with an AWS call, classified from the SDK's error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AwsFailure {
    /// The service answered with an error.
    Refused {
        /// The service, e.g. `DynamoDB`.
        service: &'static str,
        /// Its error code, e.g. `AccessDeniedException`.
        code: String,
        /// Its message, possibly empty.
        message: String,
    },
    /// The session's credentials have expired (an SSO session, an exported token).
    SessionExpired {
        /// What said so.
        detail: String,
    },
    /// The credential chain found no credentials.
    NoCredentials {
        /// The innermost cause.
        cause: String,
    },
    /// No region is configured.
    NoRegion,
    /// The call took longer than its timeout.
    TimedOut {
        /// The service.
        service: &'static str,
    },
    /// The endpoint could not be reached.
    Unreachable {
        /// The service.
        service: &'static str,
        /// The innermost cause, e.g. `Connection refused (os error 111)`.
        cause: String,
    },
    /// The service's answer could not be read.
    BadAnswer {
        /// The service.
        service: &'static str,
        /// The innermost cause.
        cause: String,
    },
    /// The call could not be made for another reason.
    NotMade {
        /// The service.
        service: &'static str,
        /// The innermost cause.
        cause: String,
    },
}

/// Service error codes that mean the session's credentials have expired.
const EXPIRED_CODES: [&str; 4] = ["ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"];

impl AwsFailure {
    /// What went wrong with `error`.
    pub fn of<E, R>(error: &SdkError<E, R>) -> AwsFailure
    where
        E: ProvideErrorMetadata + Error + 'static,
        R: std::fmt::Debug,
    {
        let service = service_of::<E>();
        if let SdkError::ServiceError(answer) = error {
            let answer = answer.err();
            let code = answer.code().unwrap_or("an error").to_owned();
            let message = answer.message().unwrap_or_default().to_owned();
            if EXPIRED_CODES.contains(&code.as_str()) {
                let detail = if message.is_empty() { code } else { format!("{code}: {message}") };
                return AwsFailure::SessionExpired { detail };
            }
            return AwsFailure::Refused { service, code, message };
        }
        if let SdkError::TimeoutError(_) = error {
            return AwsFailure::TimedOut { service };
        }
        // The causes, outermost first: the credential chain's errors come only this way.
        let mut chain = Vec::new();
        let mut cause: Option<&(dyn Error + 'static)> = error.source();
        while let Some(error) = cause {
            chain.push(error.to_string());
            cause = error.source();
        }
        let causes = chain.join(": ").to_lowercase();
        let innermost = chain.last().map_or_else(|| "no detail".to_owned(), |cause| cause.trim().to_owned());
        if causes.contains("expired") && !causes.contains("certificate") {
            // An SSO session or a credential_process whose token has expired: a dispatch failure
            // whose causes say so (an expired TLS certificate is an unreachable endpoint).
            AwsFailure::SessionExpired { detail: innermost }
        } else if causes.contains("credential") {
            AwsFailure::NoCredentials { cause: innermost }
        } else if causes.contains("missing region")
            || causes.contains("region must be set")
            || (causes.contains("region") && causes.contains("not"))
        {
            AwsFailure::NoRegion
        } else if causes.contains("token") {
            // An SSO token that cannot be loaded or refreshed.
            AwsFailure::SessionExpired { detail: innermost }
        } else {
            match error {
                SdkError::DispatchFailure(_) => AwsFailure::Unreachable { service, cause: innermost },
                SdkError::ResponseError(_) => AwsFailure::BadAnswer { service, cause: innermost },
                _ => AwsFailure::NotMade { service, cause: innermost },
            }
        }
    }
}

impl std::fmt::Display for AwsFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AwsFailure::Refused { service, code, message } if message.is_empty() => {
                write!(f, "{service} refused the call: {code}")
            }
            AwsFailure::Refused { service, code, message } => {
                write!(f, "{service} refused the call: {code}: {message}")
            }
            AwsFailure::SessionExpired { detail } => write!(f, "the AWS session has expired ({detail})"),
            AwsFailure::NoCredentials { cause } => write!(f, "no AWS credentials ({cause})"),
            AwsFailure::NoRegion => f.write_str("no AWS region set"),
            AwsFailure::TimedOut { service } => write!(f, "{service} did not answer in time"),
            AwsFailure::Unreachable { service, cause } => write!(f, "cannot reach the {service} endpoint ({cause})"),
            AwsFailure::BadAnswer { service, cause } => {
                write!(f, "{service} sent an answer that could not be read ({cause})")
            }
            AwsFailure::NotMade { service, cause } => write!(f, "the {service} call could not be made ({cause})"),
        }
    }
}

/// An SDK error in words ([`AwsFailure`]); its `Debug` account goes to `tracing` at debug level.
pub fn sdk_error_words<E, R>(error: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + Error + 'static,
    R: std::fmt::Debug,
{
    tracing::debug!(error = ?error, "AWS call failed");
    AwsFailure::of(error).to_string()
}

/// The service whose operation error `E` is, from its crate (`aws_sdk_dynamodb::…` is DynamoDB);
/// `AWS` for an error of no SDK crate.
fn service_of<E>() -> &'static str {
    let crate_name = std::any::type_name::<E>().split("::").next().unwrap_or_default();
    match crate_name.strip_prefix("aws_sdk_") {
        Some("dynamodb") => "DynamoDB",
        Some("s3") => "S3",
        Some("sqs") => "SQS",
        Some("ssm") => "SSM",
        Some("cloudformation") => "CloudFormation",
        Some("lambda") => "Lambda",
        Some("firehose") => "Firehose",
        Some("sts") => "STS",
        _ => "AWS",
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodb::operation::get_item::GetItemError;
    use aws_sdk_ssm::operation::get_parameters::GetParametersError;
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::client::result::ConnectorError;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    use super::*;

    /// A dispatch failure whose causes are these texts, outermost first, as the SDK chains them.
    fn dispatch_failure(causes: &[&str]) -> SdkError<GetParametersError, HttpResponse> {
        SdkError::dispatch_failure(ConnectorError::other(chain(causes), None))
    }

    fn chain(causes: &[&str]) -> Box<dyn Error + Send + Sync> {
        #[derive(Debug)]
        struct Cause(String, Option<Box<dyn Error + Send + Sync>>);
        impl std::fmt::Display for Cause {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl Error for Cause {
            fn source(&self) -> Option<&(dyn Error + 'static)> {
                self.1.as_deref().map(|cause| cause as &(dyn Error + 'static))
            }
        }
        let (first, rest) = causes.split_first().expect("a cause");
        let inner = if rest.is_empty() { None } else { Some(chain(rest)) };
        Box::new(Cause((*first).to_owned(), inner))
    }

    fn refused(code: &str, message: &str) -> SdkError<GetItemError, HttpResponse> {
        let metadata = ErrorMetadata::builder().code(code).message(message).build();
        let raw = HttpResponse::new(StatusCode::try_from(400).expect("a status"), SdkBody::from("{\"secret\": 1}"));
        SdkError::service_error(GetItemError::generic(metadata), raw)
    }

    #[test]
    fn a_refused_call_is_its_service_code_and_message() {
        let error = refused("AccessDeniedException", "User x is not authorized");
        assert_eq!(
            sdk_error_words(&error),
            "DynamoDB refused the call: AccessDeniedException: User x is not authorized"
        );
        assert_eq!(
            sdk_error_words(&refused("ExpiredTokenException", "The security token included in the request is expired")),
            "the AWS session has expired (ExpiredTokenException: The security token included in the request is expired)"
        );
    }

    #[test]
    fn an_endpoint_refusing_connections_is_unreachable() {
        let error = dispatch_failure(&["io error", "tcp connect error", "Connection refused (os error 111)"]);
        let words = sdk_error_words(&error);
        assert_eq!(words, "cannot reach the SSM endpoint (Connection refused (os error 111))");
        assert!(!format!("{error:?}").is_empty() && !words.contains('{'), "{words}");
    }

    #[test]
    fn no_credentials_is_said_before_the_imds_token() {
        // The real chain when nothing of the default chain has credentials, IMDS included.
        let error = dispatch_failure(&[
            "an error occurred while loading credentials",
            "failed to load IMDS session token",
            "service error",
            "request forbidden: IMDS is disabled or the caller has insufficient permissions.",
        ]);
        assert_eq!(
            AwsFailure::of(&error),
            AwsFailure::NoCredentials {
                cause: "request forbidden: IMDS is disabled or the caller has insufficient permissions.".into()
            }
        );
    }

    #[test]
    fn an_expired_session_is_not_an_unreachable_endpoint() {
        let sso = dispatch_failure(&[
            "an error occurred while loading credentials",
            "the SSO token has expired and cannot be refreshed",
        ]);
        assert!(matches!(AwsFailure::of(&sso), AwsFailure::SessionExpired { .. }), "{:?}", AwsFailure::of(&sso));
        let process = dispatch_failure(&[
            "an error occurred while loading credentials",
            "Error retrieving credentials from credential_process: Error when retrieving token from sso: Token has expired and refresh failed",
        ]);
        assert!(sdk_error_words(&process).starts_with("the AWS session has expired ("));
    }

    #[test]
    fn a_missing_region_is_said_as_such() {
        let error: SdkError<GetParametersError, HttpResponse> =
            SdkError::construction_failure(chain(&["Invalid Configuration: Missing Region"]));
        assert_eq!(AwsFailure::of(&error), AwsFailure::NoRegion);
    }

    #[test]
    fn a_timeout_names_its_service() {
        let error: SdkError<GetItemError, HttpResponse> = SdkError::timeout_error(chain(&["timed out"]));
        assert_eq!(sdk_error_words(&error), "DynamoDB did not answer in time");
    }
}
