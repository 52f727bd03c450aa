//! `hookway providers`: the catalog — each provider's name, the header(s) it signs in, its
//! algorithm, and what its source needs in `hookway.json`. `--markdown` prints the providers table of
//! the docs (docs/guides/providers.md); `--replays` their table of what each signature covers and
//! how replays are stopped (docs/how-it-works/security.md); `--captured` SECURITY.md's table of what
//! a captured request can do, and for how long; `--pages` writes a docs page per provider and
//! `--summary` the lines of docs/SUMMARY.md that list those pages.

use std::process::ExitCode;

use hookway_core::config::RecordTtl;
use hookway_core::hookway_providers::spec::{Algorithm, Evidence, Handshake, Locate, Part, SecretFormat};
use hookway_core::scheme::{CATALOG, Provider};
use serde_json::json;

use crate::error::CliError;
use crate::output::{json_line, out, outln};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print the providers table of the docs (Markdown) instead.
    #[arg(long)]
    markdown: bool,
    /// Print the docs' table of what each provider's signature covers, its replay window, and
    /// how a replay under a new id is stopped (Markdown).
    #[arg(long, conflicts_with = "markdown")]
    replays: bool,
    /// Print SECURITY.md's table of what a captured request of each provider can and cannot do,
    /// and for how long, with the default settings (Markdown).
    #[arg(long, conflicts_with_all = ["markdown", "replays"])]
    captured: bool,
    /// Write one Markdown page per provider into DIR: its setup, what it sends, its replay
    /// window and what pins it (the docs' provider guides, docs/providers).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["markdown", "replays", "captured"])]
    pages: Option<std::path::PathBuf>,
    /// Print the docs' table of contents entries for those pages, one nested Markdown link a
    /// provider, as docs/SUMMARY.md lists them.
    #[arg(long, conflicts_with_all = ["markdown", "replays", "captured", "pages"])]
    summary: bool,
    /// One JSON object a line, one per provider and the generic hmac scheme: `name`, `title`,
    /// `algorithm`, `signs` (false where a token or basic auth is all it sends), `headers`,
    /// `handshake`, `needs`, `evidence` (`documented example`, `official SDK`, `documented
    /// verifier` — the library its documentation verifies with — or `documented rule`), `sdk` (the
    /// package and version of that SDK or verifier), `docs`.
    #[arg(long, conflicts_with_all = ["markdown", "replays", "captured", "pages", "summary"])]
    json: bool,
}

pub fn run(args: Args) -> Result<ExitCode, CliError> {
    if args.markdown {
        out!("{}", markdown())?;
        return Ok(ExitCode::SUCCESS);
    }
    if args.replays {
        out!("{}", replays())?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(dir) = &args.pages {
        std::fs::create_dir_all(dir)?;
        for (file, page) in pages() {
            std::fs::write(dir.join(file), page)?;
        }
        outln!("{} pages written in {}", CATALOG.len(), dir.display())?;
        return Ok(ExitCode::SUCCESS);
    }
    if args.summary {
        out!("{}", summary_entries())?;
        return Ok(ExitCode::SUCCESS);
    }
    if args.captured {
        out!("{}", captured(&RecordTtl::default()))?;
        return Ok(ExitCode::SUCCESS);
    }
    if args.json {
        for provider in CATALOG {
            let spec = provider.spec;
            let sdk = match provider.evidence {
                Evidence::Sdk(sdk) | Evidence::Verifier(sdk) => Some(sdk),
                _ => None,
            };
            json_line(&json!({
                "name": provider.name, "title": provider.title, "algorithm": spec.algorithm.label(),
                "signs": signs(provider), "headers": spec.signature.shown(),
                "handshake": spec.handshake.map(|handshake| handshake.shown()), "needs": needs(provider),
                "evidence": provider.evidence.kind(), "sdk": sdk, "docs": provider.docs,
            }))?;
        }
        json_line(&json!({
            "name": "hmac", "title": "Generic HMAC", "algorithm": "HMAC-SHA*", "signs": true,
            "headers": "configurable", "handshake": null, "needs": "its `hmac` settings", "evidence": null,
            "sdk": null, "docs": null,
        }))?;
        return Ok(ExitCode::SUCCESS);
    }
    outln!("{:<18} {:<13} {:<58} NEEDS", "NAME", "ALGORITHM", "HEADERS")?;
    for provider in CATALOG {
        let spec = provider.spec;
        outln!(
            "{:<18} {:<13} {:<58} {}",
            provider.name,
            spec.algorithm.label(),
            spec.signature.shown(),
            needs(provider)
        )?;
    }
    outln!("{:<18} {:<13} {:<58} its `hmac` settings", "hmac", "HMAC-SHA*", "configurable")?;
    outln!("\n{}", summary())?;
    Ok(ExitCode::SUCCESS)
}

/// Whether the provider signs its requests, rather than sending a token or a basic credential.
fn signs(provider: &Provider) -> bool {
    !matches!(provider.spec.algorithm, Algorithm::Token | Algorithm::Basic)
}

/// How many providers verify a signature, how many of those their own example or SDK pins, and
/// how many send a token or basic credential instead.
pub fn summary() -> String {
    let signing = CATALOG.iter().filter(|provider| signs(provider));
    let pinned = signing.clone().filter(|provider| provider.evidence.is_pinned()).count();
    let signing = signing.count();
    format!(
        "{signing} providers verify a signature ({pinned} pinned by their documentation's own example, their \
         official SDK or the verifier their documentation names), {} check a token or basic credential; and the generic hmac scheme.",
        CATALOG.len() - signing
    )
}

/// What a source of this provider needs in `hookway.json`, and how its secret is written.
fn needs(provider: &Provider) -> String {
    let spec = provider.spec;
    let secret = match spec.secret {
        SecretFormat::Text => "secret",
        SecretFormat::Whsec => "whsec_… secret (or whpk_… public key)",
        SecretFormat::Ed25519Hex => "public key (hex)",
        SecretFormat::Ed25519Base64 => "public key (base64)",
        SecretFormat::P256Base64Der => "public key (base64)",
        SecretFormat::UserPassword => "user:password",
        SecretFormat::Base64Bytes => "secret (base64)",
        SecretFormat::HexBytes => "secret (hex)",
    };
    let mut needs = format!("secretParameters: {secret}");
    if spec.signed.contains(&hookway_core::hookway_providers::spec::Part::Url) {
        needs.push_str("; publicUrl behind a custom domain");
    }
    if let Some(Handshake::Get { needs_token: true, .. }) = spec.handshake {
        needs.push_str("; verifyTokenParameter");
    }
    needs
}

/// The docs' provider table.
pub fn markdown() -> String {
    let mut table = String::from(
        "| scheme | provider | signature | algorithm | handshake | needs | evidence |\n|---|---|---|---|---|---|---|\n",
    );
    for provider in CATALOG {
        let spec = provider.spec;
        let handshake = spec.handshake.map_or("", |handshake| handshake.shown());
        table.push_str(&format!(
            "| `{}` | [{}]({}) | `{}` | {} | {} | {} | {} |\n",
            provider.name,
            provider.title,
            provider.docs,
            spec.signature.shown(),
            spec.algorithm.label(),
            handshake,
            needs(provider),
            evidence(provider.evidence),
        ));
    }
    table.push('\n');
    table.push_str(&summary());
    table.push('\n');
    table
}

/// The evidence, as the docs' table shows it.
fn evidence(evidence: Evidence) -> String {
    match evidence {
        Evidence::Sdk(sdk) => format!("official SDK ({sdk})"),
        Evidence::Verifier(sdk) => format!("the verifier its docs name ({sdk})"),
        other => other.kind().to_owned(),
    }
}

/// The docs' table of what each signature covers: the id, the type, the timestamp (and so the
/// window a captured request can be replayed in), and what stops a replay under a new id.
pub fn replays() -> String {
    let mut table = String::from(
        "| scheme | id | type | timestamp: replay window | a captured request re-sent under a new id |\n|---|---|---|---|---|\n",
    );
    for provider in CATALOG {
        let Replays { id, event_type, timestamp, replay } = Replays::of(provider);
        table.push_str(&format!("| `{}` | {id} | {event_type} | {timestamp} | {replay} |\n", provider.name));
    }
    table
}

/// What a provider's signature covers, and so what a captured request can be made to do.
struct Replays {
    id: String,
    event_type: String,
    timestamp: &'static str,
    replay: &'static str,
}

impl Replays {
    fn of(provider: &Provider) -> Replays {
        let spec = provider.spec;
        let covered = spec.covered();
        let id = match (spec.id, covered.id) {
            (Some(Locate::Header(name)), false) => format!("**not signed** (`{name}`)"),
            (Some(Locate::Pointer(pointer)), false) => format!("**not signed** (`{pointer}` in the body)"),
            (Some(Locate::Header(_)), true) => "signed".into(),
            (Some(Locate::Pointer(_)), true) => "in the signed body".into(),
            (None, _) if spec.hooks.identify.is_some() && spec.signed.contains(&Part::Id) => "signed".into(),
            (None, _) if spec.hooks.identify.is_some() => "in the signed body".into(),
            (None, _) => "none sent: a digest of the body".into(),
        };
        let event_type = match (spec.event_type, covered.event_type) {
            (Some(Locate::Header(name)), _) => format!("**not signed** (`{name}`)"),
            (Some(Locate::Pointer(_)), true) => "in the signed body".into(),
            (Some(Locate::Pointer(_)), false) => "**not signed** (in the body)".into(),
            (None, true) if spec.hooks.identify.is_some() => "in the signed body".into(),
            (None, _) => "none".into(),
        };
        let timestamp = match spec.timestamp {
            Some(_) if covered.timestamp => "signed: ± the source's `toleranceSeconds` (300 s)",
            Some(_) => "signed, not checked: **none** (the provider re-sends events unchanged)",
            None => "**none**",
        };
        let replay = match (covered.id, signs(provider)) {
            (true, true) if spec.id.is_none() && spec.hooks.identify.is_none() => {
                "the same body is the same id: processed once"
            }
            (true, true) => "refused: the new id breaks the signature",
            (false, true) => "keyed by source and body instead of the id: processed once",
            (_, false) => "keyed by source and body: processed once (but the token alone is the proof)",
        };
        Replays { id, event_type, timestamp, replay }
    }
}

/// The entries of docs/SUMMARY.md for the provider pages: nested under the providers guide, in the
/// catalog's order (by name), each with the provider's title.
pub fn summary_entries() -> String {
    CATALOG.iter().map(|provider| format!("  - [{}](providers/{}.md)\n", provider.title, provider.name)).collect()
}

/// Catalog prose as Markdown text: a `<` outside a code span is escaped, so that a placeholder such
/// as `https://<api>/webhooks/<source>` shows as written instead of opening an HTML tag.
fn prose(text: &str) -> String {
    text.split('`')
        .enumerate()
        .map(|(index, part)| if index % 2 == 0 { part.replace('<', "&lt;") } else { part.to_owned() })
        .collect::<Vec<_>>()
        .join("`")
}

/// One Markdown page per provider, by file name: how to set it up, what it sends, how it is
/// verified, what stops a replay, and what pins it — all from the catalog.
pub fn pages() -> Vec<(String, String)> {
    CATALOG.iter().map(|provider| (format!("{}.md", provider.name), page(provider))).collect()
}

fn page(provider: &Provider) -> String {
    let spec = provider.spec;
    let name = provider.name;
    let mut page = format!("# {}\n\n", provider.title);
    page.push_str(
        "<!-- Generated by `hookway providers --pages docs/providers` from the catalog: do not edit. -->\n\n",
    );
    let how = if signs(provider) {
        format!("signs each request with {} in `{}`", spec.algorithm.label(), spec.signature.shown())
    } else {
        format!(
            "signs nothing: it sends a shared {} in `{}`, which is all the proof there is",
            spec.algorithm.label(),
            spec.signature.shown()
        )
    };
    page.push_str(&format!(
        "{} {how}. Its rule: [{}'s documentation]({}).\n\n",
        provider.title, provider.title, provider.docs
    ));
    page.push_str("## Set it up\n\n");
    page.push_str(&format!("{}\n\n", prose(provider.setup)));
    page.push_str(&format!(
        "The URL is the stack's `WebhookUrl` output with the source's name, e.g. \
         `https://<api>/webhooks/{name}`. In `hookway.json`:\n\n```json\n\
         {{\"name\": \"{name}\", \"scheme\": \"{name}\", \"secretParameters\": [\"/hookway/{name}/secret\"]}}\n```\n\n\
         and the secret, stored as that SecureString parameter: `hookway secrets put {name} < secret.txt`. \
         What the source needs: {}.\n\n",
        needs(provider)
    ));
    if let Some(handshake) = spec.handshake {
        page.push_str(&format!(
            "**Handshake:** {}. Hookway answers it itself; it is never queued.\n\n",
            handshake.shown()
        ));
    }
    page.push_str("## What it sends\n\n");
    let samples = hookway_core::hookway_providers::sample::samples(name);
    for (index, sample) in samples.iter().enumerate() {
        let note = sample.note.map(|note| format!(" — {}", prose(note))).unwrap_or_default();
        let default = if index == 0 { " (the default)" } else { "" };
        page.push_str(&format!(
            "- `{}`{default}, `{}`{note} ([example]({}))\n",
            sample.event, sample.content_type, sample.source
        ));
    }
    page.push_str(&format!(
        "\nSend one to your stack, signed as {} signs it: `hookway trigger {name}` (`--list` shows them all; \
         `--local` for the local stack).\n\n",
        provider.title
    ));
    let Replays { id, event_type, timestamp, replay } = Replays::of(provider);
    page.push_str("## Replays\n\n| the event id | its type | the timestamp: replay window | a captured request re-sent under a new id |\n|---|---|---|---|\n");
    page.push_str(&format!("| {id} | {event_type} | {timestamp} | {replay} |\n\n"));
    page.push_str("## Evidence\n\n");
    let evidence = match provider.evidence {
        Evidence::Documented => {
            format!("{}'s documentation publishes a signed example, and it verifies here.", provider.title)
        }
        Evidence::Sdk(sdk) => format!(
            "{}'s official SDK ({sdk}) accepts what Hookway signs, and Hookway accepts what it signs, in every test run.",
            provider.title
        ),
        Evidence::Verifier(library) => format!(
            "{}'s documentation tells receivers to verify with {library}, which accepts what Hookway signs, and \
             Hookway accepts what it signs, in every test run.",
            provider.title
        ),
        Evidence::Rule => format!(
            "{} publishes neither a signed example nor an SDK that verifies: the vectors follow its documented rule, \
             computed independently.",
            provider.title
        ),
    };
    page.push_str(&format!("{evidence}\n"));
    page
}

/// SECURITY.md's table: what a request captured on the wire can be made to do, what it cannot,
/// and for how long — from what each provider signs, with the records kept as `ttl` says.
pub fn captured(ttl: &RecordTtl) -> String {
    let mut table = String::from(
        "| scheme | a captured request can be sent again | re-sent under a new id, or another type | processed once for |\n|---|---|---|---|\n",
    );
    let tolerance = hookway_core::config::DEFAULT_TOLERANCE_SECONDS;
    for provider in CATALOG {
        let spec = provider.spec;
        let covered = spec.covered();
        let signs = signs(provider);
        let body_signed = signs && (spec.signed.contains(&Part::Body) || spec.signed.contains(&Part::SortedForm));
        let when = match (signs, covered.timestamp, body_signed) {
            (false, _, _) => "any time — and the token alone lets whoever holds it send **any body**".to_owned(),
            (true, true, false) => {
                format!("within ± {tolerance} s of its signed time — with **any body**: the body is not signed")
            }
            (true, true, true) => format!("within ± {tolerance} s of its signed time (`toleranceSeconds`), no later"),
            (true, false, _) => "**any time**: no signed timestamp".to_owned(),
        };
        let body_keyed = !covered.id;
        let mut resent = match (body_keyed, spec.id.is_none() && spec.hooks.identify.is_none()) {
            (true, _) => "the same event: its record is keyed by source and body, not by the unsigned id".to_owned(),
            (false, true) => "the same event: its id is a digest of the signed body".to_owned(),
            (false, false) => "refused: the id is signed".to_owned(),
        };
        if !covered.event_type && !body_keyed {
            resent.push_str(
                "; its unsigned type can be changed while the id stays: routed by the new type if it arrives first",
            );
        } else if !covered.event_type {
            resent.push_str("; another type is the same event too, but routed by that type if it arrives first");
        }
        let days = if body_keyed { ttl.by_body_days } else { ttl.by_id_days };
        let kept = if body_keyed {
            format!("{days} days (the longest of `idempotencyTtlDays`, `archive.retentionDays` and `replayWindowDays`)")
        } else {
            format!("{days} days (`idempotencyTtlDays`)")
        };
        let once = if covered.timestamp {
            format!("ever: its record, kept {kept}, outlives the {tolerance} s window")
        } else {
            format!("{kept}; **after that the captured request is processed again**")
        };
        table.push_str(&format!("| `{}` | {when} | {resent} | {once} |\n", provider.name));
    }
    table
}
