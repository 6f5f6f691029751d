//! Reading the exposure log and the registered-fields table: formats by extension,
//! required columns, timestamps, and errors that name the file, column and row.

pub mod partitions;
pub mod registered;
pub mod relations;
pub mod zone;

use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::error::{InputError, InputResult, Location};
use anyhow::Result;
pub use partitions::Listing;
pub use registered::Registered;
pub use relations::Relations;
pub use zone::{parse_instant, parse_log_time, Zone};

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

/// Expands the `-e` arguments: plain files, glob patterns that must match something, and
/// folders (every log file under them, see `partitions`).
pub fn expand_paths(args: &[String]) -> InputResult<Vec<PathBuf>> {
    Ok(expand_log(args, (None, None))?.files)
}

/// As `expand_paths`, leaving out the files of a folder's partitions that lie wholly
/// outside the window `[from, to)`.
pub fn expand_log(args: &[String], window: (Option<i64>, Option<i64>)) -> InputResult<Listing> {
    let mut listing = Listing::default();
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
            listing.files.extend(matched);
        } else if Path::new(arg).is_dir() {
            let folder = partitions::list(Path::new(arg), window)?;
            listing.files.extend(folder.files);
            listing.pruned += folder.pruned;
        } else {
            let path = PathBuf::from(arg);
            check_readable_file(&path)?;
            listing.files.push(path);
        }
    }
    Ok(listing)
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

/// How to read: the zone for naive times, the window `[from, to)` in UTC microseconds,
/// the log's own column names and time pattern, and whether to reduce rows while reading.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    pub zone: Zone,
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// `--column CONTRACT=SOURCE`: the log's own names for the contract's columns.
    pub columns: Vec<(String, String)>,
    /// `--ts-format`: the strftime pattern of the log's text timestamps.
    pub ts_format: Option<String>,
    /// Read a Parquet log on polars' streaming engine with its paths dictionary-encoded
    /// during the scan: no path text is held per row.
    pub streaming: bool,
}

/// The columns of an aggregated log: one row per distinct (path, owner, viewer), with how
/// many responses it stands for and the first and last of them.
pub const AGGREGATED_COLUMNS: [&str; 6] = [
    "path",
    "owner_id",
    "viewer_id",
    "requests",
    "first_ts",
    "last_ts",
];

/// Names `--column` may map: the raw and aggregated logs' columns, and the CDN log's.
pub const MAPPABLE_COLUMNS: [&str; 9] = [
    "ts",
    "path",
    "owner_id",
    "viewer_id",
    "requests",
    "first_ts",
    "last_ts",
    "minute",
    "cache_status",
];

/// The exposure log in memory: `ts` (UTC, µs), `path` (as served), `owner_id`,
/// `viewer_id` (null = unidentified visitor); only rows in the window with an owner.
/// A weighted log also has `requests` (responses the row stands for), `last_ts` (the last
/// of them; `ts` is the first) and, with `minutes`, `minute`.
#[derive(Debug, Clone)]
pub struct Log {
    pub df: DataFrame,
    pub files: Vec<PathBuf>,
    /// Responses in the window skipped because their `owner_id` is empty.
    pub rows_without_owner: usize,
    /// Rows are weighted: an aggregated log (`requests`, `first_ts`, `last_ts`).
    pub weighted: bool,
    /// Weighted rows carry their `minute`: the timeline can be computed.
    pub minutes: bool,
    /// Paths already dictionary-encoded while reading (a streamed log, whose frame has no
    /// `path` column): the distinct paths and each row's code.
    pub paths: Option<crate::audit::codes::Encoded>,
}

impl Log {
    /// Responses in the window, those without an owner included.
    pub fn responses(&self) -> u64 {
        let kept = match self.weighted {
            true => self
                .df
                .column("requests")
                .ok()
                .and_then(|c| c.as_materialized_series().sum::<u64>().ok())
                .unwrap_or(0),
            false => self.df.height() as u64,
        };
        kept + self.rows_without_owner as u64
    }

    /// A log with one row per response.
    pub fn raw(df: DataFrame, files: Vec<PathBuf>, rows_without_owner: usize) -> Log {
        Log {
            df,
            files,
            rows_without_owner,
            weighted: false,
            minutes: false,
            paths: None,
        }
    }
}

pub fn utc_micros() -> DataType {
    DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
}

/// What a log file holds: one row per response, or one per (path, owner, viewer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Raw,
    Aggregated { minutes: bool },
}

/// One log file, opened: its lazy scan with the contract's column names, and its shape.
struct Source<'p> {
    path: &'p Path,
    lf: LazyFrame,
    format: Format,
    schema: Schema,
    shape: Shape,
}

impl<'p> Source<'p> {
    fn open(path: &'p Path, options: &ReadOptions) -> Result<Source<'p>> {
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
        for column in required {
            if schema.get(column).is_none() {
                return Err(anyhow::Error::from(InputError::at(
                    Location::file(path.display().to_string()).key(*column),
                    format!(
                        "missing required column `{column}` (the log needs ts, path, owner_id, viewer_id; an aggregated log path, owner_id, viewer_id, requests, first_ts, last_ts; --column maps other names; found: {})",
                        some_names(&schema)
                    ),
                )));
            }
        }
        Ok(Source {
            path,
            lf,
            format,
            schema,
            shape,
        })
    }

    fn location(&self) -> Location {
        Location::file(self.path.display().to_string())
    }

    fn time_type(&self, column: &str) -> DataType {
        self.schema.get(column).cloned().unwrap_or(DataType::String)
    }

    /// The scan with a coarse window on the file's own `ts` column, so that Parquet row
    /// groups wholly outside `--from/--to` are skipped by their statistics (the exact window
    /// applies after the conversion to UTC, which hides the column from the statistics).
    /// It keeps every row that may lie in the window, and every empty or out-of-range time,
    /// so a row group holding one is still read and the row refused. Not for naive times
    /// read in a zone with daylight saving: a local time in its spring-forward gap is
    /// refused wherever it lies, and only the conversion finds it.
    fn pruned(&self, options: &ReadOptions) -> LazyFrame {
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
                    "no column `{source}` to read as `{contract}` (--column {contract}={source}); found: {}",
                    some_names(&schema)
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

impl Log {
    pub fn read(files: &[PathBuf], options: &ReadOptions) -> Result<Log> {
        let sources = files
            .iter()
            .map(|path| Source::open(path, options))
            .collect::<Result<Vec<_>>>()?;
        let shape = sources.first().map_or(Shape::Raw, |s| s.shape);
        if let Some(other) = sources.iter().find(|s| s.shape != shape) {
            let what = |shape: Shape| match shape {
                Shape::Raw => "a raw log (ts)",
                Shape::Aggregated { minutes: false } => {
                    "an aggregated log (requests, first_ts, last_ts)"
                }
                Shape::Aggregated { minutes: true } => "an aggregated log per minute",
            };
            return Err(anyhow::Error::from(InputError::at(
                other.location(),
                format!(
                    "is {} but {} is {}: the files of one log must have one shape",
                    what(other.shape),
                    sources[0].path.display(),
                    what(shape)
                ),
            )));
        }
        let (weighted, minutes) = match shape {
            Shape::Raw => (false, false),
            Shape::Aggregated { minutes } => (true, minutes),
        };
        if shape == Shape::Raw && options.streaming {
            let (df, paths, rows_without_owner) = read_streaming(&sources, options)?;
            return Ok(Log {
                df,
                files: files.to_vec(),
                rows_without_owner,
                weighted,
                minutes,
                paths: Some(paths),
            });
        }
        let mut frames = Vec::with_capacity(files.len());
        let mut rows_without_owner = 0;
        {
            for source in &sources {
                let (df, skipped) = match shape {
                    Shape::Raw => read_one(source, options)?,
                    Shape::Aggregated { .. } => read_aggregated(source, options)?,
                };
                rows_without_owner += skipped;
                frames.push(df);
            }
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
            weighted,
            minutes,
            paths: None,
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

fn text(name: &str) -> Expr {
    col(name).cast(DataType::String).alias(name)
}

/// `[from, to)` on the column `ts`.
pub(crate) fn window_of(options: &ReadOptions, ts: &str) -> Expr {
    let mut window = lit(true);
    if let Some(from) = options.from {
        window = window.and(col(ts).gt_eq(lit(from).cast(utc_micros())));
    }
    if let Some(to) = options.to {
        window = window.and(col(ts).lt(lit(to).cast(utc_micros())));
    }
    window
}

/// The window `[from, to)` on a native `ts`, keeping the rows whose time is empty or out of
/// range: such a row would silently fall out of the window (or skew the figures), so it is
/// kept to be refused (`count_bad_times`).
fn windowed_keeping_bad(lf: LazyFrame, options: &ReadOptions) -> LazyFrame {
    if options.from.is_none() && options.to.is_none() {
        return lf;
    }
    lf.filter(window_of(options, "ts").or(bad_time()))
}

/// A native `ts` that is empty or out of range.
fn bad_time() -> Expr {
    col("ts").is_null().or(outside_range(col("ts")))
}

/// How many rows of `lf` have a bad `ts` (`bad_time`).
fn count_bad_times(lf: LazyFrame) -> PolarsResult<u64> {
    let df = lf
        .select([bad_time().sum().cast(DataType::UInt64).alias("bad")])
        .collect()?;
    Ok(first_u64(&df, "bad"))
}

/// Whether a read frame's `ts` has an empty or out-of-range time: its null count and its
/// extremes, without a pass over the rows (what `count_bad_times` counts).
fn has_bad_time(df: &DataFrame) -> Result<bool> {
    let ts = df.column("ts").map_err(polars_bug)?;
    if ts.null_count() > 0 {
        return Ok(true);
    }
    let micros = ts.datetime().map_err(polars_bug)?.physical();
    Ok(micros.min().is_some_and(|first| !in_range(first))
        || micros.max().is_some_and(|last| !in_range(last)))
}

/// A native timestamp that no web log can hold (before 1970, from 2100 on).
fn outside_range(ts: Expr) -> Expr {
    ts.clone()
        .lt(lit(EARLIEST_MICROS).cast(utc_micros()))
        .or(ts.gt_eq(lit(LATEST_MICROS).cast(utc_micros())))
}

/// Reads one raw file: checks columns, parses timestamps (failing on the first bad row),
/// applies the window and drops rows without an owner.
fn read_one(source: &Source, options: &ReadOptions) -> Result<(DataFrame, usize)> {
    let (path, format) = (source.path, source.format);
    let ts_type = source.time_type("ts");
    let columns = [
        ts_to_utc(&ts_type, path, &options.zone)?.alias("ts"),
        text("path"),
        text("owner_id"),
        text("viewer_id"),
    ];
    let lf = source.lf.clone().select(columns.clone());
    let window = window_of(options, "ts");
    if ts_type == DataType::String {
        // Text timestamps: every row is parsed (a bad one anywhere is an error), then windowed.
        let df = lf.collect().map_err(|e| unreadable(path, format, &e))?;
        let df = parse_text_timestamps(
            df,
            path,
            format,
            &options.zone,
            options.ts_format.as_deref(),
            "ts",
        )?;
        let df = df.lazy().filter(window).collect().map_err(polars_bug)?;
        return keep_owned(checked_partition(df, path)?, false);
    }
    // One scan, the window pushed into it (row groups outside are skipped by their
    // statistics); rows with a bad time are kept by it, and refused (by their row number
    // in the whole file, `lf`).
    let df = windowed_keeping_bad(source.pruned(options).select(columns), options)
        .collect()
        .map_err(|e| unreadable(path, format, &e))?;
    if has_bad_time(&df)? {
        return Err(first_bad_time(&lf, path, format));
    }
    keep_owned(checked_partition(df, path)?, false)
}

fn first_u64(df: &DataFrame, name: &str) -> u64 {
    df.column(name)
        .ok()
        .and_then(|c| c.cast(&DataType::UInt64).ok())
        .and_then(|c| c.u64().ok().and_then(|c| c.get(0)))
        .unwrap_or(0)
}

/// The error for the first row of `lf` (a raw log's selected columns) whose native `ts` is
/// empty or out of range; read only once such a row is known to exist.
fn first_bad_time(lf: &LazyFrame, path: &Path, format: Format) -> anyhow::Error {
    let ts = col("ts");
    let flags = match lf
        .clone()
        .select([
            ts.clone().is_null().alias("null"),
            outside_range(ts.clone())
                .fill_null(lit(false))
                .alias("outside"),
        ])
        .collect()
    {
        Ok(flags) => flags,
        Err(e) => return unreadable(path, format, &e).into(),
    };
    let flag =
        |name: &str| -> Option<BooleanChunked> { flags.column(name).ok()?.bool().ok().cloned() };
    let (Some(nulls), Some(outside)) = (flag("null"), flag("outside")) else {
        return polars_bug(PolarsError::NoData("timestamp flags".into()));
    };
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
    InputError::at(row_location(path, format, index, "ts"), message).into()
}

/// A file in a dated partition (`dt=…/hour=…`) must hold only responses of that span:
/// otherwise the partitions were named in another zone than UTC, and the files the window
/// left unread may hold rows of it.
fn checked_partition(df: DataFrame, path: &Path) -> Result<DataFrame> {
    let Some((start, end)) = partitions::span(path) else {
        return Ok(df);
    };
    let stray = df
        .clone()
        .lazy()
        .filter(outside_span((start, end)))
        .select([col("ts").first()])
        .collect()
        .map_err(polars_bug)?;
    if stray.height() == 0
        || stray
            .column("ts")
            .map_or(true, |c| c.null_count() == c.len())
    {
        return Ok(df);
    }
    let shown = stray
        .column("ts")
        .ok()
        .and_then(|c| c.get(0).ok().map(|v| v.to_string()))
        .unwrap_or_default();
    Err(stray_error(path, (start, end), &shown))
}

/// `ts` outside a partition's span `[start, end)`.
fn outside_span((start, end): (i64, i64)) -> Expr {
    col("ts")
        .lt(lit(start).cast(utc_micros()))
        .or(col("ts").gt_eq(lit(end).cast(utc_micros())))
}

fn stray_error(path: &Path, (start, end): (i64, i64), shown: &str) -> anyhow::Error {
    InputError::at(
        Location::file(path.display().to_string()).key("ts"),
        format!(
            "holds a response at {shown} UTC, outside its partition ({} to {} UTC): partition folders are read as UTC; \
             with partitions named in local time, give the files (or a glob) instead of the folder",
            Zone::default().format_micros(start),
            Zone::default().format_micros(end)
        ),
    )
    .into()
}

/// What the streaming reader has gathered: the distinct paths in order of first sight,
/// and the batches read, each row's path replaced by its code.
#[derive(Default)]
struct Batches {
    paths: PlIndexSet<Box<str>>,
    frames: Vec<DataFrame>,
    /// The first row met outside its file's partition: the file's index and the time.
    stray: Option<(usize, String)>,
}

impl Batches {
    fn add(&mut self, mut df: DataFrame) -> PolarsResult<()> {
        if let Ok(stray) = df.drop_in_place("stray_file") {
            if self.stray.is_none() && stray.null_count() < stray.len() {
                let flags = stray.is_not_null();
                let at = flags.iter().position(|f| f == Some(true)).unwrap_or(0);
                let file = stray.get(at)?.extract::<usize>().unwrap_or(0);
                let ts = df.column("ts")?.get(at)?.to_string();
                self.stray = Some((file, ts));
            }
        }
        let paths = df.column("path")?.str()?;
        let mut codes: Vec<IdxSize> = Vec::with_capacity(paths.len());
        for path in paths.iter() {
            let path = path.unwrap_or("/");
            let code = match self.paths.get_index_of(path) {
                Some(code) => code,
                None => self.paths.insert_full(path.into()).0,
            };
            codes.push(code as IdxSize);
        }
        let mut df = df.drop("path")?;
        df.with_column(Column::new("path_code".into(), codes))?;
        self.frames.push(df);
        Ok(())
    }
}

/// Reads raw Parquet files in one scan on polars' streaming engine (the window pushed into
/// it), handing each batch to a callback that replaces the path's text by its code in a
/// dictionary of the distinct paths. The log in memory holds a 4-byte code per row instead
/// of the path, and comes out already dictionary-encoded for route matching.
fn read_streaming(
    sources: &[Source],
    options: &ReadOptions,
) -> Result<(DataFrame, crate::audit::codes::Encoded, usize)> {
    let mut parts = Vec::with_capacity(sources.len());
    let check_partitions = sources.iter().any(|s| partitions::span(s.path).is_some());
    for (index, source) in sources.iter().enumerate() {
        let ts_type = source.time_type("ts");
        if ts_type == DataType::String {
            return Err(InputError::at(
                source.location().key("ts"),
                "--streaming reads native timestamps (Parquet); this log's `ts` is text: read it without --streaming, \
                 or convert it to Parquet first",
            )
            .into());
        }
        let mut part = source.pruned(options).select([
            ts_to_utc(&ts_type, source.path, &options.zone)?.alias("ts"),
            text("path"),
            text("owner_id"),
            text("viewer_id"),
        ]);
        if check_partitions {
            // Which file a row outside its partition's span came from (see checked_partition).
            let stray = match partitions::span(source.path) {
                Some(span) => when(outside_span(span))
                    .then(lit(index as u32))
                    .otherwise(lit(NULL).cast(DataType::UInt32)),
                None => lit(NULL).cast(DataType::UInt32),
            };
            part = part.with_column(stray.alias("stray_file"));
        }
        parts.push(part);
    }
    let all = match parts.len() {
        0 => empty_log().lazy(),
        1 => parts.remove(0),
        _ => concat(parts, UnionArgs::default()).map_err(polars_bug)?,
    };
    let all = windowed_keeping_bad(all, options);
    let gathered = std::sync::Arc::new(std::sync::Mutex::new(Batches::default()));
    let sink = gathered.clone();
    let callback = PlanCallback::new(move |df: DataFrame| -> PolarsResult<bool> {
        let mut batches = sink
            .lock()
            .map_err(|_| PolarsError::ComputeError("a batch of the log failed".into()))?;
        batches.add(df)?;
        Ok(false)
    });
    all.sink_batches(callback, false, None)
        .and_then(|plan| plan.collect_with_engine(Engine::Streaming))
        .map_err(|e| unreadable(sources[0].path, sources[0].format, &e))?;
    let batches = std::mem::take(
        &mut *gathered
            .lock()
            .map_err(|_| anyhow::anyhow!("internal error: a batch of the log failed"))?,
    );
    if let Some((file, ts)) = &batches.stray {
        let path = sources[*file].path;
        if let Some(span) = partitions::span(path) {
            return Err(stray_error(path, span, ts));
        }
    }
    let mut frames = batches.frames.into_iter();
    let mut df = match frames.next() {
        Some(first) => first,
        None => empty_log()
            .drop("path")
            .and_then(|mut df| {
                df.with_column(Column::new_empty("path_code".into(), &IDX_DTYPE))?;
                Ok(df)
            })
            .map_err(polars_bug)?,
    };
    for more in frames {
        df.vstack_mut(&more).map_err(polars_bug)?;
    }
    let values = StringChunked::from_iter_values("path".into(), batches.paths.iter().map(|p| &**p));
    if has_bad_time(&df)? {
        // Rare: find the file, then its first bad row.
        for source in sources {
            let lf = source.lf.clone().select([ts_to_utc(
                &source.time_type("ts"),
                source.path,
                &options.zone,
            )?
            .alias("ts")]);
            let bad = count_bad_times(lf.clone())
                .map_err(|e| unreadable(source.path, source.format, &e))?;
            if bad > 0 {
                return Err(first_bad_time(&lf, source.path, source.format));
            }
        }
    }
    let (mut df, skipped) = keep_owned(df, false)?;
    let codes = df
        .column("path_code")
        .map_err(polars_bug)?
        .as_materialized_series()
        .idx()
        .map_err(polars_bug)?
        .clone();
    let _ = df.drop_in_place("path_code").map_err(polars_bug)?;
    Ok((
        df,
        crate::audit::codes::Encoded {
            values,
            codes: codes.with_name("code".into()),
        },
        skipped,
    ))
}

/// Reads one aggregated file: checks every row (times, `requests`, minute), keeps the rows
/// wholly inside the window and refuses a row that straddles it.
fn read_aggregated(source: &Source, options: &ReadOptions) -> Result<(DataFrame, usize)> {
    let (path, format) = (source.path, source.format);
    let Shape::Aggregated { minutes } = source.shape else {
        return Err(polars_bug(PolarsError::NoData(
            "not an aggregated log".into(),
        )));
    };
    let mut times = vec!["first_ts", "last_ts"];
    if minutes {
        times.push("minute");
    }
    let mut columns = Vec::new();
    for &name in &times {
        columns
            .push(column_to_utc(name, &source.time_type(name), path, &options.zone)?.alias(name));
    }
    columns.extend([text("path"), text("owner_id"), text("viewer_id")]);
    columns.push(
        col("requests")
            .cast(DataType::String)
            .cast(DataType::Int64)
            .alias("requests"),
    );
    let mut df = source
        .lf
        .clone()
        .select(columns)
        .collect()
        .map_err(|e| unreadable(path, format, &e))?;
    for &name in &times {
        if source.time_type(name) == DataType::String {
            df = parse_text_timestamps(
                df,
                path,
                format,
                &options.zone,
                options.ts_format.as_deref(),
                name,
            )?;
        }
    }
    let refuse = |df: &DataFrame, mask: Expr, column: &str, why: &str| -> Result<()> {
        let flags = df
            .clone()
            .lazy()
            .select([mask.fill_null(lit(true)).alias("bad")])
            .collect()
            .map_err(polars_bug)?;
        let flags = flags
            .column("bad")
            .map_err(polars_bug)?
            .bool()
            .map_err(polars_bug)?
            .clone();
        match first_true(&flags) {
            None => Ok(()),
            Some(index) => {
                Err(InputError::at(row_location(path, format, index, column), why).into())
            }
        }
    };
    for &name in &times {
        let t = col(name);
        refuse(
            &df,
            t.clone().is_null(),
            name,
            "empty timestamp (or a local time that does not exist in --tz)",
        )?;
        refuse(
            &df,
            outside_range(t),
            name,
            &format!("timestamp {OUT_OF_RANGE}"),
        )?;
    }
    refuse(
        &df,
        col("requests")
            .is_null()
            .or(col("requests").lt(lit(1i64)))
            .or(col("requests").gt(lit(u32::MAX as i64))),
        "requests",
        "requests must be a whole number of responses, at least 1",
    )?;
    refuse(
        &df,
        col("first_ts").gt(col("last_ts")),
        "last_ts",
        "last_ts is before first_ts",
    )?;
    if minutes {
        let minute_of = |t: &str| col(t).dt().truncate(lit("1m"));
        refuse(
            &df,
            minute_of("first_ts")
                .neq(col("minute"))
                .or(minute_of("last_ts").neq(col("minute"))),
            "minute",
            "first_ts and last_ts must lie in the row's minute (one row per triple and minute)",
        )?;
    }
    // A row is in the window when all of its responses are; one across a bound cannot be split.
    let mut across = lit(false);
    let mut inside = lit(true);
    if let Some(from) = options.from {
        let from = lit(from).cast(utc_micros());
        across = across.or(col("first_ts")
            .lt(from.clone())
            .and(col("last_ts").gt_eq(from.clone())));
        inside = inside.and(col("first_ts").gt_eq(from));
    }
    if let Some(to) = options.to {
        let to = lit(to).cast(utc_micros());
        across = across.or(col("first_ts")
            .lt(to.clone())
            .and(col("last_ts").gt_eq(to.clone())));
        inside = inside.and(col("last_ts").lt(to));
    }
    refuse(
        &df,
        across,
        "first_ts",
        "this row's responses run across a bound of --from/--to, and an aggregated row cannot be split: \
         aggregate the log with the same window (sql/aggregate_exposure.sql takes it as parameters), or per minute",
    )?;
    let mut keep = vec![
        col("first_ts").alias("ts"),
        col("path"),
        col("owner_id"),
        col("viewer_id"),
        col("requests").cast(DataType::UInt32),
        col("last_ts"),
    ];
    if minutes {
        keep.push(col("minute"));
    }
    let df = df
        .lazy()
        .filter(inside)
        .select(keep)
        .collect()
        .map_err(polars_bug)?;
    keep_owned(df, true)
}

/// Counts and drops rows without an owner (weighted: the responses they stand for); an
/// empty viewer becomes null (unidentified) and a missing path the root.
fn keep_owned(df: DataFrame, weighted: bool) -> Result<(DataFrame, usize)> {
    let owner = df
        .column("owner_id")
        .map_err(polars_bug)?
        .str()
        .map_err(polars_bug)?;
    let has_owner = &owner.is_not_null() & &owner.not_equal("");
    let skipped = if weighted {
        let requests = df
            .column("requests")
            .map_err(polars_bug)?
            .u32()
            .map_err(polars_bug)?;
        requests
            .filter(&!&has_owner)
            .map_err(polars_bug)?
            .sum()
            .unwrap_or(0) as usize
    } else {
        df.height() - has_owner.sum().unwrap_or(0) as usize
    };
    let dropped = df.height() - has_owner.sum().unwrap_or(0) as usize;
    let df = if dropped > 0 {
        df.filter(&has_owner).map_err(polars_bug)?
    } else {
        df
    };
    let mut columns = vec![col("ts")];
    if df.column("path").is_ok() {
        columns.push(col("path").fill_null(lit("/")));
    }
    columns.extend([col("owner_id"), viewer_or_null()]);
    for extra in ["path_code", "requests", "last_ts", "minute"] {
        if df.column(extra).is_ok() {
            columns.push(col(extra));
        }
    }
    let df = df.lazy().select(columns).collect().map_err(polars_bug)?;
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
    column_to_utc("ts", ts_type, path, zone)
}

/// As `ts_to_utc`, for any time column.
pub(crate) fn column_to_utc(
    name: &str,
    ts_type: &DataType,
    path: &Path,
    zone: &Zone,
) -> InputResult<Expr> {
    match ts_type {
        DataType::Datetime(_, tz) => Ok(native_to_utc(col(name), tz.is_some(), zone)),
        DataType::Date => Ok(native_naive(
            col(name).cast(DataType::Datetime(TimeUnit::Microseconds, None)),
            zone,
        )),
        DataType::String => Ok(col(name)),
        other => Err(InputError::at(
            Location::file(path.display().to_string()).key(name),
            format!("column `{name}` has type {other}; expected RFC 3339 text or a timestamp"),
        )),
    }
}

/// A native Parquet timestamp in UTC µs: zone-aware ones are converted, naive ones are
/// read in `--tz`.
fn native_to_utc(ts: Expr, aware: bool, zone: &Zone) -> Expr {
    if aware {
        ts.dt().convert_time_zone(TimeZone::UTC).cast(utc_micros())
    } else {
        native_naive(
            ts.cast(DataType::Datetime(TimeUnit::Microseconds, None)),
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

/// Parses each distinct timestamp text of `column` once (the same parser as
/// `--from`/`--to`, or the `--ts-format` pattern), then joins the instants back, keeping
/// the other columns. The first unparsable value is reported with its row.
pub(crate) fn parse_text_timestamps(
    df: DataFrame,
    path: &Path,
    format: Format,
    zone: &Zone,
    pattern: Option<&str>,
    column: &str,
) -> Result<DataFrame> {
    let raw = df
        .column(column)
        .map_err(polars_bug)?
        .str()
        .map_err(polars_bug)?
        .clone();
    let parse = |text: &str| parse_log_time(text, zone, pattern);
    let distinct = raw.unique().map_err(polars_bug)?;
    let mut instants: Vec<Option<i64>> = Vec::with_capacity(distinct.len());
    let mut texts: Vec<Option<&str>> = Vec::with_capacity(distinct.len());
    let mut any_bad = false;
    for text in distinct.iter() {
        let parsed = text.and_then(parse).map(|d| d.timestamp_micros());
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
                    .and_then(parse)
                    .is_some_and(|d| in_range(d.timestamp_micros()))
            })
            .unwrap_or((0, None));
        let message = match text {
            None => "empty timestamp".to_string(),
            Some(value) => {
                let shown = value.chars().take(60).collect::<String>();
                if parse(value).is_some() {
                    format!("timestamp {shown:?} {OUT_OF_RANGE}")
                } else if let Some(pattern) = pattern {
                    format!("timestamp {shown:?} does not match --ts-format {pattern:?}")
                } else {
                    format!(
                        "unparsable timestamp {shown:?}: expected RFC 3339 with offset (2017-06-22T10:00:00+09:00) or YYYY-MM-DD HH:MM:SS[.fff] in --tz (--ts-format reads other forms)"
                    )
                }
            }
        };
        return Err(anyhow::Error::from(InputError::at(
            row_location(path, format, index, column),
            message,
        )));
    }
    let parsed = format!("{column}\u{1f}utc");
    let lookup = DataFrame::new(
        texts.len(),
        vec![
            Column::new(column.into(), texts),
            Column::new(parsed.as_str().into(), instants),
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
        .join(lookup.lazy(), [col(column)], [col(column)], args)
        .with_column(col(parsed.as_str()).cast(utc_micros()).alias(column))
        .drop(by_name([parsed.as_str()], true, false))
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
