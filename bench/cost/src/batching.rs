//! How the SQS event source mapping turns a stream of events into worker batches, and what it
//! calls SQS for on the way.
//!
//! The mapping (Lambda's, and the local stack's `tools/dev/src/poller.rs`, which does what it
//! does) long-polls the queue with several pollers at once — Lambda with five while the queue
//! keeps up, the local stack with two — and a message goes to whichever receive SQS hands it:
//! the pollers share the stream. A receive comes back as soon as a message is there. With a
//! batching window, a poller's first message opens its window and it keeps receiving until its
//! batch is full or the window is over: a batch holds the first event and the poller's share of
//! those that arrive within the window. Each of those receives comes back with what arrived
//! meanwhile — at a few events a second, one message. The receive still waiting when the window
//! closes waits whole seconds (SQS's unit), about half a second past the window: it brings one
//! more event, or comes back empty. Without a window the mapping hands over whatever one receive
//! brought: at a steady rate, the events that arrived while the poller's previous batch ran.
//! `make latency` measures the local stack's batches and receives beside this model's.

use serde::{Deserialize, Serialize};

use crate::measured::Phase;
use crate::model::{LAMBDA_SERVICE, WORKER, as_f64};

/// At most this many messages come back from one `ReceiveMessage`.
pub const RECEIVE_MAX: f64 = 10.0;
/// Without a batching window, a batch holds what arrived while the mapping's last batch ran,
/// and this long is what a worker batch takes (the waits of `latencies` in cost/prices.json).
pub const TURNAROUND_SECONDS: f64 = 0.1;
/// How long, on average, the receive left waiting when a window closes waits past it.
pub const OVERRUN_SECONDS: f64 = 0.5;

/// Events per worker batch and the mapping's receives for each.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Batching {
    /// Events a worker invocation handles.
    pub events_per_batch: f64,
    /// The mapping's `ReceiveMessage` calls to gather them.
    pub receives_per_batch: f64,
}

impl Batching {
    /// A steady stream of `rate` events a second shared by `pollers`, each gathering with a
    /// window of `window_seconds` into batches of at most `batch_size`; a receive takes
    /// `receive_seconds` to come back and be sent again (what it brings beyond its first message
    /// arrived meanwhile).
    pub fn of_stream(rate: f64, pollers: f64, window_seconds: u32, batch_size: u32, receive_seconds: f64) -> Batching {
        let share = rate.max(0.0) / pollers.max(1.0);
        let most = f64::from(batch_size.max(1));
        if window_seconds == 0 {
            let events = (1.0 + share * TURNAROUND_SECONDS).min(most.min(RECEIVE_MAX));
            return Batching { events_per_batch: events, receives_per_batch: 1.0 };
        }
        let gathered = 1.0 + share * f64::from(window_seconds);
        let per_receive = (1.0 + share * receive_seconds).min(RECEIVE_MAX);
        if gathered >= most {
            // Full before the window is over: no receive is left waiting.
            return Batching { events_per_batch: most, receives_per_batch: 1.0 + (most - 1.0) / per_receive };
        }
        // The receive left waiting: one more event if one comes, or back empty.
        let overrun = 1.0 - (-share * OVERRUN_SECONDS).exp();
        Batching {
            events_per_batch: (gathered + overrun).min(most),
            receives_per_batch: 1.0 + (gathered - 1.0) / per_receive + 1.0,
        }
    }

    /// What a measured phase's batches held, and the receives they took, as counted.
    pub fn measured(phase: &Phase) -> Batching {
        let batches = as_f64(phase.invocations_of(WORKER).count.max(1));
        let receives: u64 = phase
            .calls
            .iter()
            .filter(|call| call.caller == LAMBDA_SERVICE && call.operation == "ReceiveMessage")
            .map(|call| call.count)
            .sum();
        Batching { events_per_batch: as_f64(phase.events) / batches, receives_per_batch: as_f64(receives) / batches }
    }

    /// Receives per event.
    pub fn receives_per_event(&self) -> f64 {
        self.receives_per_batch / self.events_per_batch.max(1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn a_window_gathers_the_first_event_and_a_pollers_share_of_those_within_it() {
        // 10M a month is 3.8 a second: one poller's one-second window holds 4.8 of them, and
        // maybe one more that the receive it leaves waiting brings.
        let alone = Batching::of_stream(3.8, 1.0, 1, 10, 0.006);
        assert!((4.8..5.8).contains(&alone.events_per_batch), "{alone:?}");
        // One receive each (they come back with one message), and the one the window's end leaves.
        assert!(close(alone.receives_per_batch, 1.0 + 3.8 / (1.0 + 3.8 * 0.006) + 1.0), "{alone:?}");
        // Five pollers share the stream: 0.76 a second each.
        let shared = Batching::of_stream(3.8, 5.0, 1, 10, 0.006);
        assert!(close(shared.events_per_batch, 1.76 + 1.0 - (-0.38f64).exp()), "{shared:?}");
    }

    #[test]
    fn a_batch_that_fills_stops_receiving() {
        let batching = Batching::of_stream(50_000.0, 5.0, 1, 100, 0.006);
        assert!(close(batching.events_per_batch, 100.0));
        // Ten messages a receive at ten thousand a second a poller; no receive left waiting.
        assert!(close(batching.receives_per_batch, 1.0 + 99.0 / 10.0), "{batching:?}");
    }

    #[test]
    fn without_a_window_a_batch_is_what_one_receive_brings() {
        let quiet = Batching::of_stream(0.01, 5.0, 0, 10, 0.006);
        assert!(quiet.events_per_batch < 1.01, "{quiet:?}");
        assert!(close(quiet.receives_per_batch, 1.0));
        let busy = Batching::of_stream(5000.0, 5.0, 0, 10, 0.006);
        assert!(close(busy.events_per_batch, 10.0), "at most ten a receive: {busy:?}");
    }

    #[test]
    fn a_lone_event_waits_the_window_out() {
        let batching = Batching::of_stream(0.001, 5.0, 1, 10, 0.006);
        assert!(batching.events_per_batch < 1.01);
        assert!((1.99..2.01).contains(&batching.receives_per_batch), "{batching:?}");
    }
}
