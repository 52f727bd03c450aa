//! `hookway providers`: the catalog — each provider's name, the header(s) it signs in, its
//! algorithm, and what its source needs in `hookway.json`. `--markdown` prints the README's table.

use std::process::ExitCode;

use hookway_core::hookway_providers::spec::{Handshake, SecretFormat};
use hookway_core::scheme::{CATALOG, Provider};

use crate::error::CliError;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print the table of the README (Markdown) instead.
    #[arg(long)]
    markdown: bool,
}

pub fn run(args: Args) -> Result<ExitCode, CliError> {
    if args.markdown {
        print!("{}", markdown());
        return Ok(ExitCode::SUCCESS);
    }
    println!("{:<18} {:<13} {:<58} NEEDS", "NAME", "ALGORITHM", "HEADERS");
    for provider in CATALOG {
        let spec = provider.spec;
        println!(
            "{:<18} {:<13} {:<58} {}",
            provider.name,
            spec.algorithm.label(),
            spec.signature.shown(),
            needs(provider)
        );
    }
    println!("{:<18} {:<13} {:<58} its `hmac` settings", "hmac", "HMAC-SHA*", "configurable");
    println!("\n{} providers, and the generic hmac scheme.", CATALOG.len());
    Ok(ExitCode::SUCCESS)
}

/// What a source of this provider needs in `hookway.json`, and how its secret is written.
fn needs(provider: &Provider) -> String {
    let spec = provider.spec;
    let secret = match spec.secret {
        SecretFormat::Text => "secret",
        SecretFormat::Whsec => "whsec_… secret (or whpk_… public key)",
        SecretFormat::Ed25519Hex => "public key (hex)",
        SecretFormat::P256Base64Der => "public key (base64)",
        SecretFormat::UserPassword => "user:password",
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

/// The README's provider table.
pub fn markdown() -> String {
    let mut table =
        String::from("| scheme | provider | signature | algorithm | handshake | needs |\n|---|---|---|---|---|---|\n");
    for provider in CATALOG {
        let spec = provider.spec;
        let handshake = spec.handshake.map_or("", |handshake| handshake.shown());
        table.push_str(&format!(
            "| `{}` | [{}]({}) | `{}` | {} | {} | {} |\n",
            provider.name,
            provider.title,
            provider.docs,
            spec.signature.shown(),
            spec.algorithm.label(),
            handshake,
            needs(provider),
        ));
    }
    table
}
