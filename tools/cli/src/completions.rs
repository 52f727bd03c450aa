//! `hookway completions SHELL`: the shell's completion script on stdout; and the hidden
//! `hookway man --out DIR`, the man pages `make build` writes into target/man.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap_complete::Shell;

use crate::error::CliError;

/// Load it in your shell: `source <(hookway completions bash)`, or write it where your shell looks
/// (zsh: a file `_hookway` in a folder of $fpath; fish: ~/.config/fish/completions/hookway.fish;
/// PowerShell: `hookway completions powershell | Out-String | Invoke-Expression` in $PROFILE).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell.
    #[arg(value_enum, value_name = "SHELL")]
    shell: Shell,
}

/// `hookway man`.
#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// The folder the pages are written into (made if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

/// Prints the completion script of `command` for the shell.
pub fn run(args: Args, mut command: clap::Command) -> Result<ExitCode, CliError> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "hookway", &mut script);
    let mut out = std::io::stdout().lock();
    out.write_all(&script)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Writes `hookway.1` and a page per command (`hookway-events-list.1`) into `--out`.
pub fn man(args: ManArgs, command: clap::Command) -> Result<ExitCode, CliError> {
    std::fs::create_dir_all(&args.out)?;
    clap_mangen::generate_to(command, &args.out)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "man pages written to {}", args.out.display())?;
    Ok(ExitCode::SUCCESS)
}
