//! What a user is told. For now `check`: one user's exposure in plain sentences.

use anyhow::Result;
use polars::prelude::*;

use crate::audit::Audit;
use crate::inventory::Inventory;

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

fn time(audit: &Audit, df: &DataFrame, column: &str, row: usize) -> Option<String> {
    match df.column(column).ok()?.get(row).ok()? {
        AnyValue::Datetime(micros, TimeUnit::Microseconds, _) => {
            Some(audit.zone.format_micros(micros))
        }
        _ => None,
    }
}

/// "Postal address and Email address" from field ids.
fn labels(inventory: &Inventory, ids: &[String]) -> String {
    let names: Vec<String> = ids
        .iter()
        .map(|id| match inventory.field_index(id) {
            Some(i) => inventory.fields[i].label.clone(),
            None => id.clone(),
        })
        .collect();
    join_words(&names)
}

fn join_words(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn times(n: u64) -> String {
    if n == 1 {
        "once".to_string()
    } else {
        format!("{n} times")
    }
}

fn people(n: u64) -> String {
    if n == 1 {
        "1 person".to_string()
    } else {
        format!("{n} different people")
    }
}

/// The plain-words answer for one user.
pub fn check_text(audit: &Audit, user_id: &str) -> Result<String> {
    let inventory = audit.inventory;
    let mut out = String::new();
    let Some(user) = audit.user(user_id)? else {
        if audit.owns_rows(user_id)? {
            out.push_str(&format!(
                "User {user_id}: pages with their data were served in this log, but none of them shows a personal field the user has on file. Nothing to tell this user.\n"
            ));
        } else {
            out.push_str(&format!(
                "User {user_id} is not in this log: no page with their personal data was served in the window. Nothing to tell this user.\n"
            ));
        }
        return Ok(out);
    };
    let tier = user
        .column("tier")
        .ok()
        .and_then(|c| c.get(0).ok())
        .map(|v| v.str_value().to_string())
        .unwrap_or_default();
    let exposed = strings(&user, "exposed_fields", 0);
    let potential = strings(&user, "potential_fields", 0);
    let only_potential: Vec<String> = potential
        .iter()
        .filter(|f| !exposed.contains(f))
        .cloned()
        .collect();
    let exposures = number(&user, "exposures", 0);
    let viewers = number(&user, "distinct_viewers", 0);

    out.push_str(&format!("User {user_id}\n\n"));
    if exposed.is_empty() {
        out.push_str(&format!(
            "Nobody else saw this user's personal data. Pages showing their {} were served during the incident, but only to the user themselves.\n",
            labels(inventory, &potential)
        ));
    } else {
        let first = time(audit, &user, "first_exposed", 0).unwrap_or_default();
        let last = time(audit, &user, "last_exposed", 0).unwrap_or_default();
        out.push_str(&format!(
            "Someone else saw this user's {}.\n",
            labels(inventory, &exposed)
        ));
        out.push_str(&format!(
            "Their pages were shown to others {} in all, to {}, between {first} and {last}.\n",
            times(exposures),
            people(viewers)
        ));
        let pages = audit.user_pages(user_id)?;
        for row in 0..pages.height() {
            let page_exposures = number(&pages, "exposures", row);
            if page_exposures == 0 {
                continue;
            }
            let page = pages
                .column("page_id")
                .ok()
                .and_then(|c| c.get(row).ok())
                .map(|v| v.str_value().to_string())
                .unwrap_or_default();
            let fields = strings(&pages, "exposed_fields", row);
            out.push_str(&format!(
                "  - page {page}: {} seen {} by {}\n",
                labels(inventory, &fields),
                times(page_exposures),
                people(number(&pages, "distinct_viewers", row))
            ));
        }
        if !only_potential.is_empty() {
            out.push_str(&format!(
                "Also shown on their pages during the incident, but not seen by anyone else: {}.\n",
                labels(inventory, &only_potential)
            ));
        }
    }
    let reason = match tier.as_str() {
        "direct" => {
            let direct: Vec<String> = exposed
                .iter()
                .filter(|id| {
                    inventory
                        .field_index(id)
                        .is_some_and(|i| inventory.fields[i].direct_notice)
                })
                .cloned()
                .collect();
            let verb = if direct.len() == 1 { "was" } else { "were" };
            format!(
                "Notice: direct. Because their {} {verb} seen, this user must be told directly.",
                labels(inventory, &direct)
            )
        }
        "notice" => {
            "Notice: notice. Data was seen by someone else, but no direct-notice field.".to_string()
        }
        _ => "Notice: potential. Data could have been seen, but no one else saw it.".to_string(),
    };
    out.push_str(&format!("\n{reason}\n"));
    Ok(out)
}
