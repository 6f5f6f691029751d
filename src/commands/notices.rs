//! `pii-audit notices`: the notice list, one letter per user and the summary.

use std::path::PathBuf;

use anyhow::Result;

use crate::audit::{self, Tier};
use crate::cli::{InputArgs, ListFormat};
use crate::inventory::Lang;
use crate::load::Inputs;
use crate::progress::Progress;
use crate::{notice, report};

/// What `notices` was asked to write.
pub struct Request {
    pub out_dir: PathBuf,
    pub lang: Option<Lang>,
    pub tiers: Vec<Tier>,
    pub format: ListFormat,
    pub force: bool,
}

/// Runs `notices`.
pub fn run(input: &InputArgs, request: Request) -> Result<()> {
    let progress = Progress::on_stderr();
    let inputs = Inputs::load(&input.options()?, &progress)?;
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
    let written = notice::write::write(&audit, &users, &options)?;
    progress.done(format!(
        "{} letters",
        indicatif::HumanCount(written.total() as u64)
    ));
    progress.finish();
    super::print_notes(audit.assumption_notes(Some(audit::assumed_users(&users))));
    report::print_text(&(written.describe() + "\n"))
}
