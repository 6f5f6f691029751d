//! The files the TUI writes, written on the worker thread: a view exported, the notices of
//! the Users view, the edited inventory saved. The UI sends a `Request`; the reply carries
//! the status-bar message (or why nothing was written).

use std::collections::HashSet;
use std::path::Path;

use anyhow::Result;
use chrono::Utc;

use super::data::{Grid, Session};
use super::edit::InventorySave;
use crate::audit::Tier;
use crate::ingest::Zone;
use crate::inventory::document::{self, edit_error, Document};
use crate::{notice, regulator};

/// Writes `rows` of `grid`, in that order, to `file` (atomically, owner-only).
pub fn export(grid: &Grid, rows: &[usize], file: &Path, zone: &Zone) -> Result<String, String> {
    match grid.export(rows, file, zone) {
        Ok(()) => Ok(format!(
            "wrote {} rows to {} (owner-only, mode 0600)",
            rows.len(),
            file.display()
        )),
        Err(e) => Err(format!("export failed: {e:#}")),
    }
}

/// Writes the notices for `users` (the view's rows) with the defaults of
/// `pii-audit notices`: tiers direct and notice, the inventory's language.
pub fn notices(session: &Session, dir: &Path, users: &[String]) -> Result<String, String> {
    write_notices(session, dir, users).map_err(|e| format!("{e:#}"))
}

fn write_notices(session: &Session, dir: &Path, users: &[String]) -> Result<String> {
    let audit = &session.audit;
    let only: HashSet<String> = users.iter().cloned().collect();
    let options = notice::write::Options {
        out_dir: dir.to_path_buf(),
        lang: audit.inventory.notice.lang.unwrap_or_default(),
        tiers: vec![Tier::Direct, Tier::Notice],
        force: false,
        parquet: false,
        now: Utc::now(),
        only: Some(only.clone()),
    };
    let written = regulator::write_notices(audit, &session.users, &options)?;
    let skipped = users.len().saturating_sub(written.total());
    let mut text = written.describe();
    if skipped > 0 {
        text.push_str(&format!(
            "; {skipped} potential-tier users of this view get no letter (pii-audit notices --tiers direct,notice,potential)"
        ));
    }
    Ok(text)
}

/// Writes `regulator-<jurisdiction>.md` and `.html` into `dir` (created owner-only) for
/// each jurisdiction of the inventory's incident, in its language, time left counted to now.
pub fn regulator(session: &Session, dir: &Path) -> Result<String, String> {
    write_regulator(session, dir).map_err(|e| format!("{e:#}"))
}

fn write_regulator(session: &Session, dir: &Path) -> Result<String> {
    let audit = &session.audit;
    let lang = audit.inventory.notice.lang.unwrap_or_default();
    let files = regulator::files(audit, &session.users, lang, Utc::now())?;
    if files.is_empty() {
        anyhow::bail!(
            "no report written: the inventory names no jurisdiction (incident.jurisdictions: [appi, gdpr])"
        );
    }
    notice::write::create_private_dir(dir)?;
    let written = regulator::write_files(dir, &files)?;
    let names: Vec<String> = written
        .iter()
        .filter_map(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .collect();
    Ok(format!(
        "wrote {} to {} (owner-only, mode 0600)",
        names.join(", "),
        dir.display()
    ))
}

/// Writes the previewed inventory (validated again), keeping FILE.bak.
pub fn save_inventory(save: &InventorySave) -> Result<String, String> {
    let source = save.path.display().to_string();
    Document::parse(&save.text, &source)
        .and_then(|d| d.validate(&source))
        .map_err(|e| format!("not saved: {}", edit_error(&e)))?;
    let backup = document::save(&save.path, &save.text)
        .map_err(|e| format!("not saved, {source} is unchanged: {e:#}"))?;
    Ok(format!(
        "saved {source} (previous version: {})",
        backup.display()
    ))
}
