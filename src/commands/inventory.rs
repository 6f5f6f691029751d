//! `pii-audit inventory check` and `inventory fmt`.

use anyhow::Result;

use super::outln;
use crate::audit::{self, Audit};
use crate::cli::{InventoryCheckArgs, InventoryFmtArgs};
use crate::error::{InputError, Location};
use crate::frame::names::REQUESTS;
use crate::frame::names::SUGGESTED_ROUTE;
use crate::frame::OrBug;
use crate::inventory::{self, Inventory};
use crate::load::parse_zone;
use crate::{ingest, notice, tables};

/// `inventory check`: validation, and with a log, coverage and suggested routes.
pub fn check(args: &InventoryCheckArgs) -> Result<()> {
    let InventoryCheckArgs {
        inventory,
        log,
        tz,
        suggest,
        dialect,
    } = args;
    let (path, suggest) = (inventory.path()?, *suggest);
    let inventory = Inventory::load(path)?;
    // Custom letter templates are part of the inventory: a bad one is refused here too.
    notice::Letters::new(&inventory)?;
    let mut out = String::new();
    outln!(
        out,
        "{}: valid inventory {:?}: {} fields, {} pages",
        inventory.source,
        inventory.name,
        inventory.fields.len(),
        inventory.pages.len()
    );
    for warning in &inventory.warnings {
        outln!(out, "warning: {warning}");
    }
    if log.is_empty() {
        return tables::print_text(&out);
    }
    let zone = parse_zone(tz)?;
    let options = dialect.read_options(zone)?;
    let files = ingest::expand_paths(log)?;
    let log = ingest::Log::read(&files, &options)?;
    let audit = Audit::new(&inventory, &log, None, zone, (None, None))?;
    let s = audit.summary()?;
    let share = |part: u64, whole: u64| {
        if whole == 0 {
            "n/a".to_string()
        } else {
            format!("{:.1}%", 100.0 * part as f64 / whole as f64)
        }
    };
    let rows = s.rows_in_window;
    let mapped = rows - s.rows_unmapped;
    let cross = s.rows_cross_user;
    let cross_mapped = cross - s.unmapped_cross_user;
    outln!(
        out,
        "coverage over {} rows from {} file(s):",
        rows,
        files.len()
    );
    outln!(
        out,
        "  rows matching a page:            {} ({mapped} of {rows})",
        share(mapped, rows)
    );
    outln!(
        out,
        "  cross-user rows matching a page: {} ({cross_mapped} of {cross})",
        share(cross_mapped, cross)
    );
    let unmapped = audit.unmapped_paths()?;
    if unmapped.df.height() == 0 {
        outln!(out, "every path matches a page");
    } else {
        outln!(
            out,
            "unmapped paths ({}), most requested first:",
            unmapped.df.height()
        );
        outln!(
            out,
            "{}",
            tables::table_text(&tables::presentable(&unmapped.df, &zone, true)?)
        );
        if suggest {
            outln!(out, "{}", suggestions_yaml(&inventory, &audit.unmapped()?)?);
        }
    }
    tables::print_text(&out)
}

/// `--suggest`: one page per suggested route, as YAML to paste under `pages:`.
fn suggestions_yaml(inventory: &Inventory, unmapped: &audit::Report) -> Result<String> {
    use inventory::document::{page_id_for, pages_yaml, PageEntry};
    let routes = &unmapped.df;
    let column = |name: &str| -> Result<Vec<String>> {
        let c = routes.column(name).or_bug()?;
        Ok((0..routes.height())
            .map(|r| tables::cell_text(c, r))
            .collect())
    };
    let (route, paths, requests, cross) = (
        column(SUGGESTED_ROUTE)?,
        column("paths")?,
        column(REQUESTS)?,
        column("cross_user")?,
    );
    let mut taken: Vec<String> = inventory.pages.iter().map(|p| p.id.clone()).collect();
    let mut pages = Vec::with_capacity(route.len());
    for i in 0..route.len() {
        let id = page_id_for(&route[i], &taken);
        taken.push(id.clone());
        pages.push(PageEntry {
            id,
            route: route[i].clone(),
            fields: Vec::new(),
            note: Some(format!(
                "suggested by pii-audit from {} unmapped requests ({} cross-user) on {} paths; list the personal fields it shows",
                requests[i], cross[i], paths[i]
            )),
        });
    }
    Ok(format!(
        "# {} suggested pages, ready to paste under `pages:` (fill in `fields`):\n{}",
        pages.len(),
        pages_yaml(&pages)?
    ))
}

/// `inventory fmt`: the canonical form, written atomically with FILE.bak kept.
pub fn fmt(args: &InventoryFmtArgs) -> Result<()> {
    let path = args.inventory.path()?;
    let (comments_to_notes, drop_comments) = (args.comments_to_notes, args.drop_comments);
    use inventory::document::{comments, save, Document};
    let source = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| InputError::at(Location::file(&source), format!("cannot read: {e}")))?;
    // Only a valid inventory is rewritten.
    Inventory::parse(&text, &source)?;
    let mut document = Document::parse(&text, &source)?;
    let found = comments(&text);
    if found.lines > 0 {
        if comments_to_notes {
            document = document.with_comments_as_notes(&found);
        } else if !drop_comments {
            return Err(InputError::usage(format!(
                "{source} has {} comment line(s), which the canonical form cannot keep: \
                 --comments-to-notes moves each page's preceding comment into its note (others are dropped), \
                 --drop-comments drops them",
                found.lines
            ))
            .into());
        }
    }
    let canonical = document.to_yaml()?;
    if canonical == text {
        return tables::print_text(&format!("{source}: already in canonical form\n"));
    }
    let backup = save(path, &canonical)?;
    tables::print_text(&format!(
        "{source}: rewritten in canonical form (previous version: {})\n",
        backup.display()
    ))
}
