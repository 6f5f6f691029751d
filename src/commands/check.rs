//! `pii-audit check USER`: the letter one user would get.

use anyhow::Result;

use crate::audit::Tier;
use crate::cli::CheckArgs;
use crate::frame::cells;
use crate::load::Inputs;
use crate::progress::Progress;
use crate::{notice, tables};

/// Runs `check USER`.
pub fn run(args: &CheckArgs) -> Result<()> {
    let CheckArgs {
        user_id,
        input,
        lang,
    } = args;
    let inputs = Inputs::load(&input.options()?, &Progress::on_stderr())?;
    let audit = inputs.audit()?;
    let lang = lang.or(inputs.inventory.notice.lang).unwrap_or_default();
    let text = notice::check_text_in(&audit, user_id, lang)?;
    if let Some(user) = audit.user(user_id)? {
        let tier = cells::text(&user, "tier", 0)?;
        if Tier::from_name(&tier) == Some(Tier::Potential) {
            eprintln!("note: this user is in the potential tier: `pii-audit notices` writes their letter only with --tiers including potential");
        }
    }
    tables::print_text(&text)
}
