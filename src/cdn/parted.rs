//! `derive-owners` in bounded memory: the files are read and kept in memory while they fit
//! `--memory-limit`, and derived at once as always; past it, every file read so far and
//! every one after is spilled by cache key (`spill`) and derived a partition at a time.
//! A log whose rows join across cache keys is derived at once whatever its size: a
//! Cloudflare log (a Worker's line and its subrequests, by `RayID`) and a contract log
//! joined by `--origin-id`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::Result;
use polars::prelude::*;

use super::attribute::{counts, counts_by_node_code};
use super::derive::{self, derive_sorted, How, Shape, Stages, ViewerTally};
use super::dict::Dicts;
use super::hot;
use super::spill::{self, Buckets, Spans, SEQ};
use super::stores::Candidates;
use super::{delivered, Counts, Facts, Options};
use super::{ATTRIBUTION, CACHE_NODE};
use crate::frame::names::{CACHE_STATUS, ORIGIN_TS, OWNER_ID, VIEWER_ID};
use crate::frame::OrBug;
use crate::ingest::{ReadOptions, Zone};
use crate::progress::check_interrupt;

/// What the files' rows are kept in as they are read.
enum Sink {
    Memory {
        parts: Vec<((usize, usize), DataFrame)>,
        rows: usize,
    },
    Spilled(Box<Spilling>),
}

/// The spilled rows and what the whole log's derivation needs to know of them.
struct Spilling {
    dir: tempfile::TempDir,
    buckets: Buckets,
    tally: ViewerTally,
    every_origin_fills: bool,
    has_host: bool,
    contract: bool,
}

impl Spilling {
    fn take(&mut self, at: (usize, usize), df: DataFrame, dicts: &Dicts) -> Result<()> {
        if !self.contract {
            self.tally.add(derive::viewer_tally(&df)?);
        }
        self.every_origin_fills &= derive::every_origin_fills(&df)?;
        self.has_host |= derive::has_host(&df);
        self.buckets.take(at, df, dicts)
    }
}

/// How much memory, and where to spill past it.
struct Bound {
    /// `--memory-limit`.
    limit: u64,
    /// Rows derived at once at most, were the tables of distinct texts empty.
    rows: usize,
    tmp: PathBuf,
    /// Rows read so far (for the progress line).
    read: std::sync::atomic::AtomicU64,
    /// The files, and how many have been kept so far.
    files: usize,
    kept: std::sync::atomic::AtomicUsize,
}

impl Sink {
    fn take(
        &mut self,
        at: (usize, usize),
        df: DataFrame,
        dicts: &Dicts,
        bound: &Bound,
        contract: bool,
    ) -> Result<()> {
        match self {
            Sink::Spilled(spilling) => spilling.take(at, df, dicts),
            Sink::Memory { parts, rows } => {
                *rows += df.height();
                parts.push((at, df));
                if *rows <= spill::rows_beside(bound.limit, dicts.bytes()) {
                    return Ok(());
                }
                let dir = tempfile::Builder::new()
                    .prefix("pii-audit-derive-")
                    .tempdir_in(&bound.tmp)
                    .map_err(|e| {
                        anyhow::anyhow!(
                            "cannot make a temporary folder in {} (--tmp-dir): {e}",
                            bound.tmp.display()
                        )
                    })?;
                // Buckets enough for four per partition at the log's size foreseen from
                // the files read so far, at most 256 files.
                let kept = bound.kept.load(std::sync::atomic::Ordering::Relaxed).max(1);
                let foreseen = *rows / kept * bound.files.max(kept);
                let count = (foreseen / bound.rows + 1).saturating_mul(4).clamp(8, 256);
                let buckets = Buckets::new(dir.path(), count, bound.rows / 2);
                let mut spilling = Spilling {
                    dir,
                    buckets,
                    tally: ViewerTally::default(),
                    every_origin_fills: true,
                    has_host: false,
                    contract,
                };
                crate::hooks::trace("derive: spilling by cache key");
                for (at, df) in std::mem::take(parts) {
                    spilling.take(at, df, dicts)?;
                }
                *self = Sink::Spilled(Box::new(spilling));
                Ok(())
            }
        }
    }
}

/// Derives the owners of `files` and writes the derived log to `output`, in at most
/// `--memory-limit` (`default_limit` when not given); the counts and facts.
pub fn derive_to(
    files: &[PathBuf],
    read: &ReadOptions,
    options: &Options,
    output: &Path,
    zone: &Zone,
    progress: &crate::progress::Progress,
) -> Result<(Counts, Facts)> {
    options.check()?;
    let description = options.description(&read.columns)?;
    let topology = options.topology.unwrap_or(description.topology);
    let cloudflare = matches!(description.tiers, delivered::Tiers::Cloudflare { .. });
    if cloudflare || options.origin_id.is_some() {
        crate::hooks::trace("derive: whole log at once (rows join across cache keys)");
        let derived = super::derive(files, read, options)?;
        progress.stage("writing the derived log");
        super::write(&derived, output, zone)?;
        return Ok((derived.counts, derived.frame.facts));
    }
    let limit = options.memory_limit.unwrap_or_else(spill::default_limit);
    let bound = Bound {
        limit,
        rows: spill::rows_per_part(limit),
        tmp: options.tmp_dir.clone().unwrap_or_else(std::env::temp_dir),
        read: Default::default(),
        files: files.len(),
        kept: Default::default(),
    };
    let contract = description.name == "contract";
    let sink = Mutex::new(Sink::Memory {
        parts: Vec::new(),
        rows: 0,
    });
    let keep = |index: usize, before: usize, df: DataFrame, dicts: &mut Dicts| -> Result<()> {
        if before == 0 {
            bound
                .kept
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        let read = bound
            .read
            .fetch_add(df.height() as u64, std::sync::atomic::Ordering::Relaxed);
        progress.stage(&format!(
            "reading the CDN log: {} rows, {} of {} files",
            indicatif::HumanCount(read + df.height() as u64),
            bound.kept.load(std::sync::atomic::Ordering::Relaxed),
            bound.files
        ));
        sink.lock()
            .map_err(|_| anyhow::anyhow!("internal error: a worker thread failed"))?
            .take((index, before), df, dicts, &bound, contract)
    };
    let stages = Stages::new();
    let shape = derive::read_files(
        files,
        read,
        options,
        &description,
        topology,
        spill::piece_bytes(limit),
        &keep,
    )?;
    let sink = sink
        .into_inner()
        .map_err(|_| anyhow::anyhow!("internal error: a worker thread failed"))?;
    match sink {
        Sink::Memory { parts, .. } => {
            crate::hooks::trace("derive: whole log at once (fits --memory-limit)");
            progress.stage("deriving owners");
            let mut frame = derive::derive_read(shape, parts, options, &description, stages)?;
            check_interrupt()?;
            let counts = counts(&frame.df)?;
            frame.facts.nodes = super::attribute::counts_by_node(&frame.df, &frame.dicts)?;
            progress.stage("writing the derived log");
            let view = super::output::View {
                df: &frame.df,
                dicts: &frame.dicts,
                candidates: &frame.candidates,
            };
            super::output::write_views(output, zone, &mut |put| put(view))?;
            Ok((counts, frame.facts))
        }
        Sink::Spilled(spilling) => {
            let how = Derivation {
                options,
                description: &description,
                topology,
                output,
                zone,
                progress,
                limit,
            };
            how.in_parts(shape, *spilling, stages)
        }
    }
}

/// A spilled log's derivation.
struct Derivation<'a> {
    options: &'a Options,
    description: &'a delivered::Description,
    topology: super::Topology,
    output: &'a Path,
    zone: &'a Zone,
    progress: &'a crate::progress::Progress,
    limit: u64,
}

impl Derivation<'_> {
    fn in_parts(
        &self,
        shape: Shape,
        spilling: Spilling,
        mut stages: Stages,
    ) -> Result<(Counts, Facts)> {
        let mut facts = shape.facts(self.description, self.topology);
        if !spilling.contract {
            derive::judge_viewers(spilling.tally, self.description, self.options, &mut facts)?;
        }
        let how = How {
            options: self.options,
            key: derive::cache_key(self.options, self.description, spilling.has_host)?,
            every_origin_fills: spilling.every_origin_fills,
            resolution: shape.resolution,
            topology: self.topology,
            width: facts.width,
            key_table: Default::default(),
        };
        facts.cache_key = how.key.name();
        let dir = spilling.dir;
        // The tables of distinct texts stay in memory throughout: the partitions get the rest.
        let tables = shape.dicts.bytes();
        let rows = spill::rows_beside(self.limit, tables);
        let (parts, minutes) = spilling.buckets.finish(rows)?;
        stages.done(&format!(
            "read and spill (tables of distinct texts {} MiB)",
            tables >> 20
        ));
        crate::hooks::trace(&format!("derive: at most {rows} rows a partition"));
        crate::hooks::trace(&format!("derive: {} partitions", parts.len()));
        let mut out = Derived {
            spans: Spans::new(dir.path(), &minutes, spill::span_rows(rows)),
            total: Counts::default(),
            nodes: BTreeMap::new(),
        };
        let started = std::time::Instant::now();
        for (i, part) in parts.iter().enumerate() {
            if i == 1 {
                crate::progress::pause_point("between partitions");
            }
            check_interrupt()?;
            let progress = partition_progress(i, parts.len(), started);
            self.progress.stage(&progress);
            if part.rows > rows as u64 {
                // One bucket over a partition: cut by time (`hot`).
                let size = spill::span_rows(rows);
                let plan = hot::plan(&part.files, part.rows as usize, &shape.dicts, &how, size)?;
                stages.done("plan the pieces of time");
                let pieces = plan.pieces.len();
                crate::hooks::trace(&format!(
                    "derive: {} rows of one bucket in {pieces} pieces of time",
                    part.rows
                ));
                for j in 0..pieces {
                    check_interrupt()?;
                    self.progress
                        .stage(&format!("{progress}: piece {} of {pieces}", j + 1));
                    let (df, own) = plan.read(&part.files, j)?;
                    let read = df.height() as u64;
                    if read > rows as u64 {
                        let widest = facts.bucket_over_limit.map_or(0, |w| w.0);
                        facts.bucket_over_limit = Some((widest.max(read), rows as u64));
                    }
                    let main = plan.pieces[j].main.len();
                    out.derive(df, &shape.dicts, &how, &mut stages, (own, main))?;
                }
            } else {
                let df = spill::read_part(part)?
                    .sort(["ts", SEQ], SortMultipleOptions::default())
                    .or_bug()?;
                let all = df.height();
                out.derive(df, &shape.dicts, &how, &mut stages, (0, all))?;
            }
            for file in &part.files {
                let _ = std::fs::remove_file(file);
            }
        }
        let Derived {
            spans,
            total,
            nodes,
        } = out;
        let spans = spans.finish()?;
        stages.done("derive by partition");
        facts.nodes = nodes
            .into_iter()
            .map(|(node, c)| {
                let name = node.map_or(String::new(), |n| shape.dicts.node.value(n).to_string());
                (name, c)
            })
            .collect();
        self.progress.stage("writing the derived log");
        let mut fed = false;
        super::output::write_views(self.output, self.zone, &mut |put| {
            for span in spans.iter().flatten() {
                check_interrupt()?;
                let df = spill::read_span(span)?;
                let _ = std::fs::remove_file(span);
                let (df, candidates) = numbered(df)?;
                put(super::output::View {
                    df: &df,
                    dicts: &shape.dicts,
                    candidates: &candidates,
                })?;
                fed = true;
            }
            Ok(())
        })?;
        if !fed {
            return Err(anyhow::anyhow!(
                "internal error: a spilled log without rows"
            ));
        }
        stages.done("write");
        stages.print();
        drop(dir);
        Ok((total, facts))
    }
}

/// What the partitions' derivations add up to.
struct Derived {
    spans: Spans,
    total: Counts,
    nodes: BTreeMap<Option<u32>, Counts>,
}

impl Derived {
    /// Derives rows in the log's order and keeps the results of `own` (the first of
    /// them and how many): the rows' counts, and the rows spilled by time.
    fn derive(
        &mut self,
        df: DataFrame,
        dicts: &Dicts,
        how: &How,
        stages: &mut Stages,
        own: (usize, usize),
    ) -> Result<()> {
        // The derivation keeps the rows in their order: their places in the log go back.
        let seq = df.column(SEQ).or_bug()?.clone();
        let (mut df, candidates) = derive_sorted(df, dicts, how, stages)?;
        df.with_column(seq).or_bug()?;
        let df = df.slice(own.0 as i64, own.1);
        self.total.add(&counts(&df)?);
        for (node, c) in counts_by_node_code(&df)? {
            self.nodes.entry(node).or_default().add(&c);
        }
        self.spans.take(&kept_columns(df, &candidates)?)
    }
}

/// "deriving partition 3 of 12 (about 40s left)".
fn partition_progress(done: usize, of: usize, started: std::time::Instant) -> String {
    let mut text = format!("deriving partition {} of {of}", done + 1);
    if done > 0 {
        let each = started.elapsed().as_secs_f64() / done as f64;
        text.push_str(&format!(" (about {:.0}s left)", each * (of - done) as f64));
    }
    text
}

/// The column of the candidate owners of ambiguous rows, as spilled.
const CANDIDATES: &str = "candidates";

/// A partition's derived rows as spilled: the output's columns on numbers, the place in
/// the log, and the candidates of the ambiguous rows as a list.
fn kept_columns(df: DataFrame, candidates: &Candidates) -> Result<DataFrame> {
    let rows = df.column("row").or_bug()?.idx().or_bug()?;
    let mut list = ListPrimitiveChunkedBuilder::<UInt32Type>::new(
        CANDIDATES.into(),
        rows.len(),
        0,
        DataType::UInt32,
    );
    for row in rows.iter() {
        match row.and_then(|r| candidates.of(r)) {
            Some(owners) => list.append_slice(owners),
            None => list.append_null(),
        }
    }
    let list = list.finish().into_column();
    let mut df = df
        .select([
            "ts",
            SEQ,
            "path",
            OWNER_ID,
            VIEWER_ID,
            CACHE_STATUS,
            ORIGIN_TS,
            CACHE_NODE,
            ATTRIBUTION,
        ])
        .or_bug()?;
    df.with_column(list).or_bug()?;
    Ok(df)
}

/// A span's rows (in the log's order) numbered, and their candidates by those numbers.
fn numbered(df: DataFrame) -> Result<(DataFrame, Candidates)> {
    let mut candidates = Candidates::default();
    let lists = df.column(CANDIDATES).or_bug()?.list().or_bug()?.clone();
    for row in 0..lists.len() {
        if let Some(owners) = lists.get_as_series(row) {
            let owners: Vec<u32> = owners.u32().or_bug()?.into_no_null_iter().collect();
            candidates.push(row as IdxSize, owners.into_iter());
        }
    }
    let df = df
        .drop(CANDIDATES)
        .or_bug()?
        .with_row_index("row".into(), None)
        .or_bug()?;
    Ok((df, candidates))
}
