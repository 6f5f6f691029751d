//! Which format a log file holds, how it is scanned, and how its errors name the file,
//! the row and the column.

use std::path::Path;

use polars::prelude::*;

use crate::error::{InputError, InputResult, Location};
use crate::frame::first_line;

/// The formats a log or table file is read in. Each owns its file name endings and the
/// word its messages use: a new format is a new variant here and a reader of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Parquet,
    Ndjson,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Csv, Format::Parquet, Format::Ndjson];

    /// The file name endings of the format, lower case, without gzip's `.gz`.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            Format::Csv => &[".csv"],
            Format::Parquet => &[".parquet"],
            Format::Ndjson => &[".ndjson", ".jsonl"],
        }
    }

    /// Whether a gzip-compressed file (`NAME.csv.gz`) of the format is read.
    pub fn gzip(self) -> bool {
        self != Format::Parquet
    }

    /// The format's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "CSV",
            Format::Parquet => "Parquet",
            Format::Ndjson => "NDJSON",
        }
    }

    /// The endings read, for messages: ".csv, .parquet, .ndjson or .jsonl".
    pub fn extensions_text() -> String {
        let all: Vec<&str> = Format::ALL
            .iter()
            .flat_map(|f| f.extensions().iter().copied())
            .collect();
        match all.split_last() {
            Some((last, init)) => format!("{} or {last}", init.join(", ")),
            None => String::new(),
        }
    }

    /// The gzip endings read, for messages: ".csv.gz and .ndjson.gz".
    fn gzip_text() -> String {
        let gzip: Vec<String> = Format::ALL
            .iter()
            .filter(|f| f.gzip())
            .map(|f| format!("{}.gz", f.extensions()[0]))
            .collect();
        gzip.join(" and ")
    }

    /// Every ending read, gzip included, for messages.
    pub fn accepted_text() -> String {
        format!(
            "{} ({} for gzip)",
            Format::extensions_text(),
            Format::gzip_text()
        )
    }
}

/// Whether a file is named as gzip (`.gz`, any case).
pub fn gzip_named(path: &Path) -> bool {
    path.to_string_lossy().to_lowercase().ends_with(".gz")
}

/// Which format a file holds, by its name's ending (a gzip file by the ending before `.gz`).
pub fn format_of(path: &Path) -> InputResult<Format> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let (name, gzipped) = match name.strip_suffix(".gz") {
        Some(inner) => (inner, true),
        None => (name.as_str(), false),
    };
    Format::ALL
        .into_iter()
        .find(|f| (f.gzip() || !gzipped) && f.extensions().iter().any(|e| name.ends_with(e)))
        .ok_or_else(|| {
            InputError::at(
                Location::file(path.display().to_string()),
                format!("unknown file type: expected {}", Format::accepted_text()),
            )
        })
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
    let what = format.name();
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
        format!("is not a readable {what} file ({})", reader_words(e)),
    )
}

/// What went wrong, in the tool's own words: the kind of failure, and the column and the
/// line or row where the reader names them. The reader's own message is not passed on,
/// since it can quote a cell of the file (personal data in an error log).
fn reader_words(e: &PolarsError) -> String {
    let kind = match e {
        PolarsError::InvalidOperation(_) | PolarsError::ComputeError(_) => {
            "the reader could not parse it"
        }
        e => crate::frame::polars_kind(e),
    };
    let message = e.to_string();
    let mut words = kind.to_string();
    if let Some(column) = quoted_after(&message, "column ") {
        words.push_str(&format!(", column `{column}`"));
    }
    for unit in ["line", "row"] {
        if let Some(number) = number_after(&message, &format!("{unit} ")) {
            words.push_str(&format!(", {unit} {number}"));
            break;
        }
    }
    words
}

/// The name quoted (with ' " or `) right after `prefix` in `message`, if it is a short
/// identifier (`first_ts`, `user_id`): what a header names. Anything else may be a cell
/// the library took for a name (a file without a header line), and is left out.
fn quoted_after(message: &str, prefix: &str) -> Option<String> {
    let rest = &message[message.find(prefix)? + prefix.len()..];
    let quote = rest
        .chars()
        .next()
        .filter(|c| matches!(c, '\'' | '"' | '`'))?;
    let inner = &rest[quote.len_utf8()..];
    let name = &inner[..inner.find(quote)?];
    let identifier = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    (identifier && name.len() <= 40).then(|| name.to_string())
}

/// The whole number right after `prefix` in `message`.
fn number_after(message: &str, prefix: &str) -> Option<u64> {
    let rest = &message[message.find(prefix)? + prefix.len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Line and column (1-based, in characters) of the first byte that is not UTF-8, for
/// plain-text files; read only when the reader has already failed.
fn first_non_utf8(path: &Path) -> Option<(usize, usize)> {
    use std::io::BufRead;
    if gzip_named(path) {
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

/// The one check of a table's required columns: the first of `required` the schema
/// lacks is refused, naming the file and the column, as "missing required column `C`"
/// and `what` (what the table needs, in the caller's words).
pub(crate) fn require_columns(
    schema: &Schema,
    required: &[&str],
    file: &str,
    what: impl FnOnce() -> String,
) -> crate::error::InputResult<()> {
    match required.iter().find(|c| schema.get(c).is_none()) {
        None => Ok(()),
        Some(column) => Err(crate::error::InputError::at(
            crate::error::Location::file(file).key(*column),
            format!("missing required column `{column}`{}", what()),
        )),
    }
}

/// What a message says of a header that lacks a column: which of the columns the tool
/// reads (`known`) it has, and how many columns it has in all. Its other names are not
/// quoted: in a file without a header line they are the first row's cells (someone's
/// id, path, address), and a 10 MB header must not become a 10 MB error either.
pub(crate) fn header_words(schema: &Schema, known: &[&str]) -> String {
    let present: Vec<&str> = known
        .iter()
        .copied()
        .filter(|name| schema.get(name).is_some())
        .collect();
    let of_these = match present.is_empty() {
        true => "none of these".to_string(),
        false => present.join(", "),
    };
    let columns = match schema.len() {
        1 => "1 column".to_string(),
        n => format!("{n} columns"),
    };
    format!(
        "the header has {of_these} ({columns} in all; other names are not shown, since a file without a header line has a row of data there)"
    )
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
