//! The local stack as everything but its own processes sees it (feature `local`): the SDK
//! configuration that reaches its moto, the state file `hookway dev` writes ([`state`]), its
//! secrets file ([`secrets`]), and the resources it creates on moto as the stack creates them in
//! AWS ([`resources`]). `hookway-dev` runs the stack; the operator commands and the tests only read
//! these, so they need none of the emulator.

pub mod resources;
pub mod secrets;
pub mod state;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;

/// The region the local resources live in.
pub const REGION: &str = "us-east-1";

/// SDK configuration for a local moto at `endpoint`, with test credentials and Hookway's timeouts.
pub async fn sdk_config(endpoint: &str) -> SdkConfig {
    crate::aws::tuned(aws_config::defaults(BehaviorVersion::latest()))
        .endpoint_url(endpoint)
        .region(Region::new(REGION))
        .credentials_provider(Credentials::new("local", "local", None, None, "hookway-local"))
        .load()
        .await
}
