//! The secret cache: SSM SecureString parameters, read decrypted (`WithDecryption`) and kept in
//! memory, by one policy for every Lambda — the intake's sources' secrets and the worker's
//! destination secrets (`sign.secretParameters`, `authorization.parameter`) alike.
//!
//! * **At start-up** [`SecretCache::preload`] reads every parameter the Lambda uses in one batch:
//!   [`SsmSecretStore`] asks `GetParameters` for ten names a call, the most it takes. If that
//!   read fails, each parameter is read on its first use.
//! * **A value is kept for the TTL** (five minutes), then read again by its next use.
//! * **A forced read** — [`SecretCache::refresh_soon`]: a signature failing against the cached
//!   secrets, a destination refusing our credentials — makes the next use read the parameter at
//!   once, so a rotated secret works without waiting for the TTL, even just after start-up. A
//!   parameter is forced at most once per **minimum gap** (30 s), so a flood of bad signatures costs
//!   SSM one call per parameter per 30 s, however many requests it holds.
//! * **A parameter that does not exist** is looked for again after the minimum gap, not the TTL:
//!   once you put it, it is used within 30 s; until then it costs at most one read per 30 s.
//! * **When SSM cannot be read**, the values already held are kept and used, and the read is tried
//!   again after the minimum gap. A parameter never read answers [`StoreError`] for that long
//!   (the intake answers 503, so the sender retries; the worker retries the delivery).
//! * **Values never show**: they are [`Secret`]s, `<redacted>` in `Debug` output; log lines and
//!   errors name the parameter, never its value.
//!
//! SSM calls: once warm, an event costs no SSM call on the hot path — every use is answered from
//! memory while the values are fresh (the tests below count the calls). Per parameter, SSM is read
//! at most once per TTL (by the first use after it runs out; uses that overlap that read keep the
//! value held rather than read it too), plus at most once per minimum gap for
//! a forced read, a missing parameter or a failed read.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;

use crate::aws::sdk_error_words;

/// How long a value is used before it is read again.
pub const DEFAULT_TTL: Duration = Duration::from_secs(300);
/// The minimum gap between two reads of a parameter not due to the TTL: forced, of a missing
/// parameter, or after a failure.
pub const DEFAULT_REFRESH_INTERVAL: Duration = Duration::from_secs(30);

/// GetParameters takes at most ten names a call.
const NAMES_PER_CALL: usize = 10;

/// Where secrets are kept.
#[async_trait]
pub trait SecretStore: Send + Sync {
    /// The decrypted values of these parameters, in order; `None` for one that does not exist.
    async fn fetch(&self, names: &[String]) -> Result<Vec<Option<String>>, StoreError>;
}

#[async_trait]
impl<T: SecretStore + ?Sized> SecretStore for Box<T> {
    async fn fetch(&self, names: &[String]) -> Result<Vec<Option<String>>, StoreError> {
        (**self).fetch(names).await
    }
}

#[async_trait]
impl<T: SecretStore + ?Sized> SecretStore for Arc<T> {
    async fn fetch(&self, names: &[String]) -> Result<Vec<Option<String>>, StoreError> {
        (**self).fetch(names).await
    }
}

/// The secret store could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot read secrets: {0}")]
pub struct StoreError(pub String);

/// A parameter's value cannot be used now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// The parameter does not exist (put it with `hookway secrets put`).
    #[error("parameter {0} not found")]
    NotFound(String),
    /// It has never been read: the store cannot be reached.
    #[error("parameter {parameter} unavailable: {reason}")]
    Unavailable {
        /// The parameter.
        parameter: String,
        /// Why.
        reason: StoreError,
    },
}

/// A parameter's value: `<redacted>` in `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The value itself, to verify or sign with, or to put in a request.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Secret {
        Secret(value)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// A store whose every parameter holds the one value, for tests and benchmarks.
#[derive(Debug, Clone)]
pub struct OneSecret(pub &'static str);

#[async_trait]
impl SecretStore for OneSecret {
    async fn fetch(&self, names: &[String]) -> Result<Vec<Option<String>>, StoreError> {
        Ok(names.iter().map(|_| Some(self.0.to_owned())).collect())
    }
}

/// Parameters in memory, for tests: the test sets their values and whether the store can be
/// reached, and counts the calls made to it. Clones share their parameters.
#[derive(Default, Clone)]
pub struct MemorySecrets {
    values: Arc<Mutex<HashMap<String, String>>>,
    down: Arc<AtomicBool>,
    calls: Arc<AtomicUsize>,
}

impl MemorySecrets {
    /// A store holding these parameters.
    pub fn with(parameters: &[(&str, &str)]) -> MemorySecrets {
        let store = MemorySecrets::default();
        for (name, value) in parameters {
            store.set(name, value);
        }
        store
    }

    /// Puts a parameter.
    pub fn set(&self, name: &str, value: &str) {
        self.values.lock().unwrap_or_else(PoisonError::into_inner).insert(name.to_owned(), value.to_owned());
    }

    /// Makes every call fail (`true`), or succeed again.
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    /// The calls made so far, failed ones included.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

impl fmt::Debug for MemorySecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemorySecrets").field("calls", &self.calls()).finish_non_exhaustive()
    }
}

#[async_trait]
impl SecretStore for MemorySecrets {
    async fn fetch(&self, names: &[String]) -> Result<Vec<Option<String>>, StoreError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.down.load(Ordering::SeqCst) {
            return Err(StoreError("connection refused".to_owned()));
        }
        let values = self.values.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(names.iter().map(|name| values.get(name).cloned()).collect())
    }
}

/// No store at all: every parameter is unavailable (a worker whose routes read none).
#[derive(Debug, Clone)]
pub struct NoStore;

#[async_trait]
impl SecretStore for NoStore {
    async fn fetch(&self, _names: &[String]) -> Result<Vec<Option<String>>, StoreError> {
        Err(StoreError("no parameter store is configured".to_owned()))
    }
}

/// SecureString parameters in SSM Parameter Store, read decrypted.
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

#[async_trait]
impl SecretStore for SsmSecretStore {
    async fn fetch(&self, names: &[String]) -> Result<Vec<Option<String>>, StoreError> {
        let mut values: HashMap<String, String> = HashMap::new();
        for chunk in names.chunks(NAMES_PER_CALL) {
            let output = self
                .client
                .get_parameters()
                .set_names(Some(chunk.to_vec()))
                .with_decryption(true)
                .send()
                .await
                .map_err(|error| StoreError(sdk_error_words(&error)))?;
            // A name that does not exist comes back in `invalid_parameters`: not found.
            for parameter in output.parameters.unwrap_or_default() {
                if let (Some(name), Some(value)) = (parameter.name, parameter.value) {
                    values.insert(name, value);
                }
            }
        }
        Ok(names.iter().map(|name| values.remove(name)).collect())
    }
}

/// Parameters' values, cached (see the [module](self) for the policy).
pub struct SecretCache<S> {
    store: S,
    ttl: Duration,
    min_gap: Duration,
    entries: RwLock<HashMap<String, Entry>>,
}

/// What is known of one parameter.
#[derive(Clone)]
struct Entry {
    held: Held,
    /// When its next use reads it again.
    read_at: Instant,
    /// The earliest a forced read may happen.
    force_allowed_at: Instant,
}

#[derive(Clone)]
enum Held {
    Value(Arc<Secret>),
    /// The parameter does not exist.
    Missing,
    /// It has never been read: why.
    Unreadable(StoreError),
}

impl<S> fmt::Debug for SecretCache<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = self.entries.read().unwrap_or_else(PoisonError::into_inner).keys().cloned().collect();
        f.debug_struct("SecretCache")
            .field("ttl", &self.ttl)
            .field("min_gap", &self.min_gap)
            .field("parameters", &names)
            .finish_non_exhaustive()
    }
}

impl SecretCache<Box<dyn SecretStore>> {
    /// A cache without a store: every parameter is unavailable.
    pub fn none() -> Self {
        SecretCache::new(Box::new(NoStore))
    }
}

impl<S: SecretStore> SecretCache<S> {
    /// A cache with the default TTL (five minutes) and minimum gap (30 s).
    pub fn new(store: S) -> SecretCache<S> {
        SecretCache::with_timing(store, DEFAULT_TTL, DEFAULT_REFRESH_INTERVAL)
    }

    /// A cache with its TTL and minimum gap between reads not due to the TTL given.
    pub fn with_timing(store: S, ttl: Duration, min_gap: Duration) -> SecretCache<S> {
        SecretCache { store, ttl, min_gap, entries: RwLock::new(HashMap::new()) }
    }

    /// Reads these parameters at start-up, in one batch; whether it could. If the store cannot be
    /// read now, each parameter is read on its first use.
    pub async fn preload(&self, names: &[String]) -> bool {
        let unique = unique(names.iter().map(String::as_str));
        if unique.is_empty() {
            return true;
        }
        match self.store.fetch(&unique).await {
            Ok(values) => {
                self.install(&unique, values);
                true
            }
            Err(error) => {
                tracing::error!(%error, "secrets unavailable at start-up: each is read on first use");
                false
            }
        }
    }

    /// These parameters' values, in order (`None`: the parameter does not exist): from memory
    /// while fresh; those stale, or never read, read in one call. Fails if one has never been read
    /// and cannot be now.
    pub async fn get_all<N: AsRef<str>>(&self, names: &[N]) -> Result<Vec<Option<Arc<Secret>>>, StoreError> {
        let now = Instant::now();
        let is_stale =
            |entries: &HashMap<String, Entry>, name: &str| entries.get(name).is_none_or(|e| now >= e.read_at);
        let any_stale = {
            let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
            names.iter().any(|name| is_stale(&entries, name.as_ref()))
        };
        if any_stale {
            let stale: Vec<String> = {
                let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
                let stale = unique(names.iter().map(AsRef::as_ref).filter(|name| is_stale(&entries, name)));
                // Claimed: while this read is out (the minimum gap at most), concurrent uses keep
                // the value held instead of reading the same parameters again.
                for name in &stale {
                    if let Some(entry) = entries.get_mut(name) {
                        entry.read_at = now + self.min_gap;
                    }
                }
                stale
            };
            if !stale.is_empty() {
                self.read(&stale).await;
            }
        }
        let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        names
            .iter()
            .map(|name| match entries.get(name.as_ref()).map(|entry| &entry.held) {
                Some(Held::Value(value)) => Ok(Some(Arc::clone(value))),
                Some(Held::Missing) => Ok(None),
                Some(Held::Unreadable(error)) => Err(error.clone()),
                // Just read, so known: only a concurrent test could see this.
                None => Err(StoreError("not read yet".to_owned())),
            })
            .collect()
    }

    /// One parameter's value, which must exist.
    pub async fn get(&self, name: &str) -> Result<Arc<Secret>, SecretError> {
        match self.get_all(&[name]).await {
            Ok(mut values) => values.pop().flatten().ok_or_else(|| SecretError::NotFound(name.to_owned())),
            Err(reason) => Err(SecretError::Unavailable { parameter: name.to_owned(), reason }),
        }
    }

    /// Makes the next use of these parameters read them again, at once, unless each was forced
    /// within the minimum gap. Returns whether any will be read again.
    pub fn refresh_soon<N: AsRef<str>>(&self, names: &[N]) -> bool {
        let now = Instant::now();
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        let mut forced = false;
        for name in names {
            match entries.get_mut(name.as_ref()) {
                Some(entry) if now >= entry.force_allowed_at => {
                    entry.read_at = now;
                    entry.force_allowed_at = now + self.min_gap;
                    forced = true;
                }
                Some(_) => {}
                // Never read: its next use reads it anyway.
                None => forced = true,
            }
        }
        forced
    }

    /// Reads these parameters from the store. On failure, values held are kept and used until
    /// the next attempt, the minimum gap later.
    async fn read(&self, names: &[String]) {
        match self.store.fetch(names).await {
            Ok(values) => self.install(names, values),
            Err(error) => {
                let now = Instant::now();
                let retry_at = now + self.min_gap;
                let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
                for name in names {
                    match entries.get_mut(name) {
                        Some(entry) if !matches!(entry.held, Held::Unreadable(_)) => {
                            tracing::warn!(parameter = %name, %error, "cannot read the parameter: keeping what was held");
                            entry.read_at = retry_at;
                            entry.force_allowed_at = retry_at;
                        }
                        _ => {
                            tracing::error!(parameter = %name, %error, "cannot read the parameter");
                            let held = Held::Unreadable(error.clone());
                            entries.insert(name.clone(), Entry { held, read_at: retry_at, force_allowed_at: retry_at });
                        }
                    }
                }
            }
        }
    }

    /// Keeps values just read, logging the parameters that do not exist (never a value). A value
    /// unchanged keeps its `Arc`, so what was derived from it need not be again.
    fn install(&self, names: &[String], values: Vec<Option<String>>) {
        let now = Instant::now();
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        for (name, value) in names.iter().zip(values) {
            let previous = entries.remove(name);
            let entry = match value {
                Some(value) => {
                    let held = match previous.as_ref().map(|entry| &entry.held) {
                        Some(Held::Value(kept)) if kept.expose() == value => Arc::clone(kept),
                        _ => Arc::new(Secret(value)),
                    };
                    // A read due to the TTL leaves a forced one allowed, so a rotation just after
                    // it is still picked up at once.
                    let force_allowed_at = previous.map_or(now, |entry| entry.force_allowed_at);
                    Entry { held: Held::Value(held), read_at: now + self.ttl, force_allowed_at }
                }
                None => {
                    tracing::error!(parameter = %name, "secret parameter not found: put it with `hookway secrets put`");
                    let retry_at = now + self.min_gap;
                    Entry { held: Held::Missing, read_at: retry_at, force_allowed_at: retry_at }
                }
            };
            entries.insert(name.clone(), entry);
        }
    }
}

/// The names, each once, in order.
fn unique<'n>(names: impl Iterator<Item = &'n str>) -> Vec<String> {
    let mut unique: Vec<String> = Vec::new();
    for name in names {
        if !unique.iter().any(|held| held == name) {
            unique.push(name.to_owned());
        }
    }
    unique
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "/hookway/out/token";
    const SIGNING: &str = "/hookway/github/secret";
    const MISSING: &str = "/hookway/nowhere";

    async fn value(cache: &SecretCache<MemorySecrets>, name: &str) -> String {
        cache.get(name).await.unwrap().expose().to_owned()
    }

    // The tests run on tokio's paused clock: time moves only when a test advances it.

    #[tokio::test(start_paused = true)]
    async fn preloading_reads_in_one_batch_then_uses_cost_no_call_until_the_ttl_runs_out() {
        let store = MemorySecrets::with(&[(TOKEN, "Bearer one"), (SIGNING, "s1")]);
        let cache = SecretCache::new(store.clone());
        cache.preload(&[TOKEN.into(), SIGNING.into(), TOKEN.into()]).await;
        assert_eq!(store.calls(), 1);
        for _ in 0..1000 {
            assert_eq!(cache.get_all(&[SIGNING, TOKEN]).await.unwrap().len(), 2);
        }
        tokio::time::advance(DEFAULT_TTL - Duration::from_millis(1)).await;
        assert_eq!(value(&cache, TOKEN).await, "Bearer one");
        assert_eq!(store.calls(), 1, "no call while the values are fresh");

        store.set(TOKEN, "Bearer two");
        tokio::time::advance(Duration::from_millis(1)).await;
        assert_eq!(cache.get_all(&[TOKEN, SIGNING]).await.unwrap()[0].as_deref().unwrap().expose(), "Bearer two");
        assert_eq!(store.calls(), 2, "both stale parameters read again in one call");
        assert_eq!(value(&cache, TOKEN).await, "Bearer two");
        assert_eq!(store.calls(), 2);
    }

    /// A store that takes a while to answer, so that uses overlap a read.
    struct Slow(MemorySecrets);

    #[async_trait]
    impl SecretStore for Slow {
        async fn fetch(&self, names: &[String]) -> Result<Vec<Option<String>>, StoreError> {
            tokio::time::sleep(Duration::from_millis(50)).await;
            self.0.fetch(names).await
        }
    }

    #[tokio::test(start_paused = true)]
    async fn uses_that_overlap_a_read_keep_the_value_held_instead_of_reading_again() {
        let store = MemorySecrets::with(&[(TOKEN, "Bearer one")]);
        let cache = SecretCache::new(Slow(store.clone()));
        cache.preload(&[TOKEN.into()]).await;
        tokio::time::advance(DEFAULT_TTL).await;
        store.set(TOKEN, "Bearer two");
        let (first, second, third) = tokio::join!(cache.get(TOKEN), cache.get(TOKEN), cache.get(TOKEN));
        assert_eq!(store.calls(), 2, "one read at start-up, one for the three uses the TTL found stale");
        let values: Vec<&str> =
            [&first, &second, &third].iter().map(|value| value.as_ref().unwrap().expose()).collect();
        assert_eq!(values[0], "Bearer two", "the use that read it has the new value");
        assert!(values[1..].iter().all(|value| *value == "Bearer one"), "the others, the value held: {values:?}");
        assert_eq!(cache.get(TOKEN).await.unwrap().expose(), "Bearer two");
    }

    #[tokio::test(start_paused = true)]
    async fn a_forced_read_happens_at_once_and_at_most_once_per_gap() {
        let store = MemorySecrets::with(&[(SIGNING, "old")]);
        let cache = SecretCache::new(store.clone());
        cache.preload(&[SIGNING.into()]).await;
        tokio::time::advance(Duration::from_secs(1)).await;
        store.set(SIGNING, "new");
        assert!(cache.refresh_soon(&[SIGNING]), "just after start-up");
        assert_eq!(value(&cache, SIGNING).await, "new");
        assert_eq!(store.calls(), 2);

        for _ in 0..100 {
            assert!(!cache.refresh_soon(&[SIGNING]));
            value(&cache, SIGNING).await;
        }
        assert_eq!(store.calls(), 2, "a flood within the gap costs no call");
        tokio::time::advance(DEFAULT_REFRESH_INTERVAL).await;
        assert!(cache.refresh_soon(&[SIGNING]));
        value(&cache, SIGNING).await;
        assert_eq!(store.calls(), 3, "one call once the gap has passed");
    }

    #[tokio::test(start_paused = true)]
    async fn a_forced_read_is_allowed_right_after_a_read_due_to_the_ttl() {
        let store = MemorySecrets::with(&[(SIGNING, "old")]);
        let cache = SecretCache::new(store.clone());
        cache.preload(&[SIGNING.into()]).await;
        tokio::time::advance(DEFAULT_TTL).await;
        value(&cache, SIGNING).await;
        store.set(SIGNING, "new");
        assert!(cache.refresh_soon(&[SIGNING]));
        assert_eq!(value(&cache, SIGNING).await, "new");
        assert_eq!(store.calls(), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn a_missing_parameter_is_looked_for_again_after_the_gap_not_the_ttl() {
        let store = MemorySecrets::default();
        let cache = SecretCache::new(store.clone());
        cache.preload(&[MISSING.into()]).await;
        for _ in 0..100 {
            assert_eq!(cache.get(MISSING).await.unwrap_err(), SecretError::NotFound(MISSING.into()));
            assert!(!cache.refresh_soon(&[MISSING]), "a missing parameter is not forced within the gap");
        }
        assert_eq!(cache.get_all(&[MISSING]).await.unwrap(), vec![None]);
        assert_eq!(store.calls(), 1, "one call for the whole flood");

        store.set(MISSING, "put since");
        tokio::time::advance(DEFAULT_REFRESH_INTERVAL).await;
        assert_eq!(value(&cache, MISSING).await, "put since");
        assert_eq!(store.calls(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn values_held_are_kept_while_the_store_is_down_and_read_again_after_the_gap() {
        let store = MemorySecrets::with(&[(TOKEN, "Bearer one")]);
        let cache = SecretCache::new(store.clone());
        cache.preload(&[TOKEN.into(), MISSING.into()]).await;
        store.set_down(true);
        tokio::time::advance(DEFAULT_TTL).await;
        for _ in 0..100 {
            assert_eq!(value(&cache, TOKEN).await, "Bearer one");
            assert_eq!(cache.get(MISSING).await.unwrap_err(), SecretError::NotFound(MISSING.into()));
        }
        assert_eq!(store.calls(), 3, "one failed read each, then none within the gap");

        store.set_down(false);
        store.set(TOKEN, "Bearer two");
        tokio::time::advance(DEFAULT_REFRESH_INTERVAL).await;
        assert_eq!(value(&cache, TOKEN).await, "Bearer two");
    }

    #[tokio::test(start_paused = true)]
    async fn a_parameter_never_read_is_unavailable_and_retried_after_the_gap() {
        let store = MemorySecrets::with(&[(TOKEN, "Bearer one")]);
        store.set_down(true);
        let cache = SecretCache::new(store.clone());
        cache.preload(&[TOKEN.into()]).await;
        let unavailable =
            SecretError::Unavailable { parameter: TOKEN.into(), reason: StoreError("connection refused".into()) };
        for _ in 0..100 {
            assert_eq!(cache.get(TOKEN).await.unwrap_err(), unavailable);
        }
        assert_eq!(store.calls(), 2, "start-up, then the first use; none more within the gap");

        store.set_down(false);
        tokio::time::advance(DEFAULT_REFRESH_INTERVAL).await;
        assert_eq!(value(&cache, TOKEN).await, "Bearer one");
        assert_eq!(store.calls(), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn an_unchanged_value_keeps_its_identity_across_reads() {
        let store = MemorySecrets::with(&[(SIGNING, "s1")]);
        let cache = SecretCache::new(store.clone());
        cache.preload(&[SIGNING.into()]).await;
        let before = cache.get(SIGNING).await.unwrap();
        tokio::time::advance(DEFAULT_TTL).await;
        let after = cache.get(SIGNING).await.unwrap();
        assert!(Arc::ptr_eq(&before, &after));
        store.set(SIGNING, "s2");
        assert!(cache.refresh_soon(&[SIGNING]));
        assert!(!Arc::ptr_eq(&after, &cache.get(SIGNING).await.unwrap()));
    }

    #[test]
    fn values_never_show_in_debug_output() {
        let secret = Secret::from("Bearer hunter2".to_owned());
        assert_eq!(format!("{secret:?}"), "<redacted>");
        assert_eq!(format!("{:?}", Some(Arc::new(secret))), "Some(<redacted>)");
    }
}
