//! The ordering guard's reading of an event: which entity it changes, and to which version.
//! Providers deliver out of order; where a source names these (JSON pointers into the body), an
//! event older than the version already applied to its entity is acknowledged and skipped.

use std::collections::HashMap;
use std::time::UNIX_EPOCH;

use hookway_core::config::{Config, OrderingConfig};
use hookway_core::store::entity_key;
use serde_json::Value;

use crate::event::Event;

/// Where an event stands in its entity's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// The entity's item key in the state table.
    pub entity: String,
    /// Its version: an integer, or an RFC 3339 time as Unix milliseconds.
    pub version: i64,
}

/// Each source's ordering pointers.
#[derive(Debug, Clone, Default)]
pub struct OrderingGuard {
    sources: HashMap<String, OrderingConfig>,
}

impl OrderingGuard {
    /// The pointers of every source that has them.
    pub fn new(config: &Config) -> OrderingGuard {
        let sources =
            config.sources.iter().filter_map(|source| Some((source.name.clone(), source.ordering.clone()?))).collect();
        OrderingGuard { sources }
    }

    /// The event's position, if its source is ordered and its body names both pointers.
    pub fn position(&self, event: &Event) -> Option<Position> {
        let pointers = self.sources.get(&event.source)?;
        let body: Value = event.json().ok()?;
        let position = match (body.pointer(&pointers.entity_pointer), body.pointer(&pointers.version_pointer)) {
            (Some(entity), Some(version)) => scalar(entity).zip(version_of(version)),
            _ => None,
        };
        if position.is_none() {
            tracing::warn!(
                "ordered source, but the body lacks a usable entity or version: processed without the guard"
            );
        }
        position.map(|(entity, version)| Position { entity: entity_key(&event.source, &entity), version })
    }
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// Integers (or integer strings) as they are; RFC 3339 times as Unix milliseconds.
fn version_of(value: &Value) -> Option<i64> {
    match value {
        Value::Number(number) => number.as_i64(),
        Value::String(text) => text.parse().ok().or_else(|| {
            let time = hookway_core::parse_rfc3339(text)?;
            i64::try_from(time.duration_since(UNIX_EPOCH).ok()?.as_millis()).ok()
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard() -> OrderingGuard {
        let config = Config::from_json(include_str!("../../../hookway.json")).unwrap();
        OrderingGuard::new(&config)
    }

    fn event(source: &str, body: &str) -> Event {
        Event {
            id: "evt".into(),
            source: source.into(),
            event_type: None,
            received_at: String::new(),
            content_type: None,
            headers: Default::default(),
            body: bytes::Bytes::copy_from_slice(body.as_bytes()),
            body_object: None,
            replay: None,
            attempt: 1,
            retry: None,
            set_headers: Vec::new(),
        }
    }

    #[test]
    fn an_ordered_source_positions_its_events_by_entity_and_version() {
        let body = r#"{"id": "evt_1", "created": 1700000000, "data": {"object": {"id": "in_1"}}}"#;
        let position = guard().position(&event("stripe", body)).unwrap();
        assert_eq!(position, Position { entity: "entity#stripe#in_1".into(), version: 1_700_000_000 });
    }

    #[test]
    fn versions_may_be_integer_strings_or_rfc3339_times() {
        assert_eq!(version_of(&Value::from("42")), Some(42));
        assert_eq!(version_of(&Value::from("2023-11-14T22:13:20.5Z")), Some(1_700_000_000_500));
        assert_eq!(version_of(&Value::from("yesterday")), None);
        assert_eq!(version_of(&Value::from(1.5)), None);
    }

    #[test]
    fn unordered_sources_and_bodies_without_the_pointers_have_no_position() {
        assert_eq!(guard().position(&event("github", r#"{"created": 1, "data": {"object": {"id": "x"}}}"#)), None);
        assert_eq!(guard().position(&event("stripe", r#"{"created": 1}"#)), None);
        assert_eq!(guard().position(&event("stripe", "not json")), None);
    }
}
