//! The state table in DynamoDB. Every rule is one conditional write, so two invocations racing
//! for the same record cannot both win. Reads of many records at once (the worker's archive check,
//! `hookway events list`) are `BatchGetItem`s of up to 100 keys.

use std::collections::{HashMap, HashSet};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, ReturnValue};

use super::{
    BODY_KEYED, Claim, Claimed, Delivery, DeliveryStatus, HELD, Hold, Kind, NextAttempt, Outcome, ParkedEvent, Parking,
    RecordKey, RecordStatus, State, StateStore, StoreError, WaitReason, rfc3339,
};
use crate::archive::{ArchiveLocation, Line, Stamp};

/// The index of parked events: partition `parkedFor` (the destination), sort `parkedDue`.
pub const PARKED_INDEX: &str = "parked";

/// Keys per `BatchGetItem`, DynamoDB's most.
const BATCH_GET_KEYS: usize = 100;

/// The state table in DynamoDB.
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

type Item = HashMap<String, AttributeValue>;

impl DynamoStore {
    /// The table `table`.
    pub fn new(client: Client, table: impl Into<String>) -> DynamoStore {
        DynamoStore { client, table: table.into() }
    }

    /// The record of event `id` of `source` keyed by its body ([`RecordKey::event_body`]): found by
    /// a scan of the table, read by read — for an operator's `hookway events show`, never on a
    /// request path.
    pub async fn find_body_keyed(&self, source: &str, id: &str) -> Result<Option<RecordKey>, StoreError> {
        let prefix = format!("event#{source}#{BODY_KEYED}");
        let mut pages = self
            .client
            .scan()
            .table_name(&self.table)
            .filter_expression("eventId = :id AND begins_with(pk, :prefix) AND NOT contains(pk, :replay)")
            .expression_attribute_values(":id", s(id))
            .expression_attribute_values(":prefix", s(&prefix))
            .expression_attribute_values(":replay", s("#replay#"))
            .projection_expression("pk")
            .into_paginator()
            .items()
            .send();
        match pages.next().await {
            Some(Ok(item)) => Ok(text(&item, "pk").map(RecordKey::from_event_pk)),
            Some(Err(error)) => Err(store_error(error)),
            None => Ok(None),
        }
    }

    async fn get(&self, pk: &str) -> Result<Option<Item>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(pk))
            .consistent_read(true)
            .send()
            .await
            .map_err(store_error)?;
        Ok(output.item)
    }
}

impl StateStore for DynamoStore {
    async fn claim(&self, claim: &Claim<'_>) -> Result<Claimed, StoreError> {
        let kind = claim.key.kind();
        let mut update = String::from(
            "SET #status = :running, lockedUntil = :locked, updatedAt = :now, expiresAt = :expires, \
             digest = if_not_exists(digest, :digest), createdAt = if_not_exists(createdAt, :now), \
             deliveries = if_not_exists(deliveries, :nodeliveries)",
        );
        if claim.event_type.is_some() {
            update.push_str(", #type = if_not_exists(#type, :type)");
        }
        if claim.archive.is_some() {
            update.push_str(", #archive = if_not_exists(#archive, :archive)");
        }
        if claim.event_id.is_some() {
            update.push_str(", eventId = if_not_exists(eventId, :eventid)");
        }
        // A parked event taken back into the pipeline leaves the `parked` index.
        update.push_str(" REMOVE parkedFor, parkedDue, parkedBody, parkedAttributes, parkedHold, parkedAt");
        update.push_str(" ADD attempts :one");
        // A job waits for its retry in `ACCEPTED`; an event in `WAITING`, where only its newest
        // copy may take it.
        let claimable = match kind {
            Kind::Job => "attribute_not_exists(#status) OR #status IN (:waiting, :failed)",
            Kind::Event => {
                "attribute_not_exists(#status) OR #status = :failed OR (#status = :waiting AND (attribute_not_exists(#sequence) OR #sequence <= :sequence))"
            }
        };
        let request = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(claim.key.pk()))
            .update_expression(update)
            // Another payload under the same id never takes the record (see `Claimed::Conflict`).
            .condition_expression(format!(
                "attribute_not_exists(pk) OR ((attribute_not_exists(digest) OR digest = :digest) AND ({claimable} OR (#status = :running AND lockedUntil < :now)))"
            ))
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":running", s(State::Running.name(kind)))
            .expression_attribute_values(":failed", s(State::Failed.name(kind)))
            .expression_attribute_values(":locked", n(claim.locked_until))
            .expression_attribute_values(":now", n(claim.now))
            .expression_attribute_values(":expires", n(claim.expires_at))
            .expression_attribute_values(":digest", s(claim.digest))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":nodeliveries", AttributeValue::M(HashMap::new()))
            .return_values(ReturnValue::AllNew);
        let request = match kind {
            Kind::Job => request,
            Kind::Event => request
                .expression_attribute_names("#sequence", "sequence")
                .expression_attribute_values(":sequence", n(i64::from(claim.sequence))),
        };
        let request = request.expression_attribute_values(":waiting", s(State::Waiting.name(kind)));
        let request = match claim.event_id {
            Some(id) => request.expression_attribute_values(":eventid", s(id)),
            None => request,
        };
        let request = match claim.event_type {
            Some(event_type) => {
                request.expression_attribute_names("#type", "type").expression_attribute_values(":type", s(event_type))
            }
            None => request,
        };
        let request = match claim.archive {
            Some(location) => request
                .expression_attribute_names("#archive", "archive")
                .expression_attribute_values(":archive", location_item(location)),
            None => request,
        };
        match request.send().await {
            Ok(output) => {
                let item = output.attributes.unwrap_or_default();
                let attempts = number(&item, "attempts").and_then(|a| u32::try_from(a).ok()).unwrap_or(1);
                Ok(Claimed::Acquired { attempts, deliveries: deliveries(&item) })
            }
            Err(error) if is_condition_failure(&error) => {
                let item = self.get(claim.key.pk()).await?.unwrap_or_default();
                if let Some(stored) = text(&item, "digest").filter(|digest| digest != claim.digest) {
                    return Ok(Claimed::Conflict { stored });
                }
                let state = text(&item, "status").and_then(|status| State::parse(kind, &status));
                let newer = number(&item, "sequence").is_some_and(|sequence| sequence > i64::from(claim.sequence));
                Ok(match state {
                    Some(State::Done) => Claimed::AlreadyDone,
                    Some(State::Waiting) if kind == Kind::Event && newer => Claimed::Stale,
                    _ => Claimed::Busy,
                })
            }
            Err(error) => Err(store_error(error)),
        }
    }

    async fn finish(
        &self,
        key: &RecordKey,
        outcome: &Outcome,
        deliveries: &[Delivery],
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(key.pk()))
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":state", s(outcome.state(key.kind()).name(key.kind())))
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":expires", n(expires_at));
        let mut set = String::from("SET #status = :state, updatedAt = :now, expiresAt = :expires");
        // Each delivery in its own path of the map the claim made sure of: the others stay.
        for (index, delivery) in deliveries.iter().enumerate() {
            set.push_str(&format!(", deliveries.#d{index} = :d{index}"));
            request = request
                .expression_attribute_names(format!("#d{index}"), &delivery.destination)
                .expression_attribute_values(format!(":d{index}"), delivery_item(delivery));
        }
        // `#error` is named where it is set or removed: DynamoDB refuses a name no expression uses.
        let (error, remove_error) = match outcome {
            Outcome::Succeeded(_) => (None, true),
            Outcome::Failed { error, .. } => (Some(error), false),
            Outcome::Waiting { error, .. } | Outcome::Parked { error, .. } => (error.as_ref(), false),
        };
        let mut remove = String::from(" REMOVE lockedUntil");
        if let Some(error) = error {
            set.push_str(", #error = :error");
            request = request.expression_attribute_values(":error", s(error));
        }
        if error.is_some() || remove_error {
            request = request.expression_attribute_names("#error", "error");
        }
        if remove_error {
            remove.push_str(", #error");
        }
        if let Outcome::Succeeded(Some(result)) = outcome {
            set.push_str(", #result = :result");
            request = request
                .expression_attribute_names("#result", "result")
                .expression_attribute_values(":result", s(&result.to_string()));
        }
        if let Outcome::Waiting { sequence, .. } | Outcome::Parked { sequence, .. } = outcome {
            set.push_str(", #sequence = :sequence");
            request = request
                .expression_attribute_names("#sequence", "sequence")
                .expression_attribute_values(":sequence", n(i64::from(*sequence)));
        }
        if let Outcome::Parked { parking, .. } = outcome {
            set.push_str(
                ", parkedFor = :parkedfor, parkedDue = :parkeddue, parkedBody = :parkedbody, \
                 parkedAttributes = :parkedattributes, parkedAt = :parkedat",
            );
            request = request
                .expression_attribute_values(":parkedfor", s(&parking.destination))
                .expression_attribute_values(":parkeddue", n(parking.due_ms))
                .expression_attribute_values(":parkedbody", s(&parking.message))
                .expression_attribute_values(":parkedattributes", attributes_item(&parking.attributes))
                .expression_attribute_values(":parkedat", n(parking.parked_at));
            match parking.hold {
                Some(hold) => {
                    set.push_str(", parkedHold = :parkedhold");
                    request = request.expression_attribute_values(":parkedhold", s(hold.name()));
                }
                None => remove.push_str(", parkedHold"),
            }
        }
        let request = request.update_expression(format!("{set}{remove}"));
        request.send().await.map(drop).map_err(store_error)
    }

    async fn applied_version(&self, entity: &str) -> Result<Option<i64>, StoreError> {
        Ok(self.get(entity).await?.and_then(|item| number(&item, "version")))
    }

    async fn record_version(
        &self,
        entity: &str,
        version: i64,
        event_id: &str,
        expires_at: i64,
    ) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(entity))
            .update_expression("SET version = :version, eventId = :event, expiresAt = :expires")
            .condition_expression("attribute_not_exists(version) OR version < :version")
            .expression_attribute_values(":version", n(version))
            .expression_attribute_values(":event", s(event_id))
            .expression_attribute_values(":expires", n(expires_at))
            .send()
            .await;
        written(result)
    }

    async fn status(&self, key: &RecordKey) -> Result<Option<RecordStatus>, StoreError> {
        self.get(key.pk()).await?.map(|item| record_status(&item)).transpose()
    }

    async fn archived(&self, keys: &[RecordKey]) -> Result<HashSet<String>, StoreError> {
        let pks: Vec<&str> = keys.iter().map(RecordKey::pk).collect();
        let items = self.batch_get(&pks, Some("pk, #archive"), false).await?;
        Ok(items.into_iter().filter(|item| item.contains_key("archive")).filter_map(|item| text(&item, "pk")).collect())
    }

    async fn parked(
        &self,
        destination: &str,
        due_by: i64,
        limit: usize,
    ) -> Result<(Vec<ParkedEvent>, bool), StoreError> {
        self.query_parked(destination, due_by, false, limit).await
    }

    async fn releasable(
        &self,
        destination: &str,
        now: i64,
        limit: usize,
    ) -> Result<(Vec<ParkedEvent>, bool), StoreError> {
        // Those due by now, and those held (a filter cannot name the index's sort key).
        let (mut events, more_due) = self.query_parked(destination, now, false, limit).await?;
        let (held, more_held) = self.query_parked(destination, HELD, true, limit).await?;
        events.extend(held.into_iter().filter(|held| held.parking.due_ms > now));
        events.sort_by_key(|parked| parked.parking.due_ms);
        let more = more_due || more_held || events.len() > limit;
        events.truncate(limit);
        Ok((events, more))
    }

    async fn held_until_resumed(&self, destination: &str, limit: usize) -> Result<Vec<ParkedEvent>, StoreError> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(PARKED_INDEX)
            .key_condition_expression("parkedFor = :destination AND parkedDue = :held")
            .expression_attribute_values(":destination", s(destination))
            .expression_attribute_values(":held", n(HELD))
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(store_error)?;
        Ok(output.items().iter().filter_map(parked_event).collect())
    }

    async fn unpark(&self, pk: &str, parking: &Parking) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(pk))
            .update_expression("REMOVE parkedFor, parkedDue, parkedBody, parkedAttributes, parkedHold, parkedAt")
            .condition_expression("parkedDue = :due AND parkedAt = :at")
            .expression_attribute_values(":due", n(parking.due_ms))
            .expression_attribute_values(":at", n(parking.parked_at))
            .send()
            .await;
        written(result)
    }

    async fn set_job_result(&self, id: &str, result: &serde_json::Value, now: i64) -> Result<bool, StoreError> {
        let written_result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(RecordKey::job(id).pk()))
            .update_expression("SET #result = :result, updatedAt = :now")
            .condition_expression("#status = :done")
            .expression_attribute_names("#result", "result")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":result", s(&result.to_string()))
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":done", s(State::Done.name(Kind::Job)))
            .send()
            .await;
        written(written_result)
    }
}

impl DynamoStore {
    /// The events parked for `destination` due by `due_by` — only those held for it, with `held`
    /// — a page at a time until `limit`.
    async fn query_parked(
        &self,
        destination: &str,
        due_by: i64,
        held: bool,
        limit: usize,
    ) -> Result<(Vec<ParkedEvent>, bool), StoreError> {
        let mut parked = Vec::new();
        let mut start = None;
        loop {
            // A filtered page reads more than it returns: read pages of a hundred at least.
            let wanted = limit - parked.len();
            let page = i32::try_from(if held { wanted.max(100) } else { wanted }).unwrap_or(i32::MAX);
            let query = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(PARKED_INDEX)
                .key_condition_expression("parkedFor = :destination AND parkedDue <= :due")
                .expression_attribute_values(":destination", s(destination))
                .expression_attribute_values(":due", n(due_by))
                .limit(page)
                .set_exclusive_start_key(start);
            let query = if held { query.filter_expression("attribute_exists(parkedHold)") } else { query };
            let output = query.send().await.map_err(store_error)?;
            for item in output.items() {
                match parked_event(item) {
                    Some(event) => parked.push(event),
                    None => tracing::error!(destination, "a parked event that cannot be read is left in the index"),
                }
            }
            start = output.last_evaluated_key;
            if start.is_none() || parked.len() >= limit {
                let more = start.is_some() || parked.len() > limit;
                parked.truncate(limit);
                return Ok((parked, more));
            }
        }
    }
}

/// A parked event as the index holds it.
fn parked_event(item: &Item) -> Option<ParkedEvent> {
    let attributes = item.get("parkedAttributes")?.as_l().ok()?;
    let attributes = attributes
        .iter()
        .filter_map(|attribute| match attribute.as_l().ok()?.as_slice() {
            [name, data_type, value] => {
                Some((name.as_s().ok()?.clone(), data_type.as_s().ok()?.clone(), value.as_s().ok()?.clone()))
            }
            _ => None,
        })
        .collect();
    Some(ParkedEvent {
        pk: text(item, "pk")?,
        parking: Parking {
            destination: text(item, "parkedFor")?,
            due_ms: number(item, "parkedDue")?,
            hold: text(item, "parkedHold").and_then(|hold| Hold::parse(&hold)),
            message: text(item, "parkedBody")?,
            attributes,
            parked_at: number(item, "parkedAt").unwrap_or_default(),
        },
    })
}

/// A message's attributes as stored: a list of [name, data type, value].
fn attributes_item(attributes: &[(String, String, String)]) -> AttributeValue {
    AttributeValue::L(
        attributes
            .iter()
            .map(|(name, data_type, value)| AttributeValue::L(vec![s(name), s(data_type), s(value)]))
            .collect(),
    )
}

impl DynamoStore {
    /// Reads many records at once, by partition key: those that exist, parsed.
    pub async fn statuses(&self, keys: &[RecordKey]) -> Result<HashMap<String, RecordStatus>, StoreError> {
        let pks: Vec<&str> = keys.iter().map(RecordKey::pk).collect();
        let mut statuses = HashMap::with_capacity(pks.len());
        for item in self.batch_get(&pks, None, false).await? {
            if let Some(pk) = text(&item, "pk") {
                statuses.insert(pk, record_status(&item)?);
            }
        }
        Ok(statuses)
    }

    /// Records on an event's record that replay run `run` sent it again: `false` if that run
    /// already did (a re-run of an interrupted replay skips it). A record that has expired gets
    /// an item of its own that expires at `expires_at`.
    pub async fn mark_replayed(&self, key: &RecordKey, run: &str, expires_at: i64) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(key.pk()))
            .update_expression("ADD replays :run SET expiresAt = if_not_exists(expiresAt, :expires)")
            .condition_expression("NOT contains(replays, :name)")
            .expression_attribute_values(":run", AttributeValue::Ss(vec![run.to_owned()]))
            .expression_attribute_values(":name", s(run))
            .expression_attribute_values(":expires", n(expires_at))
            .send()
            .await;
        written(result)
    }

    /// `BatchGetItem`s of `pks`, 100 at a time, until nothing is left unprocessed (three tries).
    async fn batch_get(
        &self,
        pks: &[&str],
        projection: Option<&str>,
        consistent: bool,
    ) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::with_capacity(pks.len());
        let mut unique: Vec<&str> = pks.to_vec();
        unique.sort_unstable();
        unique.dedup();
        for chunk in unique.chunks(BATCH_GET_KEYS) {
            let mut keys = KeysAndAttributes::builder().consistent_read(consistent);
            for pk in chunk {
                keys = keys.keys(HashMap::from([("pk".to_owned(), s(pk))]));
            }
            if let Some(projection) = projection {
                keys = keys.projection_expression(projection).expression_attribute_names("#archive", "archive");
            }
            let mut pending = Some(keys.build().map_err(|error| StoreError(error.to_string()))?);
            for _ in 0..3 {
                let Some(request) = pending.take() else { break };
                let output = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, request)
                    .send()
                    .await
                    .map_err(store_error)?;
                items.extend(output.responses.and_then(|mut tables| tables.remove(&self.table)).unwrap_or_default());
                pending = output
                    .unprocessed_keys
                    .and_then(|mut tables| tables.remove(&self.table))
                    .filter(|left| !left.keys().is_empty());
            }
            if pending.is_some() {
                return Err(StoreError("BatchGetItem left keys unprocessed three times (throttled)".into()));
            }
        }
        Ok(items)
    }
}

/// A record's item, read.
fn record_status(item: &Item) -> Result<RecordStatus, StoreError> {
    let result = match text(item, "result") {
        Some(json) => Some(serde_json::from_str(&json).map_err(|error| StoreError(error.to_string()))?),
        None => None,
    };
    let mut replays = match item.get("replays") {
        Some(AttributeValue::Ss(runs)) => runs.clone(),
        _ => Vec::new(),
    };
    replays.sort();
    Ok(RecordStatus {
        status: text(item, "status").unwrap_or_default(),
        attempts: number(item, "attempts").and_then(|a| u32::try_from(a).ok()).unwrap_or_default(),
        event_type: text(item, "type"),
        created_at: rfc3339(number(item, "createdAt").unwrap_or_default()),
        updated_at: rfc3339(number(item, "updatedAt").unwrap_or_default()),
        result,
        error: text(item, "error"),
        deliveries: deliveries(item),
        archive: item.get("archive").and_then(location),
        replays,
    })
}

/// An archive location as a map attribute: `{key, offset, length}` for a line of an object,
/// `{streamedAt}` (RFC 3339) for an event put into the archive stream.
fn location_item(location: &ArchiveLocation) -> AttributeValue {
    AttributeValue::M(match location {
        ArchiveLocation::Line(line) => Item::from([
            ("key".to_owned(), s(&line.key)),
            ("offset".to_owned(), n(i64::try_from(line.offset).unwrap_or(i64::MAX))),
            ("length".to_owned(), n(i64::try_from(line.length).unwrap_or(i64::MAX))),
        ]),
        ArchiveLocation::Stream { at } => Item::from([("streamedAt".to_owned(), s(at.as_str()))]),
    })
}

fn location(value: &AttributeValue) -> Option<ArchiveLocation> {
    let fields = value.as_m().ok()?;
    if let Some(at) = text(fields, "streamedAt") {
        return Some(ArchiveLocation::Stream { at: Stamp::parse(&at)? });
    }
    let unsigned = |name: &str| number(fields, name).and_then(|value| u64::try_from(value).ok());
    let line = Line { key: text(fields, "key")?, offset: unsigned("offset")?, length: unsigned("length")? };
    Some(ArchiveLocation::Line(line))
}

/// A delivery as a map attribute.
fn delivery_item(delivery: &Delivery) -> AttributeValue {
    let mut item = Item::from([
        ("index".to_owned(), n(i64::from(delivery.index))),
        ("status".to_owned(), s(delivery.status.name())),
        ("attempts".to_owned(), n(i64::from(delivery.attempts))),
        ("updatedAt".to_owned(), n(delivery.updated_at)),
    ]);
    if let Some(status) = delivery.last_status {
        item.insert("lastStatus".to_owned(), n(i64::from(status)));
    }
    if let Some(latency) = delivery.latency_ms {
        item.insert("latencyMs".to_owned(), n(i64::try_from(latency).unwrap_or(i64::MAX)));
    }
    if let Some(error) = &delivery.error {
        item.insert("error".to_owned(), s(error));
    }
    if let Some(at) = delivery.delivered_at {
        item.insert("deliveredAt".to_owned(), n(at));
    }
    if delivery.retries > 0 {
        item.insert("retries".to_owned(), n(i64::from(delivery.retries)));
    }
    if let Some(next) = delivery.next_attempt {
        item.insert("nextAttemptAt".to_owned(), n(next.at_ms));
        item.insert("waitReason".to_owned(), s(next.reason.name()));
    }
    AttributeValue::M(item)
}

/// The deliveries of a record's item, by index; one that cannot be read is left out.
fn deliveries(item: &Item) -> Vec<Delivery> {
    let Some(Ok(map)) = item.get("deliveries").map(AttributeValue::as_m) else {
        return Vec::new();
    };
    let mut deliveries: Vec<Delivery> = map
        .iter()
        .filter_map(|(destination, value)| {
            let fields = value.as_m().ok()?;
            let small = |name: &str| number(fields, name).and_then(|value| u32::try_from(value).ok());
            Some(Delivery {
                destination: destination.clone(),
                index: small("index")?,
                status: DeliveryStatus::parse(&text(fields, "status")?)?,
                attempts: small("attempts").unwrap_or_default(),
                last_status: number(fields, "lastStatus").and_then(|status| u16::try_from(status).ok()),
                latency_ms: number(fields, "latencyMs").and_then(|latency| u64::try_from(latency).ok()),
                error: text(fields, "error"),
                delivered_at: number(fields, "deliveredAt"),
                updated_at: number(fields, "updatedAt").unwrap_or_default(),
                retries: small("retries").unwrap_or_default(),
                next_attempt: number(fields, "nextAttemptAt")
                    .zip(text(fields, "waitReason"))
                    .and_then(|(at_ms, reason)| Some(NextAttempt { at_ms, reason: WaitReason::parse(&reason)? })),
            })
        })
        .collect();
    deliveries.sort_by_key(|delivery| delivery.index);
    deliveries
}

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn text(item: &Item, name: &str) -> Option<String> {
    item.get(name)?.as_s().ok().cloned()
}

fn number(item: &Item, name: &str) -> Option<i64> {
    item.get(name)?.as_n().ok()?.parse().ok()
}

/// A conditional write's result: `true` if it was made, `false` if its condition did not hold.
pub fn written<O, E, R>(result: Result<O, SdkError<E, R>>) -> Result<bool, StoreError>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match result {
        Ok(_) => Ok(true),
        Err(error) if is_condition_failure(&error) => Ok(false),
        Err(error) => Err(store_error(error)),
    }
}

/// Whether DynamoDB refused a write because its condition did not hold.
pub fn is_condition_failure<E: ProvideErrorMetadata, R>(error: &SdkError<E, R>) -> bool {
    error.as_service_error().and_then(ProvideErrorMetadata::code) == Some("ConditionalCheckFailedException")
}

/// An SDK error as a store error, in words ([`crate::aws::sdk_error_words`]).
pub fn store_error<E, R>(error: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    StoreError(crate::aws::sdk_error_words(&error))
}
