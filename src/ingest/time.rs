//! Log times to UTC microseconds: native timestamps, text with or without a zone, the
//! `--ts-format` pattern, and the range of times the tool accepts.

use std::path::Path;

use anyhow::Result;
use polars::prelude::*;

use super::format::{row_location, Format};
use super::parse_log_time;
use super::zone;
use super::Zone;
use crate::error::{InputError, InputResult, Location};
use crate::frame::utc_micros;
use crate::frame::OrBug;

/// The `ts` column as UTC µs for native timestamps; text is kept as text here and parsed
/// by `parse_text_timestamps` (shared with the CDN log reader).
pub(crate) fn ts_to_utc(ts_type: &DataType, path: &Path, zone: &Zone) -> InputResult<Expr> {
    column_to_utc("ts", ts_type, path, zone)
}

/// As `ts_to_utc`, for any time column.
pub(crate) fn column_to_utc(
    name: &str,
    ts_type: &DataType,
    path: &Path,
    zone: &Zone,
) -> InputResult<Expr> {
    match ts_type {
        DataType::Datetime(_, tz) => Ok(native_to_utc(col(name), tz.is_some(), zone)),
        DataType::Date => Ok(native_naive(
            col(name).cast(DataType::Datetime(TimeUnit::Microseconds, None)),
            zone,
        )),
        DataType::String => Ok(col(name)),
        other => Err(InputError::at(
            Location::file(path.display().to_string()).key(name),
            format!("column `{name}` has type {other}; expected RFC 3339 text or a timestamp"),
        )),
    }
}

/// A native Parquet timestamp in UTC µs: zone-aware ones are converted, naive ones are
/// read in `--tz`.
fn native_to_utc(ts: Expr, aware: bool, zone: &Zone) -> Expr {
    if aware {
        ts.dt().convert_time_zone(TimeZone::UTC).cast(utc_micros())
    } else {
        native_naive(
            ts.cast(DataType::Datetime(TimeUnit::Microseconds, None)),
            zone,
        )
    }
}

pub(crate) fn native_naive(naive: Expr, zone: &Zone) -> Expr {
    match zone {
        Zone::Fixed(offset) => {
            let shift = i64::from(offset.local_minus_utc()) * 1_000_000;
            (naive.cast(DataType::Int64) - lit(shift)).cast(utc_micros())
        }
        Zone::Named(tz) => naive
            .dt()
            .replace_time_zone(
                Some(zone::polars_zone(tz)),
                lit("earliest"),
                NonExistent::Null,
            )
            .dt()
            .convert_time_zone(TimeZone::UTC),
    }
}

/// Parses each distinct timestamp text of `column` once (the same parser as
/// `--from`/`--to`, or the `--ts-format` pattern), then joins the instants back, keeping
/// the other columns. The first unparsable value is reported with its row.
pub(crate) fn parse_text_timestamps(
    df: DataFrame,
    path: &Path,
    format: Format,
    zone: &Zone,
    pattern: Option<&str>,
    column: &str,
) -> Result<DataFrame> {
    let raw = df.column(column).or_bug()?.str().or_bug()?.clone();
    if pattern.is_none() {
        if let Some(df) = parsed_fast(&df, &raw, zone, column)? {
            return Ok(df);
        }
    }
    let parse = |text: &str| parse_log_time(text, zone, pattern);
    let distinct = raw.unique().or_bug()?;
    let mut instants: Vec<Option<i64>> = Vec::with_capacity(distinct.len());
    let mut texts: Vec<Option<&str>> = Vec::with_capacity(distinct.len());
    let mut any_bad = false;
    for text in distinct.iter() {
        let parsed = text.and_then(parse).map(|d| d.timestamp_micros());
        any_bad |= !parsed.is_some_and(in_range);
        texts.push(text);
        instants.push(parsed);
    }
    if any_bad {
        // The error path only: find the first bad row in file order.
        let (index, text) = raw
            .iter()
            .enumerate()
            .find(|(_, text)| {
                !text
                    .and_then(parse)
                    .is_some_and(|d| in_range(d.timestamp_micros()))
            })
            .unwrap_or((0, None));
        // The cell is described by its shape, never quoted: a column read as the time by
        // mistake (a shifted row, a wrong --column) holds someone's id or path.
        let message = match text {
            None => "empty timestamp".to_string(),
            Some(value) => match parse(value) {
                Some(instant) => format!(
                    "timestamp {} {OUT_OF_RANGE}",
                    Zone::default().format(instant)
                ),
                None => match pattern {
                    Some(pattern) => format!(
                        "timestamp {} does not match --ts-format {pattern:?}",
                        crate::text::shaped(value)
                    ),
                    None => format!(
                        "unparsable timestamp {}: expected RFC 3339 with offset (2017-06-22T10:00:00+09:00) or YYYY-MM-DD HH:MM:SS[.fff] in --tz (--ts-format reads other forms)",
                        crate::text::shaped(value)
                    ),
                },
            },
        };
        return Err(anyhow::Error::from(InputError::at(
            row_location(path, format, index, column),
            message,
        )));
    }
    let parsed = format!("{column}\u{1f}utc");
    let lookup = DataFrame::new(
        texts.len(),
        vec![
            Column::new(column.into(), texts),
            Column::new(parsed.as_str().into(), instants),
        ],
    )
    .or_bug()?;
    // Row order is kept: the CDN reader breaks ties between equal times by log order.
    let args = JoinArgs {
        validation: JoinValidation::ManyToOne,
        maintain_order: MaintainOrderJoin::Left,
        ..JoinArgs::new(JoinType::Inner)
    };
    df.lazy()
        .join(lookup.lazy(), [col(column)], [col(column)], args)
        .with_column(col(parsed.as_str()).cast(utc_micros()).alias(column))
        .drop(by_name([parsed.as_str()], true, false))
        .collect()
        .or_bug()
}

/// The offset (seconds east) a naive time is read in, when `--tz` is one offset all year.
pub fn fixed_offset(zone: &Zone) -> Option<i32> {
    match zone {
        Zone::Fixed(offset) => Some(offset.local_minus_utc()),
        Zone::Named(tz) if *tz == chrono_tz::UTC => Some(0),
        Zone::Named(_) => None,
    }
}

/// A text `ts` as UTC µs on the fast parser, batch by batch (the streaming reader): a text
/// it does not read is null, a bad time the caller hands back to the general path.
pub(crate) fn fast_text_ts(ts: Expr, naive: Option<i32>) -> Expr {
    ts.cast(DataType::String).map(
        move |column: Column| {
            let texts = column.str()?;
            let micros: Int64Chunked = texts
                .iter()
                .map(|t| t.and_then(|t| super::fast_time::instant(t.as_bytes(), naive)))
                .collect();
            micros
                .with_name(column.name().clone())
                .into_column()
                .cast(&utc_micros())
        },
        |_, field| Ok(Field::new(field.name().clone(), utc_micros())),
    )
}

/// The fast path of `parse_text_timestamps`: every row parsed on its bytes
/// (`fast_time`) on every core, no distinct texts gathered or joined. `None` when some row
/// needs the general parser (an unusual form, a naive time in a zone with rules, a bad
/// value): the caller then takes the general path, which also words any refusal.
fn parsed_fast(
    df: &DataFrame,
    raw: &StringChunked,
    zone: &Zone,
    column: &str,
) -> Result<Option<DataFrame>> {
    let naive = fixed_offset(zone);
    let slices = crate::frame::cores::core_slices(raw);
    let parts = crate::frame::cores::on_every_core(&slices, |slice| {
        let mut out: Vec<i64> = Vec::with_capacity(slice.len());
        for text in slice.iter() {
            match text.and_then(|t| super::fast_time::instant(t.as_bytes(), naive)) {
                Some(at) => out.push(at),
                None => return None,
            }
        }
        Some(out)
    })?;
    let mut micros: Vec<i64> = Vec::with_capacity(raw.len());
    for part in parts {
        match part {
            Some(part) => micros.extend(part),
            None => return Ok(None),
        }
    }
    let ts = Int64Chunked::from_vec(column.into(), micros)
        .into_column()
        .cast(&utc_micros())
        .or_bug()?;
    let mut df = df.clone();
    df.with_column(ts).or_bug()?;
    Ok(Some(df))
}

pub use super::fast_time::{in_range, EARLIEST_MICROS, LATEST_MICROS};

pub(super) const OUT_OF_RANGE: &str =
    "is outside 1970-01-01 to 2100-01-01: a web log cannot hold it (a clock or export error?)";
