//! The local stack's secrets: `.hookway/secrets.json`, ignored by git, holds each configured
//! parameter's value — the sources' secrets, and the destinations' signing secrets and
//! `Authorization` values. The first `make dev` generates one per parameter; later runs, and
//! `hookway secrets put|rotate --local`, keep the file and moto in step.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::secret::{generate_outbound, generate_pair};
use crate::{Config, SchemeName};

/// The file's name in the state directory.
pub const SECRETS_FILE: &str = "secrets.json";

/// The local secret parameters and their values.
#[derive(Clone, PartialEq, Eq)]
pub struct LocalSecrets {
    path: PathBuf,
    /// Parameter name → value.
    pub values: BTreeMap<String, String>,
    /// Parameter name → the test private key of a public-key provider, which `hookway send
    /// --local` signs with (kept in `test-keys.json`, never in SSM).
    pub private_keys: BTreeMap<String, String>,
}

impl std::fmt::Debug for LocalSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalSecrets")
            .field("path", &self.path)
            .field("parameters", &self.values.keys())
            .field("private_keys", &self.private_keys.keys())
            .finish()
    }
}

/// The file of test private keys in the state directory.
pub const TEST_KEYS_FILE: &str = "test-keys.json";

/// The file cannot be read or written.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {reason}")]
pub struct SecretsFileError {
    /// The file.
    pub path: PathBuf,
    /// Why.
    pub reason: String,
}

impl LocalSecrets {
    /// The secrets in `dir`, with a fresh secret generated for every parameter of `config` that
    /// has none yet; the file is written back when anything was generated.
    pub fn load_or_generate(dir: &Path, config: &Config) -> Result<LocalSecrets, SecretsFileError> {
        let mut secrets = LocalSecrets::load(dir)?;
        let mut generated = false;
        for source in &config.sources {
            let token = source.verify_token_parameter.iter().map(|name| (name, SchemeName::HMAC));
            let parameters = source.secret_parameters.iter().map(|name| (name, source.scheme)).chain(token);
            for (parameter, scheme) in parameters {
                if !secrets.values.contains_key(parameter) {
                    let fresh = generate_pair(scheme)
                        .map_err(|error| SecretsFileError { path: secrets.path.clone(), reason: error.to_string() })?;
                    secrets.values.insert(parameter.clone(), fresh.secret.clone());
                    if let Some(private) = &fresh.private_key {
                        secrets.private_keys.insert(parameter.clone(), private.clone());
                    }
                    generated = true;
                }
            }
        }
        for (parameter, used) in config.outbound_parameters() {
            if !secrets.values.contains_key(parameter) {
                let secret = generate_outbound(used)
                    .map_err(|error| SecretsFileError { path: secrets.path.clone(), reason: error.to_string() })?;
                secrets.values.insert(parameter.to_owned(), secret);
                generated = true;
            }
        }
        if generated {
            secrets.save()?;
        }
        Ok(secrets)
    }

    /// The secrets in `dir` (none if there is no file yet).
    pub fn load(dir: &Path) -> Result<LocalSecrets, SecretsFileError> {
        let path = dir.join(SECRETS_FILE);
        let values = read_map(&path)?;
        let private_keys = read_map(&dir.join(TEST_KEYS_FILE))?;
        Ok(LocalSecrets { path, values, private_keys })
    }

    /// Writes the files, readable by their owner only.
    pub fn save(&self) -> Result<(), SecretsFileError> {
        write_map(&self.path, &self.values)?;
        if !self.private_keys.is_empty() {
            write_map(&self.path.with_file_name(TEST_KEYS_FILE), &self.private_keys)?;
        }
        Ok(())
    }
}

fn read_map(path: &Path) -> Result<BTreeMap<String, String>, SecretsFileError> {
    let error = |reason: String| SecretsFileError { path: path.to_owned(), reason };
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| error(e.to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
        Err(e) => Err(error(e.to_string())),
    }
}

fn write_map(path: &Path, values: &BTreeMap<String, String>) -> Result<(), SecretsFileError> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let error = |reason: String| SecretsFileError { path: path.to_owned(), reason };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| error(e.to_string()))?;
    }
    let text = serde_json::to_string_pretty(values).map_err(|e| error(e.to_string()))?;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| error(e.to_string()))?;
    file.write_all(text.as_bytes()).map_err(|e| error(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ParameterUse;

    #[test]
    fn missing_secrets_are_generated_once_and_kept() {
        let dir = std::env::temp_dir().join(format!("hookway-secrets-{}", uuid::Uuid::new_v4()));
        let mut config: serde_json::Value = serde_json::from_str(include_str!("../../../../hookway.json")).unwrap();
        config["routes"] = serde_json::json!([{"source": "*", "handlers": [{"forward": {
            "url": "https://billing.example.com/hooks",
            "sign": {"secretParameters": ["/hookway/destinations/billing/signing"]},
            "authorization": {"parameter": "/hookway/destinations/billing/token"}}}]}]);
        let config = Config::from_json(&config.to_string()).unwrap();
        let first = LocalSecrets::load_or_generate(&dir, &config).unwrap();
        assert_eq!(first.values.len(), config.sources.len() + 2);
        for (parameter, used) in config.outbound_parameters() {
            let value = &first.values[parameter];
            let form = if used == ParameterUse::Signing { "whsec_" } else { "Bearer " };
            assert!(value.starts_with(form), "{parameter}");
        }
        let again = LocalSecrets::load_or_generate(&dir, &config).unwrap();
        assert_eq!(first.values, again.values, "kept across runs");
        let debug = format!("{again:?}");
        assert!(first.values.values().all(|value| !debug.contains(value.as_str())), "{debug}");
        let mode = std::fs::metadata(dir.join(SECRETS_FILE)).unwrap().permissions();
        assert_eq!(std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777, 0o600);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
