//! JSON-lines logs: Cloudflare Logpush `http_requests`, Akamai DataStream 2, and the JSON
//! format the README documents for Fastly's real-time log streaming. Read by polars; a
//! field inside an object (Cloudflare's `RequestHeaders` and `Cookies`) is named
//! `Object.key`.

use std::num::NonZeroUsize;
use std::path::Path;

use anyhow::Result;
use polars::prelude::*;

use super::normalise::Raw;
use super::text::{self, Lines};
use super::time::TimeText;
use super::{needed_fields, status, Decode, Layout, LogFormat, Overrides, Reading, Uri};
use crate::error::{InputError, Location};
use crate::frame::polars_bug;

fn layout(format: &LogFormat, reading: &Reading) -> Layout {
    let text = |s: &str| s.to_string();
    let mut layout = match format {
        LogFormat::Cloudflare => Layout {
            time: vec![text("EdgeStartTimestamp")],
            time_text: TimeText::Any,
            uri: Uri::Whole(text("ClientRequestURI")),
            status: Some(text("EdgeResponseStatus")),
            cache: text("CacheCacheStatus"),
            table: Some(&status::CLOUDFLARE),
            ip: Some(text("ClientIP")),
            ua: Some(text("ClientRequestUserAgent")),
            cookie_header: Some((text("RequestHeaders.cookie"), Decode::Raw)),
        },
        LogFormat::Akamai => Layout {
            time: vec![text("reqTimeSec")],
            time_text: TimeText::UnixSeconds,
            uri: Uri::Split(text("reqPath"), Some(text("queryStr"))),
            status: Some(text("statusCode")),
            cache: text("cacheStatus"),
            table: Some(&status::AKAMAI),
            ip: Some(text("cliIP")),
            ua: Some(text("UA")),
            // RFC 1738 escaped, `;`-separated (DataStream 2 data set parameters).
            cookie_header: Some((text("cookie"), Decode::Url)),
        },
        _ => Layout {
            time: vec![text("ts")],
            time_text: TimeText::Rfc3339,
            uri: Uri::Whole(text("url")),
            status: Some(text("status")),
            cache: text("cache_state"),
            table: Some(&status::FASTLY),
            ip: Some(text("client_ip")),
            ua: Some(text("user_agent")),
            cookie_header: Some((text("cookie"), Decode::Raw)),
        },
    };
    let map = Overrides(reading.columns);
    if let Some(ts) = map.get("ts") {
        layout.time = vec![ts];
        layout.time_text = TimeText::Any;
    }
    if let Some(path) = map.get("path") {
        layout.uri = Uri::Whole(path);
    }
    if let Some(cache) = map.get("cache_status") {
        layout.cache = cache;
    }
    layout
}

/// Reads a JSON-lines file's fields.
pub(super) fn read(path: &Path, reading: &Reading) -> Result<(Layout, Raw)> {
    let lines = text::read(path, false)?;
    let layout = layout(reading.format, reading);
    let needed = needed_fields(reading.format, &layout, reading)?;
    let file = || Location::file(path.display().to_string());
    if lines.rows() == 0 {
        let columns: Vec<Column> = needed
            .iter()
            .map(|f| Column::new_empty(f.as_str().into(), &DataType::String))
            .collect();
        let df = DataFrame::new(0, columns).map_err(polars_bug)?;
        return Ok((layout, Raw { df, lines }));
    }
    let df = match parse(&lines.bytes) {
        Ok(df) => df,
        Err(e) => {
            lines.check_utf8()?;
            let index = first_bad_line(&lines);
            return Err(InputError::at(
                lines.at(index, "line"),
                format!(
                    "not a JSON object on one line: {}",
                    crate::frame::first_line(&e.to_string())
                ),
            )
            .into());
        }
    };
    // JSON logs leave out a key whose value would be empty (DataStream 2 does by default):
    // a key on no line of a file is an absent value on every line, unless the rows cannot
    // be read without it (time, path, cache status).
    let required = layout.required();
    let mut columns = Vec::with_capacity(needed.len());
    for field in &needed {
        let (top, inner) = match field.split_once('.') {
            Some((top, inner)) => (top, Some(inner)),
            None => (field.as_str(), None),
        };
        let Ok(column) = df.column(top) else {
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
                    reading.format.name(),
                    needed.join(", ")
                ),
            )
            .into());
        };
        let column = match inner {
            None => column.as_materialized_series().clone(),
            Some(inner) => nested(column, inner, df.height())?,
        };
        let column = column
            .cast(&DataType::String)
            .map_err(polars_bug)?
            .with_name(field.as_str().into());
        columns.push(column.into_column());
    }
    let df = DataFrame::new(lines.rows(), columns).map_err(polars_bug)?;
    Ok((layout, Raw { df, lines }))
}

/// A key of an object field; all empty when no line has the key.
fn nested(column: &Column, key: &str, height: usize) -> Result<Series> {
    let Ok(fields) = column.struct_() else {
        return Ok(Series::full_null(key.into(), height, &DataType::String));
    };
    let found = fields
        .fields_as_series()
        .into_iter()
        .find(|f| f.name().eq_ignore_ascii_case(key));
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
