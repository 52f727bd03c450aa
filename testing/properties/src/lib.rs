//! Property tests of every parser that sees outside input.
//!
//! Property tests over every parser that sees outside input: each provider of the catalog through
//! its own parse-and-verify path (headers, body, URL, key material, handshakes), each scheme's
//! headers and verification (through a compiled `hookway_core::Source`, the surface the intake
//! uses), the intake's handler, the event envelope, the job event, the local gateway's proxy request
//! conversion, `hookway.json` and its IP ranges. They live here, apart from the code they test, so
//! that they can be run at length on their own (`make fuzz`) and re-pointed when a module moves.
//!
//! The properties: nothing panics on any input (arbitrary bytes, huge and non-UTF-8 headers); a
//! signed request verifies and no mutated byte of it does; `parse(render(x)) == x` wherever both
//! exist.
//!
//! This library is only the runner: [`check`] runs one property for `PROPTEST_CASES` cases (64 by
//! default, so that `make test` stays quick) and, when `HOOKWAY_FUZZ_REPORT` names a file, appends
//! the number of cases it ran there, which `make fuzz` adds up and prints, one line per property or
//! per provider ([`check_as`]).

use std::cell::Cell;
use std::io::Write as _;

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};

/// Cases per property when `PROPTEST_CASES` is not set: enough to catch the gross, quick enough
/// for every `make test`.
pub const DEFAULT_CASES: u32 = 64;
/// The file `make fuzz` collects the case counts in.
pub const REPORT_ENV: &str = "HOOKWAY_FUZZ_REPORT";

/// The runner's configuration: `PROPTEST_CASES` cases, and no failure files written into the
/// source tree (a failure prints its minimal input; add it to a unit test).
pub fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|cases| cases.parse().ok()).unwrap_or(DEFAULT_CASES);
    Config { cases, failure_persistence: None, max_shrink_iters: 4096, max_global_rejects: cases, ..Config::default() }
}

/// `len` bytes that look random, made cheaply from `seed`: for the large inputs, where building a
/// vector byte by byte through a strategy would cost more than the property itself.
pub fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            // xorshift64
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[0]
        })
        .collect()
}

/// Runs the property `name` over values of `strategy`; panics with the smallest failing value.
pub fn check<S>(name: &str, strategy: S, property: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S: Strategy,
    S::Value: std::fmt::Debug,
{
    check_as(name, name, strategy, property);
}

/// Runs the property `name` as [`check`] does, counting its cases under `counted` in the report:
/// the properties of one provider add up to one line.
pub fn check_as<S>(counted: &str, name: &str, strategy: S, property: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S: Strategy,
    S::Value: std::fmt::Debug,
{
    let ran = Cell::new(0u64);
    let mut runner = TestRunner::new(config());
    let result = runner.run(&strategy, |value| {
        ran.set(ran.get() + 1);
        property(value)
    });
    match result {
        Ok(()) => report(counted, ran.get()),
        Err(TestError::Fail(reason, value)) => panic!("{name}: {reason}\nminimal failing input: {value:#?}"),
        Err(TestError::Abort(reason)) => panic!("{name}: aborted: {reason}"),
    }
}

/// Appends `name<TAB>cases` to the report file, if one is asked for.
fn report(name: &str, cases: u64) {
    let Some(path) = std::env::var_os(REPORT_ENV) else { return };
    let appended = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut file| file.write_all(format!("{name}\t{cases}\n").as_bytes()));
    if let Err(error) = appended {
        panic!("cannot append to {}: {error}", std::path::Path::new(&path).display());
    }
}
