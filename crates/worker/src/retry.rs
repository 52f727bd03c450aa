//! When to try again: exponential backoff with full jitter, and a server's `Retry-After`.

use std::time::{Duration, SystemTime};

/// Exponential backoff with full jitter: the n-th retry waits a uniformly random time between
/// zero and `min(cap, base * 2^(n-1))`, so that many senders backing off from one failing
/// destination spread out instead of retrying in lockstep.
#[derive(Debug, Clone)]
pub struct Backoff {
    base: Duration,
    cap: Duration,
}

impl Backoff {
    /// Backoff starting at `base`, never waiting longer than `cap`.
    pub fn new(base: Duration, cap: Duration) -> Backoff {
        Backoff { base, cap }
    }

    /// The ceiling of the wait before retry `retry` (1 for the first retry).
    pub fn ceiling(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        self.base.saturating_mul(factor).min(self.cap)
    }

    /// A random wait before retry `retry`, drawn with `rng`.
    pub fn delay(&self, retry: u32, rng: &mut fastrand::Rng) -> Duration {
        let ceiling = u64::try_from(self.ceiling(retry).as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(rng.u64(0..=ceiling))
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::new(Duration::from_millis(200), Duration::from_secs(20))
    }
}

/// A `Retry-After` header: delay-seconds, or an HTTP date (RFC 9110 §10.2.3), as a wait from `now`.
pub fn retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ceiling_doubles_up_to_the_cap() {
        let backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(1));
        let ceilings: Vec<u128> = (1..=6).map(|retry| backoff.ceiling(retry).as_millis()).collect();
        assert_eq!(ceilings, [100, 200, 400, 800, 1000, 1000]);
        assert_eq!(backoff.ceiling(u32::MAX), Duration::from_secs(1), "no overflow");
    }

    #[test]
    fn full_jitter_stays_within_zero_and_the_ceiling_and_spreads_across_it() {
        let backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(10));
        let mut rng = fastrand::Rng::with_seed(7);
        for retry in 1..=8 {
            let ceiling = backoff.ceiling(retry);
            let delays: Vec<Duration> = (0..2000).map(|_| backoff.delay(retry, &mut rng)).collect();
            assert!(delays.iter().all(|delay| *delay <= ceiling), "retry {retry}");
            let low = delays.iter().filter(|delay| **delay < ceiling / 4).count();
            let high = delays.iter().filter(|delay| **delay > ceiling * 3 / 4).count();
            assert!(low > 300 && high > 300, "retry {retry}: spread over the range ({low} low, {high} high)");
        }
    }

    #[test]
    fn retry_after_takes_seconds_or_an_http_date() {
        let now = httpdate::parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
        assert_eq!(retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now), Some(Duration::from_secs(30)));
        assert_eq!(retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now), Some(Duration::ZERO), "a past date: now");
        assert_eq!(retry_after("soon", now), None);
        assert_eq!(retry_after("-5", now), None);
    }
}
