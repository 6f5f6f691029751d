//! What a user is told and by when: notice tiers, letters (`letter`), deadlines
//! (`deadline`), warnings about the figures (`alerts`), the APPI's people rule
//! (`people_threshold`), and the `notices` folder (`write`). `check` prints one user's
//! letter. The reports to the regulator are the room above (`crate::regulator`): they use
//! the deadlines, the people rule, the words (`words`) and the Markdown tables here, and
//! add themselves to the notices folder.

pub mod alerts;
pub mod deadline;
pub mod letter;
pub(crate) mod markdown;
pub mod people_threshold;
pub(crate) mod words;
pub mod write;

use anyhow::Result;

use crate::audit::Audit;
use crate::inventory::Lang;
pub use letter::Letters;

/// What `check` prints for one user: their letter in the inventory's default language.
pub fn check_text(audit: &Audit, user_id: &str) -> Result<String> {
    check_text_in(
        audit,
        user_id,
        audit.inventory.notice.lang.unwrap_or_default(),
    )
}

/// The letter `notices` would write for `user_id`, in `lang`; for a user with no potential
/// field, a sentence saying why there is nothing to tell.
pub fn check_text_in(audit: &Audit, user_id: &str, lang: Lang) -> Result<String> {
    let letters = Letters::new(audit.inventory)?;
    let Some(user) = audit.user(user_id)? else {
        return Ok(if audit.owns_rows(user_id)? {
            format!(
                "User {user_id}: pages with their data were served in this log, but none of them shows a personal field the user has on file. Nothing to tell this user.\n"
            )
        } else {
            format!(
                "User {user_id} is not in this log: no page with their personal data was served in the window. Nothing to tell this user.\n"
            )
        });
    };
    let facts = letters.facts(audit, &user, 0, lang)?;
    letters.render(lang, &facts)
}
