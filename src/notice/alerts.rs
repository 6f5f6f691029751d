//! Warnings about the figures themselves, given wherever the headline figures are
//! (`report summary`, `notices/summary.md`, the TUI overview) and, in the report's own
//! words, in the report to the regulator: blind spots that may hold more people than were
//! counted, and exposures that reach the edge of the log window.

use anyhow::Result;
use polars::prelude::*;

use super::regulator::{count, people_verdict, persons, PeopleVerdict, PEOPLE_THRESHOLD};
use crate::audit::{Audit, Report, Summary};
use crate::exposure::Zone;

/// One warning: its `report summary` figure name, the sentence, and lines short enough
/// for a box of the TUI's overview (under 40 columns).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub figure: &'static str,
    pub text: String,
    pub short: Vec<String>,
}

/// `report summary`'s figure name of the blind-spot warning.
pub const BLIND_SPOTS: &str = "warning_blind_spots";
/// `report summary`'s figure name of the window-edge warning.
pub const WINDOW_EDGE: &str = "warning_window_edge";

/// The warnings the figures call for, in English. `appi`: the incident is under the APPI,
/// so a blind spot that could carry the people past rule (iv)'s 1,000 is said so.
pub fn alerts(s: &Summary, zone: &Zone, appi: bool) -> Vec<Alert> {
    let mut out = Vec::new();
    out.extend(blind_spots(s, appi));
    out.extend(window_edges(s, zone));
    out
}

fn blind_spots(s: &Summary, appi: bool) -> Option<Alert> {
    let b = s.blind_spots;
    if b.owners == 0 {
        return None;
    }
    let mut text = format!(
        "blind spots: {} cross-user responses on pages the inventory does not cover (report unmapped) carried the data of {}, {} of them not among the {} counted as exposed; which of their fields were seen is unknown, so the people affected may be more than counted",
        count(s.unmapped_cross_user),
        persons(b.owners),
        count(b.owners_not_counted),
        count(s.users_exposed)
    );
    let mut short = vec![
        "blind spots: pages not in inventory".to_string(),
        format!(
            "carried {} ({} uncounted)",
            persons(b.owners),
            count(b.owners_not_counted)
        ),
    ];
    if appi && people_verdict(s) == PeopleVerdict::OfficerToDecide {
        let possibly = s.possible.map_or(0, |(_, only)| only);
        text.push_str(&format!(
            "; with them the count could exceed {} (APPI rule (iv): {} confirmed, {} possibly shown, {} blind-spot owners not counted): officer to decide",
            count(PEOPLE_THRESHOLD),
            count(s.users_exposed - possibly),
            count(possibly),
            count(b.owners_not_counted)
        ));
        short.push(format!(
            "could exceed {} (APPI rule (iv))",
            count(PEOPLE_THRESHOLD)
        ));
    }
    Some(Alert {
        figure: BLIND_SPOTS,
        text,
        short,
    })
}

fn window_edges(s: &Summary, zone: &Zone) -> Option<Alert> {
    let edges = s.window_edges();
    if !edges.any() {
        return None;
    }
    let mut parts = Vec::new();
    let mut bounds = Vec::new();
    if let Some((from, first)) = edges.from {
        parts.push(format!(
            "the first exposure ({}) lies within a minute of --from ({})",
            zone.format_micros(first),
            zone.format_micros(from)
        ));
        bounds.push("--from");
    }
    if let Some((to, last)) = edges.to {
        parts.push(format!(
            "the last exposure ({}) lies within a minute of --to ({})",
            zone.format_micros(last),
            zone.format_micros(to)
        ));
        bounds.push("--to");
    }
    Some(Alert {
        figure: WINDOW_EDGE,
        text: format!(
            "{}: the window may cut the incident short; widen it to see where the exposures begin and end",
            parts.join(" and ")
        ),
        short: vec![
            format!("exposures reach {}:", bounds.join("/")),
            "the incident may be cut short".to_string(),
        ],
    })
}

/// Appends the warnings about `summary`, the audit's figures, to its `report summary`.
pub fn add_summary_rows(report: &mut Report, audit: &Audit, summary: &Summary) -> Result<()> {
    let alerts = alerts(summary, &audit.zone, audit_is_appi(audit));
    if alerts.is_empty() {
        return Ok(());
    }
    let (names, values): (Vec<String>, Vec<String>) = alerts
        .into_iter()
        .map(|a| (a.figure.to_string(), a.text))
        .unzip();
    let rows = DataFrame::new(
        names.len(),
        vec![
            Column::new("figure".into(), names),
            Column::new("value".into(), values),
        ],
    )
    .map_err(crate::frame::polars_bug)?;
    report.df = report.df.vstack(&rows).map_err(crate::frame::polars_bug)?;
    Ok(())
}

/// Whether the inventory's incident names the APPI.
pub fn audit_is_appi(audit: &Audit) -> bool {
    audit.inventory.incident.as_ref().is_some_and(|i| {
        i.jurisdictions
            .contains(&crate::inventory::Jurisdiction::Appi)
    })
}
