//! `pii-audit completions SHELL` and `pii-audit man`: generated from the same clap
//! definitions as `--help`, so they cannot drift from it.

use anyhow::{Context, Result};
use clap::CommandFactory;

use crate::cli::Cli;
use crate::tables;

/// The completion script for `shell`.
pub fn completions_text(shell: clap_complete::Shell) -> Vec<u8> {
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "pii-audit", &mut out);
    out
}

/// The manual page, in roff.
pub fn man_text() -> Result<Vec<u8>> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .context("cannot render the manual page")?;
    Ok(out)
}

/// Runs `completions SHELL`.
pub fn completions(shell: clap_complete::Shell) -> Result<()> {
    tables::print_bytes(&completions_text(shell))
}

/// Runs `man`.
pub fn man() -> Result<()> {
    tables::print_bytes(&man_text()?)
}
