//! What a webhook costs on AWS, from the calls each one makes.
//!
//! `make cost` runs a fixed mix of events through the local stack once per front door
//! (`webhooks.endpoint`) and configuration profile (hookway.json's defaults, and the volume
//! settings of `cost/volume.json` over them), and records, exactly, every AWS call each function
//! made (moto's call log), each Lambda invocation and its duration, and the bytes logged,
//! delivered and archived: that is a [`Measured`] run, kept in `cost/measured.json`. [`estimate`]
//! prices a run with `cost/prices.json` for a [`Scenario`] — a profile's configuration or a
//! user's, at a monthly volume (`hookway cost`) — into [`Line`]s: one per component, with its
//! calls per event and its dollars per million events. [`outage`] prices an event whose destination
//! is down through the whole default retry schedule, from the calls `crates/worker/tests/waits.rs`
//! counted (`cost/outage.json`). Nothing here calls AWS: it runs offline,
//! in a second.

mod batching;
mod latency;
mod measured;
mod model;
mod outage;
mod prices;
mod render;
mod units;

pub use batching::Batching;
pub use latency::{LatencyReport, PacedRun, quantile};
pub use measured::{Call, Invocations, Measured, Mix, Phase, RunSettings, VariantRun};
pub use model::{
    ArchiveWriter, Endpoint, Estimate, Kind, Line, MONTH_SECONDS, Provisioned, Scenario, estimate, measured_batch,
};
pub use outage::{
    DEFAULT_HOP_SECONDS, DEFAULT_WAITS_SECONDS, Hopping, NORMAL_ENDPOINT, Normal, Outage, PARKED_FIELDS_BYTES,
    WaitCalls, outage,
};
pub use prices::{EventSourceMapping, Latencies, Peer, Price, Prices};
pub use render::{
    HEADLINE_VOLUME, ProfileEstimates, VOLUMES, front_doors_table, latency_section, markdown_report, report_json,
    run_estimates, text_table, volume_name,
};
pub use units::{parse_bytes, parse_count};

/// `cost/prices.json`, as this build was made with it.
pub const PRICES_JSON: &str = include_str!("../../../cost/prices.json");
/// `cost/measured.json`: the last `make cost` run committed.
pub const MEASURED_JSON: &str = include_str!("../../../cost/measured.json");
/// `cost/volume.json`: the settings a team at millions of webhooks a month copies into its
/// hookway.json.
pub const VOLUME_JSON: &str = include_str!("../../../cost/volume.json");
/// The profile of hookway.json as shipped.
pub const DEFAULT_PROFILE: &str = "default";
/// The profile of `cost/volume.json` over it.
pub const VOLUME_PROFILE: &str = "volume";

/// Merges `patch` into `target` as a JSON merge patch (RFC 7386) does — objects member by member,
/// `null` removing a member, anything else replacing what was there — except that a member whose
/// name starts with `$` (`$comment`: why a setting is what it is) is a note, not a setting.
pub fn merge_patch(target: &mut serde_json::Value, patch: &serde_json::Value) {
    let serde_json::Value::Object(members) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = serde_json::Value::Object(serde_json::Map::new());
    }
    if let serde_json::Value::Object(into) = target {
        for (name, value) in members {
            if name.starts_with('$') {
                continue;
            }
            if value.is_null() {
                into.remove(name);
            } else {
                merge_patch(into.entry(name.clone()).or_insert(serde_json::Value::Null), value);
            }
        }
    }
}

/// The price table or a run cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum CostError {
    /// Not the JSON expected.
    #[error("{what}: {source}")]
    Json {
        /// Which file.
        what: &'static str,
        /// Why.
        source: serde_json::Error,
    },
    /// The run has no measurement of this front door with this profile.
    #[error(
        "no measurement of the `{endpoint}` endpoint with the `{profile}` profile in cost/measured.json: run `make cost`"
    )]
    NoVariant {
        /// The front door.
        endpoint: String,
        /// The profile.
        profile: String,
    },
    /// A price the model needs is not in the table.
    #[error("cost/prices.json has no price `{0}`")]
    NoPrice(String),
}
