//! When a delivery is tried again — the arithmetic of retry schedules, on Unix milliseconds the
//! caller gives (so that tests bring their own clock).
//!
//! A delivery is tried in *series*: `maxAttempts` quick attempts within one invocation. When a
//! series fails, the delivery uses the next entry of its handler's schedule. The schedule is
//! anchored at the event's first attempt: series *n* + 1 starts at the sum of the first *n*
//! entries after it (or at once, if that is past), so that lateness never piles up. When no entry
//! is left, the event goes to the dead-letter queue.
//!
//! An open circuit uses an entry too: its events are parked until the destination's probe
//! succeeds or their next series is due, and a destination that stays down runs through the
//! schedule as one that fails would. Some setbacks use no entry, because the destination did
//! nothing wrong or was not asked: a `Retry-After` (or a 429) is honoured as asked, capped by
//! what is left of the schedule's time; a rate limit's reserved slot is kept. Whatever they did,
//! an event ends within the schedule's time: no wait goes past its end ([`Schedule::ends_at`],
//! give or take [`GRACE_MS`]), and a setback after it uses the next entry, or gives up. Only an
//! operator's pause holds an event beyond it ([`Decision::Hold`]).
//!
//! SQS delays a message by at most 15 minutes; a wait longer than a hop ([`max_hop`]) is parked
//! in the state table instead ([`crate::release`]). A message that arrives early waits the rest
//! in another hop ([`hop`]).

use std::time::Duration;

use hookway_core::config::RetryConfig;
use hookway_core::store::{NextAttempt, WaitReason};

/// SQS's longest delay.
pub const MAX_HOP: Duration = Duration::from_secs(900);
/// How far past the schedule's end a wait may reach: a rate-limit slot taken by its last series,
/// or the sweep's minute.
pub const GRACE_MS: i64 = 60_000;
/// A message may arrive this much before its time and still be processed: SQS delays are whole
/// seconds, and clocks of instances differ by milliseconds.
pub const EARLY_MS: i64 = 1_000;
/// A delivery holding a rate-limit slot this close waits for it in the invocation.
pub const SLEEP_HORIZON_MS: i64 = 4_000;
/// A message carrying a rate-limit slot is sent back to arrive this much before it (give or take
/// the second SQS rounds its delay up to), then waits in the invocation for the slot's exact
/// time: time for a busy queue to hand it over before the slot passes.
pub const SLOT_LEAD_MS: i64 = 2_500;

/// A handler's retry schedule: the waits between its series of attempts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    delays: Vec<Duration>,
}

/// Why a delivery did not succeed this time, as far as its next attempt is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setback {
    /// A series of attempts failed; if the circuit opened meanwhile, not before `not_before`.
    Failed {
        /// The end of the circuit's cool-down, if it is open now (Unix ms).
        not_before: Option<i64>,
    },
    /// The destination asked to wait: `Retry-After` (this long, if it said), or a 429.
    Throttled {
        /// What it asked for.
        asked: Option<Duration>,
    },
    /// The circuit was open: nothing was sent. Its cool-down ends at `until` (Unix ms).
    CircuitOpen {
        /// The end of the cool-down.
        until: i64,
    },
    /// An operator paused the destination: nothing was sent.
    Paused,
    /// Over the rate limit: this slot (Unix ms) is reserved for the delivery.
    RateLimited {
        /// The reserved slot.
        slot: i64,
    },
    /// The invocation had no time left to try it.
    NoTime,
}

/// What becomes of a delivery that did not succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// It is tried again then; `retries` is how many entries of its schedule it has used now.
    Retry {
        /// When, and why not before.
        next: NextAttempt,
        /// Entries used.
        retries: u32,
    },
    /// Held until its destination is resumed: no entry used, no time counted.
    Hold,
    /// No entry is left, or the schedule's time is over: the event goes to the dead-letter queue.
    GiveUp,
}

/// The times that bound one event's retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// When the event was first attempted (Unix ms).
    pub first_attempt_at: i64,
    /// Now (Unix ms).
    pub now: i64,
    /// How long the events queue keeps an event: no wait ends later than this after the first
    /// attempt.
    pub retention: Duration,
}

impl Schedule {
    /// A schedule of these waits.
    pub fn new(delays: Vec<Duration>) -> Schedule {
        Schedule { delays }
    }

    /// A handler's `retry` settings.
    pub fn from_config(config: &RetryConfig) -> Schedule {
        Schedule::new(config.delays())
    }

    /// Its entries.
    pub fn delays(&self) -> &[Duration] {
        &self.delays
    }

    /// The sum of its waits.
    pub fn total(&self) -> Duration {
        self.delays.iter().sum()
    }

    /// When the schedule's time is over for an event first attempted at `first_attempt_at`.
    pub fn ends_at(&self, first_attempt_at: i64) -> i64 {
        first_attempt_at.saturating_add(millis(self.total()))
    }

    /// What becomes of a delivery that has used `retries` entries and met `setback`.
    pub fn decide(&self, retries: u32, setback: Setback, window: Window) -> Decision {
        let now = window.now;
        let ends_at = self.ends_at(window.first_attempt_at);
        let time_left = ends_at - now;
        let decision = match setback {
            // A series during which the circuit opened waits for it as an open circuit does.
            Setback::Failed { not_before: None } => self.fail(retries, window, None, WaitReason::Schedule),
            Setback::Failed { not_before } => self.fail(retries, window, not_before, WaitReason::CircuitOpen),
            Setback::CircuitOpen { until } => self.fail(retries, window, Some(until), WaitReason::CircuitOpen),
            Setback::Paused => return Decision::Hold,
            Setback::Throttled { .. } if time_left <= 0 => self.fail(retries, window, None, WaitReason::Schedule),
            Setback::Throttled { asked } => {
                let wait = asked.map_or_else(|| self.next_delay(retries), millis);
                Decision::Retry { next: at(now + wait.min(time_left), WaitReason::RetryAfter), retries }
            }
            Setback::RateLimited { slot } => Decision::Retry { next: at(slot, WaitReason::RateLimit), retries },
            Setback::NoTime => Decision::Retry { next: at(now, WaitReason::NoTime), retries },
        };
        let last_start = ends_at.saturating_add(GRACE_MS);
        let retention_end = window.first_attempt_at.saturating_add(millis(window.retention));
        match decision {
            Decision::Retry { next, .. } if next.at_ms > last_start.min(retention_end) => Decision::GiveUp,
            decision => decision,
        }
    }

    /// A failed series (or an open circuit): the next entry, if one is left — at its place in
    /// the schedule, not before `not_before` (the end of a circuit's cool-down) and never past the
    /// schedule's end.
    fn fail(&self, retries: u32, window: Window, not_before: Option<i64>, reason: WaitReason) -> Decision {
        let used = retries as usize + 1;
        if used > self.delays.len() {
            return Decision::GiveUp;
        }
        let offset: Duration = self.delays[..used].iter().sum();
        let when = window.first_attempt_at.saturating_add(millis(offset)).max(not_before.unwrap_or(i64::MIN));
        let when = when.min(self.ends_at(window.first_attempt_at)).max(window.now);
        Decision::Retry { next: at(when, reason), retries: retries + 1 }
    }

    /// The wait of the next entry (the last one once all are used; a second without any): what a
    /// 429 without `Retry-After` waits.
    fn next_delay(&self, retries: u32) -> i64 {
        let delay = self.delays.get(retries as usize).or(self.delays.last());
        delay.map_or(1_000, |delay| millis(*delay))
    }
}

impl Default for Schedule {
    /// The default `retry` settings' schedule.
    fn default() -> Schedule {
        Schedule::from_config(&RetryConfig::default())
    }
}

/// Whether a delivery waiting for `next` may be tried at `now`: its time has come (give or take
/// [`EARLY_MS`]), or its rate-limit slot is near enough to wait for in the invocation.
pub fn is_due(next: NextAttempt, now: i64) -> bool {
    let horizon = if next.reason == WaitReason::RateLimit { SLEEP_HORIZON_MS } else { EARLY_MS };
    next.at_ms <= now + horizon
}

/// When the message of a delivery waiting for `next` should arrive: at its time, or a little
/// before its rate-limit slot, so as to be sent at the slot's exact time.
pub fn wake_at(next: NextAttempt) -> i64 {
    if next.reason == WaitReason::RateLimit { next.at_ms - SLOT_LEAD_MS } else { next.at_ms }
}

/// The delay to send a message with, to arrive at `target`: `None` when it is due now (within
/// [`EARLY_MS`]); else whole seconds rounded up, at most `max_hop` (the rest is another hop).
pub fn hop(target: i64, now: i64, max_hop: Duration) -> Option<Duration> {
    let wait = target - now;
    if wait <= EARLY_MS {
        return None;
    }
    let seconds = u64::try_from((wait + 999) / 1000).unwrap_or(u64::MAX);
    Some(Duration::from_secs(seconds).min(max_hop))
}

/// How long the worker lets a message wait in one hop: SQS's longest delay, and no more than half
/// the oldest-message alarm's threshold, so that waiting retries alone never raise that alarm.
pub fn max_hop(oldest_message_alarm: Duration) -> Duration {
    (oldest_message_alarm / 2).clamp(Duration::from_secs(1), MAX_HOP)
}

fn at(at_ms: i64, reason: WaitReason) -> NextAttempt {
    NextAttempt { at_ms, reason }
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The clock of these tests: an arbitrary moment, moved by hand.
    const T0: i64 = 1_795_996_800_000;
    const SECOND: i64 = 1_000;
    const DAY: Duration = Duration::from_secs(86_400);

    fn schedule(entries: &[u64]) -> Schedule {
        Schedule::new(entries.iter().map(|seconds| Duration::from_secs(*seconds)).collect())
    }

    fn window(now: i64) -> Window {
        Window { first_attempt_at: T0, now, retention: 4 * DAY }
    }

    fn retry(at_ms: i64, reason: WaitReason, retries: u32) -> Decision {
        Decision::Retry { next: NextAttempt { at_ms, reason }, retries }
    }

    #[test]
    fn each_failed_series_uses_the_next_entry_until_none_is_left() {
        let schedule = schedule(&[5, 60, 600]);
        let failed = Setback::Failed { not_before: None };
        assert_eq!(schedule.decide(0, failed, window(T0)), retry(T0 + 5 * SECOND, WaitReason::Schedule, 1));
        let now = T0 + 6 * SECOND;
        assert_eq!(
            schedule.decide(1, failed, window(now)),
            retry(T0 + 65 * SECOND, WaitReason::Schedule, 2),
            "anchored at the first attempt: the second retry 5 s + 60 s after it"
        );
        let late = T0 + 70 * SECOND;
        assert_eq!(schedule.decide(2, failed, window(late)), retry(T0 + 665 * SECOND, WaitReason::Schedule, 3));
        let later = T0 + 700 * SECOND;
        assert_eq!(
            schedule.decide(1, failed, window(later)),
            retry(later, WaitReason::Schedule, 2),
            "a series that is late starts at once"
        );
        assert_eq!(
            schedule.decide(3, failed, window(T0 + 700 * SECOND)),
            Decision::GiveUp,
            "four series, then the DLQ"
        );
        assert_eq!(Schedule::new(Vec::new()).decide(0, failed, window(T0)), Decision::GiveUp, "no retry at all");
    }

    #[test]
    fn the_default_schedule_rides_out_about_a_day() {
        let schedule = Schedule::default();
        assert_eq!(schedule.delays().len(), 7);
        assert_eq!(schedule.total(), Duration::from_secs(27 * 3600 + 35 * 60 + 5));
        let mut now = T0;
        let mut retries = 0;
        while let Decision::Retry { next, retries: used } =
            schedule.decide(retries, Setback::Failed { not_before: None }, window(now))
        {
            (now, retries) = (next.at_ms, used);
        }
        assert_eq!(
            (retries, now - T0),
            (7, millis(schedule.total())),
            "the last series starts 27h35m5s after the first"
        );
    }

    #[test]
    fn a_retry_after_is_honoured_without_using_an_entry_but_capped_by_the_time_left() {
        let schedule = schedule(&[5, 60]); // 65 s in all
        let asked = |seconds| Setback::Throttled { asked: Some(Duration::from_secs(seconds)) };
        assert_eq!(schedule.decide(1, asked(2), window(T0)), retry(T0 + 2 * SECOND, WaitReason::RetryAfter, 1));
        let now = T0 + 60 * SECOND;
        assert_eq!(
            schedule.decide(1, asked(3600), window(now)),
            retry(T0 + 65 * SECOND, WaitReason::RetryAfter, 1),
            "no later than the schedule's end"
        );
        let over = T0 + 65 * SECOND;
        assert_eq!(
            schedule.decide(1, asked(2), window(over)),
            retry(over, WaitReason::Schedule, 2),
            "the schedule's time is over: it counts as a failed series"
        );
        assert_eq!(schedule.decide(2, asked(2), window(over)), Decision::GiveUp);
        let bare = Setback::Throttled { asked: None };
        assert_eq!(
            schedule.decide(0, bare, window(T0)),
            retry(T0 + 5 * SECOND, WaitReason::RetryAfter, 0),
            "a 429 without Retry-After waits as the next entry would"
        );
    }

    #[test]
    fn an_open_circuit_uses_an_entry_and_a_failure_waits_for_it_to_close() {
        let schedule = schedule(&[5, 60]);
        let until = T0 + 30 * SECOND;
        assert_eq!(
            schedule.decide(0, Setback::CircuitOpen { until }, window(T0)),
            retry(until, WaitReason::CircuitOpen, 1)
        );
        assert_eq!(
            schedule.decide(0, Setback::Failed { not_before: Some(until) }, window(T0)),
            retry(until, WaitReason::CircuitOpen, 1),
            "the circuit opened during the series: not before its cool-down ends"
        );
        let late = T0 + 70 * SECOND;
        assert_eq!(
            schedule.decide(1, Setback::CircuitOpen { until: late + 10 * SECOND }, window(late)),
            retry(late, WaitReason::CircuitOpen, 2),
            "past the schedule's time, the last series at once, whatever the circuit"
        );
        assert_eq!(schedule.decide(2, Setback::CircuitOpen { until: late }, window(late)), Decision::GiveUp);
    }

    #[test]
    fn a_destination_that_stays_down_ends_within_the_schedule_and_a_paused_one_holds() {
        let schedule = Schedule::default();
        let (mut now, mut retries, mut series) = (T0, 0, 1);
        // Its circuit open at every attempt, reopened for the longest a circuit stays open.
        while let Decision::Retry { next, retries: used } =
            schedule.decide(retries, Setback::CircuitOpen { until: now + 900 * SECOND }, window(now))
        {
            (now, retries, series) = (next.at_ms, used, series + 1);
        }
        assert_eq!((series, now), (8, schedule.ends_at(T0)), "eight series, the last at the schedule's end");
        assert_eq!(schedule.decide(0, Setback::Paused, window(T0 + millis(DAY * 40))), Decision::Hold);
        let far = schedule.ends_at(T0) + GRACE_MS + 1;
        assert_eq!(
            schedule.decide(7, Setback::RateLimited { slot: far }, window(schedule.ends_at(T0))),
            Decision::GiveUp,
            "no rate-limit slot past the schedule's end either"
        );
    }

    #[test]
    fn a_reserved_slot_is_kept_and_nothing_waits_beyond_the_queues_retention() {
        let schedule = schedule(&[5]);
        let slot = T0 + 42_200;
        assert_eq!(
            schedule.decide(1, Setback::RateLimited { slot }, window(T0)),
            retry(slot, WaitReason::RateLimit, 1)
        );
        assert_eq!(schedule.decide(0, Setback::NoTime, window(T0)), retry(T0, WaitReason::NoTime, 0));
        let beyond = T0 + millis(4 * DAY) + 1;
        assert_eq!(schedule.decide(0, Setback::RateLimited { slot: beyond }, window(T0)), Decision::GiveUp);
        assert_eq!(
            schedule.decide(0, Setback::CircuitOpen { until: beyond }, window(T0)),
            retry(T0 + 5 * SECOND, WaitReason::CircuitOpen, 1),
            "an open circuit waits no longer than the schedule"
        );
    }

    #[test]
    fn long_waits_are_made_of_hops_of_at_most_the_longest_delay() {
        let max = MAX_HOP;
        assert_eq!(hop(T0 + 10 * SECOND, T0, max), Some(Duration::from_secs(10)));
        assert_eq!(hop(T0 + 1_200, T0, max), Some(Duration::from_secs(2)), "rounded up: never early");
        assert_eq!(hop(T0 + 900, T0, max), None, "due: within a second");
        assert_eq!(hop(T0 - 5 * SECOND, T0, max), None, "late: due");
        let ten_hours = T0 + 36_000 * SECOND;
        let mut now = T0;
        let mut hops = 0;
        while let Some(delay) = hop(ten_hours, now, max) {
            assert!(delay <= MAX_HOP);
            now += millis(delay);
            hops += 1;
        }
        assert_eq!((hops, now), (40, ten_hours), "ten hours in 15-minute hops");
        assert_eq!(max_hop(Duration::from_secs(600)), Duration::from_secs(300), "half the alarm's threshold");
        assert_eq!(max_hop(Duration::from_secs(7200)), MAX_HOP);
    }

    #[test]
    fn a_rate_limit_slot_is_due_within_the_horizon_and_arrives_ahead_of_it() {
        let slot = NextAttempt { at_ms: T0 + 3 * SECOND, reason: WaitReason::RateLimit };
        assert!(is_due(slot, T0), "three seconds ahead: waited for in the invocation");
        assert!(!is_due(NextAttempt { at_ms: T0 + 3 * SECOND, reason: WaitReason::Schedule }, T0));
        assert!(is_due(NextAttempt { at_ms: T0 + 900, reason: WaitReason::Schedule }, T0));
        assert_eq!(wake_at(slot), T0 + 500);
        // A message woken for its slot is due however SQS rounded its delay.
        let arrival = hop(wake_at(slot), T0, MAX_HOP).map_or(T0, |delay| T0 + millis(delay));
        assert!(is_due(slot, arrival - EARLY_MS) && is_due(slot, arrival), "no hop in between");
    }
}
