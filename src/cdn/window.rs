//! When the log's caches served personal pages (`audit::CacheWindow`), read off the
//! derived log before any window is applied: a response served from the cache of a page
//! whose route renders fields. Served from the cache: attribution cached, ambiguous or
//! unattributed, and its line says a cache served it (a node's copy, the tier's, a stale
//! one). A line that may equally be the origin's rendering (CloudFront `Miss` behind
//! regional caches, a status of no documented meaning) is ambiguous all day long, before
//! the leak too, and is left out: the leak is what certainly came from a cache. Each
//! distinct path is matched to its page once and the rows gather their page's kind.

use anyhow::Result;
use polars::prelude::*;

use super::derive::Frame;
use super::source::Source;
use super::{Attribution, Reason, Resolution, ATTRIBUTION, CACHE_NODE};
use crate::audit::{CacheWindow, NodeWindow, Outside, Span};
use crate::error::InputError;
use crate::frame::cells;
use crate::frame::names::{OWNER_ID, VIEWER_ID};
use crate::frame::OrBug;
use crate::inventory::{normalise_path, Inventory};

/// What a path's page is: public (a route without fields), personal, or no page.
const PUBLIC: u32 = 0;
const PERSONAL: u32 = 1;
const UNMAPPED: u32 = 2;

const MINUTE: i64 = 60_000_000;

/// The name of the whole log's row.
pub const ALL_NODES: &str = "(all)";

/// The cached responses of personal pages, with the flags the window's figures count.
pub struct Detected {
    pub window: CacheWindow,
    /// Every row's time (µs), node, kind and flags (`flagged`).
    rows: DataFrame,
}

/// Reads when the caches served personal pages, per node and in all.
pub fn detect(frame: &Frame, inventory: &Inventory) -> Result<Detected> {
    let rows = flagged(frame, inventory)?;
    let by_node = rows
        .clone()
        .lazy()
        .group_by([col(CACHE_NODE)])
        .agg(span_exprs())
        .collect()
        .or_bug()?;
    let all = rows
        .clone()
        .lazy()
        .select(span_exprs())
        .collect()
        .or_bug()?;
    let resolution = match frame.resolution {
        Resolution::Exact => 0,
        Resolution::Micros(m) => m,
    };
    let floor = |t: i64| match resolution {
        0 => t,
        r => t - t.rem_euclid(r),
    };
    let nodes_column = by_node.column(CACHE_NODE).or_bug()?.u32().or_bug()?.clone();
    let mut nodes = Vec::with_capacity(by_node.height());
    for (row, code) in nodes_column.iter().enumerate() {
        let name = code.map_or("", |c| frame.dicts.node.value(c)).to_string();
        nodes.push(node_window(&by_node, row, name, &floor)?);
    }
    nodes.sort_by(|a, b| a.node.cmp(&b.node));
    if nodes.iter().all(|n| n.node.is_empty()) {
        nodes.clear();
    }
    let window = CacheWindow {
        nodes,
        total: node_window(&all, 0, ALL_NODES.to_string(), &floor)?,
        resolution,
        width: frame.facts.width,
        outside: Outside::default(),
        auto: (false, false),
        per_minute: per_minute(&rows)?,
    };
    Ok(Detected { window, rows })
}

impl Detected {
    /// The cached personal responses outside `[from, to)`, and the nodes that served them.
    pub fn outside(&self, window: (Option<i64>, Option<i64>), frame: &Frame) -> Result<Outside> {
        let ts = col("t").cast(DataType::Int64);
        let before = window.0.map_or(lit(false), |from| ts.clone().lt(lit(from)));
        let after = window.1.map_or(lit(false), |to| ts.clone().gt_eq(lit(to)));
        let leak = leak();
        let out = self
            .rows
            .clone()
            .lazy()
            .filter(leak.and(before.clone().or(after.clone())))
            .collect()
            .or_bug()?;
        let sums = out
            .clone()
            .lazy()
            .select([
                before.sum().cast(DataType::UInt64).alias("before"),
                after.sum().cast(DataType::UInt64).alias("after"),
                col("confirmed")
                    .or(col("possible"))
                    .sum()
                    .cast(DataType::UInt64)
                    .alias("to_others"),
            ])
            .collect()
            .or_bug()?;
        let codes = out
            .column(CACHE_NODE)
            .or_bug()?
            .u32()
            .or_bug()?
            .unique()
            .or_bug()?;
        let mut nodes: Vec<String> = codes
            .iter()
            .flatten()
            .map(|c| frame.dicts.node.value(c).to_string())
            .filter(|n| !n.is_empty())
            .collect();
        nodes.sort();
        Ok(Outside {
            before: cells::number(&sums, "before", 0)?,
            after: cells::number(&sums, "after", 0)?,
            to_others: cells::number(&sums, "to_others", 0)?,
            nodes,
            files_unread: 0,
        })
    }
}

/// `--from`/`--to` as given (`given`), those that were `auto` taken from the window the
/// log suggests. Refused when the log suggests none, or when the bounds cross.
pub fn resolve(
    given: (Option<i64>, Option<i64>),
    auto: (bool, bool),
    window: &CacheWindow,
) -> Result<(Option<i64>, Option<i64>)> {
    let flags = match auto {
        (false, false) => return Ok(given),
        (true, true) => "--from auto and --to auto",
        (true, false) => "--from auto",
        (false, true) => "--to auto",
    };
    let Some((from, to)) = window.suggested() else {
        return Err(InputError::usage(format!(
            "{flags}: no response of a page with personal fields was served from the cache in this log, so it suggests no window (`report window` shows what each node served): give the time instead"
        ))
        .into());
    };
    let bounds = (
        if auto.0 { Some(from) } else { given.0 },
        if auto.1 { Some(to) } else { given.1 },
    );
    if let (Some(a), Some(b)) = bounds {
        if a >= b {
            return Err(InputError::usage(format!(
                "{flags}: the window the log suggests does not end after --from or start before --to (`report window` shows it): --from must be earlier than --to"
            ))
            .into());
        }
    }
    Ok(bounds)
}

/// Whether a page renders personal data: fields of its own, or of related people.
fn personal(page: &crate::inventory::Page) -> bool {
    !page.fields.is_empty() || page.related.iter().any(|r| !r.fields.is_empty())
}

/// Each path value's kind, by its number in the paths' table.
fn path_kinds(frame: &Frame, inventory: &Inventory) -> UInt32Chunked {
    let kinds =
        frame
            .dicts
            .path
            .values()
            .map(|raw| match inventory.match_path(&normalise_path(raw)) {
                None => UNMAPPED,
                Some(page) if personal(&inventory.pages[page]) => PERSONAL,
                Some(_) => PUBLIC,
            });
    UInt32Chunked::from_iter_values("kind".into(), kinds)
}

/// Every row with `t` (its time), its node, `kind` (its page's), `cached` (served from a
/// cache), `confirmed` and `possible` (went to someone other than the owner, for sure or
/// as one of its candidates) and `unfilled` (no origin response in the log filled it).
fn flagged(frame: &Frame, inventory: &Inventory) -> Result<DataFrame> {
    let df = &frame.df;
    let kinds = path_kinds(frame, inventory);
    let codes: IdxCa = df
        .column("path")
        .or_bug()?
        .u32()
        .or_bug()?
        .iter()
        .map(|c| c.map(|c| c as IdxSize))
        .collect();
    let kind = kinds.take(&codes).or_bug()?;
    let possible = possible_flags(frame)?;
    let is = |a: Attribution| col(ATTRIBUTION).eq(lit(a as u32));
    let viewer = col(VIEWER_ID);
    let unidentified = match frame.dicts.viewer.find("") {
        Some(empty) => viewer.clone().is_null().or(viewer.clone().eq(lit(empty))),
        None => viewer.clone().is_null(),
    };
    let reason = |r: Reason| col("reason").eq(lit(r as u32));
    let base = DataFrame::new(
        df.height(),
        vec![
            df.column("ts").or_bug()?.clone(),
            df.column(CACHE_NODE).or_bug()?.clone(),
            df.column(ATTRIBUTION).or_bug()?.clone(),
            df.column(OWNER_ID).or_bug()?.clone(),
            df.column(VIEWER_ID).or_bug()?.clone(),
            df.column("reason")
                .or_bug()?
                .cast(&DataType::UInt32)
                .or_bug()?,
            kind.with_name("kind".into()).into_column(),
            df.column("source").or_bug()?.clone(),
            Column::new("possible".into(), possible),
        ],
    )
    .or_bug()?;
    base.lazy()
        .select([
            col("ts").alias("t"),
            col(CACHE_NODE),
            col("kind"),
            is(Attribution::Cached)
                .or(is(Attribution::Ambiguous))
                .or(is(Attribution::Unattributed))
                .and(from_cache())
                .alias("cached"),
            is(Attribution::Cached)
                .and(col(OWNER_ID).is_not_null())
                .and(unidentified.or(viewer.neq(col(OWNER_ID))))
                .alias("confirmed"),
            col("possible"),
            is(Attribution::Unattributed)
                .and(reason(Reason::NoFill).or(reason(Reason::TooOld)))
                .alias("unfilled"),
        ])
        .collect()
        .or_bug()
}

/// Whether a row's line says a cache served it: its source is none that may be the
/// origin's rendering (each such source of `Source::ALL` ruled out).
fn from_cache() -> Expr {
    Source::ALL
        .into_iter()
        .filter(|s| s.may_be_origin())
        .fold(col("source").is_not_null(), |certain, s| {
            certain.and(col("source").neq(lit(s as u32)))
        })
}

/// Per row: ambiguous, with a candidate owner who is not its viewer (an unidentified
/// viewer is not any candidate).
fn possible_flags(frame: &Frame) -> Result<Vec<bool>> {
    let df = &frame.df;
    let attribution = df.column(ATTRIBUTION).or_bug()?.u32().or_bug()?;
    let rows = df.column("row").or_bug()?.idx().or_bug()?;
    let viewers = df.column(VIEWER_ID).or_bug()?.u32().or_bug()?;
    let empty = frame.dicts.viewer.find("");
    let mut flags = vec![false; df.height()];
    let ambiguous = attribution.equal(Attribution::Ambiguous as u32);
    for at in (0..df.height()).filter(|&i| ambiguous.get(i) == Some(true)) {
        let viewer = viewers.get(at).filter(|v| Some(*v) != empty);
        let candidates = rows
            .get(at)
            .and_then(|r| frame.candidates_of(r))
            .unwrap_or(&[]);
        flags[at] = candidates.iter().any(|c| Some(*c) != viewer);
    }
    Ok(flags)
}

/// A cached response of a personal page.
fn leak() -> Expr {
    col("kind").eq(lit(PERSONAL)).and(col("cached"))
}

/// The figures of one node (or of the whole log), as sums over its rows.
fn span_exprs() -> Vec<Expr> {
    let ts = col("t");
    let blind = col("kind")
        .eq(lit(UNMAPPED))
        .and(col("confirmed").or(col("possible")));
    let count = |e: Expr, name: &str| e.sum().cast(DataType::UInt64).alias(name);
    vec![
        ts.clone().min().alias("log_first"),
        ts.clone().max().alias("log_last"),
        ts.clone().filter(leak()).min().alias("first"),
        ts.clone().filter(leak()).max().alias("last"),
        count(leak(), "responses"),
        count(leak().and(col("confirmed")), "confirmed"),
        count(leak().and(col("possible")), "possible"),
        col("unfilled")
            .filter(leak())
            .first()
            .alias("stored_before_log"),
        ts.clone().filter(blind.clone()).min().alias("blind_first"),
        ts.filter(blind.clone()).max().alias("blind_last"),
        count(blind.clone().and(col("confirmed")), "blind_confirmed"),
        count(blind.and(col("possible")), "blind_possible"),
    ]
}

/// Row `row` of the sums as a node's window, times floored to the clock's resolution.
fn node_window(
    sums: &DataFrame,
    row: usize,
    node: String,
    floor: &dyn Fn(i64) -> i64,
) -> Result<NodeWindow> {
    let time =
        |name: &str| -> Result<Option<i64>> { Ok(cells::micros(sums, name, row)?.map(floor)) };
    let number = |name: &str| cells::number(sums, name, row);
    let stored = sums
        .column("stored_before_log")
        .and_then(|c| c.get(row))
        .or_bug()?;
    let blind_confirmed = number("blind_confirmed")?;
    let blind_possible = number("blind_possible")?;
    Ok(NodeWindow {
        node,
        personal: Span {
            first: time("first")?,
            last: time("last")?,
            responses: number("responses")?,
            confirmed: number("confirmed")?,
            possible: number("possible")?,
        },
        blind: Span {
            first: time("blind_first")?,
            last: time("blind_last")?,
            responses: blind_confirmed + blind_possible,
            confirmed: blind_confirmed,
            possible: blind_possible,
        },
        log: time("log_first")?.zip(time("log_last")?),
        stored_before_log: matches!(stored, AnyValue::Boolean(true)),
    })
}

/// Cached personal responses to someone other than the owner, per minute.
fn per_minute(rows: &DataFrame) -> Result<Vec<(i64, u64)>> {
    let minutes = rows
        .clone()
        .lazy()
        .filter(leak().and(col("confirmed").or(col("possible"))))
        .select([col("t").cast(DataType::Int64).alias("t")])
        .group_by([(col("t") - col("t") % lit(MINUTE)).alias("minute")])
        .agg([len().cast(DataType::UInt64).alias("n")])
        .sort(["minute"], SortMultipleOptions::default())
        .collect()
        .or_bug()?;
    let minute = minutes.column("minute").or_bug()?.i64().or_bug()?;
    (0..minutes.height())
        .map(|row| {
            let at = minute.get(row).unwrap_or_default();
            Ok((at, cells::number(&minutes, "n", row)?))
        })
        .collect()
}

/// `report window`'s columns, in order.
pub const WINDOW_COLUMNS: [&str; 15] = [
    CACHE_NODE,
    "first_cached",
    "last_cached",
    "cached_responses",
    "confirmed_to_others",
    "possible_to_others",
    "blind_first",
    "blind_last",
    "blind_confirmed",
    "blind_possible",
    "log_first",
    "log_last",
    "start_in_log",
    "end_in_log",
    "note",
];

/// A row of `report window`: a node's figures, and what its part of the log shows.
struct Row<'a> {
    node: &'a NodeWindow,
    start_in_log: Option<bool>,
    end_in_log: Option<bool>,
    /// Empty: nothing to say.
    note: String,
}

/// `report window`: a row per node the log names (by name), then the whole log's.
pub fn table(window: &CacheWindow) -> Result<DataFrame> {
    let mut rows: Vec<Row> = window
        .nodes
        .iter()
        .map(|n| Row {
            node: n,
            start_in_log: n.start_in_log(),
            end_in_log: n.end_in_log(),
            note: node_note(n),
        })
        .collect();
    rows.push(Row {
        node: &window.total,
        start_in_log: window.start_in_log(),
        end_in_log: window.end_in_log(),
        note: total_note(window),
    });
    let times = |name: &str, get: &dyn Fn(&NodeWindow) -> Option<i64>| -> Result<Column> {
        Int64Chunked::from_iter_options(name.into(), rows.iter().map(|r| get(r.node)))
            .into_column()
            .cast(&crate::frame::utc_micros())
            .or_bug()
    };
    let counts = |name: &str, get: &dyn Fn(&NodeWindow) -> u64| -> Column {
        let values: Vec<u64> = rows.iter().map(|r| get(r.node)).collect();
        Column::new(name.into(), values)
    };
    let c = &WINDOW_COLUMNS;
    let names: Vec<&str> = rows.iter().map(|r| node_name(&r.node.node)).collect();
    let starts: Vec<Option<bool>> = rows.iter().map(|r| r.start_in_log).collect();
    let ends: Vec<Option<bool>> = rows.iter().map(|r| r.end_in_log).collect();
    let notes: Vec<Option<&str>> = rows
        .iter()
        .map(|r| (!r.note.is_empty()).then_some(r.note.as_str()))
        .collect();
    let columns = vec![
        Column::new(c[0].into(), names),
        times(c[1], &|n| n.personal.first)?,
        times(c[2], &|n| n.personal.last)?,
        counts(c[3], &|n| n.personal.responses),
        counts(c[4], &|n| n.personal.confirmed),
        counts(c[5], &|n| n.personal.possible),
        times(c[6], &|n| n.blind.first)?,
        times(c[7], &|n| n.blind.last)?,
        counts(c[8], &|n| n.blind.confirmed),
        counts(c[9], &|n| n.blind.possible),
        times(c[10], &|n| n.log.map(|l| l.0))?,
        times(c[11], &|n| n.log.map(|l| l.1))?,
        Column::new(c[12].into(), starts),
        Column::new(c[13].into(), ends),
        Column::new(c[14].into(), notes),
    ];
    DataFrame::new(rows.len(), columns).or_bug()
}

/// A node's name as the reports show it.
pub fn node_name(node: &str) -> &str {
    if node.is_empty() {
        "(none)"
    } else {
        node
    }
}

/// What a node's row says of its start and end.
fn node_note(n: &NodeWindow) -> String {
    if n.personal.responses == 0 {
        return "no personal page served from the cache".into();
    }
    let mut notes = Vec::new();
    match (n.start_in_log(), n.stored_before_log) {
        (Some(false), true) => notes
            .push("start not in the log: the first came from a copy stored before the log begins"),
        (Some(false), false) => {
            notes.push("start not in the log: the log begins less than a minute before the first")
        }
        _ => {}
    }
    if n.end_in_log() == Some(false) {
        notes.push("end not in the log: the log ends less than a minute after the last");
    }
    notes.join("; ")
}

/// The whole log's row: the nodes whose start or end the log does not show.
fn total_note(window: &CacheWindow) -> String {
    if window.nodes.is_empty() {
        return node_note(&window.total);
    }
    if window.total.personal.responses == 0 {
        return "no personal page served from the cache".into();
    }
    let missing = |seen: fn(&NodeWindow) -> Option<bool>| -> Vec<&str> {
        window
            .nodes
            .iter()
            .filter(|n| seen(n) == Some(false))
            .map(|n| node_name(&n.node))
            .collect()
    };
    let mut notes = Vec::new();
    let start = missing(NodeWindow::start_in_log);
    if !start.is_empty() {
        notes.push(format!("start not in the log on {}", start.join(", ")));
    }
    let end = missing(NodeWindow::end_in_log);
    if !end.is_empty() {
        notes.push(format!("end not in the log on {}", end.join(", ")));
    }
    notes.join("; ")
}
