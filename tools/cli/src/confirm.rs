//! The question a command asks before it acts on many events at once (`hookway replay`, `hookway
//! dlq redrive`): more than [`LARGE`] are sent only after a `y` on a terminal, or with `--yes`;
//! elsewhere (a script, CI) the command stops and says to pass `--yes`.

use std::io::{BufRead, IsTerminal as _, Write};

use crate::error::CliError;

/// Up to this many events a command acts without asking.
pub const LARGE: usize = 100;

/// Whether to go on with `what` (`replay`) of `count` `things` (`events`): yes up to [`LARGE`];
/// above, yes if the person at the terminal answers `y` (asked on stderr, read on stdin); without a
/// terminal on both: a usage error (exit 2) saying to pass `--yes`. The caller skips it when
/// `--yes` is given.
pub fn confirm(count: usize, what: &str, things: &str) -> Result<bool, CliError> {
    let terminal = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    ask(count, (what, things), terminal, &mut std::io::stdin().lock(), &mut std::io::stderr())
}

fn ask(
    count: usize,
    (what, things): (&str, &str),
    terminal: bool,
    answer: &mut impl BufRead,
    prompt: &mut impl Write,
) -> Result<bool, CliError> {
    if count <= LARGE {
        return Ok(true);
    }
    if !terminal {
        return Err(CliError::Usage(format!(
            "{what} of {count} {things}: pass --yes to go on (on a terminal, hookway asks first)"
        )));
    }
    write!(prompt, "{what} {count} {things}? [y/N] ")?;
    prompt.flush()?;
    let mut line = String::new();
    answer.read_line(&mut line)?;
    Ok(matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(count: usize, terminal: bool, typed: &str) -> (Result<bool, CliError>, String) {
        let mut prompt = Vec::new();
        let answer = ask(count, ("replay", "events"), terminal, &mut typed.as_bytes(), &mut prompt);
        (answer, String::from_utf8(prompt).unwrap())
    }

    #[test]
    fn up_to_a_hundred_events_go_without_asking() {
        let (answer, prompt) = asked(LARGE, false, "");
        assert!(answer.unwrap());
        assert_eq!(prompt, "");
    }

    #[test]
    fn more_are_sent_on_a_yes_at_the_terminal_only() {
        for (typed, go) in [("y\n", true), ("YES\n", true), ("\n", false), ("n\n", false), ("", false)] {
            let (answer, prompt) = asked(101, true, typed);
            assert_eq!(answer.unwrap(), go, "{typed:?}");
            assert_eq!(prompt, "replay 101 events? [y/N] ");
        }
    }

    #[test]
    fn more_without_a_terminal_is_a_usage_error_naming_yes() {
        let (answer, prompt) = asked(250, false, "y\n");
        let error = answer.unwrap_err();
        assert_eq!(error.exit_code(), std::process::ExitCode::from(2));
        assert_eq!(error.to_string(), "replay of 250 events: pass --yes to go on (on a terminal, hookway asks first)");
        assert_eq!(prompt, "", "nothing asked, nothing read");
    }
}
