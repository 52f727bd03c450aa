//! The local stack as everything but its own processes sees it (feature `local`): the SDK
//! configuration that reaches its moto, the state file `hookway dev` writes ([`state`]), its
//! secrets file ([`secrets`]), and the resources it creates on moto as the stack creates them in
//! AWS ([`resources`]). `hookway-dev` runs the stack; the operator commands and the tests only read
//! these, so they need none of the emulator. The events its gateway builds ([`events`]) and the
//! constants below are here too, for the benches that drive the stack without the emulator's code.

pub mod events;
pub mod resources;
pub mod secrets;
pub mod state;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;

/// The region the local resources live in.
pub const REGION: &str = "us-east-1";

/// Instances of each function `cargo lambda watch` runs at once; the local event source mapping
/// hands the worker as many batches at once, as the deployed one does up to `worker.maxConcurrency`.
pub const LAMBDA_CONCURRENCY: usize = 2;

/// The file in the state folder whose presence pauses the local event source mapping: it stops
/// polling the events queue, as a disabled mapping does (`make cost` pauses it to fill the queue).
pub const PAUSE_FILE: &str = "event-source-mapping.paused";

/// The file in the state folder of the configuration `hookway dev --forward-to` derives from the
/// one given (a `forward` route added to each source).
pub const FORWARD_CONFIG_FILE: &str = "hookway.forward.json";

/// SDK configuration for a local moto at `endpoint`, with test credentials and Hookway's timeouts.
pub async fn sdk_config(endpoint: &str) -> SdkConfig {
    crate::aws::tuned(aws_config::defaults(BehaviorVersion::latest()))
        .endpoint_url(endpoint)
        .region(Region::new(REGION))
        .credentials_provider(Credentials::new("local", "local", None, None, "hookway-local"))
        .load()
        .await
}
