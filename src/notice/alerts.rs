//! Warnings about the figures themselves, given wherever the headline figures are
//! (`report summary`, `notices/summary.md`, the TUI overview) and, in the report's own
//! words, in the report to the regulator: blind spots that may hold more people than were
//! counted, exposures that reach the edge of the log window, and (from a CDN log) pages
//! with personal fields served from the cache outside the window.

use anyhow::Result;
use polars::prelude::*;

use super::people_threshold::{people_verdict, PeopleVerdict, PEOPLE_THRESHOLD};
use super::words::{count, persons};
use crate::audit::{Audit, CacheWindow, NodeWindow, Report, Summary};
use crate::frame::OrBug;
use crate::ingest::Zone;

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
/// `report summary`'s figure name of the warning that the cache served personal pages
/// outside the window.
pub const WINDOW_CACHE: &str = "warning_window_cache";

/// The warnings the figures call for, in English. `appi`: the incident is under the APPI,
/// so a blind spot that could carry the people past rule (iv)'s 1,000 is said so.
pub fn alerts(s: &Summary, zone: &Zone, appi: bool) -> Vec<Alert> {
    let mut out = Vec::new();
    out.extend(blind_spots(s, appi));
    out.extend(window_edges(s, zone));
    out.extend(window_cache(s, zone));
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

/// From a CDN log: cached responses of personal pages outside `--from`/`--to` (how many,
/// on which nodes, and the window the log suggests), and nodes whose part of the log does
/// not show where the leak began or ended. Its short lines are two at most, of 31
/// characters at most: they go beside the window, in the overview's narrower box.
fn window_cache(s: &Summary, zone: &Zone) -> Option<Alert> {
    let window = s.cache_window.as_ref()?;
    let (from, to) = window.suggested()?;
    let outside = &window.outside;
    let n = outside.responses();
    let mut parts = Vec::new();
    let mut short = Vec::new();
    if n > 0 {
        let on = match outside.nodes.as_slice() {
            [] => String::new(),
            nodes => format!(" on {}", nodes.join(", ")),
        };
        parts.push(format!(
            "{} responses of pages with personal fields were served from the cache outside --from/--to ({} before --from, {} at or after --to; {} of them to someone other than the owner){on}, so the figures may leave out people the leak reached",
            count(n),
            count(outside.before),
            count(outside.after),
            count(outside.to_others),
        ));
        if outside.files_unread > 0 {
            parts.push(format!(
                "{} log files named for hours outside the window were not read, so there may be more (report window reads them all)",
                count(outside.files_unread as u64)
            ));
        }
        short.push(format!("{} cached personal pages", count(n)));
        short.push(format!(
            "outside the window{}",
            short_nodes(&outside.nodes, 11)
        ));
    }
    let (start, end) = (unseen(window, true), unseen(window, false));
    for (nodes, which, may) in [
        (&start, "began", "begun before the log's first line"),
        (&end, "ended", "gone on after the log's last line"),
    ] {
        if let Some(nodes) = nodes {
            let on = match nodes.as_slice() {
                [] => String::new(),
                nodes => format!(" on {}", nodes.join(", ")),
            };
            parts.push(format!(
                "the log does not show where the leak {which}{on}: it may have {may}"
            ));
        }
    }
    // Beside the window the log's bounds are marked ≤ and ≥ when it does not show them;
    // a line says so only when nothing lies outside the window.
    if short.is_empty() {
        let (what, nodes) = match (&start, &end) {
            (Some(a), Some(b)) if a == b => ("leak start, end", a),
            (Some(a), _) => ("leak start", a),
            (None, Some(b)) => ("leak end", b),
            (None, None) => ("", &Vec::new()),
        };
        if !what.is_empty() {
            let room = 31 - what.len() - " not in log".len();
            short.push(format!("{what} not in log{}", short_nodes(nodes, room)));
        }
    }
    if parts.is_empty() {
        return None;
    }
    Some(Alert {
        figure: WINDOW_CACHE,
        text: format!(
            "the cache and the window: {}; the log suggests --from {} --to {} (report window shows each node's; --from auto and --to auto take it)",
            parts.join("; "),
            zone.format_micros(from),
            zone.format_micros(to)
        ),
        short,
    })
}

/// The nodes whose part of the log does not show where the leak began (`start`) or ended
/// (empty when the log names no node); `None` when every part shows it.
fn unseen(window: &CacheWindow, start: bool) -> Option<Vec<String>> {
    let seen = |n: &NodeWindow| match start {
        true => n.start_in_log(),
        false => n.end_in_log(),
    };
    if window.nodes.is_empty() {
        return (seen(&window.total) == Some(false)).then(Vec::new);
    }
    let nodes: Vec<String> = window
        .nodes
        .iter()
        .filter(|n| seen(n) == Some(false))
        .map(|n| n.node.clone())
        .collect();
    (!nodes.is_empty()).then_some(nodes)
}

/// ": A, B" for a short line when the names fit in `room` characters (with the colon and
/// space), else ": 3 nodes"; empty without names.
fn short_nodes(nodes: &[String], room: usize) -> String {
    let names = format!(": {}", nodes.join(", "));
    match nodes.len() {
        0 => String::new(),
        _ if names.chars().count() <= room => names,
        1 => ": 1 node".into(),
        n => format!(": {n} nodes"),
    }
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
    .or_bug()?;
    report.df = report.df.vstack(&rows).or_bug()?;
    Ok(())
}

/// Whether the inventory's incident names the APPI.
pub fn audit_is_appi(audit: &Audit) -> bool {
    audit.inventory.incident.as_ref().is_some_and(|i| {
        i.jurisdictions
            .contains(&crate::inventory::Jurisdiction::Appi)
    })
}
