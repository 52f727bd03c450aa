//! The invocation's deadline: no handler, HTTP attempt or backoff may run past it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::time::Instant;

/// A point in time work must be done by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    at: Instant,
}

impl Deadline {
    /// `budget` from now.
    pub fn after(budget: Duration) -> Deadline {
        Deadline { at: Instant::now() + budget }
    }

    /// Lambda's deadline, in Unix milliseconds. A deadline that is not in the future cannot be
    /// Lambda's (the invocation has only just started): local emulators send placeholders such as
    /// `600000`. The function's configured `timeout` stands in for it then.
    pub fn from_lambda(deadline_ms: u64, timeout: Duration) -> Deadline {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let remaining = Duration::from_millis(deadline_ms).saturating_sub(now);
        if remaining.is_zero() {
            tracing::debug!(deadline_ms, "the runtime's deadline is not in the future: using the configured timeout");
            return Deadline::after(timeout);
        }
        Deadline::after(remaining)
    }

    /// Time left.
    pub fn remaining(&self) -> Duration {
        self.at.saturating_duration_since(Instant::now())
    }

    /// The same deadline, `margin` earlier: time kept back to record the outcome.
    pub fn earlier_by(&self, margin: Duration) -> Deadline {
        Deadline { at: self.at.checked_sub(margin).unwrap_or_else(Instant::now) }
    }

    /// The deadline in Unix seconds, rounded up: when a lock taken for this invocation expires.
    pub fn unix_seconds(&self) -> i64 {
        let remaining = i64::try_from(self.remaining().as_secs()).unwrap_or(i64::MAX);
        hookway_core::unix_now().saturating_add(remaining).saturating_add(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn lambdas_deadline_is_used_unless_it_is_not_in_the_future() {
        let now_ms = u64::try_from(SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis()).unwrap();
        let timeout = Duration::from_secs(60);
        let lambda = Deadline::from_lambda(now_ms + 5_000, timeout).remaining();
        assert!(lambda > Duration::from_secs(4) && lambda <= Duration::from_secs(5), "{lambda:?}");
        assert_eq!(Deadline::from_lambda(600_000, timeout).remaining(), timeout, "cargo lambda watch's placeholder");
    }

    #[tokio::test(start_paused = true)]
    async fn the_deadline_counts_down_and_keeps_its_margin() {
        let deadline = Deadline::after(Duration::from_secs(10));
        tokio::time::advance(Duration::from_secs(4)).await;
        assert_eq!(deadline.remaining(), Duration::from_secs(6));
        assert_eq!(deadline.earlier_by(Duration::from_secs(1)).remaining(), Duration::from_secs(5));
        tokio::time::advance(Duration::from_secs(7)).await;
        assert_eq!(deadline.remaining(), Duration::ZERO);
    }
}
