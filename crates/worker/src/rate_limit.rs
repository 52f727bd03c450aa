//! A rate limit per destination, shared by every worker instance ([`SharedState`]): requests go
//! out at most one every `1/perSecond` seconds, whichever instance sends them.
//!
//! Each request *reserves* the next free slot — one atomic write that moves the destination's
//! `next` slot on by the interval — and is sent at exactly that time: the worker waits for a slot
//! up to [`SLEEP_HORIZON_MS`] away in the invocation; a later one is kept for the delivery (in its
//! record) and the event goes back to the queue to arrive just before it. So a backlog is spread
//! over the slots it needs, each event travelling once, instead of every waiting event retrying
//! for the next free second. A slot the event misses (it came back late) is lost, never shared:
//! the limit errs on the slow side.
//!
//! Precision: each request leaves within half an interval after its slot (a wait that overran it,
//! on a busy machine, takes another slot), so any one-second window holds at most `perSecond`
//! requests, or one more when one falls on each edge; the instances' clocks (NTP, milliseconds
//! apart on Lambda) and the network's jitter add their little. Cost: one
//! DynamoDB write per request (a second one when the destination went from idle to busy or back
//! since this instance last looked), no read.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use hookway_core::store::StoreError;

use crate::schedule::SLEEP_HORIZON_MS;
use crate::shared::SharedState;

/// A destination's rate limit.
#[derive(Debug)]
pub struct RateLimiter {
    key: String,
    interval_ms: i64,
    shared: Arc<dyn SharedState>,
    /// The slot after the last one this instance reserved: if it is past, the limit is likely idle.
    next_seen: AtomicI64,
}

impl RateLimiter {
    /// At most `per_second` requests a second to destination `key`.
    pub fn new(key: impl Into<String>, per_second: u32, shared: Arc<dyn SharedState>) -> RateLimiter {
        RateLimiter {
            key: key.into(),
            interval_ms: 1_000 / i64::from(per_second.max(1)),
            shared,
            next_seen: AtomicI64::new(0),
        }
    }

    /// The time between two requests.
    pub fn interval(&self) -> Duration {
        Duration::from_millis(u64::try_from(self.interval_ms).unwrap_or_default())
    }

    /// Reserves the next free slot at or after `now` (Unix ms): when the request may go.
    pub async fn reserve(&self, now: i64) -> Result<i64, StoreError> {
        let idle = self.next_seen.load(Ordering::Relaxed) < now;
        let slot = self.shared.reserve(&self.key, now, self.interval_ms, idle).await?;
        self.next_seen.store(slot + self.interval_ms, Ordering::Relaxed);
        Ok(slot)
    }

    /// Whether a slot can still be used at `now`: within half an interval after it. A request
    /// that leaves less than an interval after its slot keeps any one-second window to
    /// `perSecond` requests, one more with one on each edge; the other half is kept for the
    /// network's jitter.
    pub fn still_valid(&self, slot: i64, now: i64) -> bool {
        now <= slot + self.interval_ms / 2
    }

    /// Whether a slot is near enough to wait for within the invocation.
    pub fn is_near(slot: i64, now: i64) -> bool {
        slot - now <= SLEEP_HORIZON_MS
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shared::MemoryShared;

    const T0: i64 = 1_795_996_800_000;

    #[tokio::test]
    async fn slots_are_one_interval_apart_across_limiters_of_one_destination() {
        let shared: Arc<dyn SharedState> = Arc::new(MemoryShared::default());
        let one = RateLimiter::new("https://x.example.com", 5, Arc::clone(&shared));
        let two = RateLimiter::new("https://x.example.com", 5, Arc::clone(&shared));
        let other = RateLimiter::new("https://y.example.com", 5, shared);
        let mut slots = Vec::new();
        for _ in 0..3 {
            slots.push(one.reserve(T0).await.unwrap());
            slots.push(two.reserve(T0).await.unwrap());
        }
        assert_eq!(slots, [T0, T0 + 200, T0 + 400, T0 + 600, T0 + 800, T0 + 1_000]);
        assert_eq!(other.reserve(T0).await.unwrap(), T0, "another destination has its own slots");
        assert_eq!(one.reserve(T0 + 10_000).await.unwrap(), T0 + 10_000, "idle again: at once");
        assert_eq!(one.interval(), Duration::from_millis(200));
    }

    #[test]
    fn a_slot_missed_is_lost_and_a_near_one_is_waited_for() {
        let limiter = RateLimiter::new("k", 5, Arc::new(MemoryShared::default()));
        assert!(limiter.still_valid(T0, T0 + 100));
        assert!(!limiter.still_valid(T0, T0 + 101), "half the 200 ms interval");
        assert!(RateLimiter::is_near(T0 + 4_000, T0));
        assert!(!RateLimiter::is_near(T0 + 4_001, T0));
    }
}
