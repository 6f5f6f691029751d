//! Delivered logs that are tables without `#Fields`: Cloudflare Logpush CSV (a header line
//! from the job's `batch_prefix`, or the job's `field_names` given), Akamai DataStream 2
//! STRUCTURED lines (the stream's data set fields given, after the stream version and
//! stream ID; space or tab separated, `-` empty) and CloudFront standard logging v2
//! Parquet (AWS's Athena table names its columns with underscores: `x_edge_location`).
//! Each is split by polars.

use std::path::Path;
use std::sync::Arc;

use anyhow::Result;
use polars::prelude::*;

use super::normalise::Raw;
use super::text::Lines;
use super::{needed_fields, Reading};
use crate::error::{InputError, Location};
use crate::frame::OrBug;

/// The separator of STRUCTURED lines: a tab when the first line has one, else a space.
pub(super) fn space_or_tab(lines: &Lines) -> u8 {
    let first = &lines.bytes[..lines.starts.get(1).copied().unwrap_or(0)];
    if first.contains(&b'\t') {
        b'\t'
    } else {
        b' '
    }
}

/// Reads delimited lines: the columns are `fields` after `skip` leading ones, or the header
/// line's names (CSV, quoted as Logpush quotes strings).
pub(super) fn delimited(
    mut lines: Lines,
    reading: &Reading,
    separator: u8,
    fields: Option<&[String]>,
    skip: usize,
) -> Result<Raw> {
    let (needed, _) = needed_fields(reading)?;
    let name = reading.description.name;
    let path = lines.path.display().to_string();
    let file = || Location::file(path.clone());
    let quoted = separator == b',';
    let columns: Vec<String> = match fields {
        Some(fields) => (0..skip)
            .map(|i| format!("\u{1f}lead{i}"))
            .chain(fields.iter().cloned())
            .collect(),
        None => {
            let Some(header) = lines.take_first() else {
                return Err(InputError::at(file(), "empty: no header line".to_string()).into());
            };
            header_names(&header, separator).ok_or_else(|| {
                InputError::at(
                    file().at(1, 1),
                    format!(
                        "not a header line of {name} field names: give the fields in order, --log-format {name}:'F,F,...'"
                    ),
                )
            })?
        }
    };
    let want = columns.len();
    for i in 0..lines.rows() {
        let line = &lines.bytes[lines.starts[i]..lines.starts[i + 1] - 1];
        let got = count_fields(line, separator, quoted);
        if got != want {
            return Err(InputError::at(
                lines.at(i, "line"),
                format!("{got} fields where {want} are given: a malformed line"),
            )
            .into());
        }
    }
    let schema: Schema = columns
        .iter()
        .map(|c| Field::new(c.as_str().into(), DataType::String))
        .collect();
    let parsed = CsvReadOptions::default()
        .with_has_header(false)
        .with_schema(Some(Arc::new(schema)))
        .with_parse_options(
            CsvParseOptions::default()
                .with_separator(separator)
                .with_quote_char(quoted.then_some(b'"')),
        )
        .into_reader_with_file_handle(std::io::Cursor::new(lines.bytes.as_slice()))
        .finish();
    let df = match parsed {
        Ok(df) => df,
        Err(_) => {
            lines.check_utf8()?;
            return Err(InputError::at(file(), format!("cannot be read as {name} lines")).into());
        }
    };
    let df = pick(df, &needed, reading, &file, |c| c.to_string())?;
    Ok(Raw { df, lines })
}

/// The names of a header line, when it is one (no name empty).
fn header_names(line: &[u8], separator: u8) -> Option<Vec<String>> {
    let text = std::str::from_utf8(line).ok()?.trim_end();
    let names: Vec<String> = text
        .split(separator as char)
        .map(|n| n.trim().trim_matches('"').to_string())
        .collect();
    let plausible = |n: &String| {
        !n.is_empty()
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    };
    names.iter().all(plausible).then_some(names)
}

/// The number of fields on a line (a quoted separator is part of its field).
fn count_fields(line: &[u8], separator: u8, quoted: bool) -> usize {
    let mut inside = false;
    let mut count = 1;
    for &b in line {
        if quoted && b == b'"' {
            inside = !inside;
        } else if b == separator && !inside {
            count += 1;
        }
    }
    count
}

/// CloudFront v2 Parquet: the needed fields by their own names, or by Athena's (lower case,
/// `(` and `-` as `_`, no `)`: `cs(User-Agent)` is `cs_user_agent`).
pub(super) fn parquet(path: &Path, bytes: Vec<u8>, reading: &Reading) -> Result<Raw> {
    let (needed, _) = needed_fields(reading)?;
    let file = || Location::file(path.display().to_string());
    let df = ParquetReader::new(std::io::Cursor::new(bytes))
        .finish()
        .map_err(|_| InputError::at(file(), "starts as Parquet but cannot be read"))?;
    let lines = Lines::rows_of(path, df.height());
    let df = pick(df, &needed, reading, &file, athena_name)?;
    Ok(Raw { df, lines })
}

/// A CloudFront field's name in AWS's Athena table for standard logs.
fn athena_name(field: &str) -> String {
    field
        .to_ascii_lowercase()
        .replace(['(', '-'], "_")
        .replace(')', "")
}

/// The `needed` fields of `df` as text, by their names or `alias`; a field inside an
/// object (`Cookies.session`) from a column of JSON objects; an optional field absent
/// from every row is empty.
fn pick(
    df: DataFrame,
    needed: &[String],
    reading: &Reading,
    file: &dyn Fn() -> Location,
    alias: impl Fn(&str) -> String,
) -> Result<DataFrame> {
    let required = reading.description.required();
    let height = df.height();
    let mut columns = Vec::with_capacity(needed.len());
    for field in needed {
        let found = df
            .column(field)
            .ok()
            .or_else(|| df.column(&alias(field)).ok())
            .cloned();
        let column = match (found, field.split_once('.')) {
            (Some(column), _) => column,
            (None, Some((top, key))) if df.column(top).is_ok() => object_key(&df, top, key)?,
            (None, _) if !required.contains(field) => {
                Column::full_null(field.as_str().into(), height, &DataType::String)
            }
            (None, _) => {
                return Err(InputError::at(
                    file().key(field.as_str()),
                    format!(
                        "no column `{field}` ({} logs need {})",
                        reading.description.name,
                        required.join(", ")
                    ),
                )
                .into())
            }
        };
        let column = column
            .cast(&DataType::String)
            .or_bug()?
            .with_name(field.as_str().into());
        columns.push(column);
    }
    DataFrame::new(height, columns).or_bug()
}

/// One key of a column of JSON objects (Logpush CSV writes `Cookies` as an object):
/// the objects read as JSON lines by polars.
fn object_key(df: &DataFrame, top: &str, key: &str) -> Result<Column> {
    let texts = df.column(top).or_bug()?.cast(&DataType::String).or_bug()?;
    let texts = texts.str().or_bug()?;
    let mut bytes = Vec::new();
    for text in texts.iter() {
        match text.map(str::trim) {
            Some(t) if t.starts_with('{') => bytes.extend_from_slice(t.as_bytes()),
            _ => bytes.extend_from_slice(b"{}"),
        }
        bytes.push(b'\n');
    }
    let objects = JsonReader::new(std::io::Cursor::new(bytes))
        .with_json_format(JsonFormat::JsonLines)
        .finish();
    let exact = |c: &Column| c.name().as_str() == key;
    let any_case = |c: &Column| c.name().eq_ignore_ascii_case(key);
    let cookies = top == "Cookies";
    let found = objects.ok().and_then(|o| {
        o.columns()
            .iter()
            .find(|c| if cookies { exact(c) } else { any_case(c) })
            .cloned()
    });
    Ok(found.unwrap_or_else(|| Column::full_null(key.into(), df.height(), &DataType::String)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn athena_names() {
        assert_eq!(athena_name("cs(User-Agent)"), "cs_user_agent");
        assert_eq!(athena_name("x-edge-location"), "x_edge_location");
        assert_eq!(athena_name("time-taken"), "time_taken");
    }

    #[test]
    fn fields_counted_outside_quotes() {
        assert_eq!(count_fields(b"\"a,b\",1,\"c\"", b',', true), 3);
        assert_eq!(count_fields(b"1 2  3", b' ', false), 4);
    }
}
