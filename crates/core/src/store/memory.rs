//! The state table in memory: for unit tests and benchmarks, with the rules of [`super::DynamoStore`].

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Mutex, PoisonError};

use serde_json::Value;

use super::{
    Claim, Claimed, Delivery, Kind, Outcome, ParkedEvent, Parking, RecordKey, RecordStatus, State, StateStore,
    StoreError, rfc3339,
};
use crate::archive::ArchiveLocation;

/// A state table in a `HashMap`.
#[derive(Debug, Default)]
pub struct MemoryStore {
    records: Mutex<HashMap<String, Record>>,
    versions: Mutex<HashMap<String, i64>>,
}

#[derive(Debug, Clone)]
struct Record {
    kind: Kind,
    state: State,
    digest: String,
    event_type: Option<String>,
    locked_until: i64,
    attempts: u32,
    created_at: i64,
    updated_at: i64,
    result: Option<Value>,
    error: Option<String>,
    deliveries: BTreeMap<String, Delivery>,
    archive: Option<ArchiveLocation>,
    sequence: u32,
    parking: Option<Parking>,
}

impl Record {
    fn deliveries(&self) -> Vec<Delivery> {
        let mut deliveries: Vec<Delivery> = self.deliveries.values().cloned().collect();
        deliveries.sort_by_key(|delivery| delivery.index);
        deliveries
    }
}

impl StateStore for MemoryStore {
    async fn claim(&self, claim: &Claim<'_>) -> Result<Claimed, StoreError> {
        let mut records = self.records.lock().unwrap_or_else(PoisonError::into_inner);
        match records.get_mut(claim.key.pk()) {
            Some(record) if record.digest != claim.digest => Ok(Claimed::Conflict { stored: record.digest.clone() }),
            Some(record) if record.state == State::Done => Ok(Claimed::AlreadyDone),
            Some(record) if record.state == State::Running && record.locked_until >= claim.now => Ok(Claimed::Busy),
            Some(record)
                if record.kind == Kind::Event && record.state == State::Waiting && record.sequence > claim.sequence =>
            {
                Ok(Claimed::Stale)
            }
            // Waiting, failed, or running under an expired lock.
            Some(record) => {
                if record.archive.is_none() {
                    record.archive = claim.archive.cloned();
                }
                record.state = State::Running;
                record.parking = None;
                record.locked_until = claim.locked_until;
                record.attempts += 1;
                record.updated_at = claim.now;
                Ok(Claimed::Acquired { attempts: record.attempts, deliveries: record.deliveries() })
            }
            None => {
                let record = Record {
                    kind: claim.key.kind(),
                    state: State::Running,
                    digest: claim.digest.to_owned(),
                    event_type: claim.event_type.map(str::to_owned),
                    locked_until: claim.locked_until,
                    attempts: 1,
                    created_at: claim.now,
                    updated_at: claim.now,
                    result: None,
                    error: None,
                    deliveries: BTreeMap::new(),
                    archive: claim.archive.cloned(),
                    sequence: 0,
                    parking: None,
                };
                records.insert(claim.key.pk().to_owned(), record);
                Ok(Claimed::Acquired { attempts: 1, deliveries: Vec::new() })
            }
        }
    }

    async fn finish(
        &self,
        key: &RecordKey,
        outcome: &Outcome,
        deliveries: &[Delivery],
        now: i64,
        _expires_at: i64,
    ) -> Result<(), StoreError> {
        let mut records = self.records.lock().unwrap_or_else(PoisonError::into_inner);
        let record = records.get_mut(key.pk()).ok_or_else(|| StoreError(format!("no record {}", key.pk())))?;
        record.state = outcome.state(key.kind());
        record.updated_at = now;
        match outcome {
            Outcome::Succeeded(result) => {
                record.result = result.clone();
                record.error = None;
            }
            Outcome::Failed { error, .. } => record.error = Some(error.clone()),
            Outcome::Waiting { sequence, error } | Outcome::Parked { sequence, error, .. } => {
                record.sequence = *sequence;
                if let Some(error) = error {
                    record.error = Some(error.clone());
                }
            }
        }
        if let Outcome::Parked { parking, .. } = outcome {
            record.parking = Some(parking.clone());
        }
        for delivery in deliveries {
            record.deliveries.insert(delivery.destination.clone(), delivery.clone());
        }
        Ok(())
    }

    async fn applied_version(&self, entity: &str) -> Result<Option<i64>, StoreError> {
        Ok(self.versions.lock().unwrap_or_else(PoisonError::into_inner).get(entity).copied())
    }

    async fn record_version(
        &self,
        entity: &str,
        version: i64,
        _event_id: &str,
        _expires_at: i64,
    ) -> Result<bool, StoreError> {
        let mut versions = self.versions.lock().unwrap_or_else(PoisonError::into_inner);
        match versions.get(entity) {
            Some(applied) if *applied >= version => Ok(false),
            _ => {
                versions.insert(entity.to_owned(), version);
                Ok(true)
            }
        }
    }

    async fn status(&self, key: &RecordKey) -> Result<Option<RecordStatus>, StoreError> {
        let records = self.records.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(records.get(key.pk()).map(|record| RecordStatus {
            status: record.state.name(record.kind).to_owned(),
            attempts: record.attempts,
            event_type: record.event_type.clone(),
            created_at: rfc3339(record.created_at),
            updated_at: rfc3339(record.updated_at),
            result: record.result.clone(),
            error: record.error.clone(),
            deliveries: record.deliveries(),
            archive: record.archive.clone(),
            replays: Vec::new(),
        }))
    }

    async fn archived(&self, keys: &[RecordKey]) -> Result<HashSet<String>, StoreError> {
        let records = self.records.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(keys
            .iter()
            .filter(|key| records.get(key.pk()).is_some_and(|record| record.archive.is_some()))
            .map(|key| key.pk().to_owned())
            .collect())
    }

    async fn parked(
        &self,
        destination: &str,
        due_by: i64,
        limit: usize,
    ) -> Result<(Vec<ParkedEvent>, bool), StoreError> {
        let records = self.records.lock().unwrap_or_else(PoisonError::into_inner);
        let mut parked: Vec<ParkedEvent> = records
            .iter()
            .filter_map(|(pk, record)| Some(ParkedEvent { pk: pk.clone(), parking: record.parking.clone()? }))
            .filter(|parked| parked.parking.destination == destination && parked.parking.due_ms <= due_by)
            .collect();
        parked.sort_by_key(|parked| parked.parking.due_ms);
        let more = parked.len() > limit;
        parked.truncate(limit);
        Ok((parked, more))
    }

    async fn releasable(
        &self,
        destination: &str,
        now: i64,
        limit: usize,
    ) -> Result<(Vec<ParkedEvent>, bool), StoreError> {
        let (mut parked, _) = self.parked(destination, super::HELD, usize::MAX).await?;
        parked.retain(|parked| parked.parking.hold.is_some() || parked.parking.due_ms <= now);
        let more = parked.len() > limit;
        parked.truncate(limit);
        Ok((parked, more))
    }

    async fn held_until_resumed(&self, destination: &str, limit: usize) -> Result<Vec<ParkedEvent>, StoreError> {
        let (mut parked, _) = self.parked(destination, super::HELD, usize::MAX).await?;
        parked.retain(|parked| parked.parking.due_ms == super::HELD);
        parked.truncate(limit);
        Ok(parked)
    }

    async fn unpark(&self, pk: &str, parking: &Parking) -> Result<bool, StoreError> {
        let mut records = self.records.lock().unwrap_or_else(PoisonError::into_inner);
        let same = |parked: &Parking| parked.due_ms == parking.due_ms && parked.parked_at == parking.parked_at;
        let Some(record) = records.get_mut(pk).filter(|record| record.parking.as_ref().is_some_and(same)) else {
            return Ok(false);
        };
        record.parking = None;
        Ok(true)
    }

    async fn set_job_result(&self, id: &str, result: &Value, now: i64) -> Result<bool, StoreError> {
        let mut records = self.records.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(record) = records.get_mut(RecordKey::job(id).pk()).filter(|record| record.state == State::Done) else {
            return Ok(false);
        };
        record.result = Some(result.clone());
        record.updated_at = now;
        Ok(true)
    }
}
