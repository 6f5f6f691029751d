//! The derived log out: written in slices of rows, the text put back from the tables for
//! one slice at a time (`derive-owners`), or as the audit's exposure log (`--derive-owners`).

use std::path::{Path, PathBuf};

use anyhow::Result;
use polars::io::parquet::write::BatchedWriter;
use polars::prelude::*;

use super::derive::{Candidates, Frame};
use super::dict::Dicts;
use super::{Attribution, Counts, Derived, Options, Resolution};
use super::{ATTRIBUTION, CACHE_NODE, DERIVED_COLUMNS, OWNER_CANDIDATES};
use crate::error::InputError;
use crate::frame::names::{CACHE_STATUS, ORIGIN_TS, OWNER_ID, POSSIBLE, VIEWER_ID};
use crate::frame::OrBug;
use crate::ingest::{format_of, gzip_named, window_of, Format, Log, ReadOptions, Zone};
use crate::tables;

/// Rows written at a time: the text of this many rows is in memory at once.
const SLICE: usize = 500_000;

/// Derived rows on numbers (`derive::Frame`'s columns, or those `spill` keeps), the
/// tables their numbers are of, and the candidates of the ambiguous ones by `row`.
#[derive(Clone, Copy)]
pub(super) struct View<'a> {
    pub df: &'a DataFrame,
    pub dicts: &'a Dicts,
    pub candidates: &'a Candidates,
}

impl<'a> View<'a> {
    fn of(frame: &'a Frame) -> View<'a> {
        View {
            df: &frame.df,
            dicts: &frame.dicts,
            candidates: &frame.candidates,
        }
    }
}

/// `rows` of the frame (a slice of it) with their text: `DERIVED_COLUMNS`.
fn with_text(frame: &Frame, rows: &DataFrame) -> Result<DataFrame> {
    text_of(View::of(frame), rows)
}

/// `rows` of a view (a slice of it) with their text: `DERIVED_COLUMNS`.
fn text_of(view: View, rows: &DataFrame) -> Result<DataFrame> {
    let dicts = view.dicts;
    let codes = |name: &str| -> Result<UInt32Chunked> {
        Ok(rows.column(name).or_bug()?.u32().or_bug()?.clone())
    };
    let texts = |dict: &super::dict::Dict, name: &str| -> Result<Column> {
        Ok(dict
            .texts(&codes(name)?)?
            .with_name(name.into())
            .into_column())
    };
    let attribution: StringChunked = codes(ATTRIBUTION)?
        .iter()
        .map(|a| a.and_then(|a| Attribution::ALL.get(a as usize).map(|a| a.name())))
        .collect();
    let row_numbers = rows.column("row").or_bug()?.idx().or_bug()?.clone();
    let mut candidates = ListStringChunkedBuilder::new(OWNER_CANDIDATES.into(), rows.height(), 4);
    for row in row_numbers.iter() {
        match row.and_then(|r| view.candidates.of(r)) {
            Some(owners) => {
                let mut names: Vec<&str> = owners.iter().map(|c| dicts.viewer.value(*c)).collect();
                names.sort_unstable();
                candidates.append_values_iter(names.into_iter());
            }
            None => candidates.append_null(),
        }
    }
    DataFrame::new(
        rows.height(),
        vec![
            rows.column("ts").or_bug()?.clone(),
            texts(&dicts.path, "path")?,
            texts(&dicts.viewer, OWNER_ID)?,
            texts(&dicts.viewer, VIEWER_ID)?,
            texts(&dicts.status, CACHE_STATUS)?,
            rows.column(ORIGIN_TS).or_bug()?.clone(),
            texts(&dicts.node, CACHE_NODE)?,
            attribution.with_name(ATTRIBUTION.into()).into_column(),
            candidates.finish().into_column(),
        ],
    )
    .or_bug()?
    .select(DERIVED_COLUMNS)
    .or_bug()
}

impl Derived {
    /// The whole derived log with its text (`DERIVED_COLUMNS`).
    pub fn table(&self) -> Result<DataFrame> {
        with_text(&self.frame, &self.frame.df)
    }
}

/// Writes the derived log to `output` (format by extension), atomically and owner-only,
/// a slice of rows at a time: times as RFC 3339 in `zone` in text formats, native
/// timestamps in Parquet. CSV has no lists: `owner_candidates` is written `;`-joined there.
pub fn write(derived: &Derived, output: &Path, zone: &Zone) -> Result<()> {
    let frame = &derived.frame;
    write_views(output, zone, &mut |put| put(View::of(frame)))
}

/// Something to feed `write_views`'s sink.
pub(super) type Feed<'a> = dyn FnMut(&mut dyn FnMut(View) -> Result<()>) -> Result<()> + 'a;

/// Writes the views `feed` gives its sink, one after another in this order, as one derived
/// log (`write`'s format and manners); `feed` gives at least one view (an empty one for
/// an empty log).
pub(super) fn write_views(output: &Path, zone: &Zone, feed: &mut Feed) -> Result<()> {
    if gzip_named(output) {
        return Err(InputError::usage(format!(
            "{}: derive-owners writes {}, not gzip",
            output.display(),
            Format::extensions_text()
        ))
        .into());
    }
    let format = format_of(output)?;
    crate::files::write_private_with(output, |file| match format {
        Format::Parquet => {
            let (mut writer, mut target) = (None, Some(file));
            feed(&mut |view| {
                if let Some(file) = target.take() {
                    let schema = text_of(view, &view.df.slice(0, 0))?.schema().clone();
                    // LZ4: several times faster to write than zstd, for a file read back once.
                    let batched = ParquetWriter::new(file)
                        .with_compression(ParquetCompression::Lz4Raw)
                        .batched(&schema)
                        .or_bug()?;
                    writer = Some(batched);
                }
                match &writer {
                    Some(writer) => write_parquet(view, writer),
                    None => Ok(()),
                }
            })?;
            if let Some(writer) = writer {
                writer.finish().or_bug()?;
            }
            Ok(())
        }
        Format::Csv | Format::Ndjson => {
            let format = match format {
                Format::Csv => tables::Format::Csv,
                _ => tables::Format::Ndjson,
            };
            let mut first = true;
            feed(&mut |view| {
                write_text(view, &mut *file, format, zone, first)?;
                first = false;
                Ok(())
            })
        }
    })
}

/// Where each slice of `SLICE` rows starts (one, empty, for an empty frame).
fn slice_starts(view: View) -> impl Iterator<Item = usize> {
    (0..view.df.height().max(1)).step_by(SLICE)
}

/// The slice of rows from `start`, with its text.
fn slice_text(view: View, start: usize) -> Result<DataFrame> {
    text_of(view, &view.df.slice(start as i64, SLICE))
}

/// The view's rows in slices of `SLICE`, with their text.
fn slices(view: View<'_>) -> impl Iterator<Item = Result<DataFrame>> + '_ {
    slice_starts(view).map(move |start| slice_text(view, start))
}

/// Feeds `write` the slices with their text, made on a thread of their own meanwhile: the
/// next slice's text is put together while the previous one is encoded.
fn pipelined(view: View, mut write: impl FnMut(usize, DataFrame) -> Result<()>) -> Result<()> {
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<DataFrame>>(1);
        let maker = scope.spawn(move || {
            for df in slices(view) {
                if tx.send(df).is_err() {
                    break;
                }
            }
        });
        let written = rx.into_iter().enumerate().try_for_each(|(i, df)| {
            crate::progress::check_interrupt()?;
            write(i, df?)
        });
        maker
            .join()
            .map_err(|_| anyhow::anyhow!("internal error: a worker thread failed"))?;
        written
    })
}

/// Parquet: each slice's row group is encoded (its dictionaries built, its pages made) on
/// a core of its own, and the row groups are written in order as they come. Encoding was
/// the derivation's slowest stage, on one core (1.22 s of 5,000,000 rows).
fn write_parquet<W: std::io::Write + Send>(view: View, encoder: &BatchedWriter<W>) -> Result<()> {
    let starts: Vec<usize> = slice_starts(view).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    std::thread::scope(|scope| -> Result<()> {
        let (tx, rx) = std::sync::mpsc::sync_channel(workers);
        for _ in 0..workers {
            let (tx, next, starts) = (tx.clone(), &next, &starts);
            scope.spawn(move || loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(&start) = starts.get(i) else {
                    break;
                };
                let groups = slice_text(view, start).and_then(|df| {
                    encoder
                        .encode_and_compress(&df)
                        .collect::<PolarsResult<Vec<_>>>()
                        .or_bug()
                });
                if tx.send((i, groups)).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        // Row groups that came early wait for those before them.
        let mut waiting = std::collections::BTreeMap::new();
        let mut due = 0;
        for (i, groups) in rx {
            crate::progress::check_interrupt()?;
            waiting.insert(i, groups?);
            while let Some(groups) = waiting.remove(&due) {
                encoder.write_row_groups(groups).or_bug()?;
                due += 1;
            }
        }
        Ok(())
    })
}

/// CSV or NDJSON; `first`: the view starts the file (CSV's header is written once).
fn write_text(
    view: View,
    file: &mut impl std::io::Write,
    format: tables::Format,
    zone: &Zone,
    first: bool,
) -> Result<()> {
    pipelined(view, |i, df| {
        let bytes = tables::render(&df, format, zone)?;
        let start = match (format, first && i == 0) {
            (tables::Format::Csv, false) => {
                bytes.iter().position(|b| *b == b'\n').map_or(0, |e| e + 1)
            }
            _ => 0,
        };
        Ok(file.write_all(&bytes[start..])?)
    })
}

/// What `--derive-owners` found besides the exposure log: the derivation's counts and
/// facts in the window, when the caches served personal pages, and the window as resolved.
pub struct Derivation {
    pub counts: Counts,
    pub facts: super::Facts,
    pub cache_window: crate::audit::CacheWindow,
    pub window: (Option<i64>, Option<i64>),
}

/// `--derive-owners`: the CDN log as the audit's exposure log. Owners are derived over the
/// whole log (an origin response before `--from` still attributes the cached responses
/// after it), and so is when the caches served personal pages (`window`), which gives
/// `--from auto` and `--to auto` (`auto`) their bounds; then the window is applied and
/// rows without an owner are counted and skipped as in any exposure log. With a coarse
/// clock an ambiguous response becomes one row per candidate owner, marked `possible`; an
/// exact clock never makes one, and its log is as it always was (and so are the reports).
pub fn read_log(
    files: &[PathBuf],
    read: &ReadOptions,
    options: &Options,
    inventory: &crate::inventory::Inventory,
    auto: (bool, bool),
) -> Result<(Log, Derivation)> {
    let mut frame = super::derive::derive_frame(files, read, options)?;
    let detected = super::window::detect(&frame, inventory)?;
    let bounds = super::window::resolve((read.from, read.to), auto, &detected.window)?;
    let mut cache_window = detected.window.clone();
    cache_window.outside = detected.outside(bounds, &frame)?;
    cache_window.auto = auto;
    drop(detected);
    let read = ReadOptions {
        from: bounds.0,
        to: bounds.1,
        ..read.clone()
    };
    let df = frame
        .df
        .clone()
        .lazy()
        .filter(window_of(&read, "ts"))
        .collect()
        .or_bug()?;
    let counts = super::counts(&df)?;
    frame.facts.nodes = super::attribute::counts_by_node(&df, &frame.dicts)?;
    let confirmed = df
        .clone()
        .lazy()
        .filter(col(OWNER_ID).is_not_null())
        .collect()
        .or_bug()?;
    let kept = (counts.responses - counts.ambiguous) as usize;
    let rows_without_owner = kept.saturating_sub(confirmed.height());
    let text = |rows: &DataFrame| -> Result<DataFrame> {
        let table = with_text(&frame, rows)?;
        audit_columns(table)
    };
    let mut log = text(&confirmed)?;
    if frame.resolution != Resolution::Exact || frame.facts.format != "contract" {
        log.with_column(Column::new(POSSIBLE.into(), vec![false; log.height()]))
            .or_bug()?;
        let possible = possible_rows(&frame, &df)?;
        log.vstack_mut(&possible).or_bug()?;
    }
    let derivation = Derivation {
        counts,
        facts: frame.facts.clone(),
        cache_window,
        window: bounds,
    };
    Ok((
        Log::raw(log, files.to_vec(), rows_without_owner),
        derivation,
    ))
}

/// The audit's columns of a derived table: an empty viewer is an unidentified visitor
/// (null), each one counted apart in `distinct_viewers` as the contract says.
fn audit_columns(table: DataFrame) -> Result<DataFrame> {
    table
        .lazy()
        .select([
            col("ts"),
            col("path"),
            col(OWNER_ID),
            when(col(VIEWER_ID).eq(lit("")))
                .then(lit(NULL).cast(DataType::String))
                .otherwise(col(VIEWER_ID))
                .alias(VIEWER_ID),
        ])
        .collect()
        .or_bug()
}

/// One row per candidate owner of each ambiguous row in `df`, marked `possible`.
fn possible_rows(frame: &Frame, df: &DataFrame) -> Result<DataFrame> {
    let ambiguous = df
        .clone()
        .lazy()
        .filter(col(ATTRIBUTION).eq(lit(Attribution::Ambiguous as u32)))
        .collect()
        .or_bug()?;
    let rows = ambiguous.column("row").or_bug()?.idx().or_bug()?.clone();
    let mut at: Vec<IdxSize> = Vec::new();
    let mut owners: Vec<u32> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        for owner in row.and_then(|r| frame.candidates_of(r)).unwrap_or(&[]) {
            at.push(i as IdxSize);
            owners.push(*owner);
        }
    }
    let mut exploded = ambiguous.take(&IdxCa::from_vec("at".into(), at)).or_bug()?;
    exploded
        .with_column(UInt32Chunked::from_vec(OWNER_ID.into(), owners).into_column())
        .or_bug()?;
    let mut table = audit_columns(with_text(frame, &exploded)?)?;
    table
        .with_column(Column::new(POSSIBLE.into(), vec![true; table.height()]))
        .or_bug()?;
    Ok(table)
}
