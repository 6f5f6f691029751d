//! The reports to the regulator as files, `regulator-<jurisdiction>.md` and `.html` for
//! each jurisdiction of the incident: alone (the TUI's `R`, `files` and `write_files`), or
//! in the notices folder beside the letters (`write_notices`, for `pii-audit notices` and
//! the TUI's notices), where an earlier run's report for a law the incident no longer
//! names is removed under `--force`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use polars::prelude::DataFrame;

use super::{document_of, render, Facts, Stage, Style};
use crate::audit::Audit;
use crate::inventory::{Jurisdiction, Lang};
use crate::notice::write::{Options, Rendered, Written};

/// Writes the notices folder for the users of `users` in `options.tiers` (`notice::write`)
/// with the reports to the regulator beside the letters. Every check that can refuse, and
/// every report's rendering, comes before the first file is written; the reports are
/// written after the summary.
pub fn write_notices(audit: &Audit, users: &DataFrame, options: &Options) -> Result<Written> {
    let folder = Rendered::new(audit, users, options)?;
    let reports = files(audit, users, options.lang, options.now)?;
    let mut written = folder.write()?;
    written.regulator = write_files(&options.out_dir, &reports)?;
    if options.force {
        remove_stale_reports(&options.out_dir, &reports)?;
    }
    Ok(written)
}

/// `regulator-<jurisdiction>.md` and `.html` (file name, text) for each jurisdiction of the
/// inventory's `incident:` block (none without one), at the first stage (the preliminary
/// report, the initial notification), rendered before anything is written.
pub fn files(
    audit: &Audit,
    users: &DataFrame,
    lang: Lang,
    as_of: DateTime<Utc>,
) -> Result<Vec<(String, String)>> {
    let jurisdictions = audit
        .inventory
        .incident
        .as_ref()
        .map(|i| i.jurisdictions.clone())
        .unwrap_or_default();
    if jurisdictions.is_empty() {
        return Ok(Vec::new());
    }
    let facts = Facts::gather(audit, users, lang, as_of)?;
    let mut out = Vec::new();
    for jurisdiction in jurisdictions {
        let doc = document_of(audit, &facts, jurisdiction, lang, Stage::Preliminary);
        for style in [Style::Markdown, Style::Html] {
            out.push((file_name(jurisdiction, style), render(&doc, style)?));
        }
    }
    Ok(out)
}

/// `regulator-appi.html`
fn file_name(jurisdiction: Jurisdiction, style: Style) -> String {
    format!("regulator-{}.{}", jurisdiction.code(), style.extension())
}

/// Writes `files` into `dir`, atomically and owner-only; returns their paths.
pub fn write_files(dir: &Path, files: &[(String, String)]) -> Result<Vec<PathBuf>> {
    files
        .iter()
        .map(|(name, text)| {
            let path = dir.join(name);
            crate::files::write_private(&path, text.as_bytes())?;
            Ok(path)
        })
        .collect()
}

/// Removes the regulator reports of an earlier run for a jurisdiction the incident no
/// longer names.
fn remove_stale_reports(dir: &Path, written: &[(String, String)]) -> Result<()> {
    for jurisdiction in [Jurisdiction::Appi, Jurisdiction::Gdpr] {
        for style in [Style::Markdown, Style::Html] {
            let name = file_name(jurisdiction, style);
            let path = dir.join(&name);
            if !written.iter().any(|(n, _)| *n == name) && path.is_file() {
                std::fs::remove_file(&path)
                    .with_context(|| format!("cannot remove {}", path.display()))?;
            }
        }
    }
    Ok(())
}
