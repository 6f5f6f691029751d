//! JSON-lines logs: Cloudflare Logpush `http_requests`, Akamai DataStream 2, CloudFront
//! standard logging v2 JSON, and the JSON format the README documents for Fastly's
//! real-time log streaming. Read by polars; a field inside an object (Cloudflare's
//! `RequestHeaders` and `Cookies`) is named `Object.key`.

use std::num::NonZeroUsize;

use anyhow::Result;
use polars::prelude::*;

use super::normalise::Raw;
use super::text::Lines;
use super::{needed_fields, Reading};
use crate::error::{InputError, Location};
use crate::frame::OrBug;

/// Reads a JSON-lines file's fields.
pub(super) fn read(lines: Lines, reading: &Reading) -> Result<Raw> {
    let (needed, _) = needed_fields(reading)?;
    let file = || Location::file(lines.path.display().to_string());
    if lines.rows() == 0 {
        let columns: Vec<Column> = needed
            .iter()
            .map(|f| Column::new_empty(f.as_str().into(), &DataType::String))
            .collect();
        let df = DataFrame::new(0, columns).or_bug()?;
        return Ok(Raw { df, lines });
    }
    let df = match parse(&lines.bytes) {
        Ok(df) => df,
        Err(_) => {
            lines.check_utf8()?;
            let index = first_bad_line(&lines);
            return Err(
                InputError::at(lines.at(index, "line"), "not a JSON object on one line").into(),
            );
        }
    };
    // JSON logs leave out a key whose value would be empty (DataStream 2 does by default):
    // a key on no line of a file is an absent value on every line, unless the rows cannot
    // be read without it (time, path, cache status).
    let required = reading.description.required();
    let mut columns = Vec::with_capacity(needed.len());
    for field in &needed {
        let (top, inner) = match field.split_once('.') {
            Some((top, inner)) if df.column(field).is_err() => (top, Some(inner)),
            _ => (field.as_str(), None),
        };
        let Some(column) = column_named(&df, top) else {
            if !required.contains(field) {
                columns.push(Column::full_null(
                    field.as_str().into(),
                    df.height(),
                    &DataType::String,
                ));
                continue;
            }
            return Err(InputError::at(
                file().key(top),
                format!(
                    "no line has the field `{top}` ({} logs need {})",
                    reading.description.name,
                    required.join(", ")
                ),
            )
            .into());
        };
        let column = match inner {
            None => column.as_materialized_series().clone(),
            // Cookie names are case-sensitive ("enter cookie names with the same
            // capitalization"); header names are logged in lower case.
            Some(inner) => nested(column, inner, top != "Cookies", df.height())?,
        };
        let column = column
            .cast(&DataType::String)
            .or_bug()?
            .with_name(field.as_str().into());
        columns.push(column.into_column());
    }
    let df = DataFrame::new(lines.rows(), columns).or_bug()?;
    Ok(Raw { df, lines })
}

/// A top-level field by its name, else by the same name in another case (CloudFront v2
/// JSON writes `cs(Host)`, Athena's paths `cs(host)`).
fn column_named<'a>(df: &'a DataFrame, name: &str) -> Option<&'a Column> {
    df.column(name).ok().or_else(|| {
        df.columns()
            .iter()
            .find(|c| c.name().eq_ignore_ascii_case(name))
    })
}

/// A key of an object field; all empty when no line has the key.
fn nested(column: &Column, key: &str, any_case: bool, height: usize) -> Result<Series> {
    let Ok(fields) = column.struct_() else {
        return Ok(Series::full_null(key.into(), height, &DataType::String));
    };
    let found = fields.fields_as_series().into_iter().find(|f| {
        if any_case {
            f.name().eq_ignore_ascii_case(key)
        } else {
            f.name() == key
        }
    });
    Ok(found.unwrap_or_else(|| Series::full_null(key.into(), height, &DataType::String)))
}

fn parse(bytes: &[u8]) -> PolarsResult<DataFrame> {
    JsonReader::new(std::io::Cursor::new(bytes))
        .with_json_format(JsonFormat::JsonLines)
        .infer_schema_len(NonZeroUsize::new(usize::MAX))
        .finish()
}

/// The first line polars cannot read, by halving (the error path only).
fn first_bad_line(lines: &Lines) -> usize {
    let starts = &lines.starts;
    let (mut lo, mut hi) = (0, lines.rows());
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if parse(&lines.bytes[starts[lo]..starts[mid]]).is_err() {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    lo
}
