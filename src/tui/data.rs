//! What the TUI shows. A worker thread loads the inputs and runs the `audit` functions
//! (the same ones the CLI reports call), turns each report frame into a display grid once,
//! and then answers drill-down requests and writes the files the UI asks for (`write`).
//! The UI thread never computes a figure and never writes a file.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use chrono::{DateTime, Utc};
use polars::prelude::*;

use super::edit::{Editor, InventorySave};
use crate::audit::{Audit, Report, Summary};
use crate::frame::names::{EXPOSURES, PAGE_ID};
use crate::frame::OrBug;
use crate::ingest::Zone;
use crate::inventory::{Field, Inventory};
use crate::load::Inputs;
use crate::notice::deadline::{deadlines, Deadline};
use crate::tables::{self, cell_text, presentable, Format};

/// Loading stages, in the order the worker runs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    ReadingLog,
    MatchingRoutes,
    Joining,
    Aggregating,
}

impl Stage {
    pub const ALL: [Stage; 4] = [
        Stage::ReadingLog,
        Stage::MatchingRoutes,
        Stage::Joining,
        Stage::Aggregating,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Stage::ReadingLog => "reading log",
            Stage::MatchingRoutes => "matching routes",
            Stage::Joining => "joining",
            Stage::Aggregating => "aggregating",
        }
    }
}

/// What Enter on a grid's row opens: the detail of the row's user, page or field, the
/// unmapped paths a suggested route covers, or nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drill {
    User,
    Page,
    Field,
    Route,
    Nothing,
}

/// A report as the screen shows it: every cell as text (times in the zone, lists
/// `;`-joined), numeric sort keys where the column is a count, and the typed frame for
/// export.
#[derive(Debug)]
pub struct Grid {
    pub kind: &'static str,
    /// What Enter on one of its rows opens, fixed by what the grid is.
    pub drill: Drill,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Per column: the numbers to sort by, when the column holds counts.
    pub numbers: Vec<Option<Vec<i64>>>,
    /// Per row: its text, lower-cased, for the filter.
    pub haystack: Vec<String>,
    /// Per column: the widest cell (header included), in characters.
    pub widths: Vec<usize>,
    pub source: DataFrame,
}

impl Grid {
    pub fn from_report(report: &Report, drill: Drill, zone: &Zone) -> Result<Grid> {
        Grid::from_frame(report.kind.name(), drill, &report.df, zone)
    }

    pub fn from_frame(
        kind: &'static str,
        drill: Drill,
        df: &DataFrame,
        zone: &Zone,
    ) -> Result<Grid> {
        let text = presentable(df, zone, true)?;
        let height = df.height();
        let columns: Vec<String> = df.columns().iter().map(|c| c.name().to_string()).collect();
        let mut rows = vec![Vec::with_capacity(columns.len()); height];
        let mut widths: Vec<usize> = columns.iter().map(|c| c.chars().count()).collect();
        for (c, column) in text.columns().iter().enumerate() {
            for (r, row) in rows.iter_mut().enumerate() {
                let cell = cell_text(column, r);
                widths[c] = widths[c].max(cell.chars().count());
                row.push(cell);
            }
        }
        let numbers = df
            .columns()
            .iter()
            .map(|c| {
                if !c.dtype().is_integer() {
                    return None;
                }
                let values = c.cast(&DataType::Int64).ok()?;
                let values = values.i64().ok()?;
                Some(values.iter().map(|v| v.unwrap_or(i64::MIN)).collect())
            })
            .collect();
        let haystack = rows
            .iter()
            .map(|row| row.join("\u{1f}").to_lowercase())
            .collect();
        Ok(Grid {
            kind,
            drill,
            columns,
            rows,
            numbers,
            haystack,
            widths,
            source: df.clone(),
        })
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// The cell of `row` in column `name`, or "" when there is no such column.
    pub fn cell(&self, row: usize, name: &str) -> &str {
        self.column(name)
            .and_then(|c| self.rows.get(row).map(|r| r[c].as_str()))
            .unwrap_or("")
    }

    /// Rows of `rows` whose text contains `needle` (case-insensitive), in their order.
    pub fn filter(&self, rows: &[usize], needle: &str) -> Vec<usize> {
        let needle = needle.to_lowercase();
        rows.iter()
            .copied()
            .filter(|&r| self.haystack[r].contains(&needle))
            .collect()
    }

    /// Sorts `rows` by a column: counts as numbers, the rest as text; ties keep their order.
    pub fn sort(&self, rows: &mut [usize], column: usize, descending: bool) {
        match &self.numbers[column] {
            Some(numbers) => rows.sort_by(|&a, &b| {
                let order = numbers[a].cmp(&numbers[b]);
                if descending {
                    order.reverse()
                } else {
                    order
                }
            }),
            None => rows.sort_by(|&a, &b| {
                let order = self.rows[a][column].cmp(&self.rows[b][column]);
                if descending {
                    order.reverse()
                } else {
                    order
                }
            }),
        }
    }

    /// The given rows, in that order, as bytes in the format named by the file's extension
    /// (CSV unless it ends in .json, .ndjson or .parquet).
    pub fn export(&self, rows: &[usize], file: &std::path::Path, zone: &Zone) -> Result<()> {
        let indices: Vec<IdxSize> = rows.iter().map(|&r| r as IdxSize).collect();
        let df = self
            .source
            .take(&IdxCa::from_vec("".into(), indices))
            .or_bug()?;
        tables::emit(&df, Format::for_file(file), Some(file), zone)
    }
}

/// One point of the exposures-per-minute chart: minutes since the first minute, exposures.
pub type ChartPoint = (f64, f64);

/// Everything the views show once loading is done.
#[derive(Debug)]
pub struct AuditData {
    pub inventory_name: String,
    /// The inventory file, which the Inventory view edits.
    pub inventory_path: std::path::PathBuf,
    pub fields: Vec<Field>,
    pub summary: Summary,
    pub assumptions: Vec<(String, String)>,
    /// Warnings from loading (unused fields, unknown categories, ignored columns).
    pub warnings: Vec<String>,
    pub window: (String, String),
    pub zone: Zone,
    /// Exposures per minute with traffic (and, from a CDN log, the leak outside the window).
    pub chart: ChartData,
    pub users: Arc<Grid>,
    pub pages: Arc<Grid>,
    pub field_table: Arc<Grid>,
    /// Unmapped traffic by suggested route (the Unmapped view).
    pub unmapped: Arc<Grid>,
    /// Unmapped traffic by path (a route's drill-down).
    pub unmapped_paths: Arc<Grid>,
    pub inventory: Arc<Grid>,
    /// The incident's deadlines (empty without an `incident:` block).
    pub deadlines: Vec<Deadline>,
    /// What time it is, for the deadlines' time left (tests fix it).
    pub clock: fn() -> DateTime<Utc>,
    pub load_time: Duration,
}

/// A drill-down or a file the UI asks the worker for.
#[derive(Debug, Clone)]
pub enum Request {
    User(String),
    Page(String),
    Field(String),
    /// Write these rows of a view's grid, in this order, to `file` (its extension names
    /// the format).
    Export {
        grid: Arc<Grid>,
        rows: Vec<usize>,
        file: std::path::PathBuf,
    },
    /// Write the notices for these users (the Users view's rows) into `dir`.
    Notices {
        dir: std::path::PathBuf,
        users: Vec<String>,
    },
    /// Write the reports to the regulator (every jurisdiction of the incident) into `dir`.
    Regulator {
        dir: std::path::PathBuf,
    },
    /// Save the edited inventory.
    SaveInventory(InventorySave),
    /// Run the audit again with this inventory (YAML, already validated), on the log
    /// already in memory.
    Recompute(String),
}

/// Requests are equal when they ask for the same thing; an export's grid is the same grid
/// only when it is the same one in memory (grids are not compared cell by cell).
impl PartialEq for Request {
    fn eq(&self, other: &Request) -> bool {
        use Request::*;
        match (self, other) {
            (User(a), User(b)) | (Page(a), Page(b)) | (Field(a), Field(b)) => a == b,
            (Recompute(a), Recompute(b)) => a == b,
            (
                Export { grid, rows, file },
                Export {
                    grid: g,
                    rows: r,
                    file: f,
                },
            ) => Arc::ptr_eq(grid, g) && rows == r && file == f,
            (Notices { dir, users }, Notices { dir: d, users: u }) => dir == d && users == u,
            (Regulator { dir }, Regulator { dir: d }) => dir == d,
            (SaveInventory(a), SaveInventory(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Request {}

/// How a field of a user was seen by someone else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Seen {
    /// Seen in a confirmed exposure.
    Confirmed,
    /// Possibly seen: only in responses that may have carried the user's page.
    Possibly,
    /// Only potentially viewable.
    Potentially,
}

/// One user's detail: the users-report row, per-page figures and the `check` text.
#[derive(Debug)]
pub struct UserDetail {
    pub user_id: String,
    pub tier: String,
    /// Confirmed exposures and their viewers (all of them when nothing is possible).
    pub exposures: String,
    pub distinct_viewers: String,
    /// Possible exposures (a candidate owner of an ambiguous response) and their viewers;
    /// `None` when the log holds none.
    pub possible: Option<(String, String)>,
    pub first_exposed: String,
    pub last_exposed: String,
    /// Each field and how it was seen.
    pub fields: Vec<(Field, Seen)>,
    pub pages: Arc<Grid>,
    pub text: String,
}

/// A page's fields and its most-exposed users.
#[derive(Debug)]
pub struct PageDetail {
    pub page_id: String,
    pub route: String,
    pub note: Option<String>,
    pub fields: Vec<Field>,
    pub users: Arc<Grid>,
}

/// A field and the users whose field was exposed, in notice-priority order.
#[derive(Debug)]
pub struct FieldDetail {
    pub field: Field,
    pub users: Arc<Grid>,
}

/// What the worker sends to the UI.
#[derive(Debug)]
pub enum Reply {
    Stage(Stage),
    Loaded(Box<AuditData>),
    Failed(anyhow::Error),
    User(Box<UserDetail>),
    Page(Box<PageDetail>),
    Field(Box<FieldDetail>),
    /// A file job (export, notices) is done: what was written, or why nothing was.
    Wrote(Result<String, String>),
    /// The inventory save is done: what was asked, and what was written or why not.
    Saved(InventorySave, Result<String, String>),
    DetailFailed(String),
    /// The inventory file, read and parsed for editing once the first load is done (or
    /// why it cannot be edited).
    Editor(Result<Editor, String>),
}

/// The loaded inputs and their users frame: what drill-downs are answered from.
pub struct Session<'a> {
    pub audit: Audit<'a>,
    pub users: DataFrame,
}

/// Runs every report the views need; `progress` hears each stage as it starts.
pub fn compute<'a>(
    inputs: &'a Inputs,
    progress: &mut dyn FnMut(Stage),
) -> Result<(AuditData, Session<'a>)> {
    let started = Instant::now();
    progress(Stage::MatchingRoutes);
    let audit = inputs.audit()?;
    progress(Stage::Joining);
    // Every report below reads the enriched log: join it once.
    audit.keep_enriched()?;
    let users = audit.users_frame()?;
    progress(Stage::Aggregating);
    let zone = inputs.zone;
    let summary = audit.summary_from(&users)?;
    let assumptions = audit.assumptions(&summary);
    let timeline = audit.timeline_or_empty()?;
    let chart = chart_points(
        &timeline.df,
        &zone,
        inputs.cache_window.as_ref(),
        inputs.window,
    )?;
    let window = (bound(&zone, inputs.window.0), bound(&zone, inputs.window.1));
    let data = AuditData {
        inventory_name: inputs.inventory.name.clone(),
        inventory_path: inputs.inventory.source.clone().into(),
        fields: inputs.inventory.fields.clone(),
        summary,
        assumptions,
        warnings: {
            let mut warnings = inputs.warnings.clone();
            if !audit.has_timeline() {
                warnings.push(
                    "the aggregated log has no `minute` column, so there is no timeline (sql/aggregate_exposure_per_minute.sql keeps minutes)".into(),
                );
            }
            warnings
        },
        window,
        zone,
        chart,
        users: Arc::new(Grid::from_report(
            &audit.users_from(&users)?,
            Drill::User,
            &zone,
        )?),
        pages: Arc::new(Grid::from_report(&audit.pages()?, Drill::Page, &zone)?),
        field_table: Arc::new(Grid::from_report(
            &audit.fields_from(&users)?,
            Drill::Field,
            &zone,
        )?),
        unmapped: Arc::new(Grid::from_report(&audit.unmapped()?, Drill::Route, &zone)?),
        unmapped_paths: Arc::new(Grid::from_report(
            &audit.unmapped_paths()?,
            Drill::Nothing,
            &zone,
        )?),
        inventory: Arc::new(inventory_grid(&inputs.inventory, &zone)?),
        deadlines: inputs
            .inventory
            .incident
            .as_ref()
            .map(deadlines)
            .unwrap_or_default(),
        clock: Utc::now,
        load_time: started.elapsed() + inputs.read_time,
    };
    Ok((data, Session { audit, users }))
}

fn bound(zone: &Zone, micros: Option<i64>) -> String {
    micros.map_or_else(|| "(every row)".to_string(), |m| zone.format_micros(m))
}

/// The exposures-per-minute chart on one axis of minutes (x: minutes since the first):
/// the window's exposures and, from a CDN log, its cached personal responses to others
/// outside the window, from the first minute of either to the last; the window's bounds
/// marked where they fall on it.
#[derive(Debug, Default)]
pub struct ChartData {
    pub exposures: Vec<ChartPoint>,
    pub outside: Vec<ChartPoint>,
    /// Where `--from` and `--to` fall among the minutes drawn, when some lie outside them.
    pub marks: Vec<f64>,
    /// The first and last minute as text.
    pub span: (String, String),
}

impl ChartData {
    pub fn is_empty(&self) -> bool {
        self.exposures.is_empty() && self.outside.is_empty()
    }
}

fn chart_points(
    timeline: &DataFrame,
    zone: &Zone,
    cache: Option<&crate::audit::CacheWindow>,
    window: (Option<i64>, Option<i64>),
) -> Result<ChartData> {
    let minutes = timeline
        .column("minute")
        .or_bug()?
        .cast(&DataType::Int64)
        .or_bug()?;
    let exposures = timeline
        .column(EXPOSURES)
        .or_bug()?
        .cast(&DataType::Float64)
        .or_bug()?;
    let exposed: Vec<(i64, f64)> = (minutes.i64().or_bug()?.iter())
        .zip(exposures.f64().or_bug()?.iter())
        .filter_map(|(m, e)| Some((m?, e?)))
        .collect();
    let inside = |m: i64| {
        window.0.is_none_or(|from| m + 60_000_000 > from) && window.1.is_none_or(|to| m < to)
    };
    let outside: Vec<(i64, f64)> = cache
        .map(|c| c.per_minute.as_slice())
        .unwrap_or_default()
        .iter()
        .filter(|(m, _)| !inside(*m))
        .map(|&(m, n)| (m, n as f64))
        .collect();
    let all = exposed.iter().chain(&outside).map(|p| p.0);
    let (Some(first), Some(last)) = (all.clone().min(), all.max()) else {
        return Ok(ChartData::default());
    };
    let x = |m: i64| ((m - first) / 60_000_000) as f64;
    let marks = [window.0, window.1]
        .into_iter()
        .flatten()
        .filter(|&b| !outside.is_empty() && b > first && b <= last)
        .map(|b| (b - first) as f64 / 60_000_000.0)
        .collect();
    Ok(ChartData {
        exposures: exposed.iter().map(|&(m, e)| (x(m), e)).collect(),
        outside: outside.iter().map(|&(m, n)| (x(m), n)).collect(),
        marks,
        span: (zone.format_micros(first), zone.format_micros(last)),
    })
}

/// The inventory as loaded: one row per page, with its fields and note.
fn inventory_grid(inventory: &Inventory, zone: &Zone) -> Result<Grid> {
    let ids = |indices: &[usize], keep: &dyn Fn(&Field) -> bool| -> String {
        let mut ids: Vec<&str> = indices
            .iter()
            .map(|&i| &inventory.fields[i])
            .filter(|f| keep(f))
            .map(|f| f.id.as_str())
            .collect();
        ids.sort_unstable();
        ids.join(";")
    };
    let pages = &inventory.pages;
    let df = DataFrame::new(
        pages.len(),
        vec![
            Column::new(
                PAGE_ID.into(),
                pages.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "route".into(),
                pages
                    .iter()
                    .map(|p| p.route_text.as_str())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "fields".into(),
                pages
                    .iter()
                    .map(|p| ids(&p.fields, &|_| true))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "direct_notice_fields".into(),
                pages
                    .iter()
                    .map(|p| ids(&p.fields, &|f| f.direct_notice))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "note".into(),
                pages
                    .iter()
                    .map(|p| p.note.clone().unwrap_or_default())
                    .collect::<Vec<_>>(),
            ),
        ],
    )
    .or_bug()?;
    Grid::from_frame("inventory", Drill::Page, &df, zone)
}
