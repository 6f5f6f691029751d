//! Reading the exposure log and the registered-fields table: formats by extension,
//! required columns, timestamps, and errors that name the file, column and row.

pub mod registered;
pub mod relations;
pub mod zone;

use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::error::{InputError, InputResult, Location};
use anyhow::Result;
pub use registered::Registered;
pub use relations::Relations;
pub use zone::{parse_instant, Zone};

/// The columns of the contract's exposure log.
pub const LOG_COLUMNS: [&str; 4] = ["ts", "path", "owner_id", "viewer_id"];

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

/// Expands the `-e` arguments: plain files, or glob patterns that must match something.
pub fn expand_paths(args: &[String]) -> InputResult<Vec<PathBuf>> {
    let mut files = Vec::new();
    for arg in args {
        if arg.contains(['*', '?', '[']) {
            let pattern = glob::glob(arg).map_err(|e| {
                InputError::at(Location::file(arg), format!("invalid glob pattern: {e}"))
            })?;
            let mut matched: Vec<PathBuf> = pattern
                .filter_map(Result::ok)
                .filter(|p| p.is_file())
                .collect();
            if matched.is_empty() {
                return Err(InputError::at(
                    Location::file(arg),
                    "the pattern matches no file",
                ));
            }
            matched.sort();
            files.extend(matched);
        } else {
            let path = PathBuf::from(arg);
            check_readable_file(&path)?;
            files.push(path);
        }
    }
    Ok(files)
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

fn first_line(message: &str) -> String {
    let line = message
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(message);
    line.chars().take(200).collect()
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

/// How to read: the zone for naive times and the window `[from, to)` in UTC microseconds.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    pub zone: Zone,
    pub from: Option<i64>,
    pub to: Option<i64>,
}

/// The exposure log in memory: `ts` (UTC, µs), `path` (as served), `owner_id`,
/// `viewer_id` (null = unidentified visitor); only rows in the window with an owner.
#[derive(Debug, Clone)]
pub struct Log {
    pub df: DataFrame,
    pub files: Vec<PathBuf>,
    /// Rows in the window skipped because their `owner_id` is empty.
    pub rows_without_owner: usize,
}

pub fn utc_micros() -> DataType {
    DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
}

impl Log {
    pub fn read(files: &[PathBuf], options: &ReadOptions) -> Result<Log> {
        let mut frames = Vec::with_capacity(files.len());
        let mut rows_without_owner = 0;
        for path in files {
            let (df, skipped) = read_one(path, options)?;
            rows_without_owner += skipped;
            frames.push(df);
        }
        let mut frames = frames.into_iter();
        let mut df = frames.next().unwrap_or_else(empty_log);
        for more in frames {
            df.vstack_mut(&more).map_err(polars_bug)?;
        }
        // Left in the chunks the reader made (one per row group): rechunking two million
        // strings cost more than the later steps gain from it.
        Ok(Log {
            df,
            files: files.to_vec(),
            rows_without_owner,
        })
    }
}

fn empty_log() -> DataFrame {
    DataFrame::new(
        0,
        vec![
            Column::new_empty("ts".into(), &utc_micros()),
            Column::new_empty("path".into(), &DataType::String),
            Column::new_empty("owner_id".into(), &DataType::String),
            Column::new_empty("viewer_id".into(), &DataType::String),
        ],
    )
    .expect("empty frame with a fixed schema")
}

/// Reads one file: checks columns, parses timestamps (failing on the first bad row),
/// applies the window and drops rows without an owner.
fn read_one(path: &Path, options: &ReadOptions) -> Result<(DataFrame, usize)> {
    let (mut lf, format) = scan(path)?;
    let schema = schema_of(&mut lf, path, format)?;
    for column in LOG_COLUMNS {
        if schema.get(column).is_none() {
            return Err(anyhow::Error::from(InputError::at(
                Location::file(path.display().to_string()).key(column),
                format!(
                    "missing required column `{column}` (the log needs ts, path, owner_id, viewer_id; found: {})",
                    some_names(&schema)
                ),
            )));
        }
    }
    refuse_repeated_columns(&schema, path, &LOG_COLUMNS)?;
    let text = |name: &str| col(name).cast(DataType::String);
    let ts_type = schema.get("ts").cloned().unwrap_or(DataType::String);
    let ts_expr = ts_to_utc(&ts_type, path, &options.zone)?;
    let lf = lf.select([
        ts_expr.alias("ts"),
        text("path").alias("path"),
        text("owner_id").alias("owner_id"),
        text("viewer_id").alias("viewer_id"),
    ]);
    let mut window = lit(true);
    if let Some(from) = options.from {
        window = window.and(col("ts").gt_eq(lit(from).cast(utc_micros())));
    }
    if let Some(to) = options.to {
        window = window.and(col("ts").lt(lit(to).cast(utc_micros())));
    }
    if ts_type == DataType::String {
        // Text timestamps: every row is parsed (a bad one anywhere is an error), then windowed.
        let df = lf.collect().map_err(|e| unreadable(path, format, &e))?;
        let df = parse_text_timestamps(df, path, format, &options.zone)?;
        let df = df.lazy().filter(window).collect().map_err(polars_bug)?;
        return keep_owned(df);
    }
    // One scan, the window pushed into it (row groups outside are skipped by their
    // statistics). A null or out-of-range native timestamp would silently fall out of the
    // window (or skew the figures): the filter keeps such rows so that they are refused.
    let ts = col("ts");
    let outside = ts
        .clone()
        .lt(lit(EARLIEST_MICROS).cast(utc_micros()))
        .or(ts.clone().gt_eq(lit(LATEST_MICROS).cast(utc_micros())));
    let windowed = if options.from.is_some() || options.to.is_some() {
        lf.clone()
            .filter(window.or(ts.clone().is_null()).or(outside.clone()))
    } else {
        lf.clone()
    };
    let df = windowed
        .collect()
        .map_err(|e| unreadable(path, format, &e))?;
    let bad = df
        .clone()
        .lazy()
        .select([ts
            .clone()
            .is_null()
            .or(outside.clone())
            .sum()
            .cast(DataType::UInt64)
            .alias("bad")])
        .collect()
        .map_err(polars_bug)?;
    let bad = bad
        .column("bad")
        .ok()
        .and_then(|c| c.u64().ok().and_then(|c| c.get(0)))
        .unwrap_or(0);
    if bad > 0 {
        // Rare: find the first bad row in the whole file.
        let flags = lf
            .clone()
            .select([
                ts.clone().is_null().alias("null"),
                outside.fill_null(lit(false)).alias("outside"),
            ])
            .collect()
            .map_err(|e| unreadable(path, format, &e))?;
        let flag = |name: &str| -> Result<BooleanChunked> {
            Ok(flags
                .column(name)
                .map_err(polars_bug)?
                .bool()
                .map_err(polars_bug)?
                .clone())
        };
        let (nulls, outside) = (flag("null")?, flag("outside")?);
        let index = first_true(&(&nulls | &outside)).unwrap_or(0);
        let message = if nulls.get(index) == Some(true) {
            "empty timestamp (or a local time that does not exist in --tz)".to_string()
        } else {
            let value = lf
                .clone()
                .select([ts])
                .slice(index as i64, 1)
                .collect()
                .ok()
                .and_then(|df| {
                    df.column("ts")
                        .ok()
                        .and_then(|c| c.get(0).ok().map(|v| v.to_string()))
                })
                .unwrap_or_default();
            format!("timestamp {value} {OUT_OF_RANGE}")
        };
        return Err(anyhow::Error::from(InputError::at(
            row_location(path, format, index, "ts"),
            message,
        )));
    }
    keep_owned(df)
}

/// Counts and drops rows without an owner; an empty viewer becomes null (unidentified)
/// and a missing path the root.
fn keep_owned(df: DataFrame) -> Result<(DataFrame, usize)> {
    let owner = df
        .column("owner_id")
        .map_err(polars_bug)?
        .str()
        .map_err(polars_bug)?;
    let has_owner = &owner.is_not_null() & &owner.not_equal("");
    let skipped = df.height() - has_owner.sum().unwrap_or(0) as usize;
    let df = if skipped > 0 {
        df.filter(&has_owner).map_err(polars_bug)?
    } else {
        df
    };
    let df = df
        .lazy()
        .select([
            col("ts"),
            col("path").fill_null(lit("/")),
            col("owner_id"),
            viewer_or_null(),
        ])
        .collect()
        .map_err(polars_bug)?;
    Ok((df, skipped))
}

/// `viewer_id` with an empty value read as null: an unidentified visitor.
pub(crate) fn viewer_or_null() -> Expr {
    when(col("viewer_id").eq(lit("")))
        .then(lit(NULL).cast(DataType::String))
        .otherwise(col("viewer_id"))
        .alias("viewer_id")
}

/// The `ts` column as UTC µs for native timestamps; text is kept as text here and parsed
/// by `parse_text_timestamps` (shared with the CDN log reader).
pub(crate) fn ts_to_utc(ts_type: &DataType, path: &Path, zone: &Zone) -> InputResult<Expr> {
    match ts_type {
        DataType::Datetime(_, tz) => Ok(native_to_utc(tz.is_some(), zone)),
        DataType::Date => Ok(native_naive(
            col("ts").cast(DataType::Datetime(TimeUnit::Microseconds, None)),
            zone,
        )),
        DataType::String => Ok(col("ts")),
        other => Err(InputError::at(
            Location::file(path.display().to_string()).key("ts"),
            format!("column `ts` has type {other}; expected RFC 3339 text or a timestamp"),
        )),
    }
}

/// A native Parquet timestamp in UTC µs: zone-aware ones are converted, naive ones are
/// read in `--tz`.
fn native_to_utc(aware: bool, zone: &Zone) -> Expr {
    if aware {
        col("ts")
            .dt()
            .convert_time_zone(TimeZone::UTC)
            .cast(utc_micros())
    } else {
        native_naive(
            col("ts").cast(DataType::Datetime(TimeUnit::Microseconds, None)),
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

/// Parses each distinct timestamp text once (the same parser as `--from`/`--to`), then
/// joins the instants back, keeping the other columns. The first unparsable value is
/// reported with its row.
pub(crate) fn parse_text_timestamps(
    df: DataFrame,
    path: &Path,
    format: Format,
    zone: &Zone,
) -> Result<DataFrame> {
    let raw = df
        .column("ts")
        .map_err(polars_bug)?
        .str()
        .map_err(polars_bug)?
        .clone();
    let distinct = raw.unique().map_err(polars_bug)?;
    let mut instants: Vec<Option<i64>> = Vec::with_capacity(distinct.len());
    let mut texts: Vec<Option<&str>> = Vec::with_capacity(distinct.len());
    let mut any_bad = false;
    for text in distinct.iter() {
        let parsed = text
            .and_then(|t| parse_instant(t, zone))
            .map(|d| d.timestamp_micros());
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
                    .and_then(|t| parse_instant(t, zone))
                    .is_some_and(|d| in_range(d.timestamp_micros()))
            })
            .unwrap_or((0, None));
        let message = match text {
            None => "empty timestamp".to_string(),
            Some(value) => {
                let shown = value.chars().take(60).collect::<String>();
                if parse_instant(value, zone).is_some() {
                    format!("timestamp {shown:?} {OUT_OF_RANGE}")
                } else {
                    format!(
                        "unparsable timestamp {shown:?}: expected RFC 3339 with offset (2017-06-22T10:00:00+09:00) or YYYY-MM-DD HH:MM:SS[.fff] in --tz"
                    )
                }
            }
        };
        return Err(anyhow::Error::from(InputError::at(
            row_location(path, format, index, "ts"),
            message,
        )));
    }
    let lookup = DataFrame::new(
        texts.len(),
        vec![
            Column::new("ts".into(), texts),
            Column::new("ts_utc".into(), instants),
        ],
    )
    .map_err(polars_bug)?;
    // Row order is kept: the CDN reader breaks ties between equal times by log order.
    let args = JoinArgs {
        validation: JoinValidation::ManyToOne,
        maintain_order: MaintainOrderJoin::Left,
        ..JoinArgs::new(JoinType::Inner)
    };
    df.lazy()
        .join(lookup.lazy(), [col("ts")], [col("ts")], args)
        .with_column(col("ts_utc").cast(utc_micros()).alias("ts"))
        .drop(by_name(["ts_utc"], true, false))
        .collect()
        .map_err(polars_bug)
}

/// Log times the tool accepts, in UTC microseconds: [1970-01-01, 2100-01-01). A web log
/// cannot hold anything outside; such a value is a clock or export error, and counting it
/// would put a 1969 "first exposure" in front of a regulator.
pub const EARLIEST_MICROS: i64 = 0;
pub const LATEST_MICROS: i64 = 4_102_444_800_000_000;
const OUT_OF_RANGE: &str =
    "is outside 1970-01-01 to 2100-01-01: a web log cannot hold it (a clock or export error?)";

fn in_range(micros: i64) -> bool {
    (EARLIEST_MICROS..LATEST_MICROS).contains(&micros)
}

pub(crate) fn first_true(mask: &BooleanChunked) -> Option<usize> {
    mask.iter().position(|v| v == Some(true))
}

/// Polars failing on data we already validated is a fault of ours, not bad input (exit 1).
pub(crate) fn polars_bug(e: PolarsError) -> anyhow::Error {
    anyhow::anyhow!(
        "internal error while processing the data: {}",
        first_line(&e.to_string())
    )
}
