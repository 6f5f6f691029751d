//! The derivation on numbers: every file read (text columns as numbers of shared tables,
//! `dict`), stacked, sorted by time, keyed by (node, cache key), and attributed by the
//! exact rule (`attribute`) or the coarse-clock rule (`coarse`).

use std::path::PathBuf;

use anyhow::Result;
use polars::prelude::*;

use super::attribute::{attribute, with_cache_keys};
use super::dict::{Dicts, CODED};
use super::read::{check_unique_origin_ids, read_one, sort_by_time};
use super::ATTRIBUTION;
use super::{coarse, delivered, Attribution, LogFormat, Options, Resolution, Viewer};
use crate::error::InputError;
use crate::exposure::{Format, ReadOptions};
use crate::frame::names::{ORIGIN_TS, OWNER_ID, VIEWER_ID};
use crate::frame::polars_bug;

/// The derived log on numbers: `row`, `ts`, `path`, `owner_id`, `viewer_id`,
/// `cache_status`, `origin_ts`, `cache_node`, `attribution` (`Attribution as u32`), the
/// `is_origin`, `no_page` and `too_old` flags; sorted by time (ties in file order).
/// The candidate owners (viewer numbers) of each ambiguous row, by `row`, in order.
pub type Candidates = Vec<(IdxSize, Vec<u32>)>;

pub struct Frame {
    pub df: DataFrame,
    pub dicts: Dicts,
    pub candidates: Candidates,
    pub resolution: Resolution,
}

impl Frame {
    /// The candidate owners of `row`, if it is ambiguous.
    pub fn candidates_of(&self, row: IdxSize) -> Option<&[u32]> {
        self.candidates
            .binary_search_by_key(&row, |(r, _)| *r)
            .ok()
            .map(|i| self.candidates[i].1.as_slice())
    }
}

pub(super) fn derive_frame(
    files: &[PathBuf],
    read: &ReadOptions,
    options: &Options,
) -> Result<Frame> {
    options.check()?;
    let mut stages = Stages::new();
    let (df, dicts, resolution) = read_all(files, read, options)?;
    crate::frame::release_freed();
    stages.done("read");
    // An unidentified visitor: no viewer, or an empty one (kept as written in the output).
    let unidentified = match dicts.viewer.find("") {
        Some(empty) => col(VIEWER_ID).is_null().or(col(VIEWER_ID).eq(lit(empty))),
        None => col(VIEWER_ID).is_null(),
    };
    let df = sort_by_time(df)?
        .lazy()
        .with_row_index("row", None)
        .with_column(unidentified.alias("unidentified"))
        .collect()
        .map_err(polars_bug)?;
    stages.done("sort");
    let rows = match &options.origin_id {
        Some(_) => df,
        None => with_cache_keys(df, options.cache_key, &dicts.path)?,
    };
    stages.done("keys");
    let (df, candidates) = match resolution {
        Resolution::Exact => {
            let df = attribute(rows.lazy(), options)?
                .collect()
                .map_err(polars_bug)?;
            (df, Vec::new())
        }
        Resolution::Micros(micros) => coarse_frame(rows, micros, options.max_age)?,
    };
    crate::frame::release_freed();
    stages.done("attribute");
    stages.print();
    Ok(Frame {
        df,
        dicts,
        candidates,
        resolution,
    })
}

/// Every file read and stacked (`ts, path, viewer_id, cache_status, class, cache_node`,
/// text as numbers, plus `is_origin`,
/// `no_page`, and the origin id when given), and the resolution to attribute at.
fn read_all(
    files: &[PathBuf],
    read: &ReadOptions,
    options: &Options,
) -> Result<(DataFrame, Dicts, Resolution)> {
    if files.is_empty() {
        return Err(InputError::usage("no CDN log given").into());
    }
    let mut dicts = Dicts::default();
    if matches!(options.format, LogFormat::Contract) {
        let mut parts = Vec::with_capacity(files.len());
        let mut heights: Vec<(PathBuf, Format, usize)> = Vec::with_capacity(files.len());
        for path in files {
            let (df, format) = read_one(path, read, options)?;
            heights.push((path.clone(), format, df.height()));
            parts.push(numbered(df, &mut dicts)?);
        }
        let df = flags(stack(parts)?)?;
        if let Some(id) = &options.origin_id {
            check_unique_origin_ids(&df, id, &heights)?;
        }
        let resolution = options.resolution.unwrap_or(Resolution::Exact);
        return Ok((df, dicts, resolution));
    }
    let node = options.node_field();
    let viewer = options
        .viewer
        .clone()
        .unwrap_or(Viewer::Field(VIEWER_ID.into()));
    let reading = delivered::Reading {
        format: &options.format,
        viewer: &viewer,
        node: node.as_deref(),
        node_named: matches!(options.node, super::Node::Field(_)),
        columns: &read.columns,
        origin_statuses: &options.origin_statuses,
        cached_statuses: &options.cached_statuses,
        statuses_given: options.statuses_given,
        page_statuses: &options.page_statuses,
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
                Ok((df, delivered.resolution))
            })
            .collect::<Result<Vec<_>>>()
    })?;
    dicts = shared
        .into_inner()
        .map_err(|_| anyhow::anyhow!("internal error: a worker thread failed"))?;
    let mut parts = Vec::with_capacity(files.len());
    let mut delivered_resolution = 1;
    for part in done {
        for (df, resolution) in part? {
            delivered_resolution = delivered_resolution.max(resolution);
            parts.push(df);
        }
    }
    let df = flags(stack(parts)?)?;
    let resolution = options
        .resolution
        .unwrap_or(Resolution::Micros(delivered_resolution));
    Ok((df, dicts, resolution))
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

/// `is_origin` and `no_page` from `class`.
fn flags(df: DataFrame) -> Result<DataFrame> {
    df.lazy()
        .with_columns([
            col("class")
                .eq(lit(delivered::Class::Origin as u32))
                .alias("is_origin"),
            col("class")
                .eq(lit(delivered::Class::NoPage as u32))
                .alias("no_page"),
        ])
        .collect()
        .map_err(polars_bug)
}

/// The coarse-clock rule (`coarse`) applied, in the same columns as `attribute`, and the
/// candidates of the ambiguous rows.
fn coarse_frame(
    rows: DataFrame,
    resolution: i64,
    max_age: Option<i64>,
) -> Result<(DataFrame, Candidates)> {
    let found = coarse::attribute(&rows, resolution, max_age)?;
    let n = rows.height();
    let column = |name: &str| rows.column(name).map_err(polars_bug);
    let viewers = column(VIEWER_ID)?.u32().map_err(polars_bug)?.clone();
    let ts = column("ts")?.cast(&DataType::Int64).map_err(polars_bug)?;
    let ts = ts.i64().map_err(polars_bug)?.clone();
    let is_origin = column("is_origin")?.bool().map_err(polars_bug)?.clone();
    let unidentified = column("unidentified")?.bool().map_err(polars_bug)?.clone();
    let mut owner: Vec<Option<u32>> = vec![None; n];
    let mut origin_ts: Vec<Option<i64>> = vec![None; n];
    let mut attribution: Vec<u32> = vec![Attribution::NoPage as u32; n];
    let mut too_old = vec![false; n];
    for i in 0..n {
        if is_origin.get(i) == Some(true) {
            owner[i] = viewers.get(i).filter(|_| unidentified.get(i) != Some(true));
            origin_ts[i] = ts.get(i);
            attribution[i] = Attribution::Origin as u32;
        }
    }
    let mut candidates = Vec::new();
    for (row, found) in found {
        let i = row as usize;
        too_old[i] = found.too_old;
        origin_ts[i] = found.origin_ts;
        attribution[i] = match (&found.origin_ts, found.candidates.is_empty()) {
            (None, _) => Attribution::Unattributed,
            (Some(_), true) => Attribution::Cached,
            (Some(_), false) => Attribution::Ambiguous,
        } as u32;
        owner[i] = found.owner;
        if !found.candidates.is_empty() {
            candidates.push((row, found.candidates));
        }
    }
    candidates.sort_by_key(|(row, _)| *row);
    let origin_ts = Int64Chunked::from_iter_options(ORIGIN_TS.into(), origin_ts.into_iter())
        .into_column()
        .cast(&crate::frame::utc_micros())
        .map_err(polars_bug)?;
    let mut df = rows;
    for column in [
        UInt32Chunked::from_iter_options(OWNER_ID.into(), owner.into_iter()).into_column(),
        origin_ts,
        UInt32Chunked::from_vec(ATTRIBUTION.into(), attribution).into_column(),
        Column::new("too_old".into(), too_old),
    ] {
        df.with_column(column).map_err(polars_bug)?;
    }
    Ok((df, candidates))
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
