//! A circuit breaker per destination, shared by every worker instance ([`SharedState`]).
//!
//! Closed, it lets every request through and counts failures in a row; it opens once they reach
//! the threshold *and* have gone on for [`STREAK`] without a success, so that a destination that
//! fails some requests and takes others (an overloaded one, not a dead one) keeps flowing while
//! one that takes nothing is left alone. Open, the destination's events are parked instead of
//! being tried (see [`crate::release`]). When the cool-down ends, one instance takes the *trial*: one request, the
//! circuit staying open for the others meanwhile (a lease of one request's time). Success closes
//! it; failure opens it again for twice as long as the time before, up to [`MAX_OPEN`] (or the
//! cool-down itself, if that is longer), so that a day-long outage costs a trial every quarter of
//! an hour, not one every cool-down.
//!
//! What it costs, per request: closed and healthy, no write, and at most one eventually consistent
//! read a second per destination and instance (the state is cached for [`CACHE_TTL`]); a failure
//! is one write (two at the threshold); a trial is one write to take it and one to report it. A
//! breaker whose state cannot be read lets requests through: it protects the destination, it
//! must not stop deliveries of its own accord.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use crate::shared::{Circuit, SharedState};

/// How long an instance trusts the circuit it read.
pub const CACHE_TTL: Duration = Duration::from_secs(1);
/// The longest a circuit stays open after failed trials, unless its cool-down is longer.
pub const MAX_OPEN: Duration = Duration::from_secs(900);
/// How long failures in a row must go on, with no success, before they open the circuit: a
/// success within it (a retry that got through) shows the destination is alive.
pub const STREAK: Duration = Duration::from_secs(2);

/// What a caller may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permit {
    /// The circuit is closed: go ahead.
    Closed,
    /// The cool-down is over and this caller makes the one trial request.
    Trial,
}

/// Why a request may not be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The circuit is open.
    #[error(transparent)]
    Open(#[from] CircuitOpen),
    /// An operator paused the destination.
    #[error("paused by an operator: its events are held until it is resumed")]
    Paused,
}

/// A request was not made because the circuit is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("circuit open after {threshold} failures in a row, until {}", hookway_core::rfc3339_ms(*.until_ms))]
pub struct CircuitOpen {
    /// The failure threshold.
    pub threshold: u32,
    /// When a trial may be made (Unix ms).
    pub until_ms: i64,
}

/// A destination's circuit breaker.
#[derive(Debug)]
pub struct CircuitBreaker {
    key: String,
    threshold: u32,
    streak_ms: i64,
    cooldown_ms: i64,
    lease_ms: i64,
    shared: Arc<dyn SharedState>,
    cache: Mutex<Option<(Instant, Circuit)>>,
    /// Held while the state is read: the events of a batch that find the cache stale at once wait
    /// for one read instead of each making its own.
    reading: tokio::sync::Mutex<()>,
}

impl CircuitBreaker {
    /// The breaker of destination `key`: open after `threshold` failures in a row, for `cooldown`;
    /// a trial holds the circuit for `lease` (one request's time).
    pub fn new(
        key: impl Into<String>,
        threshold: u32,
        cooldown: Duration,
        lease: Duration,
        shared: Arc<dyn SharedState>,
    ) -> CircuitBreaker {
        CircuitBreaker {
            key: key.into(),
            threshold: threshold.max(1),
            streak_ms: millis(STREAK),
            cooldown_ms: millis(cooldown),
            lease_ms: millis(lease),
            shared,
            cache: Mutex::new(None),
            reading: tokio::sync::Mutex::new(()),
        }
    }

    /// The same breaker, opening once failures in a row have gone on for `streak` (rather than
    /// [`STREAK`]).
    pub fn with_streak(self, streak: Duration) -> CircuitBreaker {
        CircuitBreaker { streak_ms: millis(streak), ..self }
    }

    /// Asks to make a request at `now` (Unix ms): then report how it went with
    /// [`CircuitBreaker::record`].
    pub async fn acquire(&self, now: i64) -> Result<Permit, Refusal> {
        let circuit = self.circuit().await;
        if circuit.paused {
            return Err(Refusal::Paused);
        }
        let Some(open_until) = circuit.open_until else {
            return Ok(Permit::Closed);
        };
        if now < open_until {
            return Err(self.open_until(open_until).into());
        }
        match self.shared.take_trial(&self.key, open_until, now + self.lease_ms, now).await {
            Ok(true) => {
                self.remember(Circuit { open_until: Some(now + self.lease_ms), ..circuit });
                tracing::info!(destination = %self.key, "circuit half-open: one trial request");
                Ok(Permit::Trial)
            }
            Ok(false) => {
                // Another instance makes the trial: wait for it, as for the cool-down.
                self.forget();
                Err(self.open_until(now + self.lease_ms).into())
            }
            Err(error) => {
                tracing::warn!(destination = %self.key, %error, "cannot take the circuit's trial: going ahead");
                Ok(Permit::Trial)
            }
        }
    }

    /// Reports a request made under `permit`: `healthy` unless the destination failed (no
    /// answer, or a server error); a refusal comes from a destination that is up.
    pub async fn record(&self, permit: Permit, healthy: bool, now: i64) {
        // What this instance knows, however old: a trial may outlast the cache.
        let known = self.last_known().unwrap_or_default();
        let result = match (permit, healthy) {
            (Permit::Closed, true) if known.failures == 0 => return,
            (_, true) => {
                let drain = permit == Permit::Trial;
                if drain {
                    tracing::info!(destination = %self.key, "the trial succeeded: circuit closed, its parked events released");
                }
                self.shared.close(&self.key, now, drain).await.map(|()| Circuit::default())
            }
            (Permit::Trial, false) => {
                let until = now + self.open_period(known.trials + 1);
                tracing::warn!(destination = %self.key, "the trial failed: circuit open again");
                self.shared.reopen(&self.key, until, now).await
            }
            (Permit::Closed, false) => self.count_failures(1, now, now).await,
        };
        self.keep(result);
    }

    /// Reports `count` failed requests made under a closed circuit, the first at `first`: a
    /// series of attempts reports its failures in one write when it ends (a success within it
    /// reports itself, and clears them).
    pub async fn record_failures(&self, count: u32, first: i64, now: i64) {
        if count > 0 {
            let result = self.count_failures(count, first, now).await;
            self.keep(result);
        }
    }

    fn keep(&self, result: Result<Circuit, hookway_core::store::StoreError>) {
        match result {
            Ok(circuit) => self.remember(circuit),
            Err(error) => {
                tracing::warn!(destination = %self.key, %error, "cannot record the request in the circuit");
                self.forget();
            }
        }
    }

    /// How long the circuit stays open after `trials` failed trials in a row (the cool-down at
    /// first, doubling with each).
    pub fn open_period(&self, trials: u32) -> i64 {
        let doubled = self.cooldown_ms.saturating_mul(1_i64 << trials.min(20));
        doubled.min(self.cooldown_ms.max(millis(MAX_OPEN)))
    }

    async fn count_failures(
        &self,
        count: u32,
        first: i64,
        now: i64,
    ) -> Result<Circuit, hookway_core::store::StoreError> {
        let circuit = self.shared.add_failures(&self.key, count, first, now).await?;
        let streak = now - circuit.since.unwrap_or(now);
        if circuit.failures < self.threshold || streak < self.streak_ms || circuit.open_until.is_some() {
            return Ok(circuit);
        }
        let until = now + self.cooldown_ms;
        if self.shared.open(&self.key, until, now).await? {
            tracing::warn!(destination = %self.key, failures = circuit.failures, "circuit open");
            return Ok(Circuit { open_until: Some(until), trials: 0, ..circuit });
        }
        // Another instance opened it first.
        self.shared.circuit(&self.key).await
    }

    fn open_until(&self, until_ms: i64) -> CircuitOpen {
        CircuitOpen { threshold: self.threshold, until_ms }
    }

    /// The circuit: as cached, or as read (a breaker that cannot be read is closed).
    async fn circuit(&self) -> Circuit {
        if let Some(circuit) = self.cached() {
            return circuit;
        }
        let _reading = self.reading.lock().await;
        if let Some(circuit) = self.cached() {
            return circuit;
        }
        match self.shared.circuit(&self.key).await {
            Ok(circuit) => {
                self.remember(circuit);
                circuit
            }
            Err(error) => {
                tracing::warn!(destination = %self.key, %error, "cannot read the circuit: taken as closed");
                Circuit::default()
            }
        }
    }

    fn cached(&self) -> Option<Circuit> {
        let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        cache.filter(|(read_at, _)| read_at.elapsed() < CACHE_TTL).map(|(_, circuit)| circuit)
    }

    fn last_known(&self) -> Option<Circuit> {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner).map(|(_, circuit)| circuit)
    }

    fn remember(&self, circuit: Circuit) {
        *self.cache.lock().unwrap_or_else(PoisonError::into_inner) = Some((Instant::now(), circuit));
    }

    fn forget(&self) {
        *self.cache.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shared::MemoryShared;

    const COOLDOWN: Duration = Duration::from_secs(30);
    const LEASE: Duration = Duration::from_secs(11);
    const T0: i64 = 1_795_996_800_000;

    /// A breaker that opens at the threshold, however quickly the failures came.
    fn breaker(shared: &Arc<MemoryShared>, threshold: u32) -> CircuitBreaker {
        CircuitBreaker::new(
            "https://x.example.com",
            threshold,
            COOLDOWN,
            LEASE,
            Arc::clone(shared) as Arc<dyn SharedState>,
        )
        .with_streak(Duration::ZERO)
    }

    async fn fail(breaker: &CircuitBreaker, times: u32, now: i64) {
        for _ in 0..times {
            let permit = breaker.acquire(now).await.unwrap();
            breaker.record(permit, false, now).await;
        }
    }

    #[tokio::test(start_paused = true)]
    async fn it_opens_after_the_threshold_of_failures_in_a_row() {
        let shared = Arc::new(MemoryShared::default());
        let breaker = breaker(&shared, 3);
        fail(&breaker, 2, T0).await;
        breaker.record(Permit::Closed, true, T0).await;
        assert_eq!(shared.circuit("https://x.example.com").await.unwrap(), Circuit::default(), "a success resets");
        fail(&breaker, 3, T0).await;
        assert_eq!(breaker.acquire(T0 + 1).await, Err(CircuitOpen { threshold: 3, until_ms: T0 + 30_000 }.into()));
    }

    #[tokio::test(start_paused = true)]
    async fn instances_share_one_circuit() {
        let shared = Arc::new(MemoryShared::default());
        let (one, two) = (breaker(&shared, 2), breaker(&shared, 2));
        fail(&one, 1, T0).await;
        fail(&two, 1, T0).await;
        tokio::time::advance(CACHE_TTL).await;
        assert!(one.acquire(T0).await.is_err(), "two failures, one on each instance, open it for both");
        assert!(two.acquire(T0).await.is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn after_the_cooldown_one_trial_goes_through_and_its_outcome_decides() {
        let shared = Arc::new(MemoryShared::default());
        let (one, two) = (breaker(&shared, 1), breaker(&shared, 1));
        fail(&one, 1, T0).await;
        let after = T0 + 30_000;
        assert_eq!(
            one.acquire(after - 1).await,
            Err(CircuitOpen { threshold: 1, until_ms: after }.into()),
            "still open"
        );
        assert_eq!(one.acquire(after).await, Ok(Permit::Trial));
        tokio::time::advance(CACHE_TTL).await;
        assert_eq!(
            two.acquire(after).await,
            Err(CircuitOpen { threshold: 1, until_ms: after + 11_000 }.into()),
            "the other instance waits for the trial"
        );
        one.record(Permit::Trial, false, after + 100).await;
        assert_eq!(
            one.acquire(after + 200).await,
            Err(CircuitOpen { threshold: 1, until_ms: after + 100 + 60_000 }.into()),
            "a failed trial opens it for twice as long"
        );
        let next = after + 100 + 60_000;
        assert_eq!(one.acquire(next).await, Ok(Permit::Trial));
        one.record(Permit::Trial, true, next).await;
        tokio::time::advance(CACHE_TTL).await;
        assert_eq!(two.acquire(next).await, Ok(Permit::Closed), "a good trial closes it for everyone");
        assert!(
            shared.circuit("https://x.example.com").await.unwrap().drain,
            "and its parked events are to be released"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn failures_open_it_only_once_they_have_gone_on_without_a_success() {
        let shared = Arc::new(MemoryShared::default());
        let breaker = CircuitBreaker::new("k", 5, COOLDOWN, LEASE, Arc::clone(&shared) as Arc<dyn SharedState>);
        // An overloaded destination: two failures, then a success, for every event, ten at once.
        for round in 0..10 {
            let now = T0 + round * 500;
            fail(&breaker, 10, now).await;
            breaker.record(Permit::Closed, true, now + 300).await;
        }
        assert_eq!(breaker.acquire(T0 + 5_000).await, Ok(Permit::Closed), "it takes requests: it stays closed");
        // A dead one: failures only.
        fail(&breaker, 10, T0 + 6_000).await;
        assert_eq!(breaker.acquire(T0 + 6_001).await, Ok(Permit::Closed), "not before they have gone on for a while");
        fail(&breaker, 1, T0 + 6_000 + millis(STREAK)).await;
        tokio::time::advance(CACHE_TTL).await;
        assert!(matches!(breaker.acquire(T0 + 8_001).await, Err(Refusal::Open(_))), "then it opens");
    }

    #[tokio::test(start_paused = true)]
    async fn a_paused_destination_takes_nothing_until_it_is_resumed() {
        let shared = Arc::new(MemoryShared::default());
        let breaker = breaker(&shared, 5);
        shared.pause("https://x.example.com", true, T0).await.unwrap();
        assert_eq!(breaker.acquire(T0).await, Err(Refusal::Paused));
        shared.pause("https://x.example.com", false, T0).await.unwrap();
        tokio::time::advance(CACHE_TTL).await;
        assert_eq!(breaker.acquire(T0).await, Ok(Permit::Closed));
        assert!(shared.circuit("https://x.example.com").await.unwrap().drain, "its held events are to be released");
    }

    #[tokio::test(start_paused = true)]
    async fn a_trial_that_never_reports_holds_the_circuit_for_its_lease_only() {
        let shared = Arc::new(MemoryShared::default());
        let breaker = breaker(&shared, 1);
        fail(&breaker, 1, T0).await;
        let after = T0 + 30_000;
        assert_eq!(breaker.acquire(after).await, Ok(Permit::Trial));
        assert!(breaker.acquire(after + 10_999).await.is_err());
        assert_eq!(breaker.acquire(after + 11_000).await, Ok(Permit::Trial), "a new trial after the lease");
    }

    #[test]
    fn the_open_period_doubles_up_to_a_quarter_of_an_hour() {
        let shared = Arc::new(MemoryShared::default());
        let periods: Vec<i64> = (0..7).map(|trials| breaker(&shared, 1).open_period(trials) / 1000).collect();
        assert_eq!(periods, [30, 60, 120, 240, 480, 900, 900]);
        let long = CircuitBreaker::new("k", 1, Duration::from_secs(3600), LEASE, shared);
        assert_eq!(long.open_period(3), 3_600_000, "a cool-down longer than the cap is kept");
    }
}
