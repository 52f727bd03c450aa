//! Why an event is in the events dead-letter queue, as the worker writes it and `hookway dlq`
//! reads it. SQS moves an event there after `queue.maxReceiveCount` receives (its last error is
//! on its record in the state table); the worker sends one there itself, at once, when a
//! destination refuses it for good (a 4xx other than 408 and 429), with these message attributes
//! beside the envelope's own `source` and `type`.

/// Why: e.g. `https://billing.example.com/hooks answered 400 Bad Request`.
pub const REASON_ATTRIBUTE: &str = "hookway-reason";
/// The destination's HTTP status, a number.
pub const STATUS_ATTRIBUTE: &str = "hookway-status";
/// The delivery that was refused: `forward <url>`.
pub const DESTINATION_ATTRIBUTE: &str = "hookway-destination";

/// Every attribute of a dead letter of the worker's, so that a redrive can leave them behind.
pub const ATTRIBUTES: [&str; 3] = [REASON_ATTRIBUTE, STATUS_ATTRIBUTE, DESTINATION_ATTRIBUTE];

/// Why the worker dead-lettered an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// Why, with every delivery that failed.
    pub reason: String,
    /// The refusing destination's HTTP status.
    pub status: Option<u16>,
    /// The refused delivery.
    pub destination: String,
}

impl DeadLetter {
    /// The letter's message attributes: name, SQS data type, value.
    pub fn attributes(&self) -> Vec<(&'static str, &'static str, String)> {
        let mut attributes = vec![
            (REASON_ATTRIBUTE, "String", self.reason.clone()),
            (DESTINATION_ATTRIBUTE, "String", self.destination.clone()),
        ];
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
        };
        let attributes = letter.attributes();
        let read = DeadLetter::from_attributes(|name| {
            attributes.iter().find(|(attribute, _, _)| *attribute == name).map(|(_, _, value)| value.clone())
        });
        assert_eq!(read, Some(letter));
        assert_eq!(DeadLetter::from_attributes(|_| None), None, "one SQS moved there itself");
    }
}
