//! A plain CSV log read with `csv-core` (`csv_records`) instead of polars, where it reads
//! the same rows: on every core, text times parsed on their bytes (`fast_time`), the window
//! applied and the paths dictionary-encoded as the records are read. What the streaming
//! reader gives, for the logs `--streaming` takes (`auto` over 256 MiB), in about half its
//! time (BENCHMARKS.md). A file it does not read as polars does (see `csv_records`), or
//! with a row that must be refused (a bad time, an empty path in the window), is handed
//! back: the streaming reader and then the whole read read it, or refuse it by its row.

use std::path::Path;

use anyhow::Result;
use polars::prelude::*;

use super::csv_records::{self, field, Layout, Visit};
use super::format::Format;
use super::source::Source;
use super::time::fixed_offset;
use super::{gzip_named, partitions, ReadOptions, LOG_COLUMNS};
use crate::frame::codes::Encoded;
use crate::frame::names::{OWNER_ID, VIEWER_ID};
use crate::frame::utc_micros;
use crate::frame::OrBug;

/// Spans per core: the window's rows are not spread evenly over the file.
const SPANS_PER_CORE: usize = 8;
/// A span is at least this many bytes.
const SMALLEST_SPAN: u64 = 1 << 20;

/// The rows of one span in the window with an owner, their paths as codes in the
/// dictionary of the core that read them.
struct LogRows {
    columns: [usize; 4],
    naive: Option<i32>,
    window: (Option<i64>, Option<i64>),
    ts: Vec<i64>,
    codes: Vec<IdxSize>,
    owners: StringChunkedBuilder,
    viewers: StringChunkedBuilder,
    without_owner: usize,
}

impl Visit for LogRows {
    type Shared = PlIndexSet<Box<str>>;

    fn record(&mut self, paths: &mut Self::Shared, fields: &str, ends: &[usize]) -> bool {
        let [ts, path, owner, viewer] = self.columns;
        let (ts, path) = (field(fields, ends, ts), field(fields, ends, path));
        let (owner, viewer) = (field(fields, ends, owner), field(fields, ends, viewer));
        // A time the fast parser does not read: the general path reads it or names its row.
        let Some(at) = super::fast_time::instant(ts.as_bytes(), self.naive) else {
            return false;
        };
        let (from, to) = self.window;
        if from.is_some_and(|from| at < from) || to.is_some_and(|to| at >= to) {
            return true;
        }
        if path.is_empty() {
            return false; // refused by row on the general path
        }
        if owner.is_empty() {
            self.without_owner += 1;
            return true;
        }
        let code = match paths.get_index_of(path) {
            Some(code) => code,
            None => paths.insert_full(path.into()).0,
        };
        self.ts.push(at);
        self.codes.push(code as IdxSize);
        self.owners.append_value(owner);
        match viewer.is_empty() {
            true => self.viewers.append_null(),
            false => self.viewers.append_value(viewer),
        }
        true
    }
}

/// The contract's columns as `source` names them (`--column`).
fn source_names(options: &ReadOptions) -> Vec<String> {
    LOG_COLUMNS
        .iter()
        .map(|contract| {
            options
                .columns
                .iter()
                .find(|(c, _)| c == contract)
                .map_or(contract.to_string(), |(_, source)| source.clone())
        })
        .collect()
}

/// Whether every file is a plain CSV log this reader may take.
fn takes(sources: &[Source], options: &ReadOptions) -> bool {
    options.ts_format.is_none()
        && fixed_offset(&options.zone).is_some()
        && sources.iter().all(|s| {
            s.format == Format::Csv
                && !gzip_named(s.path)
                && partitions::span(s.path).is_none()
                && s.schema.get(super::rows::OWNER_CANDIDATES).is_none()
        })
}

/// Reads raw CSV logs as the streaming reader does (`streamed::read_streaming`): the rows
/// in the window with an owner (`ts`, `owner_id`, `viewer_id`), their paths encoded, and
/// how many rows in the window had no owner. `None`: for polars to read.
pub(super) fn read(
    sources: &[Source],
    options: &ReadOptions,
) -> Result<Option<(DataFrame, Encoded, usize)>> {
    if !takes(sources, options) {
        return Ok(None);
    }
    let names = source_names(options);
    let wanted: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut frames = Vec::new();
    let mut values: Vec<Box<str>> = Vec::new();
    let mut codes: Vec<IdxSize> = Vec::new();
    let mut without_owner = 0;
    for source in sources {
        let Some(layout) = csv_records::layout(source.path, &wanted)? else {
            return Ok(None);
        };
        let Some(read) = read_file(source.path, &layout, options)? else {
            return Ok(None);
        };
        // The cores' dictionaries one after the other (a path may be in more than one).
        let mut offsets = Vec::with_capacity(read.shared.len());
        for paths in read.shared {
            offsets.push(values.len() as IdxSize);
            values.extend(paths);
        }
        for (rows, core) in read.spans {
            codes.extend(rows.codes.iter().map(|c| c + offsets[core]));
            without_owner += rows.without_owner;
            let ts = Int64Chunked::from_vec("ts".into(), rows.ts)
                .into_column()
                .cast(&utc_micros())
                .or_bug()?;
            let columns = vec![
                ts,
                rows.owners.finish().into_column(),
                rows.viewers.finish().into_column(),
            ];
            frames.push(DataFrame::new_infer_height(columns).or_bug()?);
        }
    }
    let mut frames = frames.into_iter();
    let mut df = match frames.next() {
        Some(first) => first,
        None => return Ok(None),
    };
    for more in frames {
        df.vstack_mut(&more).or_bug()?;
    }
    let values = StringChunked::from_iter_values("path".into(), values.iter().map(|p| &**p));
    let codes = IdxCa::from_vec("code".into(), codes);
    Ok(Some((df, Encoded { values, codes }, without_owner)))
}

fn read_file(
    path: &Path,
    layout: &Layout,
    options: &ReadOptions,
) -> Result<Option<csv_records::Records<LogRows>>> {
    let columns: [usize; 4] = match layout.columns[..] {
        [a, b, c, d] => [a, b, c, d],
        _ => return Ok(None),
    };
    let naive = fixed_offset(&options.zone);
    let window = (options.from, options.to);
    let make = || LogRows {
        columns,
        naive,
        window,
        ts: Vec::new(),
        codes: Vec::new(),
        owners: StringChunkedBuilder::new(OWNER_ID.into(), 0),
        viewers: StringChunkedBuilder::new(VIEWER_ID.into(), 0),
        without_owner: 0,
    };
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let cores = std::thread::available_parallelism().map_or(1, |t| t.get());
    let spans = (cores * SPANS_PER_CORE).min((size / SMALLEST_SPAN).max(1) as usize);
    Ok(csv_records::read(
        path,
        layout,
        spans,
        &make,
        &PlIndexSet::default,
    )?)
}

/// The columns `columns` of a CSV file's records, as text (an empty field as null), read
/// by `csv-core` in `spans` spans; `None` where it hands the file back to polars. What the
/// log reader above reads, for tests that hold it to polars' rows (`polars_columns`).
pub fn csv_core_columns(path: &Path, columns: &[&str], spans: usize) -> Result<Option<DataFrame>> {
    struct Columns {
        at: Vec<usize>,
        values: Vec<StringChunkedBuilder>,
    }
    impl Visit for Columns {
        type Shared = ();
        fn record(&mut self, _: &mut (), fields: &str, ends: &[usize]) -> bool {
            for (k, values) in self.at.iter().zip(self.values.iter_mut()) {
                match field(fields, ends, *k) {
                    "" => values.append_null(),
                    value => values.append_value(value),
                }
            }
            true
        }
    }
    let Some(layout) = csv_records::layout(path, columns)? else {
        return Ok(None);
    };
    let make = || Columns {
        at: layout.columns.clone(),
        values: columns
            .iter()
            .map(|c| StringChunkedBuilder::new((*c).into(), 0))
            .collect(),
    };
    let Some(read) = csv_records::read(path, &layout, spans, &make, &|| ())? else {
        return Ok(None);
    };
    let mut df: Option<DataFrame> = None;
    for (span, _) in read.spans {
        let part = span
            .values
            .into_iter()
            .map(|v| v.finish().into_column())
            .collect();
        let part = DataFrame::new_infer_height(part).or_bug()?;
        match df.as_mut() {
            Some(df) => {
                df.vstack_mut(&part).or_bug()?;
            }
            None => df = Some(part),
        }
    }
    match df {
        Some(df) => Ok(Some(df)),
        None => {
            let empty = columns
                .iter()
                .map(|c| Column::new_empty((*c).into(), &DataType::String))
                .collect();
            Ok(Some(DataFrame::new_infer_height(empty).or_bug()?))
        }
    }
}

/// The same columns as the log readers read them with polars (`format::scan`), an empty
/// field as null.
pub fn polars_columns(path: &Path, columns: &[&str]) -> Result<DataFrame> {
    let (lf, format) = super::format::scan(path)?;
    let text = columns.iter().map(|c| {
        let value = col(*c).cast(DataType::String);
        when(value.clone().eq(lit("")))
            .then(lit(NULL).cast(DataType::String))
            .otherwise(value)
            .alias(*c)
    });
    Ok(lf
        .select(text.collect::<Vec<_>>())
        .collect()
        .map_err(|e| super::format::unreadable(path, format, &e))?)
}
