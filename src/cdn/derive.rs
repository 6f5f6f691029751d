//! The derivation on numbers: every file read (text columns as numbers of shared tables,
//! `dict`), stacked, a Worker's lines merged, sorted by time, keyed by (node, cache key),
//! and attributed by the exact as-of rule (`attribute`: an exact clock, no shared tier,
//! every origin response a fill) or store by store (`stores`).

use std::path::PathBuf;

use anyhow::Result;
use polars::prelude::*;

use super::attribute::{attribute, with_cache_keys, KeyTable, Pairs};
use super::delivered::{self, Description, Reading};
use super::dict::{Dicts, CODED};
use super::read::{check_unique_origin_ids, read_one, sort_by_time};
use super::source::{Fill, Source, Topology};
use super::stores::{self, Rows, Rule, NOBODY};
use super::{CacheKey, Facts, Options, Resolution, Viewer, ATTRIBUTION};
use crate::error::InputError;
use crate::frame::names::{ORIGIN_TS, OWNER_ID, VIEWER_ID};
use crate::frame::OrBug;
use crate::ingest::{Format, ReadOptions};

pub use super::stores::Candidates;

/// The derived log on numbers: `row`, `ts`, `path`, `owner_id`, `viewer_id`,
/// `cache_status`, `origin_ts`, `cache_node`, `attribution` (`Attribution as u32`),
/// `reason` (`Reason as u32`), the `too_old` flag; sorted by time (ties in file order).
pub struct Frame {
    pub df: DataFrame,
    pub dicts: Dicts,
    pub candidates: Candidates,
    pub resolution: Resolution,
    pub facts: Facts,
}

impl Frame {
    /// The candidate owners of `row`, if it is ambiguous.
    pub fn candidates_of(&self, row: IdxSize) -> Option<&[u32]> {
        self.candidates.of(row)
    }
}

/// What reading found besides the rows.
struct Read {
    df: DataFrame,
    dicts: Dicts,
    /// The clock's resolution (µs; `None`: exact).
    resolution: Resolution,
    /// The files in stacking order, with their rows.
    heights: Vec<(PathBuf, usize)>,
    formats: Vec<(PathBuf, Format, usize)>,
}

pub(super) fn derive_frame(
    files: &[PathBuf],
    read: &ReadOptions,
    options: &Options,
) -> Result<Frame> {
    options.check()?;
    let description = options.description(&read.columns)?;
    let topology = options.topology.unwrap_or(description.topology);
    let stages = Stages::new();
    let kept = std::sync::Mutex::new(Vec::new());
    let keep = |index: usize, before: usize, df: DataFrame, _: &mut Dicts| -> Result<()> {
        kept.lock()
            .map_err(|_| anyhow::anyhow!("internal error: a worker thread failed"))?
            .push(((index, before), df));
        Ok(())
    };
    let piece = usize::MAX;
    let shape = read_files(files, read, options, &description, topology, piece, &keep)?;
    let parts = kept
        .into_inner()
        .map_err(|_| anyhow::anyhow!("internal error: a worker thread failed"))?;
    derive_read(shape, parts, options, &description, stages)
}

/// The files' rows (`parts`, by their place among the files and in the file) derived at
/// once.
pub(super) fn derive_read(
    shape: Shape,
    mut parts: Vec<((usize, usize), DataFrame)>,
    options: &Options,
    description: &Description,
    mut stages: Stages,
) -> Result<Frame> {
    let topology = options.topology.unwrap_or(description.topology);
    let mut facts = shape.facts(description, topology);
    parts.sort_by_key(|(index, _)| *index);
    let mut r = shape.with_frame(stack(parts.into_iter().map(|(_, df)| df).collect())?);
    if let Some(id) = &options.origin_id {
        check_unique_origin_ids(&flags(r.df.clone())?, id, &r.formats)?;
    }
    crate::frame::release_freed();
    stages.done("read");
    if let delivered::Tiers::Cloudflare { .. } = description.tiers {
        facts.worker_pairs = super::workers::merge(&mut r.df, &r.heights)?;
    }
    if !description.name.eq("contract") {
        let tally = viewer_tally(&r.df)?;
        judge_viewers(tally, description, options, &mut facts)?;
    }
    let df = sort_by_time(r.df)?;
    stages.done("sort");
    let how = How {
        options,
        key: cache_key(options, description, has_host(&df))?,
        every_origin_fills: every_origin_fills(&df)?,
        resolution: r.resolution,
        topology,
        width: facts.width,
        key_table: Default::default(),
    };
    facts.cache_key = how.key.name();
    let (df, candidates) = derive_sorted(df, &r.dicts, &how, &mut stages)?;
    stages.print();
    Ok(Frame {
        df,
        dicts: r.dicts,
        candidates,
        resolution: r.resolution,
        facts,
    })
}

/// What decides how rows are attributed, the same for every partition of a log.
pub(super) struct How<'a> {
    pub options: &'a Options,
    pub key: CacheKey,
    /// Every origin response of the whole log filled its cache.
    pub every_origin_fills: bool,
    pub resolution: Resolution,
    pub topology: Topology,
    /// Each arrival's uncertainty (µs).
    pub width: i64,
    /// The cache keys of the log's paths, made on first use (`table`).
    pub key_table: std::sync::OnceLock<KeyTable>,
}

impl How<'_> {
    /// The cache keys of the log's paths (`dicts`: the whole log's tables).
    pub fn table(&self, dicts: &Dicts) -> &KeyTable {
        self.key_table
            .get_or_init(|| KeyTable::new(self.key, dicts))
    }

    /// Whether the as-of rule attributes the rows (a join by origin id, or an exact clock
    /// at edge caches that every origin response filled), rather than store by store.
    pub fn as_of(&self) -> bool {
        self.options.origin_id.is_some()
            || (self.resolution == Resolution::Exact
                && self.topology == Topology::Edge
                && self.every_origin_fills)
    }

    /// The store-by-store rule.
    pub fn rule(&self) -> Rule {
        Rule {
            width: self.width,
            max_age: self.options.max_age,
            cap: self.options.max_candidates,
            tiered: self.topology == Topology::Tiered,
        }
    }
}

/// Rows in time order (ties in log order; all of a log, or every row of some cache keys)
/// numbered (`row`), keyed by (node, cache key), and attributed: the as-of rule or store by
/// store.
pub(super) fn derive_sorted(
    df: DataFrame,
    dicts: &Dicts,
    how: &How,
    stages: &mut Stages,
) -> Result<(DataFrame, Candidates)> {
    let options = how.options;
    // An unidentified visitor: no viewer, or an empty one (kept as written in the output).
    let unidentified = match dicts.viewer.find("") {
        Some(empty) => col(VIEWER_ID).is_null().or(col(VIEWER_ID).eq(lit(empty))),
        None => col(VIEWER_ID).is_null(),
    };
    let df = df
        .lazy()
        .with_row_index("row", None)
        .with_column(unidentified.alias("unidentified"))
        .collect()
        .or_bug()?;
    let rows = match &options.origin_id {
        Some(_) => df,
        None => with_cache_keys(df, how.table(dicts), &mut Pairs::default())?,
    };
    stages.done("keys");
    let (df, candidates) = if how.as_of() {
        let rows = flags(rows)?;
        let df = attribute(rows.lazy(), options)?.collect().or_bug()?;
        (df, Candidates::default())
    } else {
        by_stores(rows, &how.rule())?
    };
    crate::frame::release_freed();
    stages.done("attribute");
    Ok((df, candidates))
}

/// Whether any row names a host.
pub(super) fn has_host(df: &DataFrame) -> bool {
    df.column("host").is_ok_and(|h| h.null_count() < h.len())
}

/// The cache key: `--cache-key`, else the format's documented default (without the host
/// when no file logs one).
pub(super) fn cache_key(
    options: &Options,
    description: &Description,
    has_host: bool,
) -> Result<CacheKey> {
    match options.cache_key {
        Some(key) if key.has_host() && !has_host => Err(InputError::usage(format!(
            "--cache-key {}: the log names no host ({})",
            key.name(),
            description
                .host
                .as_deref()
                .unwrap_or("the format has no host field")
        ))
        .into()),
        Some(key) => Ok(key),
        None if description.cache_key.has_host() && !has_host => {
            Ok(description.cache_key.without_host())
        }
        None => Ok(description.cache_key),
    }
}

/// Whether every origin response of a contract log filled the cache (no method that is
/// not cached): the as-of rule then holds.
pub(super) fn every_origin_fills(df: &DataFrame) -> Result<bool> {
    let source = df.column("source").or_bug()?.u32().or_bug()?;
    let fill = df.column("fill").or_bug()?.u32().or_bug()?;
    Ok(source
        .iter()
        .zip(fill.iter())
        .all(|(s, f)| s != Some(Source::Origin as u32) || f == Some(Fill::Stored as u32)))
}

/// Page-carrying responses, those of them that name no viewer, and internal requests.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct ViewerTally {
    pub with_page: u64,
    pub unidentified: u64,
    pub internal: u64,
}

impl ViewerTally {
    pub fn add(&mut self, other: ViewerTally) {
        self.with_page += other.with_page;
        self.unidentified += other.unidentified;
        self.internal += other.internal;
    }
}

/// The viewers of `df`'s rows, counted.
pub(super) fn viewer_tally(df: &DataFrame) -> Result<ViewerTally> {
    let source = df.column("source").or_bug()?.u32().or_bug()?;
    let viewer = df.column(VIEWER_ID).or_bug()?.u32().or_bug()?;
    let kind = df.column("kind").or_bug()?.u32().or_bug()?;
    let mut tally = ViewerTally::default();
    for ((s, v), k) in source.iter().zip(viewer.iter()).zip(kind.iter()) {
        if k == Some(delivered::ROW_KINDS.len() as u32 - 1) {
            tally.internal += 1;
        }
        if s == Some(Source::NoPage as u32) {
            continue;
        }
        tally.with_page += 1;
        if v.is_none() {
            tally.unidentified += 1;
        }
    }
    Ok(tally)
}

/// A delivered log must say who asked: refused when no page-carrying response names a
/// viewer, or more than `--max-unidentified` of them do not.
pub(super) fn judge_viewers(
    tally: ViewerTally,
    description: &Description,
    options: &Options,
    facts: &mut Facts,
) -> Result<()> {
    let ViewerTally {
        with_page,
        unidentified,
        internal,
    } = tally;
    facts.with_page = with_page;
    facts.unidentified = unidentified;
    facts.internal = internal;
    if with_page == 0 {
        return Ok(());
    }
    let share = unidentified as f64 / with_page as f64;
    let accepted = options.max_unidentified;
    if unidentified == with_page && accepted < 1.0 {
        return Err(InputError::usage(format!(
            "no response names a viewer ({} of {with_page} with a page): {}. Pass --max-unidentified 100% to derive anyway (every response then goes to a distinct unidentified visitor)",
            describe_viewer(options),
            description.no_viewer_cause
        ))
        .into());
    }
    if share > accepted {
        return Err(InputError::usage(format!(
            "{unidentified} of {with_page} responses with a page ({:.1}%) name no viewer ({}), more than --max-unidentified {:.0}%: {}. Pass a larger --max-unidentified to derive anyway",
            share * 100.0,
            describe_viewer(options),
            accepted * 100.0,
            description.no_viewer_cause
        ))
        .into());
    }
    Ok(())
}

fn describe_viewer(options: &Options) -> String {
    match &options.viewer {
        Some(Viewer::Cookie(name)) => format!("--viewer cookie:{name}"),
        Some(Viewer::Header(name)) => format!("--viewer header:{name}"),
        Some(Viewer::Field(name)) => format!("--viewer field:{name}"),
        Some(Viewer::Ip) => "--viewer ip".into(),
        Some(Viewer::IpUa) => "--viewer ip+ua".into(),
        None => "viewer_id".into(),
    }
}

/// Rows of a file (a piece of it), text as numbers of the shared tables, handed over as
/// soon as they are read, with the file's place among the files, the rows of the file
/// before them, and the tables they were numbered in: by `read_files`, from any core.
pub(super) type Keep<'a> = dyn Fn(usize, usize, DataFrame, &mut Dicts) -> Result<()> + Sync + 'a;

/// What reading every file found besides the rows.
pub(super) struct Shape {
    pub dicts: Dicts,
    pub resolution: Resolution,
    pub widening: i64,
    pub ends_as_arrivals: u64,
    /// The files in stacking order, with their rows (and a contract file's format).
    pub heights: Vec<(PathBuf, usize)>,
    pub formats: Vec<(PathBuf, Format, usize)>,
}

impl Shape {
    fn with_frame(self, df: DataFrame) -> Read {
        Read {
            df,
            dicts: self.dicts,
            resolution: self.resolution,
            heights: self.heights,
            formats: self.formats,
        }
    }

    /// The facts reading establishes.
    pub fn facts(&self, description: &Description, topology: Topology) -> Facts {
        Facts {
            format: description.name,
            topology: topology.name(),
            // Each arrival's uncertainty: the clock's resolution, widened by a duration's.
            width: match self.resolution {
                Resolution::Exact => 0,
                Resolution::Micros(m) => m + self.widening,
            },
            ends_as_arrivals: self.ends_as_arrivals,
            ..Facts::default()
        }
    }
}

/// Reads every file (`ts, path, host, viewer_id, cache_status, source, fill, kind,
/// cache_node`, text as numbers, and the origin id when given), each handed to `keep`, a
/// piece of about `piece` bytes of text at a time where the format allows (`read_each`);
/// the tables and the resolution to attribute at.
pub(super) fn read_files(
    files: &[PathBuf],
    read: &ReadOptions,
    options: &Options,
    description: &Description,
    topology: Topology,
    piece: usize,
    keep: &Keep,
) -> Result<Shape> {
    if files.is_empty() {
        return Err(InputError::usage("no CDN log given").into());
    }
    let mut dicts = Dicts::default();
    let node = options.node_field(description);
    if description.name == "contract" {
        let mut formats: Vec<(PathBuf, Format, usize)> = Vec::with_capacity(files.len());
        for (index, path) in files.iter().enumerate() {
            crate::progress::check_interrupt()?;
            let (df, format) = read_one(path, read, options, node.as_deref())?;
            formats.push((path.clone(), format, df.height()));
            let df = numbered(df, &mut dicts)?;
            keep(index, 0, df, &mut dicts)?;
        }
        let resolution = options.resolution.unwrap_or(Resolution::Exact);
        return Ok(Shape {
            dicts,
            resolution,
            widening: 0,
            ends_as_arrivals: 0,
            heights: formats.iter().map(|(p, _, h)| (p.clone(), *h)).collect(),
            formats,
        });
    }
    let viewer = options
        .viewer
        .clone()
        .unwrap_or(Viewer::Field(VIEWER_ID.into()));
    let reading = Reading {
        description,
        viewer: &viewer,
        node: node.as_deref(),
        node_named: matches!(options.node, super::Node::Field(_)),
        origin_statuses: &options.origin_statuses,
        cached_statuses: &options.cached_statuses,
        statuses_given: options.statuses_given,
        page_statuses: &options.page_statuses,
        topology,
        fill_methods: &options.fill_methods,
    };
    // Files on every core; each file's numbers renumbered into the shared tables as soon
    // as it is read, so that one file's text (and its own tables) per core is in memory.
    let shared = std::sync::Mutex::new(std::mem::take(&mut dicts));
    let indexed: Vec<(usize, &PathBuf)> = files.iter().enumerate().collect();
    let ranges = crate::frame::cores::core_ranges(files.len());
    let done = crate::frame::cores::on_every_core(&ranges, |range| {
        indexed[range.clone()]
            .iter()
            .map(|&(index, path)| {
                crate::progress::check_interrupt()?;
                // A file's pieces: its finest resolution, its widest widening.
                let (mut height, mut resolution, mut widening, mut ends) = (0, i64::MAX, 0, 0);
                delivered::read_each(path, &reading, piece, &mut |delivered| {
                    crate::progress::check_interrupt()?;
                    let mut dicts = shared
                        .lock()
                        .map_err(|_| anyhow::anyhow!("internal error: a worker thread failed"))?;
                    let df = dicts.absorb(delivered.df, &delivered.dicts)?;
                    let rows = df.height();
                    keep(index, height, df, &mut dicts)?;
                    height += rows;
                    resolution = resolution.min(delivered.resolution);
                    widening = widening.max(delivered.widening);
                    ends += delivered.ends_as_arrivals;
                    Ok(())
                })?;
                Ok((path.clone(), height, resolution, widening, ends))
            })
            .collect::<Result<Vec<_>>>()
    })?;
    dicts = shared
        .into_inner()
        .map_err(|_| anyhow::anyhow!("internal error: a worker thread failed"))?;
    let mut heights = Vec::with_capacity(files.len());
    let (mut resolution, mut widening, mut ends) = (1, 0, 0u64);
    for part in done {
        for (path, height, r, w, e) in part? {
            resolution = resolution.max(if r == i64::MAX { 1 } else { r });
            widening = widening.max(w);
            ends += e as u64;
            heights.push((path, height));
        }
    }
    let resolution = options.resolution.unwrap_or(Resolution::Micros(resolution));
    Ok(Shape {
        dicts,
        resolution,
        widening,
        ends_as_arrivals: ends,
        heights,
        formats: Vec::new(),
    })
}

/// A contract log's text columns as numbers of `dicts` (an empty viewer is unidentified),
/// each column on a thread of its own: a table takes its new texts one at a time, and the
/// paths' table alone took a third of a second on 5,000,000 rows.
fn numbered(mut df: DataFrame, dicts: &mut Dicts) -> Result<DataFrame> {
    let mut columns = Vec::with_capacity(CODED.len());
    for (name, table) in dicts.tables() {
        let text = df.column(name).or_bug()?.str().or_bug()?.clone();
        columns.push((name, table, text));
    }
    let coded = std::thread::scope(|scope| {
        let handles: Vec<_> = columns
            .into_iter()
            .map(|(name, table, text)| scope.spawn(move || Ok((name, table.encode(&text, false)?))))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .map_err(|_| anyhow::anyhow!("internal error: a worker thread failed"))?
            })
            .collect::<Result<Vec<(&str, UInt32Chunked)>>>()
    })?;
    for (name, codes) in coded {
        df.with_column(codes.with_name(name.into()).into_column())
            .or_bug()?;
    }
    Ok(df)
}

pub(super) fn stack(parts: Vec<DataFrame>) -> Result<DataFrame> {
    let mut parts = parts.into_iter();
    let mut df = parts.next().unwrap_or_default();
    for more in parts {
        df.vstack_mut(&more).or_bug()?;
    }
    df.rechunk_mut();
    Ok(df)
}

/// `is_origin` and `no_page` from `source` (the as-of rule's flags).
fn flags(df: DataFrame) -> Result<DataFrame> {
    df.lazy()
        .with_columns([
            col("source")
                .eq(lit(Source::Origin as u32))
                .alias("is_origin"),
            col("source")
                .eq(lit(Source::NoPage as u32))
                .alias("no_page"),
        ])
        .collect()
        .or_bug()
}

/// The column of `stores::Rows::earlier`, on the rows of a piece of time.
pub(super) const EARLIER: &str = "earlier";

/// What the stores need of each row: the columns of `stores::Rows` but the owner.
pub(super) struct StoreColumns {
    pub lo: Vec<i64>,
    pub node_key: Vec<u32>,
    pub tier_key: Vec<u32>,
    pub source: Vec<Source>,
    pub fill: Vec<Fill>,
}

impl StoreColumns {
    /// Of rows with their cache keys (`with_cache_keys`).
    pub fn of(rows: &DataFrame) -> Result<StoreColumns> {
        let column = |name: &str| rows.column(name).or_bug();
        let u32s = |name: &str| -> Result<Vec<u32>> {
            Ok(column(name)?
                .u32()
                .or_bug()?
                .iter()
                .map(|v| v.unwrap_or(0))
                .collect())
        };
        Ok(StoreColumns {
            lo: column("ts")?
                .cast(&DataType::Int64)
                .or_bug()?
                .i64()
                .or_bug()?
                .into_no_null_iter()
                .collect(),
            node_key: u32s("key")?,
            tier_key: u32s("tier_key")?,
            source: u32s("source")?.into_iter().map(Source::of).collect(),
            fill: u32s("fill")?.into_iter().map(Fill::of).collect(),
        })
    }

    /// No rows yet, room for `rows`.
    pub fn with_capacity(rows: usize) -> StoreColumns {
        StoreColumns {
            lo: Vec::with_capacity(rows),
            node_key: Vec::with_capacity(rows),
            tier_key: Vec::with_capacity(rows),
            source: Vec::with_capacity(rows),
            fill: Vec::with_capacity(rows),
        }
    }

    /// `more`'s rows after these.
    pub fn append(&mut self, more: StoreColumns) {
        self.lo.extend(more.lo);
        self.node_key.extend(more.node_key);
        self.tier_key.extend(more.tier_key);
        self.source.extend(more.source);
        self.fill.extend(more.fill);
    }

    /// The rows in the order `order` gives (row numbers), a column at a time.
    pub fn permuted(self, order: &[u32]) -> StoreColumns {
        fn by<T: Copy>(values: Vec<T>, order: &[u32]) -> Vec<T> {
            order.iter().map(|&i| values[i as usize]).collect()
        }
        StoreColumns {
            lo: by(self.lo, order),
            node_key: by(self.node_key, order),
            tier_key: by(self.tier_key, order),
            source: by(self.source, order),
            fill: by(self.fill, order),
        }
    }

    /// The rows for the stores, with each row's owner and `Rows::earlier`.
    pub fn rows<'a>(&'a self, owner: &'a [u32], earlier: &'a [u8]) -> Rows<'a> {
        Rows {
            lo: &self.lo,
            node_key: &self.node_key,
            tier_key: &self.tier_key,
            source: &self.source,
            fill: &self.fill,
            owner,
            earlier,
        }
    }
}

/// The rows attributed store by store (`stores`), in the same columns as `attribute`, and
/// the candidates of the ambiguous rows.
fn by_stores(rows: DataFrame, rule: &Rule) -> Result<(DataFrame, Candidates)> {
    let column = |name: &str| rows.column(name).or_bug();
    let keys = StoreColumns::of(&rows)?;
    let unidentified = column("unidentified")?.bool().or_bug()?.clone();
    let renderer = match rows.column("renderer") {
        Ok(c) => c.u32().or_bug()?.clone(),
        Err(_) => column(VIEWER_ID)?.u32().or_bug()?.clone(),
    };
    let viewers = column(VIEWER_ID)?.u32().or_bug()?.clone();
    let owner: Vec<u32> = renderer
        .iter()
        .zip(viewers.iter())
        .zip(unidentified.iter())
        .map(|((r, v), u)| match (r, u) {
            // The renderer of a merged Worker line; else the viewer, unless unidentified.
            (Some(r), _) if Some(r) != v => r,
            (_, Some(true)) | (None, _) => NOBODY,
            (Some(r), _) => r,
        })
        .collect();
    // A piece of a hot bucket's rows says which stores had fills before it (`hot`).
    let earlier: Vec<u8> = match rows.column(EARLIER) {
        Ok(c) => c
            .u32()
            .or_bug()?
            .iter()
            .map(|e| e.unwrap_or(0) as u8)
            .collect(),
        Err(_) => Vec::new(),
    };
    let found = stores::resolve(&keys.rows(&owner, &earlier), rule);
    drop((keys, owner, earlier));
    let origin_ts = Int64Chunked::from_iter_options(
        ORIGIN_TS.into(),
        found
            .origin_ts
            .iter()
            .map(|&t| (t != i64::MIN).then_some(t)),
    )
    .into_column()
    .cast(&crate::frame::utc_micros())
    .or_bug()?;
    let mut df = rows;
    for column in [
        UInt32Chunked::from_iter_options(
            OWNER_ID.into(),
            found.owner.iter().map(|&o| (o != NOBODY).then_some(o)),
        )
        .into_column(),
        origin_ts,
        UInt32Chunked::from_iter_values(
            ATTRIBUTION.into(),
            found.attribution.iter().map(|&a| u32::from(a)),
        )
        .into_column(),
        UInt32Chunked::from_iter_values("reason".into(), found.reason.into_iter().map(u32::from))
            .into_column(),
        Column::new("too_old".into(), found.too_old),
    ] {
        df.with_column(column).or_bug()?;
    }
    Ok((df, found.candidates))
}

/// Resident and peak memory so far (Linux), for the stage times.
fn memory() -> String {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return String::new();
    };
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches(" kB").parse::<u64>().ok())
            .map_or(0, |kib| kib / 1024)
    };
    format!(
        " (rss {} MiB, peak {} MiB)",
        field("VmRSS:"),
        field("VmHWM:")
    )
}

/// Stage times for `PII_AUDIT_TIMINGS`.
pub(super) struct Stages {
    last: std::time::Instant,
    done: Vec<String>,
}

impl Stages {
    pub fn new() -> Stages {
        Stages {
            last: std::time::Instant::now(),
            done: Vec::new(),
        }
    }

    pub fn done(&mut self, stage: &str) {
        let now = std::time::Instant::now();
        self.done.push(format!(
            "{stage} {:.3}s{}",
            (now - self.last).as_secs_f64(),
            memory()
        ));
        self.last = now;
    }

    pub fn print(&self) {
        if std::env::var_os("PII_AUDIT_TIMINGS").is_some() {
            eprintln!("derive stages: {}", self.done.join(", "));
        }
    }
}
