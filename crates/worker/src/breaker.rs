//! A circuit breaker per destination. Closed, it lets every call through and counts consecutive
//! failures; at the threshold it opens and fails calls at once, sparing a destination that is
//! down; after the cool-down it is half-open and lets one trial call through, which closes it on
//! success or opens it again on failure.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// The breaker's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls go through; `failures` in a row so far.
    Closed {
        /// Consecutive failures.
        failures: u32,
    },
    /// Calls fail at once until `until`.
    Open {
        /// When one trial call is allowed.
        until: Instant,
    },
    /// One trial call is out; others fail at once until it reports (or, should it never report,
    /// until another cool-down has passed).
    HalfOpen {
        /// When the trial started.
        since: Instant,
    },
}

/// A call was refused because the circuit is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("circuit open: the destination failed {threshold} times in a row; next trial in {retry_in:?}")]
pub struct CircuitOpen {
    /// The failure threshold.
    pub threshold: u32,
    /// Time until a trial call is allowed.
    pub retry_in: Duration,
}

/// A circuit breaker.
#[derive(Debug)]
pub struct CircuitBreaker {
    threshold: u32,
    cooldown: Duration,
    state: Mutex<BreakerState>,
}

impl CircuitBreaker {
    /// A closed breaker that opens after `threshold` consecutive failures for `cooldown`.
    pub fn new(threshold: u32, cooldown: Duration) -> CircuitBreaker {
        CircuitBreaker {
            threshold: threshold.max(1),
            cooldown,
            state: Mutex::new(BreakerState::Closed { failures: 0 }),
        }
    }

    /// The current state.
    pub fn state(&self) -> BreakerState {
        *self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Asks to make a call: `Ok` to go ahead (then report with [`CircuitBreaker::record`]).
    pub fn acquire(&self) -> Result<(), CircuitOpen> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        match *state {
            BreakerState::Closed { .. } => Ok(()),
            BreakerState::Open { until } if now < until => {
                Err(CircuitOpen { threshold: self.threshold, retry_in: until - now })
            }
            BreakerState::HalfOpen { since } if now < since + self.cooldown => {
                Err(CircuitOpen { threshold: self.threshold, retry_in: since + self.cooldown - now })
            }
            BreakerState::Open { .. } | BreakerState::HalfOpen { .. } => {
                *state = BreakerState::HalfOpen { since: now };
                Ok(())
            }
        }
    }

    /// Reports how an acquired call went.
    pub fn record(&self, success: bool) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        *state = match (*state, success) {
            (_, true) => BreakerState::Closed { failures: 0 },
            (BreakerState::Closed { failures }, false) if failures + 1 < self.threshold => {
                BreakerState::Closed { failures: failures + 1 }
            }
            (_, false) => BreakerState::Open { until: Instant::now() + self.cooldown },
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COOLDOWN: Duration = Duration::from_secs(30);

    fn fail(breaker: &CircuitBreaker, times: u32) {
        for _ in 0..times {
            breaker.acquire().unwrap();
            breaker.record(false);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn it_opens_after_the_threshold_of_consecutive_failures() {
        let breaker = CircuitBreaker::new(3, COOLDOWN);
        fail(&breaker, 2);
        assert_eq!(breaker.state(), BreakerState::Closed { failures: 2 });
        breaker.acquire().unwrap();
        breaker.record(true);
        assert_eq!(breaker.state(), BreakerState::Closed { failures: 0 }, "a success resets the count");
        fail(&breaker, 3);
        assert!(matches!(breaker.state(), BreakerState::Open { .. }));
        assert_eq!(breaker.acquire(), Err(CircuitOpen { threshold: 3, retry_in: COOLDOWN }));
    }

    #[tokio::test(start_paused = true)]
    async fn after_the_cooldown_one_trial_goes_through_and_its_outcome_decides() {
        let breaker = CircuitBreaker::new(1, COOLDOWN);
        fail(&breaker, 1);
        tokio::time::advance(COOLDOWN - Duration::from_millis(1)).await;
        assert!(breaker.acquire().is_err(), "still open");
        tokio::time::advance(Duration::from_millis(1)).await;
        assert_eq!(breaker.acquire(), Ok(()), "the trial");
        assert_eq!(breaker.state(), BreakerState::HalfOpen { since: Instant::now() });
        assert!(breaker.acquire().is_err(), "only one trial at a time");
        breaker.record(false);
        assert!(matches!(breaker.state(), BreakerState::Open { .. }), "a failed trial opens it again");

        tokio::time::advance(COOLDOWN).await;
        breaker.acquire().unwrap();
        breaker.record(true);
        assert_eq!(breaker.state(), BreakerState::Closed { failures: 0 }, "a good trial closes it");
    }

    #[tokio::test(start_paused = true)]
    async fn a_trial_that_never_reports_does_not_hold_the_circuit_forever() {
        let breaker = CircuitBreaker::new(1, COOLDOWN);
        fail(&breaker, 1);
        tokio::time::advance(COOLDOWN).await;
        breaker.acquire().unwrap();
        assert!(breaker.acquire().is_err());
        tokio::time::advance(COOLDOWN).await;
        assert_eq!(breaker.acquire(), Ok(()), "a new trial after another cool-down");
    }
}
