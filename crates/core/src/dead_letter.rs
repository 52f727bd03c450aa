//! Why an event is in the events dead-letter queue, as the worker writes it and `hookway dlq`
//! reads it. SQS moves an event there after `queue.maxReceiveCount` receives — crashes and
//! poison messages: its last error is on its record in the state table. The worker sends one
//! there itself when a destination refuses it for good (a 4xx other than 408 and 429), at once,
//! and when a delivery's retry schedule is used up, with these message attributes beside the
//! envelope's own `source` and `type`. It sends one there too when the event's id was first
//! processed with another body (`id-conflict`): the reason names both bodies' SHA-256 digests, and
//! no destination.

/// Why: e.g. `https://billing.example.com/hooks answered 400 Bad Request`.
pub const REASON_ATTRIBUTE: &str = "hookway-reason";
/// The destination's HTTP status, a number.
pub const STATUS_ATTRIBUTE: &str = "hookway-status";
/// The delivery that was refused, or gave up: `forward <url>`.
pub const DESTINATION_ATTRIBUTE: &str = "hookway-destination";
/// `refused` (for good, by the destination), `retries-exhausted` (its retry schedule is used up)
/// or `id-conflict` (its id was first processed with another body).
pub const CAUSE_ATTRIBUTE: &str = "hookway-cause";

/// Every attribute of a dead letter of the worker's, so that a redrive can leave them behind.
pub const ATTRIBUTES: [&str; 4] = [REASON_ATTRIBUTE, STATUS_ATTRIBUTE, DESTINATION_ATTRIBUTE, CAUSE_ATTRIBUTE];

/// Why the worker dead-lettered an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// Why, with every delivery that failed.
    pub reason: String,
    /// The destination's last HTTP status.
    pub status: Option<u16>,
    /// The delivery that was refused, or gave up; empty for an id conflict.
    pub destination: String,
    /// Which of the three.
    pub cause: Cause,
}

/// What sent an event to the dead-letter queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// A destination refused it for good.
    Refused,
    /// A delivery's retry schedule is used up.
    RetriesExhausted,
    /// Its id was first processed with another body: it is neither that event nor a duplicate.
    IdConflict,
}

impl Cause {
    /// The attribute's value.
    pub fn name(self) -> &'static str {
        match self {
            Cause::Refused => "refused",
            Cause::RetriesExhausted => "retries-exhausted",
            Cause::IdConflict => "id-conflict",
        }
    }
}

impl DeadLetter {
    /// The letter's message attributes: name, SQS data type, value.
    pub fn attributes(&self) -> Vec<(&'static str, &'static str, String)> {
        let mut attributes = vec![
            (REASON_ATTRIBUTE, "String", self.reason.clone()),
            (CAUSE_ATTRIBUTE, "String", self.cause.name().to_owned()),
        ];
        // SQS refuses an empty attribute value.
        if !self.destination.is_empty() {
            attributes.push((DESTINATION_ATTRIBUTE, "String", self.destination.clone()));
        }
        if let Some(status) = self.status {
            attributes.push((STATUS_ATTRIBUTE, "Number", status.to_string()));
        }
        attributes
    }

    /// The letter a message's attributes describe, if the worker wrote one.
    pub fn from_attributes(attribute: impl Fn(&str) -> Option<String>) -> Option<DeadLetter> {
        Some(DeadLetter {
            reason: attribute(REASON_ATTRIBUTE)?,
            status: attribute(STATUS_ATTRIBUTE).and_then(|status| status.parse().ok()),
            destination: attribute(DESTINATION_ATTRIBUTE).unwrap_or_default(),
            // Letters written before there were two causes were refusals.
            cause: match attribute(CAUSE_ATTRIBUTE).as_deref() {
                Some("retries-exhausted") => Cause::RetriesExhausted,
                Some("id-conflict") => Cause::IdConflict,
                _ => Cause::Refused,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_letter_round_trips_through_its_attributes() {
        let letter = DeadLetter {
            reason: "http://x/hooks answered 400 Bad Request".into(),
            status: Some(400),
            destination: "forward http://x/hooks".into(),
            cause: Cause::Refused,
        };
        let attributes = letter.attributes();
        let read = DeadLetter::from_attributes(|name| {
            attributes.iter().find(|(attribute, _, _)| *attribute == name).map(|(_, _, value)| value.clone())
        });
        assert_eq!(read, Some(letter.clone()));
        let exhausted = DeadLetter { cause: Cause::RetriesExhausted, ..letter };
        let attributes = exhausted.attributes();
        let read = DeadLetter::from_attributes(|name| {
            attributes.iter().find(|(attribute, _, _)| *attribute == name).map(|(_, _, value)| value.clone())
        });
        assert_eq!(read, Some(exhausted));
        let conflict = DeadLetter {
            reason: "id-conflict: …".into(),
            status: None,
            destination: String::new(),
            cause: Cause::IdConflict,
        };
        let attributes = conflict.attributes();
        assert!(attributes.iter().all(|(_, _, value)| !value.is_empty()), "{attributes:?}");
        let read = DeadLetter::from_attributes(|name| {
            attributes.iter().find(|(attribute, _, _)| *attribute == name).map(|(_, _, value)| value.clone())
        });
        assert_eq!(read, Some(conflict));
        assert_eq!(DeadLetter::from_attributes(|_| None), None, "one SQS moved there itself");
    }
}
