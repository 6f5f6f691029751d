//! The optional relations table (`--relations FILE`): which related person a page of an
//! owner shows (the buyer on a seller's transaction page), optionally only on one path and
//! for a validity period `[from, to)`.

use std::path::Path;

use anyhow::Result;
use polars::prelude::*;

use super::{native_naive, row_location, scan, schema_of};
use super::{parse_instant, unreadable, Format, Zone};
use crate::error::InputError;
use crate::frame::names::OWNER_ID;
use crate::frame::OrBug;
use crate::frame::{first_true, utc_micros};
use crate::inventory::Inventory;

/// Required columns (`path`, `from` and `to` are optional).
pub const RELATION_COLUMNS: [&str; 3] = ["relation", OWNER_ID, "related_id"];

/// The relations table, validated: `relation` (an inventory relation id), `owner_id`,
/// `related_id`, `path` (as written, not yet normalised; null = every path of the owner's
/// page), `from`/`to`
/// (UTC µs; null = unbounded). The audit joins the rows tied to one path and the others
/// on different keys, and narrows the former to the log's paths first.
#[derive(Debug, Clone)]
pub struct Relations {
    pub df: DataFrame,
    pub file: String,
}

impl Relations {
    pub fn read(path: &Path, inventory: &Inventory, zone: &Zone) -> Result<Relations> {
        let (mut lf, format) = scan(path)?;
        let schema = schema_of(&mut lf, path, format)?;
        let file = path.display().to_string();
        refuse_missing_columns(&schema, &file)?;
        let mut df = lf
            .select(read_columns(&schema, zone))
            .collect()
            .map_err(|e| unreadable(path, format, &e))?;
        refuse_empty(&df, path, format)?;
        refuse_gaps(&mut df, path, format)?;
        refuse_undeclared(&df, path, format, inventory)?;
        parse_text_bounds(&mut df, path, format, zone)?;
        refuse_out_of_order(&df, path, format)?;
        let mut df = empty_paths_to_null(df)?;
        in_step(&mut df)?;
        Ok(Relations { df, file })
    }
}

fn refuse_missing_columns(schema: &Schema, file: &str) -> Result<()> {
    super::require_columns(schema, &RELATION_COLUMNS, file, || {
        " in the relations table (needs relation, owner_id, related_id; optional path, from, to)"
            .into()
    })?;
    Ok(())
}

/// The columns as the audit reads them: the required ones as text, an absent `path` as
/// null text, and the bounds as UTC µs (a time zone converted, a naive time read in
/// `zone`) or as text, parsed after the table is read.
fn read_columns(schema: &Schema, zone: &Zone) -> Vec<Expr> {
    let mut select: Vec<Expr> = RELATION_COLUMNS
        .iter()
        .map(|&c| col(c).cast(DataType::String))
        .collect();
    select.push(match schema.get("path") {
        Some(_) => col("path").cast(DataType::String),
        None => lit(NULL).cast(DataType::String).alias("path"),
    });
    let mut flags = Vec::new();
    for bound in ["from", "to"] {
        select.push(match schema.get(bound) {
            Some(DataType::Datetime(_, Some(_))) => col(bound)
                .dt()
                .convert_time_zone(TimeZone::UTC)
                .cast(utc_micros()),
            Some(DataType::Datetime(_, None)) => {
                let local = col(bound).cast(DataType::Datetime(TimeUnit::Microseconds, None));
                let instant = native_naive(local.clone(), zone);
                // A local time the zone's clocks skipped has no instant: flagged, then
                // refused (`refuse_gaps`), as the same time written as text is.
                flags.push(
                    local
                        .is_not_null()
                        .and(instant.clone().is_null())
                        .alias(gap_flag(bound)),
                );
                instant.alias(bound)
            }
            Some(DataType::String) => col(bound),
            Some(_) => col(bound).cast(DataType::String),
            None => lit(NULL).cast(utc_micros()).alias(bound),
        });
    }
    select.extend(flags);
    select
}

/// The column flagging a native naive bound that does not exist in the zone.
fn gap_flag(bound: &str) -> String {
    format!("{bound}_in_a_gap")
}

/// A native naive bound in a spring-forward gap of `--tz` is refused by row, as the same
/// time written as text is (it would otherwise read as no bound at all); the flag columns
/// are dropped.
fn refuse_gaps(df: &mut DataFrame, path: &Path, format: Format) -> Result<()> {
    for bound in ["from", "to"] {
        let Ok(flags) = df.drop_in_place(&gap_flag(bound)) else {
            continue;
        };
        if let Some(index) = first_true(flags.bool().or_bug()?) {
            return Err(InputError::at(
                row_location(path, format, index, bound),
                "a local time that does not exist in --tz (the clocks skipped it): write it with its offset",
            )
            .into());
        }
    }
    Ok(())
}

/// The first null or empty cell of a required column is refused.
fn refuse_empty(df: &DataFrame, path: &Path, format: Format) -> Result<()> {
    for column in RELATION_COLUMNS {
        let values = df.column(column).or_bug()?.str().or_bug()?;
        if let Some(index) = first_empty(values) {
            return Err(InputError::at(
                row_location(path, format, index, column),
                format!("empty {column}"),
            )
            .into());
        }
    }
    Ok(())
}

/// The first relation the inventory does not declare is refused, naming those it does.
fn refuse_undeclared(
    df: &DataFrame,
    path: &Path,
    format: Format,
    inventory: &Inventory,
) -> Result<()> {
    let relation = df.column("relation").or_bug()?.str().or_bug()?;
    if let Some(index) = first_undeclared(relation, inventory) {
        let declared: Vec<&str> = inventory.relations.iter().map(|r| r.id.as_str()).collect();
        return Err(InputError::at(
            row_location(path, format, index, "relation"),
            // The cell is not quoted: a shifted row puts someone's id here.
            format!(
                "the relation {} is not declared under `relations` in {} (declared: {})",
                crate::text::shaped(relation.get(index).unwrap_or_default()),
                inventory.source,
                if declared.is_empty() {
                    "none".to_string()
                } else {
                    declared.join(", ")
                }
            ),
        )
        .into());
    }
    Ok(())
}

/// Bounds read as text become UTC µs.
fn parse_text_bounds(df: &mut DataFrame, path: &Path, format: Format, zone: &Zone) -> Result<()> {
    for bound in ["from", "to"] {
        if df.column(bound).or_bug()?.dtype() == &DataType::String {
            let parsed = parse_bound(df, bound, path, format, zone)?;
            df.with_column(parsed).or_bug()?;
        }
    }
    Ok(())
}

/// The first row whose `to` is not later than its `from` is refused.
fn refuse_out_of_order(df: &DataFrame, path: &Path, format: Format) -> Result<()> {
    let from = df.column("from").or_bug()?.as_materialized_series();
    let to = df.column("to").or_bug()?.as_materialized_series();
    let from = from.cast(&DataType::Int64).or_bug()?;
    let to = to.cast(&DataType::Int64).or_bug()?;
    let (from, to) = (from.i64().or_bug()?, to.i64().or_bug()?);
    // Compared whole first (nulls compare as null): the rows are searched only when
    // some pair is out of order.
    let out_of_order = from.gt_eq(to);
    if let Some(index) = out_of_order
        .any()
        .then(|| out_of_order.iter().position(|b| b == Some(true)))
        .flatten()
    {
        return Err(InputError::at(
            row_location(path, format, index, "to"),
            "`to` must be later than `from` (validity is [from, to))",
        )
        .into());
    }
    Ok(())
}

/// An empty path means every path, like an absent column. Paths are normalised when
/// the audit joins them, only for the owners the log concerns.
fn empty_paths_to_null(df: DataFrame) -> Result<DataFrame> {
    let paths = df.column("path").or_bug()?.str().or_bug()?;
    if !has_empty_text(paths) {
        return Ok(df);
    }
    df.lazy()
        .with_column(
            when(col("path").eq(lit("")))
                .then(lit(NULL).cast(DataType::String))
                .otherwise(col("path"))
                .alias("path"),
        )
        .collect()
        .or_bug()
}

/// The audit reads the columns chunk by chunk, all in step: every column a series
/// (an absent one is a constant until then), their chunks aligned.
fn in_step(df: &mut DataFrame) -> Result<()> {
    for column in df.get_column_names_owned() {
        let series = df
            .column(&column)
            .or_bug()?
            .as_materialized_series()
            .clone();
        df.with_column(series.into_column()).or_bug()?;
    }
    df.align_chunks_par();
    Ok(())
}

/// The first row whose text is null or empty (most tables have none: that is checked
/// first, without reading any text).
fn first_empty(values: &StringChunked) -> Option<usize> {
    if values.null_count() == 0 && !has_empty_text(values) {
        return None;
    }
    values.iter().position(|v| v.is_none_or(str::is_empty))
}

/// Whether some value (not null) is the empty text. Without nulls, read from the views
/// alone (the length of each); with nulls, from each value's length.
fn has_empty_text(values: &StringChunked) -> bool {
    if values.null_count() == 0 {
        (values
            .downcast_iter()
            .flat_map(|array| array.views().iter()))
        .any(|view| view.length == 0)
    } else {
        values.iter().any(|v| v.is_some_and(str::is_empty))
    }
}

/// The first row whose relation the inventory does not declare. A relations table repeats a
/// handful of ids; within an array, equal views are equal text (the same inline bytes, or
/// the same place in the same buffer), so each distinct view is looked up once.
fn first_undeclared(relation: &StringChunked, inventory: &Inventory) -> Option<usize> {
    let mut start = 0;
    for array in relation.downcast_iter() {
        let mut declared: Vec<u128> = Vec::new();
        for (i, view) in array.views().iter().enumerate() {
            let view = view.as_u128();
            if declared.contains(&view) {
                continue;
            }
            // A null is refused as empty, not here.
            let Some(id) = array.get(i) else {
                continue;
            };
            if inventory.relation_index(id).is_none() {
                return Some(start + i);
            }
            // Kept short: a table of many distinct views is checked by text.
            if declared.len() < 16 {
                declared.push(view);
            }
        }
        start += array.len();
    }
    None
}

/// Parses a text validity bound (each distinct value once, by the log's rules); an empty
/// cell is unbounded.
fn parse_bound(
    df: &DataFrame,
    bound: &str,
    path: &Path,
    format: Format,
    zone: &Zone,
) -> Result<Column> {
    let raw = df.column(bound).or_bug()?.str().or_bug()?;
    let mut cache: PlHashMap<&str, Option<i64>> = PlHashMap::new();
    let mut out: Vec<Option<i64>> = Vec::with_capacity(raw.len());
    for (index, text) in raw.iter().enumerate() {
        let value = match text.map(str::trim).filter(|t| !t.is_empty()) {
            None => None,
            Some(t) => {
                let parsed = *cache
                    .entry(t)
                    .or_insert_with(|| parse_instant(t, zone).map(|d| d.timestamp_micros()));
                match parsed {
                    Some(micros) => Some(micros),
                    None => {
                        return Err(InputError::at(
                            row_location(path, format, index, bound),
                            format!(
                                "unparsable time {}: expected RFC 3339 with offset (2017-06-22T10:00:00+09:00) or YYYY-MM-DD HH:MM:SS[.fff] in --tz",
                                crate::text::shaped(t)
                            ),
                        )
                        .into())
                    }
                }
            }
        };
        out.push(value);
    }
    let series = Int64Chunked::from_iter_options(bound.into(), out.into_iter())
        .into_series()
        .cast(&utc_micros())
        .or_bug()?;
    Ok(series.into_column())
}
