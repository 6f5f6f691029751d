//! `pii-audit report regulator`: the report to the authority, as Markdown or HTML.

use anyhow::Result;

use crate::cli::RegulatorReportArgs;
use crate::error::InputError;
use crate::ingest::zone::parse_instant;
use crate::inventory::{Inventory, Jurisdiction};
use crate::load::Inputs;
use crate::progress::Progress;
use crate::regulator::{self, Style};

/// Runs `report regulator`.
pub fn run(args: &RegulatorReportArgs) -> Result<()> {
    let output = &args.output;
    let style = args
        .format
        .unwrap_or_else(|| output.as_deref().map_or(Style::Markdown, Style::for_file));
    let progress = Progress::on_stderr();
    let inputs = Inputs::load(&args.input.options()?, &progress)?;
    let jurisdiction = jurisdiction(args, &inputs.inventory)?;
    let as_of = match &args.as_of {
        None => chrono::Utc::now(),
        Some(text) => parse_instant(text, &inputs.zone).ok_or_else(|| {
            InputError::usage(format!(
                "--as-of {text:?} is not a time: write it as 2017-06-23T10:00:00+09:00 (or naive, in --tz)"
            ))
        })?,
    };
    progress.stage("matching routes and aggregating");
    let audit = inputs.audit()?;
    let users = audit.users_frame()?;
    let lang = args
        .lang
        .or(inputs.inventory.notice.lang)
        .unwrap_or_default();
    let asked = regulator::Asked {
        jurisdiction,
        lang,
        stage: args.stage.unwrap_or_default(),
        as_of,
    };
    let doc = regulator::document(&audit, &users, asked)?;
    let text = regulator::render(&doc, style)?;
    match &output {
        Some(path) => {
            crate::files::write_private(path, text.as_bytes())?;
            progress.done(format!("wrote {}", path.display()));
            progress.finish();
        }
        None => {
            progress.done(format!("{} report", jurisdiction.code()));
            progress.finish();
            crate::tables::print_text(&text)?;
        }
    }
    super::print_notes(audit.assumption_notes(Some(crate::audit::assumed_users(&users))));
    Ok(())
}

/// --jurisdiction, else the only one the inventory's incident names.
fn jurisdiction(args: &RegulatorReportArgs, inventory: &Inventory) -> Result<Jurisdiction> {
    if let Some(j) = args.jurisdiction {
        return Ok(j);
    }
    let named = inventory
        .incident
        .as_ref()
        .map(|i| i.jurisdictions.clone())
        .unwrap_or_default();
    match named.as_slice() {
        [one] => Ok(*one),
        [] => Err(InputError::usage(
            "report regulator: give --jurisdiction appi or gdpr (the inventory's incident: block names none)",
        )
        .into()),
        _ => Err(InputError::usage(
            "report regulator: give --jurisdiction appi or gdpr (the inventory's incident names several)",
        )
        .into()),
    }
}
