//! Reading a raw log file whole: the window, bad times named by row, partition checks,
//! and the rows without an owner.

use std::path::Path;

use anyhow::Result;
use polars::prelude::*;

use super::format::{row_location, unreadable, Format};
use super::partitions;
use super::source::Source;
use super::time::{
    in_range, parse_text_timestamps, ts_to_utc, EARLIEST_MICROS, LATEST_MICROS, OUT_OF_RANGE,
};
use super::ReadOptions;
use super::Zone;
use crate::error::{InputError, Location};
use crate::frame::names::{LAST_TS, OWNER_ID, POSSIBLE, REQUESTS, VIEWER_ID};
use crate::frame::utc_micros;
use crate::frame::OrBug;
use crate::frame::{first_true, polars_bug};

pub(super) fn text(name: &str) -> Expr {
    col(name).cast(DataType::String).alias(name)
}

/// `[from, to)` on the column `ts`.
pub(crate) fn window_of(options: &ReadOptions, ts: &str) -> Expr {
    let mut window = lit(true);
    if let Some(from) = options.from {
        window = window.and(col(ts).gt_eq(lit(from).cast(utc_micros())));
    }
    if let Some(to) = options.to {
        window = window.and(col(ts).lt(lit(to).cast(utc_micros())));
    }
    window
}

/// The window `[from, to)` on a native `ts`, keeping the rows whose time is empty or out of
/// range: such a row would silently fall out of the window (or skew the figures), so it is
/// kept to be refused (`count_bad_times`).
pub(super) fn windowed_keeping_bad(lf: LazyFrame, options: &ReadOptions) -> LazyFrame {
    if options.from.is_none() && options.to.is_none() {
        return lf;
    }
    lf.filter(window_of(options, "ts").or(bad_time()))
}

/// A native `ts` that is empty or out of range.
fn bad_time() -> Expr {
    col("ts").is_null().or(outside_range(col("ts")))
}

/// How many rows of `lf` have a bad `ts` (`bad_time`).
pub(super) fn count_bad_times(lf: LazyFrame) -> PolarsResult<u64> {
    let df = lf
        .select([bad_time().sum().cast(DataType::UInt64).alias("bad")])
        .collect()?;
    Ok(first_u64(&df, "bad"))
}

/// Whether a read frame's `ts` has an empty or out-of-range time: its null count and its
/// extremes, without a pass over the rows (what `count_bad_times` counts).
pub(super) fn has_bad_time(df: &DataFrame) -> Result<bool> {
    let ts = df.column("ts").or_bug()?;
    if ts.null_count() > 0 {
        return Ok(true);
    }
    let micros = ts.datetime().or_bug()?.physical();
    Ok(micros.min().is_some_and(|first| !in_range(first))
        || micros.max().is_some_and(|last| !in_range(last)))
}

/// A native timestamp that no web log can hold (before 1970, from 2100 on).
pub(super) fn outside_range(ts: Expr) -> Expr {
    ts.clone()
        .lt(lit(EARLIEST_MICROS).cast(utc_micros()))
        .or(ts.gt_eq(lit(LATEST_MICROS).cast(utc_micros())))
}

/// An empty path (absent, or ""): which page was served is unknown, and no page is
/// guessed for it.
pub(super) fn empty_path() -> Expr {
    col("path").is_null().or(col("path").eq(lit("")))
}

/// Whether a read frame's `path` has an empty value (`empty_path`), without a pass over
/// the rows when it has none: the null count, then the shortest value's length.
pub(super) fn has_empty_path(df: &DataFrame) -> Result<bool> {
    let paths = df.column("path").or_bug()?;
    if paths.null_count() > 0 {
        return Ok(true);
    }
    Ok(paths.str().or_bug()?.str_len_bytes().min() == Some(0))
}

/// The first row of `rows` (a file's rows, in order, with `ts` in UTC and `path`) inside
/// the window whose path is empty, if any.
pub(super) fn first_empty_path_row(
    rows: LazyFrame,
    options: &ReadOptions,
) -> PolarsResult<Option<usize>> {
    let found = rows
        .with_row_index("row", None)
        .filter(window_of(options, "ts").and(empty_path()))
        .select([col("row")])
        .first()
        .collect()?;
    Ok(found
        .column("row")
        .ok()
        .and_then(|c| c.get(0).ok())
        .and_then(|v| v.extract::<usize>()))
}

/// The error naming the first row of `rows` inside the window whose path is empty; read
/// only once such a row is known to exist.
pub(super) fn first_empty_path(
    rows: LazyFrame,
    options: &ReadOptions,
    path: &Path,
    format: Format,
) -> anyhow::Error {
    match first_empty_path_row(rows, options) {
        Ok(Some(index)) => empty_path_error(path, format, index),
        Ok(None) => polars_bug(PolarsError::NoData(
            "the empty path was not found again".into(),
        )),
        Err(e) => unreadable(path, format, &e).into(),
    }
}

/// The first row of a frame read whole whose path is empty, if any.
pub(crate) fn empty_path_row(df: &DataFrame) -> Result<Option<usize>> {
    if !has_empty_path(df)? {
        return Ok(None);
    }
    let flags = df
        .clone()
        .lazy()
        .select([empty_path().alias("empty")])
        .collect()
        .or_bug()?;
    Ok(first_true(
        flags.column("empty").and_then(|c| c.bool()).or_bug()?,
    ))
}

/// An empty path at row `index` of `path`.
pub(crate) fn empty_path_error(path: &Path, format: Format, index: usize) -> anyhow::Error {
    InputError::at(
        row_location(path, format, index, "path"),
        "empty path: which page this response served is unknown (no page is guessed for it)",
    )
    .into()
}

/// Reads one raw file: checks columns, parses timestamps (failing on the first bad row),
/// applies the window, refuses an empty path and drops rows without an owner.
pub(super) fn read_one(source: &Source, options: &ReadOptions) -> Result<(DataFrame, usize)> {
    if source.schema.get(OWNER_CANDIDATES).is_some() {
        return read_derived(source, options);
    }
    read_raw(source, options)
}

/// `read_one` on the contract's four columns.
fn read_raw(source: &Source, options: &ReadOptions) -> Result<(DataFrame, usize)> {
    let (path, format) = (source.path, source.format);
    let ts_type = source.time_type("ts");
    let columns = [
        ts_to_utc(&ts_type, path, &options.zone)?.alias("ts"),
        text("path"),
        text(OWNER_ID),
        text(VIEWER_ID),
    ];
    let lf = source.lf.clone().select(columns.clone());
    let window = window_of(options, "ts");
    if ts_type == DataType::String && options.ts_format.is_none() {
        // Naive times in a zone with daylight saving are left to the general path (null
        // here, so the file goes there).
        let naive = super::time::fixed_offset(&options.zone);
        // Text times in a common form: parsed on the bytes inside the scan, the window
        // applied there, so the text of the rows outside it is never gathered. A time the
        // fast parser does not read is null here.
        let fast = [
            super::time::fast_text_ts(col("ts"), naive).alias("ts"),
            text("path"),
            text(OWNER_ID),
            text(VIEWER_ID),
        ];
        let df = windowed_keeping_bad(source.lf.clone().select(fast), options)
            .collect()
            .map_err(|e| unreadable(path, format, &e))?;
        // A bad time or an empty path: the general path finds it again and names its row.
        if !has_bad_time(&df)? && !has_empty_path(&df)? {
            return keep_owned(checked_partition(df, path)?, false);
        }
    }
    if ts_type == DataType::String {
        // Text timestamps: every row is parsed (a bad one anywhere is an error), then windowed.
        let df = lf.collect().map_err(|e| unreadable(path, format, &e))?;
        let df = parse_text_timestamps(
            df,
            path,
            format,
            &options.zone,
            options.ts_format.as_deref(),
            "ts",
        )?;
        let windowed = df.clone().lazy().filter(window).collect().or_bug()?;
        if has_empty_path(&windowed)? {
            return Err(first_empty_path(df.lazy(), options, path, format));
        }
        return keep_owned(checked_partition(windowed, path)?, false);
    }
    // One scan, the window pushed into it (row groups outside are skipped by their
    // statistics); rows with a bad time are kept by it, and refused (by their row number
    // in the whole file, `lf`).
    let df = windowed_keeping_bad(source.pruned(options).select(columns), options)
        .collect()
        .map_err(|e| unreadable(path, format, &e))?;
    if has_bad_time(&df)? {
        return Err(first_bad_time(&lf, path, format));
    }
    if has_empty_path(&df)? {
        return Err(first_empty_path(lf, options, path, format));
    }
    keep_owned(checked_partition(df, path)?, false)
}

/// The column of a derived log (`derive-owners`) listing the candidate owners of a
/// response the log's clock could not pin on one (`;`-joined text in CSV, a list in
/// Parquet and NDJSON).
pub const OWNER_CANDIDATES: &str = "owner_candidates";

/// A log written by `derive-owners` from a coarse-clock CDN log: read as any raw log, and
/// each ambiguous response (no owner, candidates listed) made one row per candidate,
/// marked `possible`, as `--derive-owners` reads the CDN log itself.
fn read_derived(source: &Source, options: &ReadOptions) -> Result<(DataFrame, usize)> {
    let (confirmed, skipped) = read_raw(source, options)?;
    let (path, format) = (source.path, source.format);
    let candidates = match source.schema.get(OWNER_CANDIDATES) {
        Some(DataType::List(_)) => {
            col(OWNER_CANDIDATES).cast(DataType::List(Box::new(DataType::String)))
        }
        _ => col(OWNER_CANDIDATES)
            .cast(DataType::String)
            .str()
            .split(lit(";")),
    };
    let ts_type = source.time_type("ts");
    let ambiguous = source
        .lf
        .clone()
        .select([
            ts_to_utc(&ts_type, path, &options.zone)?.alias("ts"),
            text("path"),
            text(OWNER_ID),
            text(VIEWER_ID),
            candidates.alias(OWNER_CANDIDATES),
        ])
        .filter(
            col(OWNER_ID)
                .is_null()
                .or(col(OWNER_ID).eq(lit("")))
                .and(col(OWNER_CANDIDATES).list().len().gt(lit(0))),
        )
        .collect()
        .map_err(|e| unreadable(path, format, &e))?;
    let ambiguous = if ts_type == DataType::String {
        parse_text_timestamps(
            ambiguous,
            path,
            format,
            &options.zone,
            options.ts_format.as_deref(),
            "ts",
        )?
    } else {
        ambiguous
    };
    // A log derived on an exact clock lists no candidates: read as it always was.
    if ambiguous.height() == 0 {
        return Ok((confirmed, skipped));
    }
    let ambiguous = ambiguous
        .lazy()
        .filter(window_of(options, "ts"))
        .collect()
        .or_bug()?;
    let responses = ambiguous.height();
    let possible = ambiguous
        .lazy()
        .explode(
            by_name([OWNER_CANDIDATES], true, false),
            ExplodeOptions {
                empty_as_null: false,
                keep_nulls: false,
            },
        )
        .filter(
            col(OWNER_CANDIDATES)
                .is_not_null()
                .and(col(OWNER_CANDIDATES).neq(lit(""))),
        )
        .select([
            col("ts"),
            col("path"),
            col(OWNER_CANDIDATES).alias(OWNER_ID),
            viewer_or_null(),
            lit(true).alias(POSSIBLE),
        ])
        .collect()
        .or_bug()?;
    let mut df = confirmed
        .lazy()
        .with_column(lit(false).alias(POSSIBLE))
        .collect()
        .or_bug()?;
    df.vstack_mut(&possible).or_bug()?;
    Ok((df, skipped.saturating_sub(responses)))
}

fn first_u64(df: &DataFrame, name: &str) -> u64 {
    df.column(name)
        .ok()
        .and_then(|c| c.cast(&DataType::UInt64).ok())
        .and_then(|c| c.u64().ok().and_then(|c| c.get(0)))
        .unwrap_or(0)
}

/// The error for the first row of `lf` (a raw log's selected columns) whose native `ts` is
/// empty or out of range; read only once such a row is known to exist.
pub(super) fn first_bad_time(lf: &LazyFrame, path: &Path, format: Format) -> anyhow::Error {
    let ts = col("ts");
    let flags = match lf
        .clone()
        .select([
            ts.clone().is_null().alias("null"),
            outside_range(ts.clone())
                .fill_null(lit(false))
                .alias("outside"),
        ])
        .collect()
    {
        Ok(flags) => flags,
        Err(e) => return unreadable(path, format, &e).into(),
    };
    let flag =
        |name: &str| -> Option<BooleanChunked> { flags.column(name).ok()?.bool().ok().cloned() };
    let (Some(nulls), Some(outside)) = (flag("null"), flag("outside")) else {
        return polars_bug(PolarsError::NoData("timestamp flags".into()));
    };
    let index = first_true(&(&nulls | &outside)).unwrap_or(0);
    let message = if nulls.get(index) == Some(true) {
        "empty timestamp (or a local time that does not exist in --tz)".to_string()
    } else {
        let value = lf
            .clone()
            .select([ts])
            .slice(index as i64, 1)
            .collect()
            .ok()
            .and_then(|df| {
                df.column("ts")
                    .ok()
                    .and_then(|c| c.get(0).ok().map(|v| v.to_string()))
            })
            .unwrap_or_default();
        format!("timestamp {value} {OUT_OF_RANGE}")
    };
    InputError::at(row_location(path, format, index, "ts"), message).into()
}

/// A file in a dated partition (`dt=…/hour=…`) must hold only responses of that span:
/// otherwise the partitions were named in another zone than UTC, and the files the window
/// left unread may hold rows of it.
pub(super) fn checked_partition(df: DataFrame, path: &Path) -> Result<DataFrame> {
    let Some((start, end)) = partitions::span(path) else {
        return Ok(df);
    };
    let stray = df
        .clone()
        .lazy()
        .filter(outside_span((start, end)))
        .select([col("ts").first()])
        .collect()
        .or_bug()?;
    if stray.height() == 0
        || stray
            .column("ts")
            .map_or(true, |c| c.null_count() == c.len())
    {
        return Ok(df);
    }
    let shown = stray
        .column("ts")
        .ok()
        .and_then(|c| c.get(0).ok().map(|v| v.to_string()))
        .unwrap_or_default();
    Err(stray_error(path, (start, end), &shown))
}

/// `ts` outside a partition's span `[start, end)`.
pub(super) fn outside_span((start, end): (i64, i64)) -> Expr {
    col("ts")
        .lt(lit(start).cast(utc_micros()))
        .or(col("ts").gt_eq(lit(end).cast(utc_micros())))
}

pub(super) fn stray_error(path: &Path, (start, end): (i64, i64), shown: &str) -> anyhow::Error {
    InputError::at(
        Location::file(path.display().to_string()).key("ts"),
        format!(
            "holds a response at {shown} UTC, outside its partition ({} to {} UTC): partition folders are read as UTC; \
             with partitions named in local time, give the files (or a glob) instead of the folder",
            Zone::default().format_micros(start),
            Zone::default().format_micros(end)
        ),
    )
    .into()
}

/// Counts and drops rows without an owner (weighted: the responses they stand for); an
/// empty viewer becomes null (unidentified) and a missing path the root.
pub(super) fn keep_owned(df: DataFrame, weighted: bool) -> Result<(DataFrame, usize)> {
    let owner = df.column(OWNER_ID).or_bug()?.str().or_bug()?;
    let has_owner = &owner.is_not_null() & &owner.not_equal("");
    let skipped = if weighted {
        let requests = df.column(REQUESTS).or_bug()?.u64().or_bug()?;
        requests.filter(&!&has_owner).or_bug()?.sum().unwrap_or(0) as usize
    } else {
        df.height() - has_owner.sum().unwrap_or(0) as usize
    };
    let dropped = df.height() - has_owner.sum().unwrap_or(0) as usize;
    let df = if dropped > 0 {
        df.filter(&has_owner).or_bug()?
    } else {
        df
    };
    let mut columns = vec![col("ts")];
    if df.column("path").is_ok() {
        columns.push(col("path"));
    }
    columns.extend([col(OWNER_ID), viewer_or_null()]);
    for extra in ["path_code", REQUESTS, LAST_TS, "minute"] {
        if df.column(extra).is_ok() {
            columns.push(col(extra));
        }
    }
    let df = df.lazy().select(columns).collect().or_bug()?;
    Ok((df, skipped))
}

/// `viewer_id` with an empty value read as null: an unidentified visitor.
fn viewer_or_null() -> Expr {
    when(col(VIEWER_ID).eq(lit("")))
        .then(lit(NULL).cast(DataType::String))
        .otherwise(col(VIEWER_ID))
        .alias(VIEWER_ID)
}
