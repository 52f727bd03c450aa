//! What the commands print on stdout, written so that a reader that goes away (`hookway … | head`)
//! ends the command quietly: every write returns its `io::Error`, which `?` turns into
//! [`CliError::Io`](crate::error::CliError::Io), and `main` ends a broken pipe with exit 0. No
//! `println!`, which panics on a closed pipe. Diagnostics go to stderr through [`warnln!`], which
//! drops what a closed stderr cannot take (`2>&1 | head`): no `eprintln!`, which panics there too.
//!
//! `--json` output is one JSON object a line where a command prints several things (a list), or
//! one object where it prints one: [`json_line`].

use std::fmt;
use std::io::{self, Write as _};

/// Writes a line to stdout: `outln!("{id}  {status}")?`.
macro_rules! outln {
    () => {
        $crate::output::line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::output::line(format_args!($($arg)*))
    };
}

/// Writes to stdout without a newline: `out!("{table}")?`.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::text(format_args!($($arg)*))
    };
}

/// Writes a line to stderr, if it can: `warnln!("poll failed, trying again: {reason}")`. A
/// stderr that is closed or gone is no failure of the command: what it could not take is dropped.
macro_rules! warnln {
    ($($arg:tt)*) => {
        $crate::output::warn_line(format_args!($($arg)*))
    };
}

pub(crate) use {out, outln, warnln};

/// `args` and a newline, on stdout.
pub fn line(args: fmt::Arguments<'_>) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    stdout.write_fmt(args)?;
    stdout.write_all(b"\n")
}

/// `args`, on stdout.
pub fn text(args: fmt::Arguments<'_>) -> io::Result<()> {
    io::stdout().lock().write_fmt(args)
}

/// A JSON value on one line of stdout: one object of a `--json` list, or a command's one object.
pub fn json_line(value: &serde_json::Value) -> io::Result<()> {
    line(format_args!("{value}"))
}

/// A JSON value pretty-printed on stdout (the shapes printed so before, kept as they were).
pub fn json_pretty(value: &serde_json::Value) -> io::Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(io::Error::other)?;
    line(format_args!("{text}"))
}

/// `args` and a newline, on stderr, if it can take them.
pub fn warn_line(args: fmt::Arguments<'_>) {
    let mut stderr = io::stderr().lock();
    let _ = stderr.write_fmt(args).and_then(|()| stderr.write_all(b"\n"));
}
