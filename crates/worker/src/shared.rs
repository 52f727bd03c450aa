//! What every worker instance shares about each destination: its circuit, and the next free slot
//! of its rate limit. Ten instances hitting one failing destination count its failures together
//! and open one circuit, instead of each rediscovering the outage; a rate limit holds across all.
//!
//! [`DynamoShared`] keeps them in the state table, each change one conditional (or atomic)
//! write, so that racing instances agree; [`MemoryShared`] keeps them in the process (tests,
//! benchmarks, and a worker built without a table). Items, keyed by the destination's URL:
//!
//! | `pk` | attributes |
//! |---|---|
//! | `circuit#<url>` | `failures` in a row; `openUntil` (Unix ms) while open, or while a trial request is out; `trials` that failed in a row |
//! | `rate#<url>` | `next`: the earliest time (Unix ms) the next request may go |
//!
//! Both expire a day after their last change (`expiresAt`), so a destination removed from the
//! configuration leaves nothing behind. One test suite (`tests/shared.rs`) holds both kinds to
//! the same rules.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, PoisonError};

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use hookway_core::store::{StoreError, is_condition_failure, store_error, written};

/// How long a shared item outlives its last change, in seconds.
const ITEM_TTL_SECONDS: i64 = 86_400;

/// A destination's circuit, as shared.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Circuit {
    /// Failures in a row.
    pub failures: u32,
    /// Open (or a trial out) until then, in Unix ms; `None` when closed.
    pub open_until: Option<i64>,
    /// Trials that failed in a row: each doubles the next cool-down.
    pub trials: u32,
}

/// The shared state of destinations. Times are Unix milliseconds.
#[async_trait]
pub trait SharedState: Send + Sync + fmt::Debug {
    /// The circuit of `key` (closed, if it has none).
    async fn circuit(&self, key: &str) -> Result<Circuit, StoreError>;

    /// Counts one more failure in a row; the circuit as it is then.
    async fn add_failure(&self, key: &str, now: i64) -> Result<Circuit, StoreError>;

    /// Opens the circuit until `until`, unless it is open (or half-open) already: `false` then.
    async fn open(&self, key: &str, until: i64, now: i64) -> Result<bool, StoreError>;

    /// Takes the one trial of a circuit whose cool-down ended at `seen`: it stays open until
    /// `lease` for everyone else. `false` when another instance took it first.
    async fn take_trial(&self, key: &str, seen: i64, lease: i64, now: i64) -> Result<bool, StoreError>;

    /// The trial failed: open until `until`, one more failed trial. The circuit as it is then.
    async fn reopen(&self, key: &str, until: i64, now: i64) -> Result<Circuit, StoreError>;

    /// A success: closed, no failure counted.
    async fn close(&self, key: &str, now: i64) -> Result<(), StoreError>;

    /// Reserves the next slot of `key`'s rate limit, `interval` after the one before (or now,
    /// if that is later): its time. `idle` guesses that the last slot is past, to try that first.
    async fn reserve(&self, key: &str, now: i64, interval: i64, idle: bool) -> Result<i64, StoreError>;
}

/// The partition key of a destination's circuit.
fn circuit_key(key: &str) -> String {
    format!("circuit#{key}")
}

/// The partition key of a destination's rate limit.
fn rate_key(key: &str) -> String {
    format!("rate#{key}")
}

/// The shared state in the state table.
#[derive(Debug, Clone)]
pub struct DynamoShared {
    client: Client,
    table: String,
}

type Item = HashMap<String, AttributeValue>;

impl DynamoShared {
    /// The items of the table `table`.
    pub fn new(client: Client, table: impl Into<String>) -> DynamoShared {
        DynamoShared { client, table: table.into() }
    }

    fn update(
        &self,
        pk: String,
        now: i64,
    ) -> aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder {
        self.client
            .update_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(pk))
            .expression_attribute_values(":expires", n(now / 1000 + ITEM_TTL_SECONDS))
    }
}

#[async_trait]
impl SharedState for DynamoShared {
    async fn circuit(&self, key: &str) -> Result<Circuit, StoreError> {
        // Eventually consistent: half the price of a strong read, and a second's lag is nothing
        // to a breaker.
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(circuit_key(key)))
            .send()
            .await
            .map_err(store_error)?;
        Ok(output.item.as_ref().map(circuit).unwrap_or_default())
    }

    async fn add_failure(&self, key: &str, now: i64) -> Result<Circuit, StoreError> {
        let output = self
            .update(circuit_key(key), now)
            .update_expression("ADD failures :one SET expiresAt = :expires")
            .expression_attribute_values(":one", n(1))
            .return_values(ReturnValue::AllNew)
            .send()
            .await
            .map_err(store_error)?;
        Ok(output.attributes.as_ref().map(circuit).unwrap_or_default())
    }

    async fn open(&self, key: &str, until: i64, now: i64) -> Result<bool, StoreError> {
        let result = self
            .update(circuit_key(key), now)
            .update_expression("SET openUntil = :until, trials = :zero, expiresAt = :expires")
            .condition_expression("attribute_not_exists(openUntil)")
            .expression_attribute_values(":until", n(until))
            .expression_attribute_values(":zero", n(0))
            .send()
            .await;
        written(result)
    }

    async fn take_trial(&self, key: &str, seen: i64, lease: i64, now: i64) -> Result<bool, StoreError> {
        let result = self
            .update(circuit_key(key), now)
            .update_expression("SET openUntil = :lease, expiresAt = :expires")
            .condition_expression("openUntil = :seen")
            .expression_attribute_values(":lease", n(lease))
            .expression_attribute_values(":seen", n(seen))
            .send()
            .await;
        written(result)
    }

    async fn reopen(&self, key: &str, until: i64, now: i64) -> Result<Circuit, StoreError> {
        let output = self
            .update(circuit_key(key), now)
            .update_expression("SET openUntil = :until, expiresAt = :expires ADD trials :one, failures :one")
            .expression_attribute_values(":until", n(until))
            .expression_attribute_values(":one", n(1))
            .return_values(ReturnValue::AllNew)
            .send()
            .await
            .map_err(store_error)?;
        Ok(output.attributes.as_ref().map(circuit).unwrap_or_default())
    }

    async fn close(&self, key: &str, now: i64) -> Result<(), StoreError> {
        self.update(circuit_key(key), now)
            .update_expression("SET failures = :zero, trials = :zero, expiresAt = :expires REMOVE openUntil")
            .expression_attribute_values(":zero", n(0))
            .send()
            .await
            .map(drop)
            .map_err(store_error)
    }

    async fn reserve(&self, key: &str, now: i64, interval: i64, idle: bool) -> Result<i64, StoreError> {
        // Two atomic writes, one of which applies: after the slot before, while slots are taken
        // ahead; else now. One write in all, when `idle` guesses which.
        let mut idle = idle;
        for _ in 0..4 {
            if idle {
                let result = self
                    .update(rate_key(key), now)
                    .update_expression("SET #next = :then, expiresAt = :expires")
                    .condition_expression("attribute_not_exists(#next) OR #next < :now")
                    .expression_attribute_names("#next", "next")
                    .expression_attribute_values(":then", n(now + interval))
                    .expression_attribute_values(":now", n(now))
                    .send()
                    .await;
                if written(result)? {
                    return Ok(now);
                }
            } else {
                let result = self
                    .update(rate_key(key), now)
                    .update_expression("SET #next = #next + :interval, expiresAt = :expires")
                    .condition_expression("#next >= :now")
                    .expression_attribute_names("#next", "next")
                    .expression_attribute_values(":interval", n(interval))
                    .expression_attribute_values(":now", n(now))
                    .return_values(ReturnValue::UpdatedOld)
                    .send()
                    .await;
                match result {
                    Ok(output) => {
                        let slot = output.attributes.as_ref().and_then(|item| number(item, "next"));
                        return slot.ok_or_else(|| StoreError(format!("{}: no slot returned", rate_key(key))));
                    }
                    Err(error) if is_condition_failure(&error) => {}
                    Err(error) => return Err(store_error(error)),
                }
            }
            idle = !idle;
        }
        Err(StoreError(format!("{}: no slot after four tries", rate_key(key))))
    }
}

fn circuit(item: &Item) -> Circuit {
    let small = |name| number(item, name).and_then(|value| u32::try_from(value).ok()).unwrap_or_default();
    Circuit { failures: small("failures"), open_until: number(item, "openUntil"), trials: small("trials") }
}

fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn number(item: &Item, name: &str) -> Option<i64> {
    item.get(name)?.as_n().ok()?.parse().ok()
}

/// The shared state in this process only: what one worker instance alone would share.
#[derive(Debug, Default)]
pub struct MemoryShared {
    circuits: Mutex<HashMap<String, Circuit>>,
    slots: Mutex<HashMap<String, i64>>,
}

impl MemoryShared {
    fn with_circuit<T>(&self, key: &str, change: impl FnOnce(&mut Circuit) -> T) -> T {
        let mut circuits = self.circuits.lock().unwrap_or_else(PoisonError::into_inner);
        change(circuits.entry(key.to_owned()).or_default())
    }
}

#[async_trait]
impl SharedState for MemoryShared {
    async fn circuit(&self, key: &str) -> Result<Circuit, StoreError> {
        Ok(self.with_circuit(key, |circuit| *circuit))
    }

    async fn add_failure(&self, key: &str, _now: i64) -> Result<Circuit, StoreError> {
        Ok(self.with_circuit(key, |circuit| {
            circuit.failures += 1;
            *circuit
        }))
    }

    async fn open(&self, key: &str, until: i64, _now: i64) -> Result<bool, StoreError> {
        Ok(self.with_circuit(key, |circuit| {
            if circuit.open_until.is_some() {
                return false;
            }
            (circuit.open_until, circuit.trials) = (Some(until), 0);
            true
        }))
    }

    async fn take_trial(&self, key: &str, seen: i64, lease: i64, _now: i64) -> Result<bool, StoreError> {
        Ok(self.with_circuit(key, |circuit| {
            if circuit.open_until != Some(seen) {
                return false;
            }
            circuit.open_until = Some(lease);
            true
        }))
    }

    async fn reopen(&self, key: &str, until: i64, _now: i64) -> Result<Circuit, StoreError> {
        Ok(self.with_circuit(key, |circuit| {
            circuit.open_until = Some(until);
            circuit.trials += 1;
            circuit.failures += 1;
            *circuit
        }))
    }

    async fn close(&self, key: &str, _now: i64) -> Result<(), StoreError> {
        self.with_circuit(key, |circuit| *circuit = Circuit::default());
        Ok(())
    }

    async fn reserve(&self, key: &str, now: i64, interval: i64, _idle: bool) -> Result<i64, StoreError> {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        let next = slots.entry(key.to_owned()).or_insert(now);
        let slot = (*next).max(now);
        *next = slot + interval;
        Ok(slot)
    }
}
