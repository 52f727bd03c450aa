//! What every delivery to a resource of its own shares — `forward`'s to a URL and the targets' to
//! an ARN: a series of attempts under the [`RetryPolicy`], each let through by the resource's
//! circuit breaker (shared by every instance) and paced by its rate limit, and what a failed
//! series means for the delivery's next attempt ([`Setback`]).

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::breaker::{CircuitBreaker, CircuitOpen, Permit, Refusal};
use crate::deadline::Deadline;
use crate::rate_limit::RateLimiter;
use crate::retry::{Attempt, MIN_ATTEMPT_TIME, RetryError, RetryPolicy};
use crate::schedule::Setback;

/// A resource's guards: its retry series, circuit breaker and rate limit.
#[derive(Debug)]
pub(crate) struct Guards {
    /// Attempts in one series.
    pub(crate) retry: RetryPolicy,
    /// The resource's circuit.
    pub(crate) breaker: Arc<CircuitBreaker>,
    /// The resource's rate limit, if it has one.
    pub(crate) limiter: Option<Arc<RateLimiter>>,
}

/// Why an attempt was not made.
#[derive(Debug)]
pub(crate) enum Held {
    /// The resource's circuit is open.
    Open(CircuitOpen),
    /// An operator paused the resource.
    Paused,
    /// The rate limit's next slot is too far to wait for in this invocation.
    RateLimited {
        /// The slot reserved (Unix ms).
        slot: i64,
    },
    /// The rate limit's shared state cannot be reached.
    Shared(String),
}

/// How a series went.
pub(crate) struct Series<T, E> {
    /// Its outcome.
    pub(crate) result: Result<T, RetryError<E>>,
    /// Attempts made (requests sent).
    pub(crate) sent: u32,
    /// How long the last of them took.
    pub(crate) latency: Option<Duration>,
}

/// What a failed delivery's error says about its next attempt.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Cause {
    /// The circuit was open (until then, Unix ms).
    Open(i64),
    /// The resource is paused.
    Paused,
    /// The resource asked to wait (as long, if it said).
    Throttled(Option<Duration>),
    /// A rate-limit slot is reserved then (Unix ms).
    RateLimited(i64),
    /// The invocation had no time for an attempt.
    NoTime,
    /// Anything else.
    Failed,
}

impl Cause {
    /// What it means for the delivery's next attempt, `sent` requests having been sent.
    pub(crate) fn setback(self, sent: u32) -> Setback {
        match self {
            // Nothing was sent: the event is parked until the probe succeeds (or its schedule).
            Cause::Open(until) if sent == 0 => Setback::CircuitOpen { until },
            Cause::Open(until) => Setback::Failed { not_before: Some(until) },
            Cause::Paused => Setback::Paused,
            Cause::Throttled(asked) => Setback::Throttled { asked },
            Cause::RateLimited(slot) if sent == 0 => Setback::RateLimited { slot },
            Cause::NoTime => Setback::NoTime,
            Cause::RateLimited(_) | Cause::Failed => Setback::Failed { not_before: None },
        }
    }
}

impl Guards {
    /// Runs one series: each attempt is let through by the circuit (or not: `held` says why, as
    /// the delivery's error), paced by the rate limit (`slot`: one an earlier attempt reserved),
    /// then made by `attempt`, which says beside its outcome whether the resource is healthy, if
    /// it was reached. Failures under a closed circuit are reported in one write when the series
    /// ends, unless a success clears them first.
    pub(crate) async fn run<T, E, F, Fut>(
        &self,
        deadline: Deadline,
        slot: Option<i64>,
        held: impl Fn(Held) -> E,
        attempt: F,
    ) -> Series<T, E>
    where
        E: std::fmt::Display,
        F: Fn() -> Fut,
        Fut: Future<Output = (Attempt<T, E>, Option<bool>)>,
    {
        let sent = AtomicU32::new(0);
        let latency = Mutex::new(None);
        let reserved = Mutex::new(slot);
        let failed: Mutex<Option<(u32, i64)>> = Mutex::new(None);
        let (_, result) = self
            .retry
            .run(deadline, |_, _| {
                let (sent, reserved, latency, failed, held, attempt) =
                    (&sent, &reserved, &latency, &failed, &held, &attempt);
                async move {
                    let permit = match self.breaker.acquire(hookway_core::unix_now_ms()).await {
                        Ok(permit) => permit,
                        Err(Refusal::Open(open)) => return Attempt::Stop(held(Held::Open(open))),
                        Err(Refusal::Paused) => return Attempt::Stop(held(Held::Paused)),
                    };
                    if let Some(limiter) = &self.limiter {
                        let slot = reserved.lock().unwrap_or_else(PoisonError::into_inner).take();
                        if let Err(refused) = pace(limiter, slot, deadline).await {
                            return Attempt::Stop(held(refused));
                        }
                    }
                    let started = std::time::Instant::now();
                    let (outcome, healthy) = attempt().await;
                    if let Some(healthy) = healthy {
                        *latency.lock().unwrap_or_else(PoisonError::into_inner) = Some(started.elapsed());
                        sent.fetch_add(1, Ordering::Relaxed);
                        let now = hookway_core::unix_now_ms();
                        if healthy || permit == Permit::Trial {
                            // A success breaks the failures in a row; a trial reports at once.
                            failed.lock().unwrap_or_else(PoisonError::into_inner).take();
                            self.breaker.record(permit, healthy, now).await;
                        } else {
                            let mut failed = failed.lock().unwrap_or_else(PoisonError::into_inner);
                            let (count, _) = failed.get_or_insert((0, now));
                            *count += 1;
                        }
                    }
                    outcome
                }
            })
            .await;
        if let Some((count, first)) = failed.into_inner().unwrap_or_else(PoisonError::into_inner) {
            self.breaker.record_failures(count, first, hookway_core::unix_now_ms()).await;
        }
        Series {
            result,
            sent: sent.into_inner(),
            latency: latency.into_inner().unwrap_or_else(PoisonError::into_inner),
        }
    }
}

/// Waits for a slot of the resource's rate limit — the one reserved at an earlier attempt, if it
/// is still good, else a new one — when it is near; a far one is kept for the delivery. A wait
/// that overran its slot (a busy machine) takes another slot: a request never goes later than its
/// slot allows.
async fn pace(limiter: &RateLimiter, reserved: Option<i64>, deadline: Deadline) -> Result<(), Held> {
    let mut reserved = reserved;
    loop {
        let now = hookway_core::unix_now_ms();
        let slot = match reserved.take() {
            Some(slot) if limiter.still_valid(slot, now) => slot,
            _ => limiter.reserve(now).await.map_err(|error| Held::Shared(error.to_string()))?,
        };
        let wait = Duration::from_millis(u64::try_from(slot - now).unwrap_or_default());
        if !RateLimiter::is_near(slot, now) || wait + MIN_ATTEMPT_TIME > deadline.remaining() {
            return Err(Held::RateLimited { slot });
        }
        tokio::time::sleep(wait).await;
        if limiter.still_valid(slot, hookway_core::unix_now_ms()) {
            return Ok(());
        }
        tracing::debug!("woke up too late for the rate limit's slot: another one");
    }
}
