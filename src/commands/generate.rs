//! `pii-audit generate`: a synthetic incident at any scale.

use anyhow::Result;

use crate::{generate, report};

/// Runs `generate`; prints what was written, a line per file.
pub fn run(spec: &generate::Spec, out_dir: &std::path::Path) -> Result<()> {
    let written = generate::write(spec, out_dir)?;
    report::print_text(&(written.join("\n") + "\n"))
}
