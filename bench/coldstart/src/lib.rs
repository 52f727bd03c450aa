//! Measures the cold starts of the intake and the worker against a hello-world Rust Lambda.
//!
//! `make bench-coldstart`: how much a cold start of the intake and of the worker costs, against a
//! hello-world `lambda_runtime` function built in the same run.
//!
//! * [`runtime`] — a stand-in for the Lambda Runtime API that spawns a function, hands it events
//!   and times its init, first and warm requests and peak memory;
//! * [`procfs`] — CPU time from the scheduler's per-thread counters, peak RSS;
//! * [`tls`] — moto behind TLS with a throwaway certificate authority, so that the SDK pays the
//!   handshakes it pays against AWS;
//! * [`functions`] — each function's environment and events;
//! * [`report`] — medians, the table, the ratios against the goals, and Lambda memory sizes.

pub mod functions;
pub mod procfs;
pub mod report;
pub mod runtime;
pub mod tls;
