//! `--color auto|always|never`: whether the CLI colours what it prints. `auto` colours a
//! terminal, unless `NO_COLOR` is set (no-color.org); every coloured output asks [`on_stdout`].

use std::io::IsTerminal as _;
use std::sync::OnceLock;

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColourChoice {
    /// On a terminal, unless NO_COLOR is set.
    #[default]
    Auto,
    /// Always, even into a pipe or a file.
    Always,
    /// Never.
    Never,
}

static CHOICE: OnceLock<ColourChoice> = OnceLock::new();

/// Sets `--color` for the whole process, at start (a second call is ignored).
pub fn choose(choice: ColourChoice) {
    let _ = CHOICE.set(choice);
}

/// Whether what is printed on stdout is coloured.
pub fn on_stdout() -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
    colours(CHOICE.get().copied().unwrap_or_default(), std::io::stdout().is_terminal(), no_color)
}

fn colours(choice: ColourChoice, terminal: bool, no_color: bool) -> bool {
    match choice {
        ColourChoice::Always => true,
        ColourChoice::Never => false,
        ColourChoice::Auto => terminal && !no_color,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_colours_a_terminal_without_no_color_and_the_flag_wins() {
        assert!(colours(ColourChoice::Auto, true, false));
        assert!(!colours(ColourChoice::Auto, true, true), "NO_COLOR");
        assert!(!colours(ColourChoice::Auto, false, false), "a pipe");
        assert!(colours(ColourChoice::Always, false, true), "--color always, whatever NO_COLOR says");
        assert!(!colours(ColourChoice::Never, true, false));
    }
}
