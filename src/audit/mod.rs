//! The polars pipeline. Distinct paths are matched to pages once (in Rust, over the
//! route trie), then joined back; every figure is a lazy aggregation over the enriched
//! log. Most reports collect once; the users frame collects three times on purpose: the
//! personal pages' rows once (both of its aggregations start from them), the joined
//! aggregations once, and its lists of ids are then built in Rust, faster than as
//! expressions. The TUI and the CLI both call these functions.
//!
//! One file per stage: `routes` (matching), `disclosure` (what each row disclosed),
//! `related` (people shown on others' pages), then one per report (`users`, `fields`,
//! `pages`, `unmapped`, `timeline`, `summary`) and `tier` (tiers and notice order).
//!
//! Fields travel as bitmasks: one u64 word per 64 inventory fields (`pm*` what the page
//! renders, `reg*` what the owner has registered, `dm*` what the row disclosed); pages
//! too, where a set of pages is needed (`pg*`, one bit per inventory page).

mod country;
mod disclosure;
mod fields;
mod id_lists;
mod pages;
mod related;
mod routes;
mod summary;
mod tier;
mod timeline;
mod unmapped;
mod users;
mod window;

pub use country::PeopleByCountry;
pub use fields::FieldReach;
pub use related::OWN;
use routes::match_paths;
pub use summary::{Summary, WindowEdges, WINDOW_EDGE_MICROS};
pub use tier::Tier;
pub use unmapped::BlindSpots;
pub use users::{assumed_users, USERS_COLUMNS};
pub use window::{CacheWindow, NodeWindow, Outside, Span};

use std::time::{Duration, Instant};

use anyhow::Result;
use polars::prelude::*;

use crate::frame::bits::{mask_names, mask_words};
use crate::frame::codes::{Encoded, NoNulls};
use crate::frame::names::{LAST_TS, OWNER_ID, PAGE_ID, REQUESTS, VIEWER_ID};
use crate::frame::OrBug;
use crate::ingest::{Log, Registered, Relations, Zone};
use crate::inventory::Inventory;

/// Everything an audit needs, matched and ready to aggregate.
pub struct Audit<'a> {
    pub inventory: &'a Inventory,
    pub log: &'a Log,
    pub registered: Option<&'a Registered>,
    /// The relations table (`with_relations`): who is shown on whose pages.
    pub relations: Option<&'a Relations>,
    /// When a CDN log's caches served personal pages (`with_cache_window`).
    pub cache_window: Option<&'a CacheWindow>,
    pub zone: Zone,
    pub window: (Option<i64>, Option<i64>),
    /// The path values (`codes::encode`): `path`, `norm_path`, `page_id` (null = unmapped), `pm*`, `pg*`.
    paths: DataFrame,
    /// Per log row, the position of its path in `paths`.
    codes: IdxCa,
    /// Time spent matching routes.
    pub match_time: Duration,
    /// The enriched log, once collected (`keep_enriched`): for a caller that runs every
    /// report on one audit (the TUI), so the joins run once.
    enriched: std::sync::OnceLock<DataFrame>,
}

/// A report: typed columns (times as UTC datetimes, lists as lists), formatted by the writers.
#[derive(Debug, Clone)]
pub struct Report {
    pub kind: ReportKind,
    pub df: DataFrame,
}

/// The tables the tool reports: the six `report` kinds, and the notice list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    Users,
    Fields,
    Pages,
    Unmapped,
    Timeline,
    Summary,
    /// The list `notices` writes beside the letters.
    NoticeList,
}

impl ReportKind {
    /// The report's name, as the command line and file names spell it.
    pub fn name(self) -> &'static str {
        match self {
            ReportKind::Users => "users",
            ReportKind::Fields => "fields",
            ReportKind::Pages => "pages",
            ReportKind::Unmapped => "unmapped",
            ReportKind::Timeline => "timeline",
            ReportKind::Summary => "summary",
            ReportKind::NoticeList => "notice-list",
        }
    }
}

pub(super) fn words(inventory: &Inventory) -> usize {
    mask_words(inventory.fields.len())
}

pub(super) fn page_words(inventory: &Inventory) -> usize {
    mask_words(inventory.pages.len())
}

/// Served to someone other than the owner (an unidentified viewer counts).
pub(super) fn cross() -> Expr {
    col(VIEWER_ID)
        .is_null()
        .or(col(VIEWER_ID).neq(col(OWNER_ID)))
}

/// How rows count: one response each (a raw log), or `requests` each, the first at `ts`
/// and the last at `last_ts` (an aggregated log).
/// Every figure is a count, a distinct count, a min or a max, so both give the same reports.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Weight {
    weighted: bool,
}

impl Weight {
    pub(crate) fn of(log: &Log) -> Weight {
        Weight {
            weighted: log.weighted,
        }
    }

    /// Responses in the group.
    fn rows(self) -> Expr {
        match self.weighted {
            true => col(REQUESTS).sum(),
            false => len(),
        }
        .cast(DataType::UInt64)
    }

    /// Responses in the group for which `condition` holds.
    fn count(self, condition: Expr) -> Expr {
        match self.weighted {
            true => col(REQUESTS).filter(condition).sum(),
            false => condition.sum(),
        }
        .cast(DataType::UInt64)
    }

    /// The column holding the last response's time.
    fn last(self) -> &'static str {
        match self.weighted {
            true => LAST_TS,
            false => "ts",
        }
    }
}

pub(super) fn left_join(validation: JoinValidation) -> JoinArgs {
    JoinArgs {
        validation,
        ..JoinArgs::new(JoinType::Left)
    }
}

impl<'a> Audit<'a> {
    /// Matches the log's path values (`codes::encode`) to their pages.
    pub fn new(
        inventory: &'a Inventory,
        log: &'a Log,
        registered: Option<&'a Registered>,
        zone: Zone,
        window: (Option<i64>, Option<i64>),
    ) -> Result<Audit<'a>> {
        let started = Instant::now();
        let encoded = log.path_codes()?;
        let mut audit =
            Audit::with_encoded_paths(inventory, log, registered, zone, window, &encoded)?;
        audit.match_time = started.elapsed();
        Ok(audit)
    }

    /// As `new`, with the log's paths already dictionary-encoded: an edited inventory is
    /// matched against the path values in memory, without touching the log again.
    pub fn with_encoded_paths(
        inventory: &'a Inventory,
        log: &'a Log,
        registered: Option<&'a Registered>,
        zone: Zone,
        window: (Option<i64>, Option<i64>),
        encoded: &Encoded,
    ) -> Result<Audit<'a>> {
        let started = Instant::now();
        let paths = match_paths(inventory, NoNulls::new(&encoded.values)?)?;
        Ok(Audit {
            inventory,
            log,
            registered,
            relations: None,
            cache_window: None,
            zone,
            window,
            paths,
            codes: encoded.codes.clone(),
            match_time: started.elapsed(),
            enriched: std::sync::OnceLock::new(),
        })
    }

    /// The same audit, with what the CDN log says about the window (its warnings follow
    /// the headline figures).
    pub fn with_cache_window(mut self, cache_window: Option<&'a CacheWindow>) -> Audit<'a> {
        self.cache_window = cache_window;
        self
    }

    /// Collects the enriched log once and keeps it for every later report on this audit.
    pub fn keep_enriched(&self) -> Result<()> {
        if self.enriched.get().is_none() {
            let df = self.enriched_plan()?.collect().or_bug()?;
            let _ = self.enriched.set(df);
        }
        Ok(())
    }

    /// The log with the given columns of its rows' paths beside it, gathered by position.
    fn with_paths(&self, columns: &[String]) -> Result<LazyFrame> {
        let gathered = self
            .paths
            .select(columns.iter().map(String::as_str))
            .and_then(|paths| paths.take(&self.codes))
            .or_bug()?;
        let df = self.log.df.hstack(gathered.columns()).or_bug()?;
        Ok(df.lazy())
    }

    /// The log rows whose path satisfies `keep` (an expression over the path table), with
    /// the path columns `need` beside them: the filter runs on the path codes, so only the
    /// kept rows are copied and only they get path columns. `log_columns` narrows the log's
    /// own columns; `row_index` adds `row`, the row's position in the log.
    fn rows_where(
        &self,
        keep: Expr,
        log_columns: Option<&[&str]>,
        row_index: bool,
        need: &[String],
    ) -> Result<DataFrame> {
        let keep = self
            .paths
            .clone()
            .lazy()
            .select([keep.alias("keep")])
            .collect()
            .or_bug()?;
        let keep = keep
            .column("keep")
            .or_bug()?
            .bool()
            .or_bug()?
            .take(&self.codes)
            .or_bug()?;
        let mut log = match log_columns {
            Some(columns) => self.log.df.select(columns.iter().copied()),
            None => Ok(self.log.df.clone()),
        }
        .or_bug()?;
        if row_index {
            log = log.with_row_index("row".into(), None).or_bug()?;
        }
        let log = log.filter(&keep).or_bug()?;
        let codes = self.codes.filter(&keep).or_bug()?;
        let gathered = self
            .paths
            .select(need.iter().map(String::as_str))
            .and_then(|paths| paths.take(&codes))
            .or_bug()?;
        log.hstack(gathered.columns()).or_bug()
    }

    /// The registered table as a lazy frame with an `in_registered` marker column.
    fn registered_table(&self) -> Option<LazyFrame> {
        self.registered.map(|registered| {
            registered
                .df
                .clone()
                .lazy()
                .with_column(lit(true).alias("in_registered"))
        })
    }

    /// How many path values were looked up in the routes (`codes::encode`: each distinct
    /// path at least once, mapped or not).
    pub fn path_values(&self) -> usize {
        self.paths.height()
    }

    /// The log with page, disclosed-field masks, `cross` (served to someone other than
    /// the owner) and `exposure` (cross and disclosing at least one field). Every row in
    /// the window is kept, unmapped ones with a null `page_id`.
    pub fn enriched(&self) -> Result<LazyFrame> {
        match self.enriched.get() {
            Some(df) => Ok(df.clone().lazy()),
            None => self.enriched_plan(),
        }
    }

    fn enriched_plan(&self) -> Result<LazyFrame> {
        let mut columns = vec!["norm_path".to_string(), PAGE_ID.to_string()];
        columns.extend(mask_names("pm", words(self.inventory)));
        let mut rows = self.with_paths(&columns)?;
        if self.relating().is_some() {
            rows = rows.with_row_index("row", None);
        }
        self.with_related_exposure(self.with_disclosure(rows))
    }

    /// How this audit's log rows count.
    pub(crate) fn weight(&self) -> Weight {
        Weight::of(self.log)
    }
}
