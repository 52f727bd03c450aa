//! Grafana Alerting (webhook contact point with an HMAC signature): `X-Grafana-Alerting-Signature:
//! <hex>`, HMAC-SHA256 of `{timestamp}:{body}` with the contact point's HMAC secret as UTF-8, where
//! the timestamp (Unix seconds) is sent in the timestamp header the contact point names — Hookway
//! expects `X-Grafana-Alerting-Signature-Timestamp`, the name Grafana's provisioning docs use, and
//! checks it against the tolerance. Grafana signs the body alone when no timestamp header is set;
//! Hookway does not accept that form, which bounds no replay. The type is the body's `status`
//! (`firing`, `resolved`); a notification has no id, so a digest of the body stands for it.

use crate::spec::*;

/// Grafana.
pub const PROVIDER: Provider = Provider {
    name: "grafana",
    title: "Grafana",
    docs: "https://grafana.com/docs/grafana/latest/alerting/configure-notifications/manage-contact-points/integrations/webhook-notifier/",
    setup: "In Grafana, open Alerting > Contact points > Add contact point > Webhook, paste `https://<api>/webhooks/<source>` as the URL, and under Optional settings > HMAC Signature set a Secret (that is the secret) and the Timestamp Header `X-Grafana-Alerting-Signature-Timestamp`.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "X-Grafana-Alerting-Signature", prefix: "", encoding: Encoding::Hex },
        signed: &[Part::Timestamp, Part::text(":"), Part::Body],
        timestamp: Some(Timestamp {
            at: TimestampAt::Header("X-Grafana-Alerting-Signature-Timestamp"),
            format: TimeFormat::UnixSeconds,
            checked: true,
        }),
        event_type: Some(Locate::Pointer("/status")),
        ..Spec::BODY_HMAC
    },
};
