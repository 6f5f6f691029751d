//! One contract CDN log file read: its columns checked, origin statuses and ids validated;
//! and rows sorted by time.

use std::path::{Path, PathBuf};

use anyhow::Result;
use polars::prelude::*;

use super::source::{Fill, Source};
use super::{Options, CACHE_NODE, CDN_COLUMNS};
use crate::error::InputError;
use crate::frame::names::{CACHE_STATUS, VIEWER_ID};
use crate::frame::OrBug;
use crate::frame::{first_true, polars_bug};
use crate::ingest::{
    empty_path_error, empty_path_row, parse_text_timestamps, rename_columns, row_location, scan,
    schema_of, ts_to_utc, unreadable, Format, ReadOptions,
};

/// Reads one CDN log file: required columns, `ts` as UTC µs (a bad or empty one is an
/// error with its row), `cache_status` classified (an unknown value is an error with its
/// row) into `source` (origin or the node's copy) and `fill` (an origin response fills the
/// cache unless its `method`, when the log has one, is not cached), and `cache_node` from
/// `--cache-node`.
pub(super) fn read_one(
    path: &Path,
    read: &ReadOptions,
    options: &Options,
    node: Option<&str>,
) -> Result<(DataFrame, Format)> {
    let zone = &read.zone;
    let (mut lf, format) = scan(path)?;
    let schema = schema_of(&mut lf, path, format)?;
    let (lf, schema) = rename_columns(lf, (*schema).clone(), path, &read.columns)?;
    let mut needed: Vec<&str> = CDN_COLUMNS.to_vec();
    if let Some(id) = &options.origin_id {
        needed.push(id);
    }
    if let Some(node) = node {
        needed.push(node);
    }
    crate::ingest::require_columns(&schema, &needed, &path.display().to_string(), || {
        format!(
            " (a CDN log needs {}; {})",
            needed.join(", "),
            crate::ingest::header_words(&schema, &needed)
        )
    })?;
    let ts_type = schema.get("ts").cloned().unwrap_or(DataType::String);
    let text = |name: &str| col(name).cast(DataType::String);
    let mut columns = vec![
        ts_to_utc(&ts_type, path, zone)?.alias("ts"),
        text("path").alias("path"),
        text(VIEWER_ID).alias(VIEWER_ID),
        text(CACHE_STATUS).alias(CACHE_STATUS),
    ];
    if let Some(id) = &options.origin_id {
        columns.push(text(id).alias("origin_id"));
    }
    columns.push(match node {
        Some(node) => text(node).alias(CACHE_NODE),
        None => lit(NULL).cast(DataType::String).alias(CACHE_NODE),
    });
    let has_method = schema.get("method").is_some();
    if has_method {
        columns.push(text("method").alias("method"));
    }
    let df = lf
        .select(columns)
        .collect()
        .map_err(|e| unreadable(path, format, &e))?;
    let df = if ts_type == DataType::String {
        parse_text_timestamps(df, path, format, zone, read.ts_format.as_deref(), "ts")?
    } else {
        let ts = df.column("ts").or_bug()?;
        if ts.null_count() > 0 {
            let index = first_true(&ts.is_null()).unwrap_or(0);
            return Err(InputError::at(
                row_location(path, format, index, "ts"),
                "empty timestamp (or a local time that does not exist in --tz)",
            )
            .into());
        }
        df
    };
    if let Some(index) = empty_path_row(&df)? {
        return Err(empty_path_error(path, format, index));
    }
    let origin = origin_values(&df, path, format, options)?;
    let is_origin = origin.iter().fold(lit(false), |acc, value| {
        acc.or(col(CACHE_STATUS).eq(lit(value.as_str())))
    });
    let source = when(is_origin.clone())
        .then(lit(Source::Origin as u32))
        .otherwise(lit(Source::Node as u32));
    let fills = if has_method {
        let listed = options.fill_methods.iter().fold(lit(false), |acc, m| {
            acc.or(col("method").str().to_uppercase().eq(lit(m.as_str())))
        });
        col("method").is_null().or(listed)
    } else {
        lit(true)
    };
    let fill = when(is_origin.and(fills))
        .then(lit(Fill::Stored as u32))
        .otherwise(lit(Fill::NotStored as u32));
    let mut lf = df.lazy().with_columns([
        source.cast(DataType::UInt32).alias("source"),
        fill.cast(DataType::UInt32).alias("fill"),
        lit(0u32).cast(DataType::UInt32).alias("kind"),
        lit(NULL).cast(DataType::UInt32).alias("host"),
    ]);
    if has_method {
        lf = lf.drop(by_name(["method"], true, false));
    }
    let df = lf.collect().or_bug()?;
    Ok((df, format))
}

/// The raw `cache_status` values (as written) that mean an origin response. An empty or
/// unclassified value is an error naming its first row.
fn origin_values(
    df: &DataFrame,
    path: &Path,
    format: Format,
    options: &Options,
) -> Result<Vec<String>> {
    let status = df.column(CACHE_STATUS).or_bug()?.str().or_bug()?;
    let distinct = status.unique().or_bug()?;
    let mut origin = Vec::new();
    for value in distinct.iter() {
        let normal = value.map(|v| v.trim().to_uppercase()).unwrap_or_default();
        if options.origin_statuses.contains(&normal) {
            if let Some(v) = value {
                origin.push(v.to_string());
            }
            continue;
        }
        if options.cached_statuses.contains(&normal) {
            continue;
        }
        let mask = match value {
            Some(v) => status.equal(v),
            None => status.is_null(),
        };
        let index = first_true(&mask).unwrap_or(0);
        let message = if normal.is_empty() {
            "empty cache_status: every response must say whether it came from the origin or the cache".to_string()
        } else {
            format!(
                "cache_status {} is neither an origin status ({}) nor a cached one ({}): say which it is with --origin-status or --cached-status",
                crate::text::shaped(value.unwrap_or_default()),
                options.origin_statuses.join(","),
                options.cached_statuses.join(",")
            )
        };
        return Err(
            InputError::at(row_location(path, format, index, CACHE_STATUS), message).into(),
        );
    }
    Ok(origin)
}

/// `--origin-id`: two origin responses with the same id would make the join ambiguous.
pub(super) fn check_unique_origin_ids(
    df: &DataFrame,
    id: &str,
    heights: &[(PathBuf, Format, usize)],
) -> Result<()> {
    let ids = df.column("origin_id").or_bug()?.str().or_bug()?;
    let is_origin = df.column("is_origin").or_bug()?.bool().or_bug()?;
    let origin_ids = ids.filter(is_origin).or_bug()?;
    let origin_ids = origin_ids.drop_nulls();
    if origin_ids.n_unique().or_bug()? == origin_ids.len() {
        return Ok(());
    }
    // Rare: find the second origin response with a repeated id, as a file and row.
    let mut seen = std::collections::HashSet::new();
    let mut index = 0;
    for (i, (value, origin)) in ids.iter().zip(is_origin.iter()).enumerate() {
        if let (Some(v), Some(true)) = (value, origin) {
            if !seen.insert(v) {
                index = i;
                break;
            }
        }
    }
    let mut start = 0;
    for (path, format, height) in heights {
        if index < start + height {
            return Err(InputError::at(
                row_location(path, *format, index - start, id),
                "two origin responses have the same origin id: --origin-id must name a column that is unique per origin request",
            )
            .into());
        }
        start += height;
    }
    Err(polars_bug(PolarsError::ComputeError(
        "origin id row out of range".into(),
    )))
}

/// Sorts by time, keeping file order among equal times; skipped when already sorted.
pub(super) fn sort_by_time(df: DataFrame) -> Result<DataFrame> {
    let ts = df.column("ts").or_bug()?.datetime().or_bug()?;
    let mut previous = i64::MIN;
    let mut sorted = true;
    for value in ts
        .physical()
        .downcast_iter()
        .flat_map(|a| a.values().iter())
    {
        if *value < previous {
            sorted = false;
            break;
        }
        previous = *value;
    }
    if sorted {
        return Ok(df);
    }
    df.sort(
        ["ts"],
        SortMultipleOptions::default().with_maintain_order(true),
    )
    .or_bug()
}
