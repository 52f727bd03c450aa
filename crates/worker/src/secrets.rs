//! The destinations' secrets — `sign.secretParameters` and `authorization.parameter` — read
//! through the secret cache every Lambda shares ([`SecretCache`]: its module documents the policy:
//! one batched read at start-up, a five-minute TTL, forced reads at most every 30 s, values kept
//! through an outage), over any store: SSM in the Lambda, memory in tests, none for a worker
//! whose routes read no parameter. A destination answering 401 or 403 forces a read of its
//! parameters ([`crate::handler::forward`]), so a rotated token or signing secret is picked up at
//! once.

pub use hookway_core::secret_cache::{Secret, SecretError};
use hookway_core::secret_cache::{SecretCache, SecretStore};

/// The destinations' parameters, cached.
pub type Secrets = SecretCache<Box<dyn SecretStore>>;
