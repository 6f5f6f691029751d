//! `pii-audit notices`: the notice list, one letter per user and the summary.

use anyhow::Result;

use crate::audit::{self};
use crate::cli::{ListFormat, NoticesArgs};
use crate::load::Inputs;
use crate::progress::Progress;
use crate::{notice, regulator, tables};

/// Runs `notices`.
pub fn run(request: NoticesArgs) -> Result<()> {
    let progress = Progress::on_stderr();
    let inputs = Inputs::load(&request.input.options()?, &progress)?;
    progress.stage("matching routes and aggregating");
    let audit = inputs.audit()?;
    let users = audit.users_frame()?;
    progress.stage("writing the notices");
    let options = notice::write::Options {
        out_dir: request.out_dir,
        lang: request
            .lang
            .or(inputs.inventory.notice.lang)
            .unwrap_or_default(),
        tiers: request.tiers,
        force: request.force,
        parquet: request.format == ListFormat::Parquet,
        now: chrono::Utc::now(),
        only: None,
    };
    let written = regulator::write_notices(&audit, &users, &options)?;
    progress.done(format!(
        "{} letters",
        indicatif::HumanCount(written.total() as u64)
    ));
    progress.finish();
    super::print_notes(audit.assumption_notes(Some(audit::assumed_users(&users))));
    tables::print_text(&(written.describe() + "\n"))
}
