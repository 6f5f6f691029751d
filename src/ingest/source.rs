//! One log file opened for reading: its shape (raw or aggregated), its time column's type,
//! the coarse window pushed into the scan, and the renaming of the log's own columns.

use std::path::Path;

use anyhow::Result;
use polars::prelude::*;

use super::format::{header_words, refuse_repeated_columns, scan, schema_of, Format};
use super::time::{EARLIEST_MICROS, LATEST_MICROS};
use super::Zone;
use super::{ReadOptions, AGGREGATED_COLUMNS, LOG_COLUMNS};
use crate::error::{InputError, InputResult, Location};

/// What a log file holds: one row per response, or one per (path, owner, viewer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    Raw,
    Aggregated { minutes: bool },
}

/// One log file, opened: its lazy scan with the contract's column names, and its shape.
pub(super) struct Source<'p> {
    pub(super) path: &'p Path,
    pub(super) lf: LazyFrame,
    pub(super) format: Format,
    pub(super) schema: Schema,
    pub(super) shape: Shape,
}

impl<'p> Source<'p> {
    pub(super) fn open(path: &'p Path, options: &ReadOptions) -> Result<Source<'p>> {
        let (mut lf, format) = scan(path)?;
        let schema = schema_of(&mut lf, path, format)?;
        let mut read: Vec<&str> = LOG_COLUMNS.to_vec();
        read.extend(AGGREGATED_COLUMNS);
        read.extend(options.columns.iter().map(|(_, source)| source.as_str()));
        refuse_repeated_columns(&schema, path, &read)?;
        let (lf, schema) = rename_columns(lf, (*schema).clone(), path, &options.columns)?;
        let aggregated = schema.get("ts").is_none()
            && AGGREGATED_COLUMNS.iter().all(|c| schema.get(c).is_some());
        let (shape, required): (Shape, &[&str]) = if aggregated {
            let minutes = schema.get("minute").is_some();
            (Shape::Aggregated { minutes }, &AGGREGATED_COLUMNS)
        } else {
            (Shape::Raw, &LOG_COLUMNS)
        };
        super::require_columns(&schema, required, &path.display().to_string(), || {
            format!(
                " (the log needs ts, path, owner_id, viewer_id; an aggregated log path, owner_id, viewer_id, requests, first_ts, last_ts; --column maps other names; {})",
                header_words(&schema, &super::MAPPABLE_COLUMNS)
            )
        })?;
        Ok(Source {
            path,
            lf,
            format,
            schema,
            shape,
        })
    }

    pub(super) fn location(&self) -> Location {
        Location::file(self.path.display().to_string())
    }

    pub(super) fn time_type(&self, column: &str) -> DataType {
        self.schema.get(column).cloned().unwrap_or(DataType::String)
    }

    /// The scan with a coarse window on the file's own `ts` column, so that Parquet row
    /// groups wholly outside `--from/--to` are skipped by their statistics (the exact window
    /// applies after the conversion to UTC, which hides the column from the statistics).
    /// It keeps every row that may lie in the window, and every empty or out-of-range time,
    /// so a row group holding one is still read and the row refused. Not for naive times
    /// read in a zone with daylight saving: a local time in its spring-forward gap is
    /// refused wherever it lies, and only the conversion finds it.
    pub(super) fn pruned(&self, options: &ReadOptions) -> LazyFrame {
        let windowed = options.from.is_some() || options.to.is_some();
        match self.time_type("ts") {
            DataType::Datetime(_, None) if !without_gaps(&options.zone) => self.lf.clone(),
            ts_type @ DataType::Datetime(..) if windowed => {
                self.lf.clone().filter(coarse_window(&ts_type, options))
            }
            _ => self.lf.clone(),
        }
    }
}

/// Whether every local time exists in `zone`: a fixed offset, or UTC.
fn without_gaps(zone: &Zone) -> bool {
    match zone {
        Zone::Fixed(_) => true,
        Zone::Named(tz) => *tz == chrono_tz::UTC || *tz == chrono_tz::Etc::UTC,
    }
}

/// `coarse_window`'s margin: a naive time is read in `--tz`, at most a day from UTC; an
/// aware one is UTC already (a second covers rounding between units).
const NAIVE_MARGIN_MICROS: i64 = 86_400_000_000;
const AWARE_MARGIN_MICROS: i64 = 1_000_000;

/// A superset of the window and of the bad times on a native `ts` of type `ts_type`, as
/// plain comparisons with literals of that type (what Parquet statistics can answer).
fn coarse_window(ts_type: &DataType, options: &ReadOptions) -> Expr {
    let DataType::Datetime(unit, zone) = ts_type else {
        return lit(true);
    };
    let margin = if zone.is_some() {
        AWARE_MARGIN_MICROS
    } else {
        NAIVE_MARGIN_MICROS
    };
    // µs to the column's unit, rounded outwards by the margin.
    let native = |micros: i64| -> Expr {
        let value = match unit {
            TimeUnit::Milliseconds => micros.div_euclid(1000),
            TimeUnit::Microseconds => micros,
            TimeUnit::Nanoseconds => micros.saturating_mul(1000),
        };
        lit(value).cast(ts_type.clone())
    };
    let ts = col("ts");
    let mut window = lit(true);
    if let Some(from) = options.from {
        window = window.and(ts.clone().gt_eq(native(from.saturating_sub(margin))));
    }
    if let Some(to) = options.to {
        window = window.and(ts.clone().lt(native(to.saturating_add(margin))));
    }
    let bad = ts
        .clone()
        .is_null()
        .or(ts
            .clone()
            .lt(native(EARLIEST_MICROS.saturating_add(margin))))
        .or(ts.gt_eq(native(LATEST_MICROS.saturating_sub(margin))));
    window.or(bad)
}

/// Renames the log's own columns to the contract's (`--column owner_id=user_hash`). A column
/// already carrying the contract's name is dropped first: the mapping says which one is meant.
pub(crate) fn rename_columns(
    lf: LazyFrame,
    mut schema: Schema,
    path: &Path,
    columns: &[(String, String)],
) -> InputResult<(LazyFrame, Schema)> {
    let mut lf = lf;
    for (contract, source) in columns {
        if contract == source {
            continue;
        }
        if schema.get(source).is_none() {
            return Err(InputError::at(
                Location::file(path.display().to_string()).key(source.as_str()),
                format!(
                    "no column `{source}` to read as `{contract}` (--column {contract}={source}); {}",
                    header_words(&schema, &super::MAPPABLE_COLUMNS)
                ),
            ));
        }
        if schema.get(contract).is_some() {
            lf = lf.drop(by_name([contract.as_str()], true, false));
            schema.remove(contract);
        }
        lf = lf.rename([source.as_str()], [contract.as_str()], true);
        if let Some(dtype) = schema.remove(source) {
            schema.with_column(contract.as_str().into(), dtype);
        }
    }
    Ok((lf, schema))
}
