//! The secret cache: each source's keys, read from SSM SecureString parameters at start-up, kept
//! for a TTL, and read again at once when a signature fails against them — at most once every
//! `refresh_interval` — so that a rotated secret works without waiting for the TTL, even just
//! after a cold start, and a flood of bad signatures cannot flood SSM.
//!
//! When SSM cannot be reached, the keys already held are kept (and retried after
//! `refresh_interval`); a source whose keys were never read answers [`VerifyFailure::Unavailable`],
//! which the intake turns into 503 so the sender retries. A source with no usable secret rejects
//! everything.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use tokio::time::Instant;

use crate::aws::sdk_error_words;
use crate::scheme::{Key, Request, VerifyError};
use crate::source::Source;

/// How long keys are used before they are read again.
pub const DEFAULT_TTL: Duration = Duration::from_secs(300);
/// The least time between two reads of a source's secrets forced by failures.
pub const DEFAULT_REFRESH_INTERVAL: Duration = Duration::from_secs(30);

/// Where secrets are kept.
pub trait SecretStore: Send + Sync {
    /// The decrypted values of these parameters, in order; `None` for one that does not exist.
    fn fetch(&self, names: &[String]) -> impl Future<Output = Result<Vec<Option<String>>, StoreError>> + Send;
}

/// The secret store could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot read secrets: {0}")]
pub struct StoreError(pub String);

/// Why a request did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyFailure {
    /// The request is not genuine, or the source has no usable secret.
    #[error(transparent)]
    Rejected(#[from] VerifyError),
    /// The source's secrets have never been read: the store is unreachable.
    #[error(transparent)]
    Unavailable(#[from] StoreError),
}

/// A store whose every parameter holds the one value, for tests and benchmarks.
#[derive(Debug, Clone)]
pub struct OneSecret(pub &'static str);

impl SecretStore for OneSecret {
    async fn fetch(&self, names: &[String]) -> Result<Vec<Option<String>>, StoreError> {
        Ok(names.iter().map(|_| Some(self.0.to_owned())).collect())
    }
}

/// SecureString parameters in SSM Parameter Store.
#[derive(Debug, Clone)]
pub struct SsmSecretStore {
    client: aws_sdk_ssm::Client,
}

impl SsmSecretStore {
    /// A store over this client.
    pub fn new(client: aws_sdk_ssm::Client) -> SsmSecretStore {
        SsmSecretStore { client }
    }
}

impl SecretStore for SsmSecretStore {
    async fn fetch(&self, names: &[String]) -> Result<Vec<Option<String>>, StoreError> {
        let mut values: HashMap<String, String> = HashMap::new();
        // GetParameters takes at most ten names.
        for chunk in names.chunks(10) {
            let output = self
                .client
                .get_parameters()
                .set_names(Some(chunk.to_vec()))
                .with_decryption(true)
                .send()
                .await
                .map_err(|error| StoreError(sdk_error_words(&error)))?;
            for parameter in output.parameters.unwrap_or_default() {
                if let (Some(name), Some(value)) = (parameter.name, parameter.value) {
                    values.insert(name, value);
                }
            }
        }
        Ok(names.iter().map(|name| values.remove(name)).collect())
    }
}

/// Each source's keys, cached.
#[derive(Debug)]
pub struct SecretCache<S> {
    store: S,
    ttl: Duration,
    refresh_interval: Duration,
    entries: RwLock<HashMap<String, Entry>>,
}

#[derive(Debug, Clone)]
struct Entry {
    keys: Arc<[Key]>,
    /// When the keys are read again on use.
    stale_at: Instant,
    /// The earliest time a failure may force a read: `refresh_interval` after the last forced
    /// read, or failed read. Reads at start-up and on expiry do not count.
    refresh_allowed_at: Instant,
}

impl<S: SecretStore> SecretCache<S> {
    /// A cache with the default TTL and refresh interval.
    pub fn new(store: S) -> SecretCache<S> {
        SecretCache::with_timing(store, DEFAULT_TTL, DEFAULT_REFRESH_INTERVAL)
    }

    /// A cache with its timing given.
    pub fn with_timing(store: S, ttl: Duration, refresh_interval: Duration) -> SecretCache<S> {
        SecretCache { store, ttl, refresh_interval, entries: RwLock::new(HashMap::new()) }
    }

    /// Reads every source's secrets at start-up, in one batch. Sources that cannot be read now
    /// are read again on their first request.
    pub async fn preload<'s>(&self, sources: impl IntoIterator<Item = &'s Source>) {
        let sources: Vec<&Source> = sources.into_iter().collect();
        let names: Vec<String> = sources.iter().flat_map(|source| source.secret_parameters.iter().cloned()).collect();
        match self.store.fetch(&names).await {
            Ok(values) => {
                let mut values = values.into_iter();
                for source in sources {
                    let values: Vec<_> = values.by_ref().take(source.secret_parameters.len()).collect();
                    self.install(source, &values);
                }
            }
            Err(error) => tracing::error!(%error, "secrets unavailable at start-up"),
        }
    }

    /// Verifies a request against the source's cached keys; on a mismatch, reads the secrets
    /// again (rate-limited) and tries once more, so a rotated secret is picked up at once.
    pub async fn verify(&self, source: &Source, request: &Request<'_>, now: i64) -> Result<(), VerifyFailure> {
        let keys = self.keys(source).await?;
        match source.verify(request, &keys, now) {
            Err(VerifyError::Mismatch | VerifyError::NoSecret) if self.claim_refresh(source) => {
                tracing::info!(source = %source.name, "signature failed against cached secrets: reading them again");
                let keys = self.read(source).await?;
                Ok(source.verify(request, &keys, now)?)
            }
            result => Ok(result?),
        }
    }

    /// The source's keys, read again once stale.
    pub async fn keys(&self, source: &Source) -> Result<Arc<[Key]>, StoreError> {
        match self.entry(&source.name) {
            Some(entry) if Instant::now() < entry.stale_at => Ok(entry.keys),
            _ => self.read(source).await,
        }
    }

    fn entry(&self, source: &str) -> Option<Entry> {
        self.entries.read().unwrap_or_else(PoisonError::into_inner).get(source).cloned()
    }

    /// Whether a failure may force a read now; if so, the next one must wait `refresh_interval`.
    fn claim_refresh(&self, source: &Source) -> bool {
        let now = Instant::now();
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        match entries.get_mut(&source.name) {
            Some(entry) if now < entry.refresh_allowed_at => false,
            Some(entry) => {
                entry.refresh_allowed_at = now + self.refresh_interval;
                true
            }
            None => true,
        }
    }

    /// Reads the source's secrets from the store. On failure, keys already held are kept and
    /// used until the next attempt, `refresh_interval` later.
    async fn read(&self, source: &Source) -> Result<Arc<[Key]>, StoreError> {
        match self.store.fetch(&source.secret_parameters).await {
            Ok(values) => Ok(self.install(source, &values)),
            Err(error) => {
                let now = Instant::now();
                let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
                let entry = entries.get_mut(&source.name).ok_or_else(|| error.clone())?;
                tracing::warn!(source = %source.name, %error, "cannot read secrets: using those already held");
                entry.stale_at = now + self.refresh_interval;
                entry.refresh_allowed_at = now + self.refresh_interval;
                Ok(entry.keys.clone())
            }
        }
    }

    /// Turns a source's parameter values into its cached keys, logging what is unusable (never
    /// the secret itself).
    fn install(&self, source: &Source, values: &[Option<String>]) -> Arc<[Key]> {
        for (parameter, value) in source.secret_parameters.iter().zip(values) {
            if value.is_none() {
                tracing::error!(source = %source.name, %parameter, "secret parameter not found");
            }
        }
        let stored = source
            .secret_parameters
            .iter()
            .zip(values)
            .filter_map(|(name, value)| Some((name.as_str(), value.as_deref()?)));
        let (keys, problems) = source.keys(stored);
        for problem in problems {
            tracing::error!(source = %source.name, %problem, "unusable secret ignored");
        }
        if keys.is_empty() {
            tracing::error!(source = %source.name, "no usable secret: every request to this source is rejected");
        }
        let keys: Arc<[Key]> = keys.into();
        let now = Instant::now();
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        let refresh_allowed_at = entries.get(&source.name).map_or(now, |entry| entry.refresh_allowed_at);
        entries.insert(source.name.clone(), Entry { keys: keys.clone(), stale_at: now + self.ttl, refresh_allowed_at });
        keys
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use http::HeaderMap;

    use crate::scheme::{Scheme, SignRequest};

    /// An in-memory store whose values and reachability the test controls.
    #[derive(Default)]
    struct FakeStore {
        values: Mutex<HashMap<String, String>>,
        down: Mutex<bool>,
        reads: AtomicUsize,
    }

    impl FakeStore {
        fn set(&self, name: &str, value: &str) {
            self.values.lock().unwrap().insert(name.to_owned(), value.to_owned());
        }
    }

    impl SecretStore for &FakeStore {
        async fn fetch(&self, names: &[String]) -> Result<Vec<Option<String>>, StoreError> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            if *self.down.lock().unwrap() {
                return Err(StoreError("connection refused".into()));
            }
            let values = self.values.lock().unwrap();
            Ok(names.iter().map(|name| values.get(name).cloned()).collect())
        }
    }

    fn source() -> Source {
        let mut source = Source::with_scheme("github", Scheme::named("github").unwrap());
        source.secret_parameters = vec!["/hookway/github/secret".into()];
        source
    }

    fn signed(source: &Source, secret: &str) -> HeaderMap {
        let key = source.scheme.key(secret, None).unwrap();
        let request = SignRequest { id: "d1", timestamp: 0, body: b"{}", method: "POST", url: "" };
        source
            .scheme
            .sign(&key, &request)
            .unwrap()
            .headers
            .into_iter()
            .map(|(n, v)| (n.parse().unwrap(), v.parse().unwrap()))
            .collect()
    }

    fn now() -> i64 {
        1_700_000_000
    }

    #[tokio::test(start_paused = true)]
    async fn keys_are_read_once_then_served_from_the_cache_until_stale() {
        let store = FakeStore::default();
        store.set("/hookway/github/secret", "s1");
        let cache = SecretCache::new(&store);
        let source = source();
        cache.preload([&source]).await;
        for _ in 0..3 {
            assert_eq!(cache.verify(&source, &Request::post(&signed(&source, "s1"), b"{}"), now()).await, Ok(()));
        }
        assert_eq!(store.reads.load(Ordering::SeqCst), 1);
        tokio::time::advance(DEFAULT_TTL).await;
        cache.verify(&source, &Request::post(&signed(&source, "s1"), b"{}"), now()).await.unwrap();
        assert_eq!(store.reads.load(Ordering::SeqCst), 2, "read again once stale");
    }

    #[tokio::test(start_paused = true)]
    async fn a_rotated_secret_works_at_once_and_failures_read_at_most_once_per_interval() {
        let store = FakeStore::default();
        store.set("/hookway/github/secret", "old");
        let cache = SecretCache::new(&store);
        let source = source();
        cache.preload([&source]).await;
        tokio::time::advance(Duration::from_secs(1)).await;
        store.set("/hookway/github/secret", "new");
        assert_eq!(
            cache.verify(&source, &Request::post(&signed(&source, "new"), b"{}"), now()).await,
            Ok(()),
            "just after start-up"
        );
        assert_eq!(store.reads.load(Ordering::SeqCst), 2);

        for _ in 0..10 {
            let result = cache.verify(&source, &Request::post(&signed(&source, "forged"), b"{}"), now()).await;
            assert_eq!(result, Err(VerifyFailure::Rejected(VerifyError::Mismatch)));
        }
        assert_eq!(store.reads.load(Ordering::SeqCst), 2, "rate-limited: no read within the interval");
        tokio::time::advance(DEFAULT_REFRESH_INTERVAL).await;
        let _ = cache.verify(&source, &Request::post(&signed(&source, "forged"), b"{}"), now()).await;
        assert_eq!(store.reads.load(Ordering::SeqCst), 3, "one read once the interval has passed");
    }

    #[tokio::test(start_paused = true)]
    async fn preloading_reads_every_source_in_one_batch() {
        let store = FakeStore::default();
        store.set("/hookway/github/secret", "s1");
        store.set("/hookway/other/secret", "s2");
        let cache = SecretCache::new(&store);
        let mut other = source();
        other.name = "other".into();
        other.secret_parameters = vec!["/hookway/other/secret".into()];
        cache.preload([&source(), &other]).await;
        assert_eq!(store.reads.load(Ordering::SeqCst), 1);
        assert_eq!(cache.verify(&other, &Request::post(&signed(&other, "s2"), b"{}"), now()).await, Ok(()));
        assert_eq!(cache.verify(&source(), &Request::post(&signed(&source(), "s1"), b"{}"), now()).await, Ok(()));
        assert_eq!(store.reads.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn keys_held_are_kept_while_the_store_is_down() {
        let store = FakeStore::default();
        store.set("/hookway/github/secret", "s1");
        let cache = SecretCache::new(&store);
        let source = source();
        cache.preload([&source]).await;
        *store.down.lock().unwrap() = true;
        tokio::time::advance(DEFAULT_TTL).await;
        assert_eq!(cache.verify(&source, &Request::post(&signed(&source, "s1"), b"{}"), now()).await, Ok(()));
    }

    #[tokio::test(start_paused = true)]
    async fn a_source_never_read_is_unavailable_not_rejected() {
        let store = FakeStore::default();
        *store.down.lock().unwrap() = true;
        let cache = SecretCache::new(&store);
        let source = source();
        cache.preload([&source]).await;
        let result = cache.verify(&source, &Request::post(&signed(&source, "s1"), b"{}"), now()).await;
        assert!(matches!(result, Err(VerifyFailure::Unavailable(_))), "{result:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_source_without_its_parameter_rejects_everything() {
        let store = FakeStore::default();
        let cache = SecretCache::new(&store);
        let source = source();
        cache.preload([&source]).await;
        let result = cache.verify(&source, &Request::post(&signed(&source, "s1"), b"{}"), now()).await;
        assert_eq!(result, Err(VerifyFailure::Rejected(VerifyError::NoSecret)));
    }
}
