//! pii-audit: joins a page-to-field inventory with an exposure log (and optionally a
//! registered-fields table) to say whose personal data was seen by whom.
//!
//! The rooms and the one way they depend on each other: ARCHITECTURE.md (checked by
//! `tests/it/layers.rs`).

pub mod audit;
pub mod cdn;
pub mod cli;
pub mod commands;
pub mod error;
pub mod files;
pub mod frame;
pub mod generate;
pub mod hooks;
pub mod ingest;
pub mod inventory;
pub mod load;
pub mod notice;
pub mod progress;
pub mod regulator;
pub mod tables;
pub mod text;
pub mod tui;

use anyhow::Result;

use crate::cli::{Cli, Command};

/// Text logs (CSV, NDJSON) over this many bytes in all are read with `read()` instead of
/// being mapped into memory.
const MAP_TEXT_LOGS_UP_TO: u64 = 1 << 30;

/// Settings polars takes from the environment, made before any thread starts (setting a
/// variable while another thread may read the environment is unsound). A text log over
/// 1 GiB is read with `read()` rather than mapped (`POLARS_FORCE_ASYNC`): a mapped file's
/// pages count in the process's memory as they are read, which on the 50M-row, 3.6 GB CSV
/// of BENCHMARKS.md made a 4.7 GiB peak of a 3.1 GiB one, for 6% more time. A value the
/// user set is kept.
pub fn before_threads(cli: &Cli) {
    const FORCE_ASYNC: &str = "POLARS_FORCE_ASYNC";
    let Some(input) = cli.command.as_ref().and_then(Command::input) else {
        return;
    };
    if std::env::var_os(FORCE_ASYNC).is_some() {
        return;
    }
    let Ok(files) = ingest::expand_paths(&input.log) else {
        return; // the command itself words the error
    };
    let text_bytes: u64 = files
        .iter()
        .filter(|f| {
            matches!(
                ingest::format_of(f),
                Ok(ingest::Format::Csv | ingest::Format::Ndjson)
            )
        })
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    if text_bytes > MAP_TEXT_LOGS_UP_TO {
        std::env::set_var(FORCE_ASYNC, "1");
    }
}

/// Runs one command (with none: the TUI on the bundled sample incident).
pub fn run(cli: Cli) -> Result<()> {
    let colour = cli.color.colour(std::env::var_os("NO_COLOR").as_deref());
    match cli.command {
        None => commands::tui::sample(colour),
        Some(command) => commands::run(command, colour),
    }
}
