//! A hello-world Rust Lambda: the baseline `make bench-coldstart` measures the functions against.
//!
//! The smallest useful Rust Lambda, as the runtime's own examples write it: `lambda_runtime` on a
//! Tokio runtime, answering each event with a greeting. `make bench-coldstart` builds it in the
//! same run and with the same release profile as the intake and the worker, and measures their
//! cold starts against it: what a Rust function cannot avoid paying, on this machine, today.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::{Value, json};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(hello)).await
}

async fn hello(event: LambdaEvent<Value>) -> Result<Value, Error> {
    let name = event.payload.get("name").and_then(Value::as_str).unwrap_or("world");
    Ok(json!({ "message": format!("Hello, {name}!") }))
}
