//! What a user is told and by when: notice tiers, letters (`letter`), deadlines
//! (`deadline`), and the `notices` folder (`write`). `check` prints one user's letter.

pub mod deadline;
pub mod letter;
pub mod write;

use anyhow::Result;
use polars::prelude::*;

use crate::audit::Audit;
use crate::inventory::Lang;
pub use letter::Letters;

/// The strings of a list cell (empty when the cell is not a list of text).
pub(crate) fn strings(df: &DataFrame, column: &str, row: usize) -> Vec<String> {
    let Ok(c) = df.column(column) else {
        return Vec::new();
    };
    match c.get(row) {
        Ok(AnyValue::List(series)) => series
            .str()
            .map(|s| s.iter().flatten().map(str::to_string).collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

fn number(df: &DataFrame, column: &str, row: usize) -> u64 {
    df.column(column)
        .ok()
        .and_then(|c| c.get(row).ok())
        .and_then(|v| v.extract::<u64>())
        .unwrap_or(0)
}

/// A text cell ("" when absent).
pub(crate) fn text(df: &DataFrame, column: &str, row: usize) -> String {
    match df.column(column).ok().and_then(|c| c.get(row).ok()) {
        Some(AnyValue::Null) | None => String::new(),
        Some(v) => v.str_value().to_string(),
    }
}

/// A datetime cell as microseconds since the epoch (UTC).
pub(crate) fn micros(df: &DataFrame, column: &str, row: usize) -> Option<i64> {
    match df.column(column).ok()?.get(row).ok()? {
        AnyValue::Datetime(micros, TimeUnit::Microseconds, _) => Some(micros),
        _ => None,
    }
}

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
    let facts = letters.facts(audit, &user, 0, lang);
    letters.render(lang, &facts)
}
