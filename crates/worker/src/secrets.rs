//! The destinations' secrets: `sign.secretParameters` and `authorization.parameter`, SSM
//! SecureString parameters read in one batch at start-up and cached like the sources' secrets —
//! kept five minutes, read again once stale, the value held kept while SSM cannot be reached, and
//! read again at once (at most every 30 s) when a destination refuses our credentials, so a
//! rotated token or signing secret is picked up without waiting.
//!
//! A value never appears in `Debug` output, logs or errors.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use hookway_core::secret_cache::{DEFAULT_REFRESH_INTERVAL, DEFAULT_TTL, SecretStore};
use tokio::time::Instant;

/// A secret value: shown as `<redacted>`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// A value made by a test.
    #[cfg(test)]
    pub(crate) fn for_tests(value: String) -> Secret {
        Secret(value)
    }

    /// The value itself, to put in a request.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// A parameter cannot be used now. The event fails, and is retried.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// The parameter does not exist (put it with `hookway secrets put`).
    #[error("parameter {0} not found")]
    NotFound(String),
    /// It has never been read: the store is unreachable.
    #[error("parameter {parameter} unavailable: {reason}")]
    Unavailable {
        /// The parameter.
        parameter: String,
        /// Why.
        reason: String,
    },
}

/// Where parameters are read from, as an object (the worker holds one of any kind).
#[async_trait]
pub trait ParameterStore: Send + Sync {
    /// The decrypted values of these parameters, in order; `None` for one that does not exist.
    async fn fetch(&self, names: &[String]) -> Result<Vec<Option<String>>, String>;
}

#[async_trait]
impl<T: SecretStore> ParameterStore for T {
    async fn fetch(&self, names: &[String]) -> Result<Vec<Option<String>>, String> {
        SecretStore::fetch(self, names).await.map_err(|error| error.to_string())
    }
}

/// The destinations' parameters, cached.
pub struct Secrets {
    store: Box<dyn ParameterStore>,
    ttl: Duration,
    refresh_interval: Duration,
    entries: RwLock<HashMap<String, Entry>>,
}

#[derive(Clone)]
struct Entry {
    /// `None`: the parameter does not exist.
    value: Option<Arc<Secret>>,
    stale_at: Instant,
    refresh_allowed_at: Instant,
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = self.entries.read().unwrap_or_else(PoisonError::into_inner).keys().cloned().collect();
        f.debug_struct("Secrets").field("parameters", &names).finish()
    }
}

impl Secrets {
    /// A cache over `store`, with the sources' timing (five minutes, 30 s between forced reads).
    pub fn new(store: impl ParameterStore + 'static) -> Secrets {
        Secrets::with_timing(store, DEFAULT_TTL, DEFAULT_REFRESH_INTERVAL)
    }

    /// A cache with its timing given.
    pub fn with_timing(store: impl ParameterStore + 'static, ttl: Duration, refresh_interval: Duration) -> Secrets {
        Secrets { store: Box::new(store), ttl, refresh_interval, entries: RwLock::new(HashMap::new()) }
    }

    /// A cache with no store: every parameter is unavailable (a worker whose routes need none).
    pub fn none() -> Secrets {
        Secrets::new(NoStore)
    }

    /// Reads every parameter at start-up, in one batch (GetParameters takes ten a call). Those
    /// that cannot be read now are read on first use.
    pub async fn preload(&self, names: &[String]) {
        if names.is_empty() {
            return;
        }
        match self.store.fetch(names).await {
            Ok(values) => {
                for (name, value) in names.iter().zip(values) {
                    self.install(name, value);
                }
            }
            Err(error) => tracing::error!(%error, "destination secrets unavailable at start-up"),
        }
    }

    /// A parameter's value: cached, or read again once stale. While the store is unreachable,
    /// a value already held is used.
    pub async fn get(&self, name: &str) -> Result<Arc<Secret>, SecretError> {
        let entry = self.entries.read().unwrap_or_else(PoisonError::into_inner).get(name).cloned();
        let entry = match entry {
            Some(entry) if Instant::now() < entry.stale_at => entry,
            held => self.read(name, held).await?,
        };
        entry.value.ok_or_else(|| SecretError::NotFound(name.to_owned()))
    }

    /// A destination refused our credentials: read these parameters again on their next use,
    /// unless they were read for that reason within the refresh interval.
    pub fn refresh_soon<'n>(&self, names: impl IntoIterator<Item = &'n str>) {
        let now = Instant::now();
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        for name in names {
            if let Some(entry) = entries.get_mut(name)
                && now >= entry.refresh_allowed_at
            {
                tracing::info!(parameter = name, "credentials refused: reading the parameter again");
                entry.stale_at = now;
                entry.refresh_allowed_at = now + self.refresh_interval;
            }
        }
    }

    async fn read(&self, name: &str, held: Option<Entry>) -> Result<Entry, SecretError> {
        match self.store.fetch(&[name.to_owned()]).await {
            Ok(mut values) => Ok(self.install(name, values.pop().flatten())),
            Err(reason) => {
                let Some(mut entry) = held else {
                    return Err(SecretError::Unavailable { parameter: name.to_owned(), reason });
                };
                tracing::warn!(parameter = name, error = %reason, "cannot read the parameter: using the value held");
                entry.stale_at = Instant::now() + self.refresh_interval;
                self.entries.write().unwrap_or_else(PoisonError::into_inner).insert(name.to_owned(), entry.clone());
                Ok(entry)
            }
        }
    }

    fn install(&self, name: &str, value: Option<String>) -> Entry {
        if value.is_none() {
            tracing::error!(parameter = name, "destination parameter not found: its deliveries fail until it is put");
        }
        let now = Instant::now();
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        let refresh_allowed_at = entries.get(name).map_or(now, |entry| entry.refresh_allowed_at);
        // A parameter not found yet is looked for again soon: it may be put any moment.
        let stale_at = now + if value.is_some() { self.ttl } else { self.refresh_interval };
        let entry = Entry { value: value.map(|value| Arc::new(Secret(value))), stale_at, refresh_allowed_at };
        entries.insert(name.to_owned(), entry.clone());
        entry
    }
}

/// No store at all.
struct NoStore;

#[async_trait]
impl ParameterStore for NoStore {
    async fn fetch(&self, _names: &[String]) -> Result<Vec<Option<String>>, String> {
        Err("no parameter store is configured".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[derive(Default, Clone)]
    struct FakeStore {
        values: Arc<Mutex<HashMap<String, String>>>,
        down: Arc<Mutex<bool>>,
        reads: Arc<AtomicUsize>,
    }

    impl FakeStore {
        fn set(&self, name: &str, value: &str) {
            self.values.lock().unwrap().insert(name.to_owned(), value.to_owned());
        }
    }

    #[async_trait]
    impl ParameterStore for FakeStore {
        async fn fetch(&self, names: &[String]) -> Result<Vec<Option<String>>, String> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            if *self.down.lock().unwrap() {
                return Err("connection refused".into());
            }
            let values = self.values.lock().unwrap();
            Ok(names.iter().map(|name| values.get(name).cloned()).collect())
        }
    }

    const TOKEN: &str = "/hookway/out/token";

    #[tokio::test(start_paused = true)]
    async fn parameters_are_read_in_one_batch_then_served_from_the_cache_until_stale() {
        let store = FakeStore::default();
        store.set(TOKEN, "Bearer one");
        store.set("/hookway/out/signing", "whsec_abc");
        let secrets = Secrets::new(store.clone());
        secrets.preload(&[TOKEN.into(), "/hookway/out/signing".into()]).await;
        for _ in 0..3 {
            assert_eq!(secrets.get(TOKEN).await.unwrap().expose(), "Bearer one");
        }
        assert_eq!(store.reads.load(Ordering::SeqCst), 1);
        store.set(TOKEN, "Bearer two");
        tokio::time::advance(DEFAULT_TTL).await;
        assert_eq!(secrets.get(TOKEN).await.unwrap().expose(), "Bearer two", "read again once stale");
    }

    #[tokio::test(start_paused = true)]
    async fn a_refused_credential_is_read_again_at_most_once_per_interval() {
        let store = FakeStore::default();
        store.set(TOKEN, "Bearer one");
        let secrets = Secrets::new(store.clone());
        secrets.preload(&[TOKEN.into()]).await;
        store.set(TOKEN, "Bearer two");
        secrets.refresh_soon([TOKEN]);
        assert_eq!(secrets.get(TOKEN).await.unwrap().expose(), "Bearer two", "at once");
        secrets.refresh_soon([TOKEN]);
        secrets.get(TOKEN).await.unwrap();
        assert_eq!(store.reads.load(Ordering::SeqCst), 2, "not again within the interval");
    }

    #[tokio::test(start_paused = true)]
    async fn a_value_held_outlives_an_outage_and_a_missing_one_is_named() {
        let store = FakeStore::default();
        store.set(TOKEN, "Bearer one");
        let secrets = Secrets::new(store.clone());
        secrets.preload(&[TOKEN.into(), "/hookway/out/missing".into()]).await;
        *store.down.lock().unwrap() = true;
        tokio::time::advance(DEFAULT_TTL).await;
        assert_eq!(secrets.get(TOKEN).await.unwrap().expose(), "Bearer one");
        assert_eq!(
            secrets.get("/hookway/out/missing").await.unwrap_err(),
            SecretError::NotFound("/hookway/out/missing".into())
        );
        let never = secrets.get("/hookway/out/never").await.unwrap_err();
        assert!(matches!(never, SecretError::Unavailable { .. }), "{never:?}");
    }

    #[test]
    fn values_never_show_in_debug_output() {
        let secret = Secret("Bearer hunter2".into());
        assert_eq!(format!("{secret:?}"), "<redacted>");
    }
}
