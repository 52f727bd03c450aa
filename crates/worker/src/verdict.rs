//! The worker's decision, as data: each delivery of an attempt ends in one [`Verdict`], and what
//! becomes of the event ([`Next`]) is one pure function of them ([`next`]), with no I/O.

use std::time::Duration;

use hookway_core::store::{HELD, Hold, NextAttempt};

use crate::schedule;

/// How one delivery of an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Delivered (now, or in an earlier attempt).
    Delivered,
    /// The destination refused it for good.
    Refused,
    /// To be tried again at this time.
    WaitUntil(NextAttempt),
    /// Held for its destination (an open circuit, a pause), to be tried again at this time at the
    /// latest (never, for a pause: [`HELD`]).
    Park(NextAttempt, Hold),
    /// Its retry schedule is used up.
    GaveUp,
    /// It failed, and the event cannot wait in the events queue (a job): left to its retries.
    Failed,
}

/// What becomes of the event, from its deliveries' verdicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Every delivery is done.
    Done,
    /// To the dead-letter queue: the delivery at this index refused it for good.
    Refused(usize),
    /// To the dead-letter queue: the delivery at this index used up its schedule.
    GaveUp(usize),
    /// Failed: left to the queue's (or Lambda's) retries.
    Fail,
    /// Back to the events queue, to arrive at this time (Unix ms): within one hop.
    Queue(i64),
    /// Parked for the destination of the delivery at this index, due at this time (Unix ms, or
    /// [`HELD`]), held for it if it is unwell or paused.
    Park {
        /// The delivery it is parked for.
        index: usize,
        /// When it is due.
        due: i64,
        /// Why it is held, if it is.
        hold: Option<Hold>,
    },
}

/// What becomes of an event whose deliveries ended in `verdicts`, at `now` (Unix ms), when one
/// wait in the events queue lasts at most `max_hop`. A refusal wins over everything, then a
/// failure that cannot wait, then a schedule used up; otherwise the event waits for the earliest
/// of its deliveries' next attempts — parked when a destination holds it or the wait is longer
/// than a hop, else in the queue.
pub fn next(verdicts: &[Verdict], now: i64, max_hop: Duration) -> Next {
    let first = |wanted: fn(&Verdict) -> bool| verdicts.iter().position(wanted);
    if let Some(index) = first(|verdict| *verdict == Verdict::Refused) {
        return Next::Refused(index);
    }
    if first(|verdict| *verdict == Verdict::Failed).is_some() {
        return Next::Fail;
    }
    if let Some(index) = first(|verdict| *verdict == Verdict::GaveUp) {
        return Next::GaveUp(index);
    }
    let wake = |verdict: &Verdict| match verdict {
        Verdict::WaitUntil(next) => Some(schedule::wake_at(*next)),
        Verdict::Park(next, _) => Some(next.at_ms),
        _ => None,
    };
    let Some((earliest, wake_at)) = verdicts
        .iter()
        .enumerate()
        .filter_map(|(index, verdict)| Some((index, wake(verdict)?)))
        .min_by_key(|(_, at)| *at)
    else {
        return Next::Done;
    };
    if let Some(index) = first(|verdict| matches!(verdict, Verdict::Park(..))) {
        let hold = match verdicts[index] {
            Verdict::Park(_, hold) => Some(hold),
            _ => None,
        };
        return Next::Park { index, due: wake_at, hold };
    }
    let hop = i64::try_from(max_hop.as_millis()).unwrap_or(i64::MAX);
    if wake_at - now > hop {
        return Next::Park { index: earliest, due: wake_at, hold: None };
    }
    Next::Queue(wake_at)
}

/// Whether a due time is a real one (not [`HELD`]).
pub fn is_timed(due: i64) -> bool {
    due < HELD
}

#[cfg(test)]
mod tests {
    use hookway_core::store::WaitReason;

    use super::*;

    const T0: i64 = 1_795_996_800_000;
    const HOP: Duration = Duration::from_secs(300);

    fn wait(seconds: i64, reason: WaitReason) -> Verdict {
        Verdict::WaitUntil(NextAttempt { at_ms: T0 + seconds * 1000, reason })
    }

    #[test]
    fn delivered_everywhere_is_done() {
        assert_eq!(next(&[], T0, HOP), Next::Done);
        assert_eq!(next(&[Verdict::Delivered, Verdict::Delivered], T0, HOP), Next::Done);
    }

    #[test]
    fn a_refusal_wins_then_a_failure_then_a_schedule_used_up() {
        let waiting = wait(5, WaitReason::Schedule);
        assert_eq!(next(&[waiting, Verdict::GaveUp, Verdict::Refused], T0, HOP), Next::Refused(2));
        assert_eq!(next(&[Verdict::GaveUp, Verdict::Failed], T0, HOP), Next::Fail);
        assert_eq!(next(&[Verdict::Delivered, waiting, Verdict::GaveUp], T0, HOP), Next::GaveUp(2));
    }

    #[test]
    fn a_short_wait_is_queued_for_the_earliest_next_attempt() {
        let verdicts = [wait(300, WaitReason::Schedule), Verdict::Delivered, wait(5, WaitReason::Schedule)];
        assert_eq!(next(&verdicts, T0, HOP), Next::Queue(T0 + 5_000));
        let slot = wait(10, WaitReason::RateLimit);
        assert_eq!(next(&[slot], T0, HOP), Next::Queue(T0 + 10_000 - schedule::SLOT_LEAD_MS), "ahead of its slot");
    }

    #[test]
    fn a_wait_longer_than_a_hop_is_parked_without_a_hold() {
        let verdicts = [wait(7200, WaitReason::Schedule), wait(1800, WaitReason::Schedule)];
        assert_eq!(next(&verdicts, T0, HOP), Next::Park { index: 1, due: T0 + 1_800_000, hold: None });
    }

    #[test]
    fn a_destination_that_holds_the_event_parks_it_until_the_earliest_next_attempt() {
        let open = Verdict::Park(NextAttempt { at_ms: T0 + 300_000, reason: WaitReason::CircuitOpen }, Hold::Circuit);
        let soon = wait(5, WaitReason::Schedule);
        assert_eq!(next(&[soon, open], T0, HOP), Next::Park { index: 1, due: T0 + 5_000, hold: Some(Hold::Circuit) });
        let paused = Verdict::Park(NextAttempt { at_ms: HELD, reason: WaitReason::Paused }, Hold::Paused);
        assert_eq!(next(&[paused], T0, HOP), Next::Park { index: 0, due: HELD, hold: Some(Hold::Paused) });
        assert!(!is_timed(HELD) && is_timed(T0));
    }
}
