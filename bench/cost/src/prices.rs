//! `cost/prices.json`: each price with its date and the public page it comes from.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::CostError;

/// The price table.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Prices {
    /// Where the prices hold.
    pub region: String,
    /// By key (`sqs.requests`).
    pub prices: BTreeMap<String, Price>,
    /// Hosted gateways' published prices, to compare with.
    #[serde(default)]
    pub peers: Vec<Peer>,
    /// What a function waits for a call, by service (and `destination`), to add to its CPU time.
    pub latencies: Latencies,
    /// How Lambda's SQS event source mapping polls.
    pub event_source_mapping: EventSourceMapping,
}

/// What the SQS event source mapping is assumed to do that its bill depends on.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventSourceMapping {
    /// Pollers long-polling the queue while it is idle.
    pub pollers: f64,
    /// Where the figure comes from.
    pub source: String,
    /// When.
    pub date: String,
}

/// Assumed waits, in seconds.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Latencies {
    /// By service: `sqs`, `dynamodb`, `s3`, `ssm`, and `destination` (a forward's answer).
    pub seconds: BTreeMap<String, f64>,
    /// Where the figures come from.
    pub source: String,
    /// When.
    pub date: String,
}

impl Latencies {
    /// The wait for one call to `service`.
    pub fn of(&self, service: &str) -> f64 {
        self.seconds.get(service).copied().unwrap_or(0.0)
    }
}

/// One price: `usd` for `per` units.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Price {
    /// Dollars…
    pub usd: f64,
    /// …for this many units.
    pub per: f64,
    /// What a unit is.
    pub unit: String,
    /// Units free each month, forever (not subtracted; shown apart).
    #[serde(default)]
    pub free_tier: Option<f64>,
    /// When the page was read.
    pub date: String,
    /// The page.
    pub source: String,
}

/// A hosted gateway's price.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Peer {
    /// Its name.
    pub name: String,
    /// Dollars per million events.
    pub usd_per_million: f64,
    /// What the price is.
    pub note: String,
    /// When the page was read.
    pub date: String,
    /// The page.
    pub source: String,
}

impl Prices {
    /// The table this build carries.
    pub fn bundled() -> Result<Prices, CostError> {
        serde_json::from_str(crate::PRICES_JSON).map_err(|source| CostError::Json { what: "cost/prices.json", source })
    }

    /// The price of one unit of `key`.
    pub fn unit(&self, key: &str) -> Result<f64, CostError> {
        let price = self.prices.get(key).ok_or_else(|| CostError::NoPrice(key.to_owned()))?;
        Ok(price.usd / price.per)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_price_names_its_page_and_date() {
        let prices = Prices::bundled().unwrap();
        for (key, price) in &prices.prices {
            assert!(price.source.starts_with("https://"), "{key}: {}", price.source);
            assert_eq!(price.date.len(), 10, "{key}: {}", price.date);
            assert!(price.usd >= 0.0 && price.per > 0.0, "{key}");
        }
        assert!((prices.unit("sqs.requests").unwrap() - 0.4e-6).abs() < 1e-15);
    }
}
