//! When to try again: a deadline-aware retry policy — exponential backoff with full jitter, a
//! server's `Retry-After` honoured, and never a wait or an attempt past the invocation's deadline.
//!
//! The policy knows nothing of HTTP: each attempt says whether it succeeded, is worth retrying
//! (after a wait the server may have asked for), or is not ([`Attempt`]).

use std::future::Future;
use std::time::{Duration, SystemTime};

use crate::deadline::Deadline;

/// The least time worth starting an attempt with.
pub const MIN_ATTEMPT_TIME: Duration = Duration::from_millis(100);

/// How one attempt went.
#[derive(Debug)]
pub enum Attempt<T, E> {
    /// It succeeded.
    Done(T),
    /// Worth retrying, after the server's `Retry-After` if it gave one.
    Retry(E, Option<Duration>),
    /// Not worth retrying now.
    Stop(E),
}

/// Why the policy ended without a success.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetryError<E> {
    /// The deadline left no time for a first attempt.
    NoTime,
    /// The last attempt's error: one not worth retrying, or the last one allowed.
    Failed(E),
    /// The next wait would have passed the deadline; the last attempt's error.
    OutOfTime(E),
}

/// Up to `max_attempts` attempts, backing off between them, within a deadline.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    max_attempts: u32,
    backoff: Backoff,
}

impl RetryPolicy {
    /// At most `max_attempts` (at least one), waiting as `backoff` says between them.
    pub fn new(max_attempts: u32, backoff: Backoff) -> RetryPolicy {
        RetryPolicy { max_attempts: max_attempts.max(1), backoff }
    }

    /// The same policy with another backoff (tests use short ones).
    pub fn with_backoff(self, backoff: Backoff) -> RetryPolicy {
        RetryPolicy { backoff, ..self }
    }

    /// Runs `attempt` (given its number, from 1, and the time left) until it succeeds, stops,
    /// runs out of attempts, or the next wait would leave less than [`MIN_ATTEMPT_TIME`] before
    /// `deadline`. Returns the attempts made beside the outcome.
    pub async fn run<T, E, F, Fut>(&self, deadline: Deadline, mut attempt: F) -> (u32, Result<T, RetryError<E>>)
    where
        E: std::fmt::Display,
        F: FnMut(u32, Duration) -> Fut,
        Fut: Future<Output = Attempt<T, E>>,
    {
        if deadline.remaining() < MIN_ATTEMPT_TIME {
            return (0, Err(RetryError::NoTime));
        }
        let mut rng = fastrand::Rng::new();
        let mut attempts = 0;
        loop {
            attempts += 1;
            let (error, server_wait) = match attempt(attempts, deadline.remaining()).await {
                Attempt::Done(value) => return (attempts, Ok(value)),
                Attempt::Stop(error) => return (attempts, Err(RetryError::Failed(error))),
                Attempt::Retry(error, server_wait) => (error, server_wait),
            };
            if attempts >= self.max_attempts {
                return (attempts, Err(RetryError::Failed(error)));
            }
            let wait = server_wait.unwrap_or_else(|| self.backoff.delay(attempts, &mut rng));
            if wait + MIN_ATTEMPT_TIME > deadline.remaining() {
                return (attempts, Err(RetryError::OutOfTime(error)));
            }
            let wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
            tracing::warn!(attempts, %error, wait_ms, "attempt failed: retrying");
            tokio::time::sleep(wait).await;
        }
    }
}

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

    fn policy(max_attempts: u32) -> RetryPolicy {
        RetryPolicy::new(max_attempts, Backoff::new(Duration::from_millis(100), Duration::from_millis(100)))
    }

    #[tokio::test(start_paused = true)]
    async fn it_retries_until_success_within_its_attempts() {
        let deadline = Deadline::after(Duration::from_secs(10));
        let (attempts, result) = policy(5)
            .run(deadline, |n, _| async move { if n < 3 { Attempt::Retry("503", None) } else { Attempt::Done(n) } })
            .await;
        assert_eq!((attempts, result), (3, Ok(3)));
        let (attempts, result) = policy(2).run(deadline, |_, _| async { Attempt::<(), _>::Retry("503", None) }).await;
        assert_eq!((attempts, result), (2, Err(RetryError::Failed("503"))));
    }

    #[tokio::test(start_paused = true)]
    async fn a_stop_ends_it_at_once() {
        let deadline = Deadline::after(Duration::from_secs(10));
        let (attempts, result) = policy(5).run(deadline, |_, _| async { Attempt::<(), _>::Stop("400") }).await;
        assert_eq!((attempts, result), (1, Err(RetryError::Failed("400"))));
    }

    #[tokio::test(start_paused = true)]
    async fn no_wait_runs_past_the_deadline() {
        let deadline = Deadline::after(Duration::from_secs(10));
        let started = tokio::time::Instant::now();
        let (attempts, result) = policy(5)
            .run(deadline, |_, _| async { Attempt::<(), _>::Retry("503", Some(Duration::from_secs(60))) })
            .await;
        assert_eq!((attempts, result), (1, Err(RetryError::OutOfTime("503"))));
        assert_eq!(started.elapsed(), Duration::ZERO, "it did not sleep");
        let spent = Deadline::after(MIN_ATTEMPT_TIME / 2);
        let (attempts, result) = policy(5).run(spent, |_, _| async { Attempt::<(), &str>::Done(()) }).await;
        assert_eq!((attempts, result), (0, Err(RetryError::NoTime)));
    }

    #[tokio::test(start_paused = true)]
    async fn the_servers_wait_is_honoured() {
        let deadline = Deadline::after(Duration::from_secs(10));
        let started = tokio::time::Instant::now();
        let (attempts, result) = policy(5)
            .run(deadline, |n, _| async move {
                if n == 1 { Attempt::Retry("429", Some(Duration::from_secs(2))) } else { Attempt::Done(()) }
            })
            .await;
        assert_eq!((attempts, result), (2, Ok(())));
        assert_eq!(started.elapsed(), Duration::from_secs(2));
    }

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
