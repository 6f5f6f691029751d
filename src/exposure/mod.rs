//! Reading the exposure log and the registered-fields table: formats by extension,
//! required columns, timestamps, and errors that name the file, column and row.

pub mod registered;
pub mod zone;

use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::error::{InputError, InputResult, Location};
use anyhow::Result;
pub use registered::Registered;
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
    let name = PlRefPath::new(path.to_string_lossy().as_ref());
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
    InputError::at(
        Location::file(path.display().to_string()),
        format!("is not a readable {what} file ({detail})"),
    )
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
        df.rechunk_mut();
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
            let found: Vec<&str> = schema.iter_names().map(|n| n.as_str()).take(12).collect();
            return Err(anyhow::Error::from(InputError::at(
                Location::file(path.display().to_string()).key(column),
                format!(
                    "missing required column `{column}` (the log needs ts, path, owner_id, viewer_id; found: {})",
                    found.join(", ")
                ),
            )));
        }
    }
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
    let has_owner = col("owner_id")
        .is_not_null()
        .and(col("owner_id").neq(lit("")));
    // Windowed first (pushed into the scan for native timestamps, so rows outside the
    // window are pruned while reading); then rows without an owner are counted and dropped.
    let finish = |lf: LazyFrame| -> Result<(DataFrame, usize)> {
        let windowed = lf
            .filter(window.clone())
            .with_column(has_owner.clone().alias("has_owner"))
            .collect()
            .map_err(|e| unreadable(path, format, &e))?;
        let kept = windowed
            .column("has_owner")
            .and_then(|c| c.bool().cloned())
            .map_err(polars_bug)?;
        let skipped = kept.len() - kept.sum().unwrap_or(0) as usize;
        let df = windowed
            .lazy()
            .filter(col("has_owner"))
            .select([
                col("ts"),
                col("path").fill_null(lit("/")),
                col("owner_id"),
                when(col("viewer_id").eq(lit("")))
                    .then(lit(NULL).cast(DataType::String))
                    .otherwise(col("viewer_id"))
                    .alias("viewer_id"),
            ])
            .collect()
            .map_err(polars_bug)?;
        Ok((df, skipped))
    };
    if ts_type == DataType::String {
        // Text timestamps: every row is parsed (a bad one anywhere is an error), then windowed.
        let df = lf.collect().map_err(|e| unreadable(path, format, &e))?;
        let df = parse_text_timestamps(df, path, format, &options.zone)?;
        return finish(df.lazy());
    }
    // A null native timestamp would silently fall out of the window: refuse it first.
    // The count reads only the `ts` column; the row is looked up only when there is one.
    let nulls = lf
        .clone()
        .select([col("ts").null_count().cast(DataType::UInt64)])
        .collect()
        .map_err(|e| unreadable(path, format, &e))?;
    let any = nulls
        .column("ts")
        .ok()
        .and_then(|c| c.u64().ok().and_then(|c| c.get(0)))
        .unwrap_or(0);
    if any > 0 {
        let ts = lf
            .clone()
            .select([col("ts")])
            .collect()
            .map_err(|e| unreadable(path, format, &e))?;
        let index = first_true(&ts.column("ts").map_err(polars_bug)?.is_null()).unwrap_or(0);
        return Err(anyhow::Error::from(InputError::at(
            row_location(path, format, index, "ts"),
            "empty timestamp (or a local time that does not exist in --tz)",
        )));
    }
    let (df, skipped) = finish(lf)?;
    Ok((df, skipped))
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

fn native_naive(naive: Expr, zone: &Zone) -> Expr {
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
    let mut bad: Option<Option<&str>> = None;
    for text in distinct.iter() {
        let parsed = text
            .and_then(|t| parse_instant(t, zone))
            .map(|d| d.timestamp_micros());
        if parsed.is_none() && bad.is_none() {
            bad = Some(text);
        }
        texts.push(text);
        instants.push(parsed);
    }
    if let Some(bad) = bad {
        let mask = match bad {
            Some(value) => raw.equal(value),
            None => raw.is_null(),
        };
        let index = first_true(&mask).unwrap_or(0);
        let message = match bad {
            None => "empty timestamp".to_string(),
            Some(value) => format!(
                "unparsable timestamp {:?}: expected RFC 3339 with offset (2017-06-22T10:00:00+09:00) or YYYY-MM-DD HH:MM:SS[.fff] in --tz",
                value.chars().take(60).collect::<String>()
            ),
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
