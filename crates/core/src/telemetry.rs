//! JSON logs, one object a line, with the fields of the current span (request id, event id,
//! source, ...) on every line. The level comes from `RUST_LOG`, else Lambda's
//! `AWS_LAMBDA_LOG_LEVEL`, else `info`.
//!
//! In Lambda the stack sets the function's log format to JSON, its application level to INFO
//! and its system level to WARN (`infra/lib/rust-lambda.ts`). Lambda hands the application level
//! to the binary as `AWS_LAMBDA_LOG_LEVEL` (`INFO`), read here; it filters the lines again by their
//! `level` member, which every line here has (a line without one, as an EMF line, counts as
//! INFO), and passes JSON lines on unchanged, so CloudWatch still finds the EMF in them. The
//! runtime crate installs no subscriber unless asked (`init_default_subscriber`, not called): its
//! few lines come through this one, as JSON whatever `AWS_LAMBDA_LOG_FORMAT` says. Unlike that
//! subscriber, a `RUST_LOG` set on a function wins over Lambda's level, so that an operator can
//! turn one module's lines up; the stack sets none (`infra/test/logging.test.ts`).

use tracing::Subscriber;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// Installs the JSON subscriber, writing to stdout; a second call does nothing.
pub fn init_logging() {
    let directives = directives(std::env::var("RUST_LOG").ok(), std::env::var("AWS_LAMBDA_LOG_LEVEL").ok());
    let _ = tracing::subscriber::set_global_default(subscriber(&directives, std::io::stdout));
}

/// The filter: `RUST_LOG`'s directives, else Lambda's level, else `info`.
fn directives(rust_log: Option<String>, lambda_log_level: Option<String>) -> String {
    rust_log.or_else(|| lambda_log_level.map(|level| lambda_level(&level))).unwrap_or_else(|| "info".to_owned())
}

/// The JSON subscriber, filtered by `directives` (e.g. `info`), writing to `writer`.
pub fn subscriber<W>(directives: &str, writer: W) -> impl Subscriber + Send + Sync
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(EnvFilter::new(directives))
        .flatten_event(true)
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        .with_writer(writer)
        .finish()
}

/// Lambda's levels are TRACE, DEBUG, INFO, WARN, ERROR and FATAL.
fn lambda_level(level: &str) -> String {
    match level.to_ascii_lowercase().as_str() {
        "fatal" => "error".to_owned(),
        other => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_level_is_rust_logs_else_lambdas_else_info() {
        assert_eq!(directives(None, Some("INFO".into())), "info", "as Lambda sets it from LoggingConfig");
        assert_eq!(directives(None, Some("WARN".into())), "warn");
        assert_eq!(directives(None, Some("FATAL".into())), "error", "tracing has no fatal");
        assert_eq!(directives(Some("hookway_worker=debug".into()), Some("INFO".into())), "hookway_worker=debug");
        assert_eq!(directives(None, None), "info");
    }
}
