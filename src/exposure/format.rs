//! Which format a log file holds, how it is scanned, and how its errors name the file,
//! the row and the column.

use std::path::Path;

use polars::prelude::*;

use crate::error::{InputError, InputResult, Location};
use crate::frame::first_line;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Parquet,
    Ndjson,
}

/// Which format a file holds, by its extension.
pub fn format_of(path: &Path) -> InputResult<Format> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    if name.ends_with(".csv") {
        Ok(Format::Csv)
    } else if name.ends_with(".parquet") && !path.to_string_lossy().ends_with(".gz") {
        Ok(Format::Parquet)
    } else if name.ends_with(".ndjson") || name.ends_with(".jsonl") {
        Ok(Format::Ndjson)
    } else {
        Err(InputError::at(
            Location::file(path.display().to_string()),
            "unknown file type: expected .csv, .parquet, .ndjson or .jsonl (.csv.gz and .ndjson.gz for gzip)",
        ))
    }
}

/// Checks that `path` is a file that can be read; returns its size in bytes.
pub(crate) fn check_readable_file(path: &Path) -> InputResult<u64> {
    let location = Location::file(path.display().to_string());
    match std::fs::metadata(path) {
        Err(e) => Err(InputError::at(location, format!("cannot read: {e}"))),
        Ok(meta) if meta.is_dir() => {
            Err(InputError::at(location, "is a directory, expected a file"))
        }
        Ok(meta) => Ok(meta.len()),
    }
}

/// A lazy scan of one input file, every text column read as text (ids stay ids).
pub(crate) fn scan(path: &Path) -> InputResult<(LazyFrame, Format)> {
    let format = format_of(path)?;
    let location = Location::file(path.display().to_string());
    if check_readable_file(path)? == 0 {
        return Err(InputError::at(
            location,
            "the file is empty (no header, no rows)",
        ));
    }
    // Polars also reads URLs (https://, s3://) and links an HTTP client for them. Only a
    // local file is ever handed to it, as an absolute path, so nothing goes over a network
    // even for a local name that looks like a URL (`https:/host/x.csv`).
    let local = std::fs::canonicalize(path)
        .map_err(|e| InputError::at(location.clone(), format!("cannot read: {e}")))?;
    let name = PlRefPath::new(local.to_string_lossy().as_ref());
    let lf = match format {
        Format::Csv => LazyCsvReader::new(name)
            .with_has_header(true)
            .with_infer_schema_length(Some(0))
            .with_glob(false)
            .finish(),
        Format::Ndjson => LazyJsonLineReader::new(name).finish(),
        Format::Parquet => {
            let args = ScanArgsParquet {
                glob: false,
                ..Default::default()
            };
            LazyFrame::scan_parquet(name, args)
        }
    };
    let lf = lf.map_err(|e| unreadable(path, format, &e))?;
    Ok((lf, format))
}

pub(crate) fn unreadable(path: &Path, format: Format, e: &PolarsError) -> InputError {
    let what = match format {
        Format::Csv => "CSV",
        Format::Parquet => "Parquet",
        Format::Ndjson => "NDJSON",
    };
    let detail = first_line(&e.to_string());
    let location = Location::file(path.display().to_string());
    if detail.to_lowercase().contains("utf-8") || detail.to_lowercase().contains("utf8") {
        if let Some((line, column)) = first_non_utf8(path) {
            return InputError::at(
                location.at(line, column),
                format!("is not UTF-8 text here ({what}); save the file as UTF-8"),
            );
        }
    }
    InputError::at(
        location,
        format!("is not a readable {what} file ({detail})"),
    )
}

/// Line and column (1-based, in characters) of the first byte that is not UTF-8, for
/// plain-text files; read only when the reader has already failed.
fn first_non_utf8(path: &Path) -> Option<(usize, usize)> {
    use std::io::BufRead;
    if path.to_string_lossy().to_lowercase().ends_with(".gz") {
        return None;
    }
    let mut reader = std::io::BufReader::new(std::fs::File::open(path).ok()?);
    let mut line = Vec::new();
    for number in 1.. {
        line.clear();
        if reader.read_until(b'\n', &mut line).ok()? == 0 {
            return None;
        }
        if let Err(e) = std::str::from_utf8(&line) {
            let before = String::from_utf8_lossy(&line[..e.valid_up_to()]);
            return Some((number, before.chars().count() + 1));
        }
    }
    None
}

/// The file's schema, or an error saying what the file is not.
pub(crate) fn schema_of(lf: &mut LazyFrame, path: &Path, format: Format) -> InputResult<SchemaRef> {
    lf.collect_schema()
        .map_err(|e| unreadable(path, format, &e))
}

/// Refuses a header that names one of `read` twice: which column is meant would be a
/// guess. (The CSV reader renames the repeat `NAME_duplicated_N`; other columns may repeat,
/// they are ignored anyway.)
pub(crate) fn refuse_repeated_columns(
    schema: &Schema,
    path: &Path,
    read: &[&str],
) -> InputResult<()> {
    for (position, name) in schema.iter_names().enumerate() {
        let Some((base, _)) = name.as_str().rsplit_once("_duplicated_") else {
            continue;
        };
        let Some(first) = schema.index_of(base) else {
            continue;
        };
        if read.contains(&base) {
            return Err(InputError::at(
                Location::file(path.display().to_string()).key(base),
                format!(
                    "the header names column `{base}` twice (columns {} and {}); keep one",
                    first + 1,
                    position + 1
                ),
            ));
        }
    }
    Ok(())
}

/// Column names as a short list for messages: a 10 MB header must not become a 10 MB error.
pub(crate) fn some_names(schema: &Schema) -> String {
    let mut names: Vec<String> = schema
        .iter_names()
        .take(12)
        .map(|n| {
            let mut short: String = n.chars().take(40).collect();
            if short.len() < n.len() {
                short.push('…');
            }
            short
        })
        .collect();
    if schema.len() > 12 {
        names.push("…".into());
    }
    names.join(", ")
}

/// Row numbers in messages: 1-based data rows; CSV also gives the line (header is line 1).
pub(crate) fn row_location(path: &Path, format: Format, index: usize, column: &str) -> Location {
    let location = Location::file(path.display().to_string())
        .row(index + 1)
        .key(column);
    match format {
        Format::Csv | Format::Ndjson => {
            let line = if format == Format::Csv {
                index + 2
            } else {
                index + 1
            };
            Location {
                line: Some(line),
                ..location
            }
        }
        Format::Parquet => location,
    }
}
