//! A partition over `--memory-limit`: one bucket of cache keys with more rows than a
//! partition may hold (a hot key: in a Mercari-shaped incident every user's "my page" has
//! one URL, and bucketing by key never splits a key). Its rows are cut by time
//! (`stores::pieces`) and derived a piece at a time, each with the rows before and after
//! it that its lookups reach, and each piece keeps only its own rows' results, which are
//! the whole log's. Planning reads only the columns that place a row in its stores.

use std::path::{Path, PathBuf};

use anyhow::Result;
use polars::prelude::*;

use super::attribute::{with_cache_keys, Pairs};
use super::derive::{stack, How, StoreColumns, EARLIER};
use super::dict::Dicts;
use super::source::{Fill, Source};
use super::spill::SEQ;
use super::stores::{self, Piece, Rule};
use super::CACHE_NODE;
use crate::frame::OrBug;

/// Rows read at a time to plan (about 40 bytes each).
const SLICE: usize = 1 << 20;

/// A hot partition's pieces, and the time of each of its rows in the log's order.
pub(super) struct Plan {
    ts: Vec<i64>,
    pub pieces: Vec<Piece>,
}

fn scan(path: &Path) -> Result<LazyFrame> {
    let name = PlRefPath::new(path.to_string_lossy().as_ref());
    LazyFrame::scan_parquet(name, ScanArgsParquet::default())
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))
}

/// Plans the pieces of the partition's `files` (`rows` rows), of about `size` rows each.
pub(super) fn plan(
    files: &[PathBuf],
    rows: usize,
    dicts: &Dicts,
    how: &How,
    size: usize,
) -> Result<Plan> {
    // A slice of rows at a time, on the columns that place a row in its stores; keys are
    // numbered in the order rows come (any order serves), and the rows are put in the
    // log's order afterwards on the few columns the stores need.
    let table = how.table(dicts);
    let mut pairs = Pairs::default();
    // Reserved at the bucket's size: grown by doubling, they would hold twice as much.
    let mut keys = StoreColumns::with_capacity(rows);
    let mut seq: Vec<u64> = Vec::with_capacity(rows);
    for file in files {
        let mut lf = scan(file)?;
        let schema = lf.collect_schema().or_bug()?;
        let mut columns = vec![
            col("ts"),
            col(SEQ),
            col("path"),
            col(CACHE_NODE),
            col("source"),
            col("fill"),
        ];
        if schema.contains("host") {
            columns.push(col("host"));
        }
        let lf = lf.select(columns);
        for offset in (0..).step_by(SLICE) {
            let df = lf
                .clone()
                .slice(offset as i64, SLICE as IdxSize)
                .collect()
                .or_bug()?;
            if df.height() == 0 {
                break;
            }
            let df = with_cache_keys(df, table, &mut pairs)?;
            keys.append(StoreColumns::of(&df)?);
            seq.extend(df.column(SEQ).or_bug()?.u64().or_bug()?.into_no_null_iter());
        }
    }
    drop(pairs);
    let mut order: Vec<u32> = (0..seq.len() as u32).collect();
    order.sort_unstable_by_key(|&i| (keys.lo[i as usize], seq[i as usize]));
    drop(seq);
    let mut keys = keys.permuted(&order);
    drop(order);
    let rule = if how.as_of() {
        // The as-of rule: a row's page is its key's latest origin response at or before
        // it, whatever else the log says; planned as a store whose only fills are those,
        // all certain, so that each piece reaches back to it.
        for (source, fill) in keys.source.iter_mut().zip(keys.fill.iter_mut()) {
            (*source, *fill) = match *source {
                Source::Origin => (Source::Origin, Fill::Stored),
                Source::NoPage => (Source::NoPage, Fill::NotStored),
                _ => (Source::Node, Fill::NotStored),
            };
        }
        Rule {
            width: 0,
            max_age: None,
            cap: usize::MAX,
            tiered: false,
        }
    } else {
        how.rule()
    };
    let mut pieces = stores::pieces(&keys.rows(&[], &[]), &rule, size);
    // Pieces that reach far back derive the earlier rows again and again (without
    // `--max-age`, a store with no certain fill reaches back to the log's start): past
    // twice the bucket's rows in all, the bucket is derived at once.
    let n = keys.lo.len();
    if pieces.iter().map(|p| p.read.len()).sum::<usize>() > 2 * n {
        pieces = vec![Piece {
            read: 0..n,
            main: 0..n,
            earlier: Vec::new(),
        }];
    }
    Ok(Plan {
        ts: keys.lo,
        pieces,
    })
}

impl Plan {
    /// Piece `i`'s rows (its own and those its lookups reach), in the log's order, and
    /// where its own rows start among them.
    pub fn read(&self, files: &[PathBuf], i: usize) -> Result<(DataFrame, usize)> {
        let piece = &self.pieces[i];
        let (a, b) = (self.ts[piece.read.start], self.ts[piece.read.end - 1]);
        // Every row of the instants at both ends is read, and cut off after sorting.
        let first = self.ts.partition_point(|&t| t < a);
        let last = self.ts.partition_point(|&t| t <= b);
        let mut parts = Vec::with_capacity(files.len());
        for file in files {
            let mut lf = scan(file)?;
            let ts = lf
                .collect_schema()
                .or_bug()?
                .try_get("ts")
                .or_bug()?
                .clone();
            let within = col("ts")
                .gt_eq(lit(a).cast(ts.clone()))
                .and(col("ts").lt_eq(lit(b).cast(ts)));
            parts.push(lf.filter(within).collect().or_bug()?);
        }
        let df = stack(parts)?
            .sort(["ts", SEQ], SortMultipleOptions::default())
            .or_bug()?;
        if df.height() != last - first {
            return Err(anyhow::anyhow!(
                "internal error: a piece of a spilled partition read {} rows, planned {}",
                df.height(),
                last - first
            ));
        }
        let mut df = df.slice((piece.read.start - first) as i64, piece.read.len());
        if !piece.earlier.is_empty() {
            // UInt32: polars is built without its 8-bit types.
            let earlier = UInt32Chunked::from_iter_values(
                EARLIER.into(),
                piece.earlier.iter().map(|&e| u32::from(e)),
            );
            df.with_column(earlier.into_column()).or_bug()?;
        }
        Ok((df, piece.main.start - piece.read.start))
    }
}
