//! The parsers of what arrives from outside the intake's request path: `hookway.json` (an
//! operator's file, and the Lambdas' environment), its IP ranges, the event envelope (read by the
//! worker from SQS), the job event (from API Gateway's template) and a secret parameter's value
//! (from SSM). No input makes them panic, and what they write they read back unchanged.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use hookway_core::Config;
use hookway_core::cidr::Cidr;
use hookway_core::config::{SchemeName, SourceConfig};
use hookway_core::envelope::{ENVELOPE_VERSION, Envelope};
use hookway_core::job::JobEvent;
use hookway_core::secret::{StoredSecret, format_parameter, parse_parameter};
use hookway_properties::{check, noise};
use proptest::prelude::*;
use serde_json::{Value, json};

/// The words `hookway.json` is made of, so that generated documents get past the first field.
const WORDS: &[&str] = &[
    "sources",
    "name",
    "scheme",
    "secretParameters",
    "toleranceSeconds",
    "hideRejections",
    "hmac",
    "ordering",
    "allowIps",
    "routes",
    "source",
    "type",
    "handler",
    "forward",
    "url",
    "intake",
    "worker",
    "queue",
    "jobs",
    "alarms",
    "slack",
    "workspaceId",
    "channelId",
    "api",
    "tracing",
    "maxBodyBytes",
    "signatureHeader",
    "template",
    "github",
    "stripe",
    "hmac",
    "log",
    "entityPointer",
    "versionPointer",
    "$schema",
    "logRetentionDays",
];

/// Any JSON value, its object keys mostly the configuration's own words.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        "[ -~]{0,20}".prop_map(Value::from),
        proptest::sample::select(WORDS).prop_map(Value::from),
        "(/[a-z]{1,8}){1,3}".prop_map(Value::from),
        "[0-9]{1,3}(\\.[0-9]{1,3}){3}(/[0-9]{1,2})?".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            proptest::collection::btree_map(
                prop_oneof![4 => proptest::sample::select(WORDS).prop_map(str::to_owned), 1 => "[a-zA-Z]{1,10}"],
                inner,
                0..6
            )
            .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// Text: JSON (well-formed or cut short), or arbitrary characters.
fn document() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => json_value().prop_map(|value| value.to_string()),
        2 => (json_value(), any::<usize>()).prop_map(|(value, cut)| {
            let text = value.to_string();
            let cut = cut % (text.len() + 1);
            text.char_indices().map(|(i, _)| i).take_while(|i| *i <= cut).last().map_or(String::new(), |cut| text[..cut].to_owned())
        }),
        1 => any::<String>(),
    ]
}

#[test]
fn no_text_makes_the_configuration_parser_panic() {
    check("hookway.json parses or names its fault", document(), |text| {
        if let Err(error) = Config::from_json(&text) {
            prop_assert!(!error.to_string().is_empty());
        }
        Ok(())
    });
}

fn source_name() -> impl Strategy<Value = String> {
    "[a-z0-9][a-z0-9_-]{0,20}".prop_filter("jobs is reserved", |name| name != "jobs")
}

fn cidr() -> impl Strategy<Value = Cidr> {
    prop_oneof![
        (any::<[u8; 4]>(), 0u8..=32).prop_map(|(octets, prefix)| (IpAddr::from(octets), prefix)),
        (any::<[u8; 16]>(), 0u8..=128).prop_map(|(octets, prefix)| (IpAddr::from(octets), prefix)),
    ]
    .prop_map(|(address, prefix)| {
        // The network of `address`/`prefix`: the host bits cleared, as a range must be written.
        let masked = match address {
            IpAddr::V4(v4) => {
                IpAddr::V4(Ipv4Addr::from(u32::from(v4) & u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0)))
            }
            IpAddr::V6(v6) => {
                IpAddr::V6(Ipv6Addr::from(u128::from(v6) & u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0)))
            }
        };
        format!("{masked}/{prefix}").parse().unwrap()
    })
}

fn needs_token(scheme: SchemeName) -> bool {
    scheme.provider().is_some_and(|provider| {
        matches!(
            provider.spec.handshake,
            Some(hookway_core::hookway_providers::spec::Handshake::Get { needs_token: true, .. })
        )
    })
}

/// A valid configuration, as an operator could write it.
fn config() -> impl Strategy<Value = Config> {
    let source = (
        source_name(),
        proptest::sample::select(SchemeName::all().filter(|scheme| !scheme.is_custom()).collect::<Vec<_>>()),
        proptest::collection::vec("(/[a-zA-Z0-9_.-]{1,12}){1,3}", 1..3),
        1u64..=3600,
        any::<bool>(),
        proptest::option::of(proptest::collection::vec(cidr(), 1..4)),
    )
        .prop_map(|(name, scheme, secret_parameters, tolerance_seconds, hide_rejections, allow_ips)| {
            // Each source its own parameters: a shared one needs `sharedSecretWith`.
            let secret_parameters = secret_parameters.iter().map(|parameter| format!("/{name}{parameter}")).collect();
            SourceConfig {
                name,
                scheme,
                secret_parameters,
                shared_secret_with: None,
                throttle: None,
                tolerance_seconds,
                hide_rejections,
                hmac: None,
                ordering: None,
                allow_ips: allow_ips.map(|ranges| ranges.iter().map(Cidr::to_string).collect()),
                // A provider whose GET handshake checks a verify token needs its parameter.
                verify_token_parameter: needs_token(scheme).then(|| "/hookway/meta/verify-token".to_owned()),
                public_url: None,
                acknowledge: Vec::new(),
            }
        });
    (
        proptest::collection::vec(source, 1..5),
        any::<bool>(),
        1usize..=512 * 1024,
        proptest::option::of(("[0-9A-Z]{1,20}", "[A-Za-z0-9]{1,20}")),
        1u32..=100,
    )
        .prop_map(|(mut sources, tracing, max_body_bytes, slack, failure_rate_percent)| {
            let mut seen = std::collections::HashSet::new();
            sources.retain(|source| seen.insert(source.name.clone()));
            let mut config =
                Config::from_json(r#"{"sources": [{"name": "a", "scheme": "github", "secretParameters": ["/a"]}]}"#)
                    .unwrap();
            config.sources = sources;
            config.tracing = tracing;
            config.intake.max_body_bytes = max_body_bytes;
            config.alarms.failure_rate_percent = failure_rate_percent;
            config.alarms.slack =
                slack.map(|(workspace_id, channel_id)| hookway_core::config::SlackConfig { workspace_id, channel_id });
            config
        })
}

#[test]
fn a_configuration_reads_back_as_it_was_written() {
    check("parse(render(hookway.json)) == hookway.json", config(), |config| {
        prop_assert_eq!(config.validate().map_err(|error| error.to_string()), Ok(()));
        let written = serde_json::to_string_pretty(&config).unwrap();
        prop_assert_eq!(Config::from_json(&written).map_err(|error| error.to_string()), Ok(config));
        Ok(())
    });
}

#[test]
fn an_ip_range_reads_back_as_it_was_written_and_holds_its_network() {
    check("parse(render(range)) == range", (cidr(), any::<[u8; 16]>()), |(range, probe)| {
        prop_assert_eq!(range.to_string().parse::<Cidr>(), Ok(range));
        prop_assert!(range.contains(range.network()));
        // An address agrees with the range on its first `prefix` bits exactly when it is in it.
        let probe = match range.network() {
            IpAddr::V4(_) => IpAddr::from([probe[0], probe[1], probe[2], probe[3]]),
            IpAddr::V6(_) => IpAddr::from(probe),
        };
        let bits = |address: IpAddr| match address {
            IpAddr::V4(v4) => (u128::from(u32::from(v4)), 32u32),
            IpAddr::V6(v6) => (u128::from(v6), 128u32),
        };
        let ((probe_bits, width), (network_bits, _)) = (bits(probe), bits(range.network()));
        let shift = width - u32::from(range.prefix());
        let same_prefix = probe_bits.checked_shr(shift).unwrap_or(0) == network_bits.checked_shr(shift).unwrap_or(0);
        prop_assert_eq!(range.contains(probe), same_prefix);
        Ok(())
    });
    check("no text makes the range parser panic", prop_oneof!["[0-9a-fA-F:./]{0,45}", any::<String>()], |text| {
        if let Ok(range) = text.parse::<Cidr>() {
            prop_assert_eq!(range.to_string().parse::<Cidr>(), Ok(range));
        }
        Ok(())
    });
}

fn body_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => proptest::collection::vec(any::<u8>(), 0..300),
        2 => any::<String>().prop_map(String::into_bytes),
        1 => Just("\u{FFFE}\u{FFFF} \u{0}".as_bytes().to_vec()),
        1 => (any::<u64>(), 4_096usize..65_536).prop_map(|(seed, len)| noise(seed, len)),
    ]
}

#[test]
fn an_envelope_reads_back_as_it_was_written_byte_for_byte() {
    let strategy = (
        "[ -~]{1,64}",
        source_name(),
        proptest::option::of(any::<String>()),
        proptest::option::of("[ -~]{0,40}"),
        proptest::collection::btree_map("[a-z-]{1,20}", any::<String>(), 0..4),
        body_bytes(),
        proptest::option::of("[ -~]{1,40}"),
    );
    check(
        "parse(render(envelope)) == envelope",
        strategy,
        |(id, source, event_type, content_type, headers, body, replay)| {
            let (body_encoding, encoded) = Envelope::encode_body(&body);
            let mut envelope = Envelope {
                version: ENVELOPE_VERSION,
                id: Cow::Borrowed(&id),
                source: Cow::Borrowed(&source),
                event_type: event_type.as_deref().map(Cow::Borrowed),
                received_at: Cow::Borrowed("2026-11-22T05:44:00.123Z"),
                request_id: None,
                content_type: content_type.as_deref().map(Cow::Borrowed),
                headers: headers.iter().map(|(k, v)| (Cow::Borrowed(k.as_str()), Cow::Borrowed(v.as_str()))).collect(),
                body_encoding,
                body: encoded,
                body_object: None,
                replay: replay.as_deref().map(Cow::Borrowed),
                retry: None,
            };
            let message = envelope.to_message().unwrap();
            let read = Envelope::from_json(&message).unwrap();
            let bytes = read.body_bytes().unwrap();
            prop_assert_eq!(bytes.as_ref(), &body[..]);
            prop_assert_eq!(&read, &envelope);
            Ok(())
        },
    );
}

#[test]
fn no_message_makes_the_envelope_parser_panic() {
    let valid = hookway_core::envelope::queued("github", "evt_1", "push", r#"{"zen": "Keep it logically awesome."}"#);
    let mutated = (any::<usize>(), any::<char>()).prop_map(move |(at, to)| {
        let mut chars: Vec<char> = valid.chars().collect();
        let at = at % chars.len();
        chars[at] = to;
        chars.into_iter().collect::<String>()
    });
    check("an envelope parses or is refused", prop_oneof![document().boxed(), mutated.boxed()], |text: String| {
        if let Ok(envelope) = Envelope::from_json(&text) {
            let _ = envelope.body_bytes();
        }
        Ok(())
    });
}

fn text_map() -> impl Strategy<Value = BTreeMap<String, String>> {
    proptest::collection::btree_map("[ -~]{1,20}", any::<String>(), 0..4)
}

#[test]
fn a_job_event_reads_back_as_it_was_written() {
    let strategy = (json_value(), text_map(), text_map(), text_map(), any::<String>(), "[ -~]{1,40}", any::<String>());
    check(
        "parse(render(job event)) == job event",
        strategy,
        |(body_json, path, querystring, header, stage, request_id, user_agent)| {
            let mut event: JobEvent =
                serde_json::from_str(include_str!("../../../fixtures/apigw-async-job-event.json")).unwrap();
            event.body_json = body_json;
            event.params.path = path;
            event.params.querystring = querystring;
            event.params.header = header;
            event.context.stage = stage;
            event.context.request_id = request_id;
            event.context.user_agent = user_agent;
            let written = serde_json::to_string(&event).unwrap();
            prop_assert_eq!(serde_json::from_str::<JobEvent>(&written).unwrap(), event);
            Ok(())
        },
    );
}

#[test]
fn no_payload_makes_the_job_event_parser_panic() {
    check("a job event parses or is refused", document(), |text| {
        if let Ok(event) = serde_json::from_str::<JobEvent>(&text) {
            let _ = (event.job_id(), event.job_type());
        }
        Ok(())
    });
}

#[test]
fn a_secret_parameter_reads_back_as_it_was_written() {
    let secret = (any::<String>(), proptest::option::of(0i64..=4_102_444_800))
        .prop_map(|(value, expires_at)| StoredSecret { value, expires_at });
    check("parse(format(secrets)) == secrets", proptest::collection::vec(secret, 1..4), |secrets| {
        let stored = format_parameter(&secrets);
        prop_assert_eq!(parse_parameter(&stored).map_err(|error| error.to_string()), Ok(secrets));
        Ok(())
    });
    check("no stored value makes the parameter parser panic", document(), |text| {
        let _ = parse_parameter(&text);
        Ok(())
    });
}
