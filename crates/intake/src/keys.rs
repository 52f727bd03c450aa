//! The sources' keys: their secrets from the secret cache ([`SecretCache`], which holds the
//! policy: TTL, minimum gap, values kept through an outage), turned into the keys their schemes
//! verify with, and the verify-and-retry on top: a signature failing against the cached secrets
//! forces one read of them — at most once per the cache's minimum gap — then verifies again, so a
//! rotated secret works at once.
//!
//! Keys are derived once per value read: while the cache hands back the same values, a request
//! costs two map lookups, no parsing and no SSM call.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use hookway_core::Source;
use hookway_core::scheme::{Key, Request, VerifyError};
use hookway_core::secret_cache::{Secret, SecretCache, SecretStore, StoreError};

/// Why a request did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyFailure {
    /// The request is not genuine, or the source has no usable secret.
    #[error(transparent)]
    Rejected(#[from] VerifyError),
    /// The source's secrets have never been read: the store cannot be reached.
    #[error(transparent)]
    Unavailable(#[from] StoreError),
}

/// Each source's keys, over the secret cache.
#[derive(Debug)]
pub struct SourceKeys<S> {
    secrets: SecretCache<S>,
    derived: RwLock<HashMap<String, Derived>>,
}

/// A source's keys, and the values they were derived from.
#[derive(Debug)]
struct Derived {
    values: Vec<Option<Arc<Secret>>>,
    keys: Arc<[Key]>,
}

impl<S: SecretStore> SourceKeys<S> {
    /// The sources' keys from this cache.
    pub fn new(secrets: SecretCache<S>) -> SourceKeys<S> {
        SourceKeys { secrets, derived: RwLock::new(HashMap::new()) }
    }

    /// Reads every source's secrets at start-up, in one batch, and derives their keys, so that the
    /// first request does neither. If the store cannot be read now, each source's are read on its
    /// first request.
    pub async fn preload<'s>(&self, sources: impl IntoIterator<Item = &'s Source>) {
        let sources: Vec<&Source> = sources.into_iter().collect();
        let names: Vec<String> = sources.iter().flat_map(|source| source.secret_parameters.iter().cloned()).collect();
        if self.secrets.preload(&names).await {
            for source in sources {
                // Read, so this costs no call; a problem is logged as the keys are derived.
                let _ = self.keys(source).await;
            }
        }
    }

    /// Verifies a request against the source's keys; on a mismatch, has the cache read the
    /// secrets again (rate-limited) and tries once more, so a rotated secret is picked up at once.
    pub async fn verify(&self, source: &Source, request: &Request<'_>, now: i64) -> Result<(), VerifyFailure> {
        let keys = self.keys(source).await?;
        match source.verify(request, &keys, now) {
            Err(VerifyError::Mismatch | VerifyError::NoSecret)
                if self.secrets.refresh_soon(&source.secret_parameters) =>
            {
                tracing::info!(source = %source.name, "signature failed against the cached secrets: reading them again");
                let keys = self.keys(source).await?;
                Ok(source.verify(request, &keys, now)?)
            }
            result => Ok(result?),
        }
    }

    /// The source's keys, from the cache's current values.
    pub async fn keys(&self, source: &Source) -> Result<Arc<[Key]>, StoreError> {
        let values = self.secrets.get_all(&source.secret_parameters).await?;
        if let Some(derived) = self.derived.read().unwrap_or_else(PoisonError::into_inner).get(&source.name)
            && same_values(&derived.values, &values)
        {
            return Ok(Arc::clone(&derived.keys));
        }
        let keys = derive(source, &values);
        let derived = Derived { values, keys: Arc::clone(&keys) };
        self.derived.write().unwrap_or_else(PoisonError::into_inner).insert(source.name.clone(), derived);
        Ok(keys)
    }
}

/// Whether these are the very values read before (the cache keeps an unchanged value's `Arc`).
fn same_values(held: &[Option<Arc<Secret>>], values: &[Option<Arc<Secret>>]) -> bool {
    held.len() == values.len()
        && held.iter().zip(values).all(|pair| match pair {
            (Some(held), Some(value)) => Arc::ptr_eq(held, value),
            (None, None) => true,
            _ => false,
        })
}

/// The keys in a source's parameter values, logging what is unusable (never the secret itself).
fn derive(source: &Source, values: &[Option<Arc<Secret>>]) -> Arc<[Key]> {
    let stored = source
        .secret_parameters
        .iter()
        .zip(values)
        .filter_map(|(name, value)| Some((name.as_str(), value.as_deref()?.expose())));
    let (keys, problems) = source.keys(stored);
    for problem in problems {
        tracing::error!(source = %source.name, %problem, "unusable secret ignored");
    }
    if keys.is_empty() {
        tracing::error!(source = %source.name, "no usable secret: every request to this source is rejected");
    }
    keys.into()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use hookway_core::scheme::{Scheme, SignRequest};
    use hookway_core::secret_cache::{DEFAULT_REFRESH_INTERVAL, DEFAULT_TTL, MemorySecrets};
    use http::HeaderMap;

    use super::*;

    fn source(name: &str) -> Source {
        let mut source = Source::with_scheme(name, Scheme::named("github").unwrap());
        source.secret_parameters = vec![format!("/hookway/{name}/secret")];
        source
    }

    fn signed(source: &Source, secret: &str) -> HeaderMap {
        let key = source.scheme.key(secret, None).unwrap();
        let request = SignRequest { id: "d1", timestamp: 0, body: b"{}", method: "POST", url: "" };
        let signature = source.scheme.sign(&key, &request).unwrap();
        signature.headers.into_iter().map(|(n, v)| (n.parse().unwrap(), v.parse().unwrap())).collect()
    }

    async fn verify(keys: &SourceKeys<MemorySecrets>, source: &Source, secret: &str) -> Result<(), VerifyFailure> {
        keys.verify(source, &Request::post(&signed(source, secret), b"{}"), 1_700_000_000).await
    }

    #[tokio::test(start_paused = true)]
    async fn every_source_is_read_in_one_batch_and_a_warm_request_costs_no_call() {
        let store = MemorySecrets::with(&[("/hookway/github/secret", "s1"), ("/hookway/other/secret", "s2")]);
        let keys = SourceKeys::new(SecretCache::new(store.clone()));
        let (github, other) = (source("github"), source("other"));
        keys.preload([&github, &other]).await;
        for _ in 0..100 {
            assert_eq!(verify(&keys, &github, "s1").await, Ok(()));
            assert_eq!(verify(&keys, &other, "s2").await, Ok(()));
        }
        assert_eq!(store.calls(), 1);
        tokio::time::advance(DEFAULT_TTL).await;
        assert_eq!(verify(&keys, &github, "s1").await, Ok(()));
        assert_eq!(store.calls(), 2, "read again once stale");
    }

    #[tokio::test(start_paused = true)]
    async fn a_rotated_secret_works_at_once_and_forgeries_read_at_most_once_per_gap() {
        let store = MemorySecrets::with(&[("/hookway/github/secret", "old")]);
        let keys = SourceKeys::new(SecretCache::new(store.clone()));
        let github = source("github");
        keys.preload([&github]).await;
        tokio::time::advance(Duration::from_secs(1)).await;
        store.set("/hookway/github/secret", "new");
        assert_eq!(verify(&keys, &github, "new").await, Ok(()), "just after start-up");
        assert_eq!(store.calls(), 2);

        for _ in 0..100 {
            assert_eq!(verify(&keys, &github, "forged").await, Err(VerifyFailure::Rejected(VerifyError::Mismatch)));
        }
        assert_eq!(store.calls(), 2, "no read within the gap");
        tokio::time::advance(DEFAULT_REFRESH_INTERVAL).await;
        let _ = verify(&keys, &github, "forged").await;
        assert_eq!(store.calls(), 3, "one read once the gap has passed");
    }

    #[tokio::test(start_paused = true)]
    async fn a_source_never_read_is_unavailable_and_one_without_its_parameter_rejects_everything() {
        let store = MemorySecrets::default();
        store.set_down(true);
        let keys = SourceKeys::new(SecretCache::new(store.clone()));
        let github = source("github");
        keys.preload([&github]).await;
        let result = verify(&keys, &github, "s1").await;
        assert!(matches!(result, Err(VerifyFailure::Unavailable(_))), "{result:?}");

        store.set_down(false);
        tokio::time::advance(DEFAULT_REFRESH_INTERVAL).await;
        assert_eq!(verify(&keys, &github, "s1").await, Err(VerifyFailure::Rejected(VerifyError::NoSecret)));
        store.set("/hookway/github/secret", "s1");
        tokio::time::advance(DEFAULT_REFRESH_INTERVAL).await;
        assert_eq!(verify(&keys, &github, "s1").await, Ok(()), "put since: used after the gap");
    }
}
