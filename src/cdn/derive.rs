//! The derivation on numbers: every file read (text columns as numbers of shared tables,
//! `dict`), stacked, a Worker's lines merged, sorted by time, keyed by (node, cache key),
//! and attributed by the exact as-of rule (`attribute`: an exact clock, no shared tier,
//! every origin response a fill) or store by store (`stores`).

use std::path::PathBuf;

use anyhow::Result;
use polars::prelude::*;

use super::attribute::{attribute, with_cache_keys};
use super::delivered::{self, Description, Reading};
use super::dict::{Dicts, CODED};
use super::read::{check_unique_origin_ids, read_one, sort_by_time};
use super::source::{Fill, Source, Topology};
use super::stores::{self, Rows, Rule, NOBODY};
use super::{CacheKey, Facts, Options, Resolution, Viewer, ATTRIBUTION};
use crate::error::InputError;
use crate::frame::names::{ORIGIN_TS, OWNER_ID, VIEWER_ID};
use crate::frame::polars_bug;
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
    /// The clock's resolution (µs; `None`: exact) and the widening durations add.
    resolution: Resolution,
    widening: i64,
    ends_as_arrivals: u64,
    /// The files in stacking order, with their rows.
    heights: Vec<(PathBuf, usize)>,
}

pub(super) fn derive_frame(
    files: &[PathBuf],
    read: &ReadOptions,
    options: &Options,
) -> Result<Frame> {
    options.check()?;
    let description = options.description(&read.columns)?;
    let topology = options.topology.unwrap_or(description.topology);
    let mut stages = Stages::new();
    let mut r = read_all(files, read, options, &description, topology)?;
    crate::frame::release_freed();
    stages.done("read");
    let mut facts = Facts {
        format: description.name,
        topology: topology.name(),
        // Each arrival's uncertainty: the clock's resolution, widened by a duration's.
        width: match r.resolution {
            Resolution::Exact => 0,
            Resolution::Micros(m) => m + r.widening,
        },
        ends_as_arrivals: r.ends_as_arrivals,
        ..Facts::default()
    };
    if let delivered::Tiers::Cloudflare { .. } = description.tiers {
        facts.worker_pairs = super::workers::merge(&mut r.df, &r.heights)?;
    }
    if !description.name.eq("contract") {
        check_viewers(&r.df, &description, options, &mut facts)?;
    }
    // An unidentified visitor: no viewer, or an empty one (kept as written in the output).
    let unidentified = match r.dicts.viewer.find("") {
        Some(empty) => col(VIEWER_ID).is_null().or(col(VIEWER_ID).eq(lit(empty))),
        None => col(VIEWER_ID).is_null(),
    };
    let df = sort_by_time(r.df)?
        .lazy()
        .with_row_index("row", None)
        .with_column(unidentified.alias("unidentified"))
        .collect()
        .map_err(polars_bug)?;
    stages.done("sort");
    let key = cache_key(options, &description, &df)?;
    facts.cache_key = key.name();
    let rows = match &options.origin_id {
        Some(_) => df,
        None => with_cache_keys(df, key, &r.dicts)?,
    };
    stages.done("keys");
    let as_of = options.origin_id.is_some()
        || (r.resolution == Resolution::Exact
            && topology == Topology::Edge
            && every_origin_fills(&rows)?);
    let (df, candidates) = if as_of {
        let rows = flags(rows)?;
        let df = attribute(rows.lazy(), options)?
            .collect()
            .map_err(polars_bug)?;
        (df, Candidates::default())
    } else {
        let rule = Rule {
            width: facts.width,
            max_age: options.max_age,
            cap: options.max_candidates,
            tiered: topology == Topology::Tiered,
        };
        by_stores(rows, &rule)?
    };
    crate::frame::release_freed();
    stages.done("attribute");
    stages.print();
    Ok(Frame {
        df,
        dicts: r.dicts,
        candidates,
        resolution: r.resolution,
        facts,
    })
}

/// The cache key: `--cache-key`, else the format's documented default (without the host
/// when no file logs one).
fn cache_key(options: &Options, description: &Description, df: &DataFrame) -> Result<CacheKey> {
    let has_host = df.column("host").is_ok_and(|h| h.null_count() < h.len());
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
fn every_origin_fills(df: &DataFrame) -> Result<bool> {
    let source = df
        .column("source")
        .map_err(polars_bug)?
        .u32()
        .map_err(polars_bug)?;
    let fill = df
        .column("fill")
        .map_err(polars_bug)?
        .u32()
        .map_err(polars_bug)?;
    Ok(source
        .iter()
        .zip(fill.iter())
        .all(|(s, f)| s != Some(Source::Origin as u32) || f == Some(Fill::Stored as u32)))
}

/// A delivered log must say who asked: refused when no page-carrying response names a
/// viewer, or more than `--max-unidentified` of them do not.
fn check_viewers(
    df: &DataFrame,
    description: &Description,
    options: &Options,
    facts: &mut Facts,
) -> Result<()> {
    let source = df
        .column("source")
        .map_err(polars_bug)?
        .u32()
        .map_err(polars_bug)?;
    let viewer = df
        .column(VIEWER_ID)
        .map_err(polars_bug)?
        .u32()
        .map_err(polars_bug)?;
    let kind = df
        .column("kind")
        .map_err(polars_bug)?
        .u32()
        .map_err(polars_bug)?;
    let (mut with_page, mut unidentified, mut internal) = (0u64, 0u64, 0u64);
    for ((s, v), k) in source.iter().zip(viewer.iter()).zip(kind.iter()) {
        if k == Some(delivered::ROW_KINDS.len() as u32 - 1) {
            internal += 1;
        }
        if s == Some(Source::NoPage as u32) {
            continue;
        }
        with_page += 1;
        if v.is_none() {
            unidentified += 1;
        }
    }
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

/// Every file read and stacked (`ts, path, host, viewer_id, cache_status, source, fill,
/// kind, cache_node`, text as numbers, and the origin id when given), and the resolution
/// to attribute at.
fn read_all(
    files: &[PathBuf],
    read: &ReadOptions,
    options: &Options,
    description: &Description,
    topology: Topology,
) -> Result<Read> {
    if files.is_empty() {
        return Err(InputError::usage("no CDN log given").into());
    }
    let mut dicts = Dicts::default();
    let node = options.node_field(description);
    if description.name == "contract" {
        let mut parts = Vec::with_capacity(files.len());
        let mut heights: Vec<(PathBuf, Format, usize)> = Vec::with_capacity(files.len());
        for path in files {
            let (df, format) = read_one(path, read, options, node.as_deref())?;
            heights.push((path.clone(), format, df.height()));
            parts.push(numbered(df, &mut dicts)?);
        }
        let df = stack(parts)?;
        if let Some(id) = &options.origin_id {
            check_unique_origin_ids(&flags(df.clone())?, id, &heights)?;
        }
        let resolution = options.resolution.unwrap_or(Resolution::Exact);
        return Ok(Read {
            df,
            dicts,
            resolution,
            widening: 0,
            ends_as_arrivals: 0,
            heights: heights.into_iter().map(|(p, _, h)| (p, h)).collect(),
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
    let ranges = crate::frame::cores::core_ranges(files.len());
    let done = crate::frame::cores::on_every_core(&ranges, |range| {
        files[range.clone()]
            .iter()
            .map(|path| {
                let delivered = delivered::read(path, &reading)?;
                let mut dicts = shared
                    .lock()
                    .map_err(|_| anyhow::anyhow!("internal error: a worker thread failed"))?;
                let df = dicts.absorb(delivered.df, &delivered.dicts)?;
                Ok((
                    path.clone(),
                    df,
                    delivered.resolution,
                    delivered.widening,
                    delivered.ends_as_arrivals,
                ))
            })
            .collect::<Result<Vec<_>>>()
    })?;
    dicts = shared
        .into_inner()
        .map_err(|_| anyhow::anyhow!("internal error: a worker thread failed"))?;
    let mut parts = Vec::with_capacity(files.len());
    let mut heights = Vec::with_capacity(files.len());
    let (mut resolution, mut widening, mut ends) = (1, 0, 0u64);
    for part in done {
        for (path, df, r, w, e) in part? {
            resolution = resolution.max(r);
            widening = widening.max(w);
            ends += e as u64;
            heights.push((path, df.height()));
            parts.push(df);
        }
    }
    let resolution = options.resolution.unwrap_or(Resolution::Micros(resolution));
    Ok(Read {
        df: stack(parts)?,
        dicts,
        resolution,
        widening,
        ends_as_arrivals: ends,
        heights,
    })
}

/// A contract log's text columns as numbers of `dicts` (an empty viewer is unidentified),
/// each column on a thread of its own: a table takes its new texts one at a time, and the
/// paths' table alone took a third of a second on 5,000,000 rows.
fn numbered(mut df: DataFrame, dicts: &mut Dicts) -> Result<DataFrame> {
    let mut columns = Vec::with_capacity(CODED.len());
    for (name, table) in dicts.tables() {
        let text = df
            .column(name)
            .map_err(polars_bug)?
            .str()
            .map_err(polars_bug)?
            .clone();
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
            .map_err(polars_bug)?;
    }
    Ok(df)
}

fn stack(parts: Vec<DataFrame>) -> Result<DataFrame> {
    let mut parts = parts.into_iter();
    let mut df = parts.next().unwrap_or_default();
    for more in parts {
        df.vstack_mut(&more).map_err(polars_bug)?;
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
        .map_err(polars_bug)
}

/// The rows attributed store by store (`stores`), in the same columns as `attribute`, and
/// the candidates of the ambiguous rows.
fn by_stores(rows: DataFrame, rule: &Rule) -> Result<(DataFrame, Candidates)> {
    let column = |name: &str| rows.column(name).map_err(polars_bug);
    let u32s = |name: &str| -> Result<Vec<u32>> {
        Ok(column(name)?
            .u32()
            .map_err(polars_bug)?
            .iter()
            .map(|v| v.unwrap_or(0))
            .collect())
    };
    let lo: Vec<i64> = column("ts")?
        .cast(&DataType::Int64)
        .map_err(polars_bug)?
        .i64()
        .map_err(polars_bug)?
        .into_no_null_iter()
        .collect();
    let node_key = u32s("key")?;
    let tier_key = u32s("tier_key")?;
    let source: Vec<Source> = u32s("source")?.into_iter().map(Source::of).collect();
    let fill: Vec<Fill> = u32s("fill")?.into_iter().map(Fill::of).collect();
    let unidentified = column("unidentified")?.bool().map_err(polars_bug)?.clone();
    let renderer = match rows.column("renderer") {
        Ok(c) => c.u32().map_err(polars_bug)?.clone(),
        Err(_) => column(VIEWER_ID)?.u32().map_err(polars_bug)?.clone(),
    };
    let viewers = column(VIEWER_ID)?.u32().map_err(polars_bug)?.clone();
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
    let found = stores::resolve(
        &Rows {
            lo: &lo,
            node_key: &node_key,
            tier_key: &tier_key,
            source: &source,
            fill: &fill,
            owner: &owner,
        },
        rule,
    );
    drop((lo, node_key, tier_key, source, fill, owner));
    let origin_ts = Int64Chunked::from_iter_options(
        ORIGIN_TS.into(),
        found
            .origin_ts
            .iter()
            .map(|&t| (t != i64::MIN).then_some(t)),
    )
    .into_column()
    .cast(&crate::frame::utc_micros())
    .map_err(polars_bug)?;
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
        df.with_column(column).map_err(polars_bug)?;
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
struct Stages {
    last: std::time::Instant,
    done: Vec<String>,
}

impl Stages {
    fn new() -> Stages {
        Stages {
            last: std::time::Instant::now(),
            done: Vec::new(),
        }
    }

    fn done(&mut self, stage: &str) {
        let now = std::time::Instant::now();
        self.done.push(format!(
            "{stage} {:.3}s{}",
            (now - self.last).as_secs_f64(),
            memory()
        ));
        self.last = now;
    }

    fn print(&self) {
        if std::env::var_os("PII_AUDIT_TIMINGS").is_some() {
            eprintln!("derive stages: {}", self.done.join(", "));
        }
    }
}
