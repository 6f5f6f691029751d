//! A log too big for `--memory-limit`, derived in partitions. Every store a row can look
//! up or fill is keyed on the normalised path (a node's store on (node, cache key), a
//! shared tier's on the cache key alone, and every cache key refines the normalised path:
//! it adds the host, the query or both), so rows are put in buckets by a hash of their
//! normalised path: no store's fills are ever split between buckets, and a bucket derives
//! exactly as it does among the whole log. Buckets are spilled as Parquet files into a
//! temporary folder, gathered into partitions that fit the memory, and derived one at a
//! time; the derived rows are spilled again by time (by the minute they fall in) and read
//! back one span of minutes at a time, so that the output has every row in the order of
//! the whole log: time, then the log's order. The folder is removed afterwards, on an
//! error and on Ctrl-C.

use std::collections::BTreeMap;
use std::fs::File;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use polars::io::parquet::write::BatchedWriter;
use polars::prelude::*;

use super::dict::Dicts;
use crate::frame::OrBug;
use crate::inventory::normalise_path;

/// Memory one row takes while it is derived (measured: 806 MiB at the peak of 5,000,000
/// CloudFront rows derived at once, about 170 bytes a row; the partitions are sized to
/// take at most `SHARE` of the limit at this rate, the rest being the tables of distinct
/// texts, the files being read and the output being encoded).
pub const ROW_COST: u64 = 170;
const SHARE: f64 = 0.6;

/// Rows per partition under `limit` bytes (at least one).
pub fn rows_per_part(limit: u64) -> usize {
    ((limit as f64 * SHARE / ROW_COST as f64) as usize).max(1)
}

/// Rows per partition under `limit` bytes beside tables of distinct texts of `tables`
/// bytes, which stay in memory throughout; never under a quarter of what the limit alone
/// gives (tables that large leave the limit exceeded rather than the log cut into
/// partitions too small to derive in any reasonable time).
pub fn rows_beside(limit: u64, tables: u64) -> usize {
    rows_per_part(limit.saturating_sub(tables).max(limit / 4))
}

/// Rows per span of the output under partitions of `rows`: a span is read back, sorted
/// and turned into text while the tables are still in memory, and its text takes about
/// twice the memory of its numbers, so a span is half a partition.
pub fn span_rows(rows: usize) -> usize {
    (rows / 2).max(1)
}

/// The text a file is read by at a time under `limit` (`delivered::read_each`): a
/// sixteenth of it, from 4 KiB to 64 MiB (a piece is read on every core at once, and its
/// text, lines and columns are several times its size).
pub fn piece_bytes(limit: u64) -> usize {
    (limit / 16).clamp(4 << 10, 64 << 20) as usize
}

/// The column that keeps each row's place in the log: its file's place among the files
/// (high 32 bits) and its row in the file.
pub const SEQ: &str = "seq";

/// One Parquet file being written by batches, its rows kept until there are enough for a
/// row group.
struct Spilled {
    path: PathBuf,
    pending: Vec<DataFrame>,
    pending_rows: usize,
    writer: Option<BatchedWriter<File>>,
    rows: u64,
}

impl Spilled {
    fn new(path: PathBuf) -> Spilled {
        Spilled {
            path,
            pending: Vec::new(),
            pending_rows: 0,
            writer: None,
            rows: 0,
        }
    }

    fn push(&mut self, df: DataFrame) {
        self.pending_rows += df.height();
        self.rows += df.height() as u64;
        self.pending.push(df);
    }

    /// Writes what is pending as one row group.
    fn flush(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let df = super::derive::stack(std::mem::take(&mut self.pending))?;
        self.pending_rows = 0;
        if self.writer.is_none() {
            let file = File::create(&self.path)
                .with_context(|| format!("cannot write {}", self.path.display()))?;
            let writer = ParquetWriter::new(file)
                .with_compression(ParquetCompression::Lz4Raw)
                .batched(df.schema())
                .or_bug()?;
            self.writer = Some(writer);
        }
        if let Some(writer) = &mut self.writer {
            writer
                .write_batch(&df)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", self.path.display()))?;
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        self.flush()?;
        if let Some(writer) = self.writer.take() {
            writer
                .finish()
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", self.path.display()))?;
        }
        Ok(())
    }
}

/// Reads spilled files back (those that hold rows), stacked.
fn read_back(paths: &[&Path]) -> Result<Option<DataFrame>> {
    let mut parts = Vec::with_capacity(paths.len());
    for path in paths {
        let file = File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
        parts.push(ParquetReader::new(file).finish().or_bug()?);
    }
    if parts.is_empty() {
        return Ok(None);
    }
    Ok(Some(super::derive::stack(parts)?))
}

/// Rows split by a number per row into `files` (rows keep their order within a file):
/// a counting sort of the row numbers, one gather, and a slice per file.
fn split(df: &DataFrame, of_row: &[u32], files: &mut [Spilled]) -> Result<()> {
    let mut starts = vec![0usize; files.len() + 1];
    for &b in of_row {
        starts[b as usize + 1] += 1;
    }
    for b in 0..files.len() {
        starts[b + 1] += starts[b];
    }
    let mut next = starts.clone();
    let mut order = vec![0 as IdxSize; of_row.len()];
    for (row, &b) in of_row.iter().enumerate() {
        order[next[b as usize]] = row as IdxSize;
        next[b as usize] += 1;
    }
    let sorted = df.take(&IdxCa::from_vec("order".into(), order)).or_bug()?;
    for (b, file) in files.iter_mut().enumerate() {
        let (start, end) = (starts[b], starts[b + 1]);
        if end > start {
            file.push(sorted.slice(start as i64, end - start));
        }
    }
    Ok(())
}

/// A partition: the bucket files it gathers, and their rows.
#[derive(Debug, Clone, Default)]
pub struct Partition {
    pub files: Vec<PathBuf>,
    pub rows: u64,
}

/// The first pass: every file's rows into buckets by their normalised path, and how many
/// rows fall in each minute.
pub(super) struct Buckets {
    files: Vec<Spilled>,
    /// The bucket of each path number, for the numbers seen so far.
    of_path: Vec<u32>,
    pending_rows: usize,
    flush_rows: usize,
    pub minutes: BTreeMap<i64, u64>,
}

impl Buckets {
    /// `count` buckets in `dir`; rows kept in memory until `flush_rows` of them are.
    pub fn new(dir: &Path, count: usize, flush_rows: usize) -> Buckets {
        Buckets {
            files: (0..count)
                .map(|b| Spilled::new(dir.join(format!("bucket-{b}.parquet"))))
                .collect(),
            of_path: Vec::new(),
            pending_rows: 0,
            flush_rows: flush_rows.max(1),
            minutes: BTreeMap::new(),
        }
    }

    /// Takes rows of file number `at.0` that follow `at.1` rows of it (`dicts`: the tables
    /// their numbers are of).
    pub fn take(&mut self, at: (usize, usize), mut df: DataFrame, dicts: &Dicts) -> Result<()> {
        let (index, before) = (at.0 as u64, at.1 as u64);
        let seq = UInt64Chunked::from_iter_values(
            SEQ.into(),
            (0..df.height() as u64).map(|row| (index << 32) | (before + row)),
        );
        df.with_column(seq.into_column()).or_bug()?;
        let count = self.files.len() as u64;
        for code in self.of_path.len()..dicts.path.len() {
            let mut hasher = std::hash::DefaultHasher::new();
            normalise_path(dicts.path.value(code as u32)).hash(&mut hasher);
            self.of_path.push((hasher.finish() % count) as u32);
        }
        let paths = df.column("path").or_bug()?.u32().or_bug()?;
        let of_row: Vec<u32> = paths
            .iter()
            .map(|code| code.map_or(0, |c| self.of_path[c as usize]))
            .collect();
        self.count_minutes(&df)?;
        split(&df, &of_row, &mut self.files)?;
        self.pending_rows += df.height();
        if self.pending_rows >= self.flush_rows {
            for file in &mut self.files {
                file.flush()?;
            }
            self.pending_rows = 0;
        }
        Ok(())
    }

    fn count_minutes(&mut self, df: &DataFrame) -> Result<()> {
        let ts = df.column("ts").or_bug()?.datetime().or_bug()?;
        let mut run: Option<(i64, u64)> = None;
        for t in ts.physical().iter() {
            let minute = t.unwrap_or(0).div_euclid(60_000_000);
            run = match run {
                Some((m, n)) if m == minute => Some((m, n + 1)),
                Some((m, n)) => {
                    *self.minutes.entry(m).or_default() += n;
                    Some((minute, 1))
                }
                None => Some((minute, 1)),
            };
        }
        if let Some((m, n)) = run {
            *self.minutes.entry(m).or_default() += n;
        }
        Ok(())
    }

    /// Every bucket written; the partitions: runs of buckets of at most `rows` rows (a
    /// bucket over it alone); and the rows per minute.
    pub fn finish(mut self, rows: usize) -> Result<(Vec<Partition>, BTreeMap<i64, u64>)> {
        let mut parts: Vec<Partition> = Vec::new();
        for file in &mut self.files {
            file.finish()?;
            if file.rows == 0 {
                continue;
            }
            match parts.last_mut() {
                Some(part) if part.rows + file.rows <= rows as u64 => {
                    part.files.push(file.path.clone());
                    part.rows += file.rows;
                }
                _ => parts.push(Partition {
                    files: vec![file.path.clone()],
                    rows: file.rows,
                }),
            }
        }
        Ok((parts, self.minutes))
    }
}

/// A partition's rows, read back.
pub(super) fn read_part(part: &Partition) -> Result<DataFrame> {
    let paths: Vec<&Path> = part.files.iter().map(PathBuf::as_path).collect();
    Ok(read_back(&paths)?.unwrap_or_default())
}

/// The second pass: derived rows into spans of minutes of at most a partition's rows
/// (a minute over it alone).
pub(super) struct Spans {
    /// The first minute of each span but the first.
    cuts: Vec<i64>,
    files: Vec<Spilled>,
}

impl Spans {
    pub fn new(dir: &Path, minutes: &BTreeMap<i64, u64>, rows: usize) -> Spans {
        let mut cuts = Vec::new();
        let mut in_span = 0u64;
        for (&minute, &n) in minutes {
            if in_span > 0 && in_span + n > rows as u64 {
                cuts.push(minute);
                in_span = 0;
            }
            in_span += n;
        }
        let files = (0..=cuts.len())
            .map(|s| Spilled::new(dir.join(format!("span-{s}.parquet"))))
            .collect();
        Spans { cuts, files }
    }

    /// Takes a partition's derived rows.
    pub fn take(&mut self, df: &DataFrame) -> Result<()> {
        let ts = df.column("ts").or_bug()?.datetime().or_bug()?;
        let of_row: Vec<u32> = ts
            .physical()
            .iter()
            .map(|t| {
                let minute = t.unwrap_or(0).div_euclid(60_000_000);
                self.cuts.partition_point(|&c| c <= minute) as u32
            })
            .collect();
        split(df, &of_row, &mut self.files)?;
        // One row group per partition and span: the partition is derived, its rows go out.
        for file in &mut self.files {
            file.flush()?;
        }
        Ok(())
    }

    /// Every span written; each span's file (None for a span without rows), in time order.
    pub fn finish(mut self) -> Result<Vec<Option<PathBuf>>> {
        let mut out = Vec::with_capacity(self.files.len());
        for file in &mut self.files {
            file.finish()?;
            out.push((file.rows > 0).then(|| file.path.clone()));
        }
        Ok(out)
    }
}

/// A span's rows, read back and sorted as the whole log is (time, then the log's order).
pub(super) fn read_span(path: &Path) -> Result<DataFrame> {
    let df = read_back(&[path])?.unwrap_or_default();
    df.sort(["ts", SEQ], SortMultipleOptions::default())
        .or_bug()
}

/// The machine's memory (Linux: `MemTotal`), if known.
pub fn machine_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kib: u64 = info
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

/// `--memory-limit`'s default: a quarter of the machine's memory, at most 1.5 GiB (past it
/// a partition is millions of rows, and bigger ones save little time), 1.5 GiB when the
/// machine's is unknown.
pub fn default_limit() -> u64 {
    const CAP: u64 = 3 << 29;
    machine_memory().map_or(CAP, |m| (m / 4).min(CAP))
}

/// Parses `--memory-limit`: a number and a unit, B, KiB, MiB or GiB (KB, MB and GB are
/// read as the same powers of two, as `free` and `top` show them).
pub fn parse_size(text: &str) -> std::result::Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let bad = || format!("{text:?}: expected a size such as 512MiB or 2GiB");
    let scale: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => return Err(bad()),
    };
    let number: f64 = number.parse().map_err(|_| bad())?;
    if number.is_nan() || number <= 0.0 || !number.is_finite() {
        return Err(bad());
    }
    Ok((number * scale as f64) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("512MiB"), Ok(512 << 20));
        assert_eq!(parse_size("1.5 GB"), Ok(3 << 29));
        assert_eq!(
            parse_size("2048"),
            Err("\"2048\": expected a size such as 512MiB or 2GiB".into())
        );
        assert!(parse_size("0GiB").is_err());
        assert!(parse_size("-1MiB").is_err());
    }

    #[test]
    fn partitions_get_what_the_tables_leave_and_never_under_a_quarter() {
        let limit = 1 << 30;
        assert_eq!(rows_beside(limit, 0), rows_per_part(limit));
        // 1 GiB less 256 MiB of tables: three quarters of the rows.
        assert_eq!(rows_beside(limit, 256 << 20), rows_per_part(768 << 20));
        // Tables over the limit: a quarter of it, not a partition of one row.
        assert_eq!(rows_beside(limit, 2 << 30), rows_per_part(256 << 20));
        assert_eq!(rows_per_part(256 << 20), 947_419);
        assert_eq!(span_rows(947_419), 473_709);
    }

    #[test]
    fn spans_cut_before_the_minute_that_overflows() {
        let minutes: BTreeMap<i64, u64> = [(0, 3), (1, 3), (2, 10), (3, 1)].into();
        let spans = Spans::new(Path::new("/nonexistent"), &minutes, 6);
        // 0 and 1 (6 rows), 2 alone (over the size), 3.
        assert_eq!(spans.cuts, [2, 3]);
    }
}
