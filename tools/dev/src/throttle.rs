//! A source's `throttle`, as API Gateway applies a method's throttle: a token bucket of `burst`
//! requests refilled at `rate` a second; a request that finds it empty is answered `429` with
//! `Retry-After` (the seconds until a token is back) and never reaches the intake. Only sources
//! whose `hookway.json` sets a throttle have one locally: the stack's defaults apply in AWS only,
//! so that local load tests are not throttled.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use hookway_core::Config;
use hookway_core::config::ThrottleConfig;

/// The throttles of the sources that set one, by source name.
#[derive(Debug, Default)]
pub struct Throttles(HashMap<String, Bucket>);

impl Throttles {
    /// One bucket per source whose configuration sets a `throttle`, full.
    pub fn from_config(config: &Config) -> Throttles {
        let buckets = config
            .sources
            .iter()
            .filter_map(|source| Some((source.name.clone(), Bucket::new(source.throttle?, Instant::now()))));
        Throttles(buckets.collect())
    }

    /// Takes a token of `source`'s bucket, or says how long until one is back.
    pub fn take(&self, source: &str) -> Result<(), Duration> {
        match self.0.get(source) {
            Some(bucket) => bucket.take(Instant::now()),
            None => Ok(()),
        }
    }
}

/// A token bucket.
#[derive(Debug)]
struct Bucket {
    rate: f64,
    burst: f64,
    /// Tokens, as of an instant.
    state: Mutex<(f64, Instant)>,
}

impl Bucket {
    fn new(throttle: ThrottleConfig, now: Instant) -> Bucket {
        let burst = f64::from(throttle.burst);
        Bucket { rate: throttle.rate, burst, state: Mutex::new((burst, now)) }
    }

    fn take(&self, now: Instant) -> Result<(), Duration> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let (tokens, at) = *state;
        let tokens = (tokens + now.saturating_duration_since(at).as_secs_f64() * self.rate).min(self.burst);
        if tokens >= 1.0 {
            *state = (tokens - 1.0, now);
            return Ok(());
        }
        *state = (tokens, now);
        Err(Duration::from_secs_f64((1.0 - tokens) / self.rate))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_lets_its_burst_through_then_its_rate() {
        let start = Instant::now();
        let bucket = Bucket::new(ThrottleConfig { rate: 2.0, burst: 3 }, start);
        for _ in 0..3 {
            assert_eq!(bucket.take(start), Ok(()));
        }
        let wait = bucket.take(start).unwrap_err();
        assert!((wait.as_secs_f64() - 0.5).abs() < 1e-9, "{wait:?}");
        assert!(bucket.take(start + Duration::from_millis(400)).is_err());
        assert_eq!(bucket.take(start + Duration::from_millis(500)), Ok(()), "one token back after 1/rate");
        assert!(bucket.take(start + Duration::from_millis(500)).is_err());
        assert_eq!(bucket.take(start + Duration::from_secs(60)), Ok(()), "never more than the burst");
        for _ in 0..2 {
            assert_eq!(bucket.take(start + Duration::from_secs(60)), Ok(()));
        }
        assert!(bucket.take(start + Duration::from_secs(60)).is_err());
    }
}
