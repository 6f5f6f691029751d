//! W3C extended log files (IIS and others) and CloudFront standard logs as text: fields
//! declared by a `#Fields:` directive (a file may declare them again further down, as IIS
//! does after a restart), values separated by a tab (CloudFront) or a space (W3C), `-` for
//! no value. The values are split by polars' CSV reader, quoting off.

use std::sync::Arc;

use anyhow::Result;
use polars::prelude::*;

use super::normalise::Raw;
use super::text::Lines;
use super::{needed_fields, Reading};
use crate::error::{InputError, Location};
use crate::frame::OrBug;

/// One `#Fields` block: its fields and the rows under it.
struct Section {
    line: u32,
    fields: Vec<String>,
    rows: std::ops::Range<usize>,
}

/// Reads a CloudFront or W3C file's fields.
pub(super) fn read(lines: Lines, reading: &Reading, separator: u8) -> Result<Raw> {
    let sections = sections(&lines)?;
    let (needed, optional) = needed_fields(reading)?;
    let name = reading.description.name;
    let mut frames: Vec<DataFrame> = Vec::with_capacity(sections.len());
    let starts = &lines.starts;
    for section in &sections {
        let declared = |field: &String| section.fields.iter().any(|f| f == field);
        let present: Vec<String> = needed.iter().filter(|f| declared(f)).cloned().collect();
        if let Some(field) = needed
            .iter()
            .find(|f| !declared(f) && !optional.contains(f))
        {
            return Err(InputError::at(
                Location::file(lines.path.display().to_string()).at(section.line as usize, 1),
                format!(
                    "the #Fields line has no `{field}` ({name} logs need {}; declared: {})",
                    needed
                        .iter()
                        .filter(|f| !optional.contains(f))
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(" "),
                    section.fields.join(" ")
                ),
            )
            .into());
        }
        let bytes = &lines.bytes[starts[section.rows.start]..starts[section.rows.end]];
        check_field_counts(&lines, section, separator)?;
        let parsed = parse(bytes, section, &present, separator).and_then(|mut df| {
            for absent in needed.iter().filter(|f| !present.contains(f)) {
                let height = df.height();
                df.with_column(Column::full_null(
                    absent.as_str().into(),
                    height,
                    &DataType::String,
                ))?;
            }
            // Every block's columns in one order, whatever order its #Fields declared.
            df.select(needed.iter().map(|f| f.as_str()))
        });
        if parsed.is_err() {
            lines.check_utf8()?;
        }
        frames.push(parsed.map_err(|e| {
            InputError::at(
                Location::file(lines.path.display().to_string()),
                format!(
                    "cannot be read as {name}: {}",
                    crate::frame::first_line(&e.to_string())
                ),
            )
        })?);
    }
    let mut frames = frames.into_iter();
    let mut df = frames.next().unwrap_or_default();
    for more in frames {
        df.vstack_mut(&more).or_bug()?;
    }
    if df.width() == 0 {
        let columns: Vec<Column> = needed
            .iter()
            .map(|f| Column::new_empty(f.as_str().into(), &DataType::String))
            .collect();
        df = DataFrame::new(0, columns).or_bug()?;
    }
    Ok(Raw { df, lines })
}

/// The `#Fields` blocks; data before the first one is refused by line.
fn sections(lines: &Lines) -> Result<Vec<Section>> {
    let mut sections: Vec<Section> = Vec::new();
    for directive in &lines.directives {
        let Some(fields) = directive.text.strip_prefix("Fields:") else {
            continue;
        };
        if let Some(last) = sections.last_mut() {
            last.rows.end = directive.rows_before;
        } else if directive.rows_before > 0 {
            return Err(InputError::at(
                lines.at(0, "#Fields"),
                "a data line before any #Fields line: the fields are unknown",
            )
            .into());
        }
        sections.push(Section {
            line: directive.line,
            fields: fields.split_whitespace().map(str::to_string).collect(),
            rows: directive.rows_before..lines.rows(),
        });
    }
    if sections.is_empty() {
        return Err(InputError::at(
            Location::file(lines.path.display().to_string()),
            "no #Fields line: a W3C extended or CloudFront log declares its fields (#Fields: date time ...)",
        )
        .into());
    }
    sections.retain(|s| !s.rows.is_empty());
    Ok(sections)
}

/// Every line of the section must have the declared number of fields.
fn check_field_counts(lines: &Lines, section: &Section, sep: u8) -> Result<()> {
    let want = section.fields.len();
    for i in 0..section.rows.len() {
        let row = section.rows.start + i;
        let line = &lines.bytes[lines.starts[row]..lines.starts[row + 1] - 1];
        let got = count(line, sep) + 1;
        // AWS's own example lines end with a tab: an empty field past the last is allowed.
        let trailing = got == want + 1 && line.last() == Some(&sep);
        if got != want && !trailing {
            return Err(InputError::at(
                lines.at(section.rows.start + i, "line"),
                format!(
                    "{got} fields where the #Fields line (line {}) declares {want}: a malformed line",
                    section.line
                ),
            )
            .into());
        }
    }
    Ok(())
}

/// How many times `byte` occurs in `line`: sums of comparisons in bytes, 255 at a time,
/// which the compiler turns into wide vector adds.
fn count(line: &[u8], byte: u8) -> usize {
    line.chunks(255)
        .map(|chunk| {
            chunk
                .iter()
                .fold(0u8, |sum, &b| sum.wrapping_add(u8::from(b == byte))) as usize
        })
        .sum()
}

/// The needed fields of a section's lines, as text.
fn parse(bytes: &[u8], section: &Section, needed: &[String], sep: u8) -> PolarsResult<DataFrame> {
    let schema: Schema = section
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            // A field declared twice would be two columns of one name.
            let name = if section.fields[..i].contains(f) {
                format!("{f}\u{1f}{i}")
            } else {
                f.clone()
            };
            Field::new(name.into(), DataType::String)
        })
        .collect();
    let columns: Arc<[PlSmallStr]> = needed.iter().map(|f| f.as_str().into()).collect();
    CsvReadOptions::default()
        .with_has_header(false)
        .with_schema(Some(Arc::new(schema)))
        .with_columns(Some(columns))
        .with_parse_options(
            CsvParseOptions::default()
                .with_separator(sep)
                .with_quote_char(None)
                .with_truncate_ragged_lines(true),
        )
        .into_reader_with_file_handle(std::io::Cursor::new(bytes))
        .finish()
}
