//! `pii-audit` with no command (the bundled sample) and `pii-audit tui`.

use anyhow::Result;
use clap::CommandFactory;

use crate::cli::{Cli, InputArgs};
use crate::error::InputError;
use crate::tui;

/// The TUI on the bundled sample incident (`colour`: false for `--color never` or
/// `NO_COLOR`).
pub fn sample(colour: bool) -> Result<()> {
    need_terminal()?;
    let sample = tui::sample::unpack()?;
    let title = tui::model::Title {
        text: "the bundled sample incident (synthetic) · your own: pii-audit tui -i INVENTORY -e LOG [-r REGISTERED]".into(),
        sample: true,
        unpacked: Some(sample.dir()),
    };
    tui::run(sample.input.clone(), title, colour)
}

/// The TUI on the user's own inputs.
pub fn run(input: &InputArgs, colour: bool) -> Result<()> {
    need_terminal()?;
    let options = input.options()?;
    let title = tui::model::Title {
        text: input_title(input),
        sample: false,
        unpacked: None,
    };
    tui::run(options, title, colour)
}

/// The TUI draws on a terminal; in a pipe it says what to run instead (exit 2).
fn need_terminal() -> Result<()> {
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal() && std::io::stdin().is_terminal() {
        return Ok(());
    }
    let help = Cli::command().render_help();
    Err(InputError::usage(format!(
        "the TUI needs a terminal; in scripts use `pii-audit report KIND ...`\n\n{help}"
    ))
    .into())
}

/// The title bar's description of the inputs.
fn input_title(input: &InputArgs) -> String {
    let window = match (&input.from, &input.to) {
        (None, None) => "every row".to_string(),
        (from, to) => format!(
            "[{}, {})",
            from.as_deref().unwrap_or("…"),
            to.as_deref().unwrap_or("…")
        ),
    };
    format!(
        "{} · {} · {window} · {}",
        input.inventory.display(),
        input.log.join(" "),
        input.tz
    )
}
