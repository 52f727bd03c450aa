//! The one TLS client configuration of a process: rustls on *ring*, TLS 1.2 and 1.3, certificates
//! verified against Mozilla's roots compiled into the binary — or, when `SSL_CERT_FILE` is set,
//! against the certificates of that file instead, as OpenSSL and the system's own store treat it
//! (the way to trust a private CA, and how `make bench-coldstart` reaches moto behind TLS).
//!
//! Why not the SDK's default: it builds rustls on aws-lc, whose random generator seeds itself
//! from CPU jitter on first use (about 15 ms of CPU in every cold start, an eighth of a vCPU's
//! second at 256 MB), and it reads and parses the system's ~140 root certificates again for every
//! SDK client built, and reqwest a second store of its own. Here the roots are built once, the
//! compiled-in ones without parsing anything, and every client of the process — each AWS client,
//! and the worker's reqwest — shares this one configuration.

use std::sync::{Arc, OnceLock};

use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// The variable naming a PEM bundle that replaces the compiled-in roots.
pub const CERT_FILE_ENV: &str = "SSL_CERT_FILE";

/// The roots could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlsError {
    /// `SSL_CERT_FILE` names a file that cannot be read, or holds no certificate rustls accepts.
    #[error("SSL_CERT_FILE={path}: {reason}")]
    CertFile {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// rustls refused the protocol versions (it does not, with *ring*).
    #[error("cannot configure TLS: {0}")]
    Config(String),
}

/// The process's TLS configuration, built on first use and shared from then on.
pub fn client_config() -> Result<Arc<rustls::ClientConfig>, TlsError> {
    static CONFIG: OnceLock<Result<Arc<rustls::ClientConfig>, TlsError>> = OnceLock::new();
    CONFIG.get_or_init(|| build(std::env::var_os(CERT_FILE_ENV).map(std::path::PathBuf::from)).map(Arc::new)).clone()
}

/// A configuration trusting `cert_file`'s certificates, or Mozilla's roots without one.
pub fn build(cert_file: Option<std::path::PathBuf>) -> Result<rustls::ClientConfig, TlsError> {
    let roots = match cert_file {
        None => RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() },
        Some(path) => {
            let failed = |reason: String| TlsError::CertFile { path: path.display().to_string(), reason };
            let certificates = CertificateDer::pem_file_iter(&path)
                .map_err(|error| failed(error.to_string()))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|error| failed(error.to_string()))?;
            let mut roots = RootCertStore::empty();
            let (added, _ignored) = roots.add_parsable_certificates(certificates);
            if added == 0 {
                return Err(failed("no usable certificate".to_owned()));
            }
            roots
        }
    };
    Ok(rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|error| TlsError::Config(error.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_file_the_compiled_in_roots_are_trusted() {
        let config = build(None).unwrap();
        assert!(config.crypto_provider().cipher_suites.len() >= 3);
        assert!(!webpki_roots::TLS_SERVER_ROOTS.is_empty());
    }

    #[test]
    fn a_file_that_cannot_be_read_or_holds_nothing_is_an_error_naming_it() {
        let missing = build(Some("/nonexistent/bundle.pem".into())).unwrap_err();
        assert!(missing.to_string().starts_with("SSL_CERT_FILE=/nonexistent/bundle.pem: "), "{missing}");
        let dir = std::env::temp_dir().join(format!("hookway-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let error = build(Some(empty)).unwrap_err();
        assert!(error.to_string().ends_with("no usable certificate"), "{error}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
