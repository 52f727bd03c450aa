//! What a webhook costs on AWS, from the calls each one makes.
//!
//! `make cost` runs a fixed mix of events through the local stack once per front door
//! (`webhooks.endpoint`) and records, exactly, every AWS call each function made (moto's call log),
//! each Lambda invocation and its duration, and the bytes logged, delivered and archived: that is
//! a [`Measured`] run, kept in `cost/measured.json`. [`estimate`] prices a run with
//! `cost/prices.json` for a [`Scenario`] — the run's own, or a user's configuration and volume
//! (`hookway cost`) — into [`Line`]s: one per component, with its calls per event and its dollars
//! per million events. Nothing here calls AWS: it runs offline, in a second.

mod measured;
mod model;
mod prices;
mod render;
mod units;

pub use measured::{Call, Invocations, Measured, Mix, Phase, VariantRun};
pub use model::{Endpoint, Estimate, Kind, Line, Scenario, estimate, measured_batch};
pub use prices::{Latencies, Peer, Price, Prices};
pub use render::{VOLUMES, markdown_report, report_json, run_estimates, text_table, volume_name};
pub use units::{parse_bytes, parse_count};

/// `cost/prices.json`, as this build was made with it.
pub const PRICES_JSON: &str = include_str!("../../../cost/prices.json");
/// `cost/measured.json`: the last `make cost` run committed.
pub const MEASURED_JSON: &str = include_str!("../../../cost/measured.json");

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
    /// The run has no measurement of this front door.
    #[error("no measurement of the `{0}` endpoint in cost/measured.json: run `make cost`")]
    NoVariant(String),
    /// A price the model needs is not in the table.
    #[error("cost/prices.json has no price `{0}`")]
    NoPrice(String),
}
