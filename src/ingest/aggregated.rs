//! Aggregated logs: one row per (path, owner, viewer) with its count and time span.

use anyhow::Result;
use polars::prelude::*;

use super::format::{row_location, unreadable};
use super::rows::{empty_path, keep_owned, outside_range, text};
use super::source::{Shape, Source};
use super::time::{column_to_utc, parse_text_timestamps, OUT_OF_RANGE};
use super::ReadOptions;
use crate::error::InputError;
use crate::frame::names::{FIRST_TS, LAST_TS, OWNER_ID, REQUESTS, VIEWER_ID};
use crate::frame::utc_micros;
use crate::frame::OrBug;
use crate::frame::{first_true, polars_bug};

/// Reads one aggregated file: checks every row (times, `requests`, minute), keeps the rows
/// wholly inside the window and refuses a row that straddles it.
pub(super) fn read_aggregated(
    source: &Source,
    options: &ReadOptions,
) -> Result<(DataFrame, usize)> {
    let Shape::Aggregated { minutes } = source.shape else {
        return Err(polars_bug(PolarsError::NoData(
            "not an aggregated log".into(),
        )));
    };
    let mut times = vec![FIRST_TS, LAST_TS];
    if minutes {
        times.push("minute");
    }
    let df = read_columns(source, options, &times)?;
    check_rows(&df, source, &times, minutes)?;
    let inside = window_checked(&df, source, options)?;
    let mut keep = vec![
        col(FIRST_TS).alias("ts"),
        col("path"),
        col(OWNER_ID),
        col(VIEWER_ID),
        col(REQUESTS).cast(DataType::UInt64),
        col(LAST_TS),
    ];
    if minutes {
        keep.push(col("minute"));
    }
    let df = df.lazy().filter(inside).select(keep).collect().or_bug()?;
    keep_owned(df, true)
}

/// The file's columns: times in UTC (text parsed), ids as text, `requests` as a number.
fn read_columns(source: &Source, options: &ReadOptions, times: &[&str]) -> Result<DataFrame> {
    let (path, format) = (source.path, source.format);
    let mut columns = Vec::new();
    for &name in times {
        columns
            .push(column_to_utc(name, &source.time_type(name), path, &options.zone)?.alias(name));
    }
    columns.extend([text("path"), text(OWNER_ID), text(VIEWER_ID)]);
    columns.push(
        col(REQUESTS)
            .cast(DataType::String)
            .cast(DataType::Int64)
            .alias(REQUESTS),
    );
    let mut df = source
        .lf
        .clone()
        .select(columns)
        .collect()
        .map_err(|e| unreadable(path, format, &e))?;
    for &name in times {
        if source.time_type(name) == DataType::String {
            df = parse_text_timestamps(
                df,
                path,
                format,
                &options.zone,
                options.ts_format.as_deref(),
                name,
            )?;
        }
    }
    Ok(df)
}

/// Refuses the first row where `mask` holds (or is null), naming it and `column`.
fn refuse(df: &DataFrame, source: &Source, mask: Expr, column: &str, why: &str) -> Result<()> {
    let flags = df
        .clone()
        .lazy()
        .select([mask.fill_null(lit(true)).alias("bad")])
        .collect()
        .or_bug()?;
    let flags = flags.column("bad").or_bug()?.bool().or_bug()?.clone();
    match first_true(&flags) {
        None => Ok(()),
        Some(index) => {
            Err(InputError::at(row_location(source.path, source.format, index, column), why).into())
        }
    }
}

/// Every row's times, count and minute are checked.
fn check_rows(df: &DataFrame, source: &Source, times: &[&str], minutes: bool) -> Result<()> {
    for &name in times {
        let t = col(name);
        refuse(
            df,
            source,
            t.clone().is_null(),
            name,
            "empty timestamp (or a local time that does not exist in --tz)",
        )?;
        refuse(
            df,
            source,
            outside_range(t),
            name,
            &format!("timestamp {OUT_OF_RANGE}"),
        )?;
    }
    refuse(
        df,
        source,
        empty_path(),
        "path",
        "empty path: which page these responses served is unknown (no page is guessed for it)",
    )?;
    refuse(
        df,
        source,
        col(REQUESTS).is_null().or(col(REQUESTS).lt(lit(1i64))),
        REQUESTS,
        "requests must be a whole number of responses, at least 1",
    )?;
    refuse(
        df,
        source,
        col(FIRST_TS).gt(col(LAST_TS)),
        LAST_TS,
        "last_ts is before first_ts",
    )?;
    if minutes {
        let minute_of = |t: &str| col(t).dt().truncate(lit("1m"));
        refuse(
            df,
            source,
            minute_of(FIRST_TS)
                .neq(col("minute"))
                .or(minute_of(LAST_TS).neq(col("minute"))),
            "minute",
            "first_ts and last_ts must lie in the row's minute (one row per triple and minute)",
        )?;
    }
    Ok(())
}

/// The rows wholly inside `--from/--to`, as a mask; a row across a bound is refused.
fn window_checked(df: &DataFrame, source: &Source, options: &ReadOptions) -> Result<Expr> {
    // A row is in the window when all of its responses are; one across a bound cannot be split.
    let mut across = lit(false);
    let mut inside = lit(true);
    if let Some(from) = options.from {
        let from = lit(from).cast(utc_micros());
        across = across.or(col(FIRST_TS)
            .lt(from.clone())
            .and(col(LAST_TS).gt_eq(from.clone())));
        inside = inside.and(col(FIRST_TS).gt_eq(from));
    }
    if let Some(to) = options.to {
        let to = lit(to).cast(utc_micros());
        across = across.or(col(FIRST_TS)
            .lt(to.clone())
            .and(col(LAST_TS).gt_eq(to.clone())));
        inside = inside.and(col(LAST_TS).lt(to));
    }
    refuse(
        df,
        source,
        across,
        FIRST_TS,
        "this row's responses run across a bound of --from/--to, and an aggregated row cannot be split: \
         aggregate the log with the same window (sql/aggregate_exposure.sql takes it as parameters), or per minute",
    )?;
    Ok(inside)
}
