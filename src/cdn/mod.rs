//! From a raw CDN log to an exposure log: whose page each response carried. An origin
//! response rendered its own viewer's page; a cached one carried the page of the latest
//! origin response for the same cache key at or before it (a backward as-of join by key).

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use anyhow::Result;
use polars::prelude::*;

use crate::audit::Report;
use crate::error::{InputError, InputResult, Location};
use crate::exposure::{
    format_of, parse_text_timestamps, rename_columns, row_location, scan, schema_of, ts_to_utc,
    unreadable, window_of, Format, Log, ReadOptions, Zone,
};
use crate::frame::names::{CACHE_STATUS, ORIGIN_TS, OWNER_ID, VIEWER_ID};
use crate::frame::{first_true, polars_bug, utc_micros};
use crate::inventory::normalise_path;
use crate::report;

/// The columns a CDN log needs (plus the `--origin-id` column when given).
pub const CDN_COLUMNS: [&str; 4] = ["ts", "path", VIEWER_ID, CACHE_STATUS];

/// The columns of the derived exposure log, in order.
pub const DERIVED_COLUMNS: [&str; 6] = ["ts", "path", OWNER_ID, VIEWER_ID, CACHE_STATUS, ORIGIN_TS];

/// `cache_status` values of responses the origin rendered (compared trimmed, any case).
pub const DEFAULT_ORIGIN: [&str; 2] = ["MISS", "PASS"];
/// `cache_status` values of responses served from the cache. Any other value is refused,
/// so that a status nobody classified (EXPIRED, BYPASS...) is never guessed.
pub const DEFAULT_CACHED: [&str; 4] = ["HIT", "STALE", "UPDATING", "REVALIDATED"];

/// What a cached response is keyed on, as the CDN keys its cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CacheKey {
    /// The normalised path (scheme, host, query, fragment and trailing slash dropped).
    #[default]
    Path,
    /// The normalised path and the query string, as written.
    PathQuery,
}

/// How to derive owners.
#[derive(Debug, Clone)]
pub struct Options {
    pub cache_key: CacheKey,
    /// Upper-case `cache_status` values of origin responses.
    pub origin_statuses: Vec<String>,
    /// Upper-case `cache_status` values of cached responses.
    pub cached_statuses: Vec<String>,
    /// Oldest origin response (µs before the cached one) that still counts.
    pub max_age: Option<i64>,
    /// A column naming the origin request each response came from: joined on directly.
    pub origin_id: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            cache_key: CacheKey::Path,
            origin_statuses: DEFAULT_ORIGIN.iter().map(|s| s.to_string()).collect(),
            cached_statuses: DEFAULT_CACHED.iter().map(|s| s.to_string()).collect(),
            max_age: None,
            origin_id: None,
        }
    }
}

impl Options {
    /// The options as given (`None`: the default); a status in both lists is refused.
    pub fn new(
        cache_key: Option<CacheKey>,
        origin_status: Option<&[String]>,
        cached_status: Option<&[String]>,
        max_age: Option<i64>,
        origin_id: Option<String>,
    ) -> InputResult<Options> {
        let norm = |list: Option<&[String]>, default: &[&str]| -> Vec<String> {
            match list {
                Some(values) => values.iter().map(|v| v.trim().to_uppercase()).collect(),
                None => default.iter().map(|s| s.to_string()).collect(),
            }
        };
        let origin_statuses = norm(origin_status, &DEFAULT_ORIGIN);
        let cached_statuses = norm(cached_status, &DEFAULT_CACHED);
        if let Some(both) = origin_statuses.iter().find(|s| cached_statuses.contains(s)) {
            return Err(InputError::usage(format!(
                "cache status {both:?} is both an origin status (--origin-status) and a cached one (--cached-status)"
            )));
        }
        if origin_statuses.iter().any(|s| s.is_empty()) {
            return Err(InputError::usage("--origin-status: an empty status"));
        }
        Ok(Options {
            cache_key: cache_key.unwrap_or_default(),
            origin_statuses,
            cached_statuses,
            max_age,
            origin_id,
        })
    }
}

/// Parses `--max-age`: a number and a unit, `ms`, `s`, `m`, `h` or `d` (`500ms`, `30s`,
/// `2h`); returns microseconds.
pub fn parse_duration(text: &str) -> std::result::Result<i64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let micros_per = match unit {
        "ms" => 1_000,
        "s" => 1_000_000,
        "m" => 60_000_000,
        "h" => 3_600_000_000,
        "d" => 86_400_000_000,
        _ => {
            return Err(format!(
                "{text:?}: expected a whole number and a unit: ms, s, m, h or d (e.g. 30s)"
            ))
        }
    };
    number
        .parse::<i64>()
        .ok()
        .and_then(|n| n.checked_mul(micros_per))
        .ok_or_else(|| {
            format!("{text:?}: expected a whole number and a unit: ms, s, m, h or d (e.g. 30s)")
        })
}

/// What the derivation found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub responses: u64,
    pub origin: u64,
    pub cached: u64,
    /// Cached responses with no origin response to come from: kept with an empty owner.
    pub unattributed: u64,
    /// Of those, the ones whose latest origin response was older than `--max-age`.
    pub too_old: u64,
}

impl Counts {
    /// The line printed on standard error.
    pub fn unattributed_line(&self) -> String {
        let mut line = format!(
            "{} cached responses could not be attributed (kept with an empty owner_id)",
            self.unattributed
        );
        if self.too_old > 0 {
            line.push_str(&format!(
                "; {} of them only to an origin response older than --max-age",
                self.too_old
            ));
        }
        line
    }
}

/// The derived exposure log (`DERIVED_COLUMNS`) and its counts.
pub struct Derived {
    pub df: DataFrame,
    pub counts: Counts,
}

/// Derives the owner of every response of the CDN log `files`.
pub fn derive(files: &[PathBuf], read: &ReadOptions, options: &Options) -> Result<Derived> {
    let df = derive_frame(files, read, options)?;
    let counts = counts(&df)?;
    let df = df.select(DERIVED_COLUMNS).map_err(polars_bug)?;
    Ok(Derived { df, counts })
}

/// `--derive-owners`: the CDN log as the audit's exposure log. Owners are derived over the
/// whole log (an origin response before `--from` still attributes the cached responses
/// after it); then the window is applied and rows without an owner are counted and skipped
/// as in any exposure log.
pub fn read_log(files: &[PathBuf], read: &ReadOptions, options: &Options) -> Result<(Log, Counts)> {
    let df = derive_frame(files, read, options)?;
    let df = df
        .lazy()
        .filter(window_of(read, "ts"))
        .collect()
        .map_err(polars_bug)?;
    let counts = counts(&df)?;
    let has_owner = col(OWNER_ID).is_not_null().and(col(OWNER_ID).neq(lit("")));
    let df = df
        .lazy()
        .filter(has_owner)
        .select([
            col("ts"),
            col("path"),
            col(OWNER_ID),
            crate::exposure::viewer_or_null(),
        ])
        .collect()
        .map_err(polars_bug)?;
    let rows_without_owner = counts.responses as usize - df.height();
    let log = Log::raw(df, files.to_vec(), rows_without_owner);
    Ok((log, counts))
}

/// Writes the derived log to `output` (format by extension), atomically and owner-only:
/// times as RFC 3339 in `zone` in text formats, native timestamps in Parquet.
pub fn write(df: &DataFrame, output: &Path, zone: &Zone) -> Result<()> {
    let name = output.to_string_lossy().to_lowercase();
    if name.ends_with(".gz") {
        return Err(InputError::usage(format!(
            "{}: derive-owners writes {}, not gzip",
            output.display(),
            Format::extensions_text()
        ))
        .into());
    }
    let format = match format_of(output)? {
        Format::Csv => report::Format::Csv,
        Format::Ndjson => report::Format::Ndjson,
        Format::Parquet => report::Format::Parquet,
    };
    // LZ4: several times faster to write than the default zstd, for a file that is read
    // back once by the audit.
    let bytes = report::render_compressed(df, format, zone, ParquetCompression::Lz4Raw)?;
    report::write_private(output, &bytes)
}

/// Adds the derivation's figures to `report summary`.
pub fn add_summary_rows(report: &mut Report, counts: &Counts) -> Result<()> {
    let rows = [
        ("cdn_responses_in_window", counts.responses.to_string()),
        ("cdn_origin_responses", counts.origin.to_string()),
        ("cdn_cached_responses", counts.cached.to_string()),
        (
            "cached_responses_unattributed",
            format!(
                "{} (could not be attributed: kept with an empty owner_id and not counted as exposures)",
                counts.unattributed
            ),
        ),
    ];
    let (names, values): (Vec<&str>, Vec<String>) = rows.into_iter().unzip();
    let rows = DataFrame::new(
        names.len(),
        vec![
            Column::new("figure".into(), names),
            Column::new("value".into(), values),
        ],
    )
    .map_err(polars_bug)?;
    report.df = report.df.vstack(&rows).map_err(polars_bug)?;
    Ok(())
}

/// Every response with `owner_id` and `origin_ts`, plus the `is_origin` and `too_old`
/// flags the counts need; sorted by time (ties in file order).
fn derive_frame(files: &[PathBuf], read: &ReadOptions, options: &Options) -> Result<DataFrame> {
    let mut stages = Stages::new();
    let mut parts = Vec::with_capacity(files.len());
    for path in files {
        parts.push(read_one(path, read, options)?);
    }
    let heights: Vec<(PathBuf, Format, usize)> = files
        .iter()
        .zip(&parts)
        .map(|(path, (df, format))| (path.clone(), *format, df.height()))
        .collect();
    let mut parts = parts.into_iter().map(|(df, _)| df);
    let mut df = match parts.next() {
        Some(df) => df,
        None => return Err(InputError::usage("no CDN log given").into()),
    };
    for more in parts {
        df.vstack_mut(&more).map_err(polars_bug)?;
    }
    stages.done("read");
    if let Some(id) = &options.origin_id {
        check_unique_origin_ids(&df, id, &heights)?;
    }
    let df = sort_by_time(df)?;
    stages.done("sort");
    let rows = match &options.origin_id {
        Some(_) => df.lazy(),
        None => with_cache_keys(df, options.cache_key)?.lazy(),
    };
    stages.done("keys");
    let df = attribute(rows, options)?.collect().map_err(polars_bug)?;
    stages.done("attribute");
    stages.print();
    Ok(df)
}

/// Stage times for `PII_AUDIT_TIMINGS`.
struct Stages {
    last: std::time::Instant,
    done: Vec<String>,
}

impl Stages {
    fn new() -> Stages {
        Stages {
            last: std::time::Instant::now(),
            done: Vec::new(),
        }
    }

    fn done(&mut self, stage: &str) {
        let now = std::time::Instant::now();
        self.done
            .push(format!("{stage} {:.3}s", (now - self.last).as_secs_f64()));
        self.last = now;
    }

    fn print(&self) {
        if std::env::var_os("PII_AUDIT_TIMINGS").is_some() {
            eprintln!("derive stages: {}", self.done.join(", "));
        }
    }
}

/// Reads one CDN log file: required columns, `ts` as UTC µs (a bad or empty one is an
/// error with its row), `cache_status` classified (an unknown value is an error with its
/// row) into `is_origin`.
fn read_one(path: &Path, read: &ReadOptions, options: &Options) -> Result<(DataFrame, Format)> {
    let zone = &read.zone;
    let (mut lf, format) = scan(path)?;
    let schema = schema_of(&mut lf, path, format)?;
    let (lf, schema) = rename_columns(lf, (*schema).clone(), path, &read.columns)?;
    let mut needed: Vec<&str> = CDN_COLUMNS.to_vec();
    if let Some(id) = &options.origin_id {
        needed.push(id);
    }
    for column in &needed {
        if schema.get(column).is_none() {
            let found: Vec<&str> = schema.iter_names().map(|n| n.as_str()).take(12).collect();
            return Err(InputError::at(
                Location::file(path.display().to_string()).key(*column),
                format!(
                    "missing required column `{column}` (a CDN log needs {}; found: {})",
                    needed.join(", "),
                    found.join(", ")
                ),
            )
            .into());
        }
    }
    let ts_type = schema.get("ts").cloned().unwrap_or(DataType::String);
    let text = |name: &str| col(name).cast(DataType::String);
    let mut columns = vec![
        ts_to_utc(&ts_type, path, zone)?.alias("ts"),
        text("path").fill_null(lit("/")).alias("path"),
        text(VIEWER_ID).alias(VIEWER_ID),
        text(CACHE_STATUS).alias(CACHE_STATUS),
    ];
    if let Some(id) = &options.origin_id {
        columns.push(text(id).alias("origin_id"));
    }
    let df = lf
        .select(columns)
        .collect()
        .map_err(|e| unreadable(path, format, &e))?;
    let df = if ts_type == DataType::String {
        parse_text_timestamps(df, path, format, zone, read.ts_format.as_deref(), "ts")?
    } else {
        let ts = df.column("ts").map_err(polars_bug)?;
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
    let origin = origin_values(&df, path, format, options)?;
    let is_origin = origin.iter().fold(lit(false), |acc, value| {
        acc.or(col(CACHE_STATUS).eq(lit(value.as_str())))
    });
    let df = df
        .lazy()
        .with_column(is_origin.alias("is_origin"))
        .collect()
        .map_err(polars_bug)?;
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
    let status = df
        .column(CACHE_STATUS)
        .map_err(polars_bug)?
        .str()
        .map_err(polars_bug)?;
    let distinct = status.unique().map_err(polars_bug)?;
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
                "cache_status {:?} is neither an origin status ({}) nor a cached one ({}): say which it is with --origin-status or --cached-status",
                value.unwrap_or_default().chars().take(30).collect::<String>(),
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
fn check_unique_origin_ids(
    df: &DataFrame,
    id: &str,
    heights: &[(PathBuf, Format, usize)],
) -> Result<()> {
    let ids = df
        .column("origin_id")
        .map_err(polars_bug)?
        .str()
        .map_err(polars_bug)?;
    let is_origin = df
        .column("is_origin")
        .map_err(polars_bug)?
        .bool()
        .map_err(polars_bug)?;
    let origin_ids = ids.filter(is_origin).map_err(polars_bug)?;
    let origin_ids = origin_ids.drop_nulls();
    if origin_ids.n_unique().map_err(polars_bug)? == origin_ids.len() {
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
fn sort_by_time(df: DataFrame) -> Result<DataFrame> {
    let ts = df
        .column("ts")
        .map_err(polars_bug)?
        .datetime()
        .map_err(polars_bug)?;
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
    .map_err(polars_bug)
}

/// The cache key of a raw path.
pub fn cache_key(raw: &str, key: CacheKey) -> Cow<'_, str> {
    let path = normalise_path(raw);
    match key {
        CacheKey::Path => path,
        CacheKey::PathQuery => {
            let before_fragment = raw.split('#').next().unwrap_or(raw);
            match before_fragment.split_once('?') {
                Some((_, query)) if !query.is_empty() => Cow::Owned(format!("{path}?{query}")),
                _ => path,
            }
        }
    }
}

/// Adds `key`, a number per cache key: the paths are dictionary-encoded on every core
/// (`codes::encode`), each path value is turned into its cache key once, and every row
/// gets its key by its path's code. (Measured: polars' `unique` plus a join back on 5
/// million string keys took several times longer.)
fn with_cache_keys(mut df: DataFrame, key: CacheKey) -> Result<DataFrame> {
    let encoded = {
        let paths = df
            .column("path")
            .map_err(polars_bug)?
            .str()
            .map_err(polars_bug)?;
        crate::frame::codes::encode(paths, "/")?
    };
    // Each path value's key on every core, then one number per distinct key (a path may
    // have several values, `codes::encode`; a key must have one number). polars' fast
    // hasher: the default SipHash doubled the time of this pass.
    let slices = crate::frame::cores::core_slices(&encoded.values);
    let keyed: Vec<Vec<Cow<str>>> = crate::frame::cores::on_every_core(&slices, |slice| {
        slice
            .iter()
            .map(|path| cache_key(path.unwrap_or("/"), key))
            .collect()
    })?;
    let mut by_key: PlHashMap<&str, u32> = PlHashMap::default();
    let of_value: Vec<u32> = keyed
        .iter()
        .flatten()
        .map(|k| {
            let next = by_key.len() as u32;
            *by_key.entry(k.as_ref()).or_insert(next)
        })
        .collect();
    let keys: Vec<u32> = encoded
        .codes
        .downcast_iter()
        .flat_map(|a| a.values().iter())
        .map(|&code| of_value[code as usize])
        .collect();
    df.with_column(Column::new("key".into(), keys))
        .map_err(polars_bug)?;
    Ok(df)
}

/// The rule: an origin response is its viewer's page; a cached one is the page of the
/// origin response it came from, found by `--origin-id`, or else as the latest origin
/// response for the same key at or before it (an origin at the same instant counts as
/// before; among several at that instant, the last in the log), if not older than
/// `--max-age`. The joins carry row numbers, not strings: the owner is the viewer of the
/// origin row, gathered once at the end.
fn attribute(rows: LazyFrame, options: &Options) -> Result<LazyFrame> {
    // The row whose viewer owns this row's page, if it were an origin response: its own,
    // unless its viewer is unidentified (an unidentified visitor's page is nobody's).
    let unidentified = col(VIEWER_ID).is_null().or(col(VIEWER_ID).eq(lit("")));
    let rows = rows.with_row_index("row", None).with_column(
        when(unidentified)
            .then(lit(NULL).cast(IDX_DTYPE))
            .otherwise(col("row"))
            .alias("own_row"),
    );
    let origins = rows.clone().filter(col("is_origin"));
    let joined = match &options.origin_id {
        Some(_) => {
            let origins = origins.filter(col("origin_id").is_not_null()).select([
                col("origin_id"),
                col("ts").alias(ORIGIN_TS),
                col("own_row").alias("origin_owner_row"),
            ]);
            let args = JoinArgs {
                validation: JoinValidation::ManyToOne,
                maintain_order: MaintainOrderJoin::Left,
                ..JoinArgs::new(JoinType::Left)
            };
            rows.join(origins, [col("origin_id")], [col("origin_id")], args)
        }
        None => with_latest_origin(rows)?,
    };
    let age = col("ts").cast(DataType::Int64) - col(ORIGIN_TS).cast(DataType::Int64);
    let fresh = match options.max_age {
        Some(max) => age.lt_eq(lit(max)),
        None => lit(true),
    };
    let found = col(ORIGIN_TS).is_not_null().and(fresh.clone());
    let owner_row = when(col("is_origin"))
        .then(col("own_row"))
        .when(found.clone())
        .then(col("origin_owner_row"))
        .otherwise(lit(NULL).cast(IDX_DTYPE));
    Ok(joined.select([
        col("ts"),
        col("path"),
        col(VIEWER_ID).gather(owner_row, false).alias(OWNER_ID),
        col(VIEWER_ID),
        col(CACHE_STATUS),
        when(col("is_origin"))
            .then(col("ts"))
            .when(found)
            .then(col(ORIGIN_TS))
            .otherwise(lit(NULL).cast(utc_micros()))
            .alias(ORIGIN_TS),
        col("is_origin"),
        col("is_origin")
            .not()
            .and(col(ORIGIN_TS).is_not_null())
            .and(fresh.not())
            .alias("too_old"),
    ]))
}

/// Adds, to every row, `origin_ts` and `origin_owner_row` of the latest origin response
/// for its cache key at or before it (an as-of join, backward, by key). Only the cached
/// responses are looked up (a fifth of the rows in the generated incident): an origin
/// response's own page is its own. The matches are then put back at their rows.
fn with_latest_origin(rows: LazyFrame) -> Result<LazyFrame> {
    let rows = rows.collect().map_err(polars_bug)?;
    let origins = rows.clone().lazy().filter(col("is_origin")).select([
        col("ts").alias(ORIGIN_TS),
        col("key"),
        col("own_row").alias("origin_owner_row"),
    ]);
    let cached = rows.clone().lazy().filter(col("is_origin").not()).select([
        col("row"),
        col("ts"),
        col("key"),
    ]);
    let matched = {
        let asof = AsOfOptions {
            strategy: AsofStrategy::Backward,
            tolerance: None,
            tolerance_str: None,
            left_by: Some(vec!["key".into()]),
            right_by: Some(vec!["key".into()]),
            allow_eq: true,
            check_sortedness: false,
        };
        cached
            .join(
                origins,
                [col("ts")],
                [col(ORIGIN_TS)],
                JoinArgs::new(JoinType::AsOf(Box::new(asof))),
            )
            .select([
                col("row"),
                col(ORIGIN_TS).cast(DataType::Int64),
                col("origin_owner_row"),
            ])
    }
    .collect()
    .map_err(polars_bug)?;
    // Put back at their rows: the values in place, and a mask of the rows left empty (no
    // origin; or an origin whose viewer is unidentified, which owns no page).
    let column = |name: &str| matched.column(name).map_err(polars_bug);
    let n = rows.height();
    let (mut origin_ts, mut owner_row) = (vec![0i64; n], vec![0 as IdxSize; n]);
    let (mut no_origin, mut no_owner) = (vec![true; n], vec![true; n]);
    let at = column("row")?.idx().map_err(polars_bug)?;
    let ts = column(ORIGIN_TS)?.i64().map_err(polars_bug)?;
    let owner = column("origin_owner_row")?.idx().map_err(polars_bug)?;
    for ((row, ts), owner) in at.iter().zip(ts.iter()).zip(owner.iter()) {
        let Some(row) = row.map(|r| r as usize) else {
            continue;
        };
        if let Some(ts) = ts {
            origin_ts[row] = ts;
            no_origin[row] = false;
        }
        if let Some(owner) = owner {
            owner_row[row] = owner;
            no_owner[row] = false;
        }
    }
    let empty_where = |mask: Vec<bool>| BooleanChunked::from_slice("empty".into(), &mask);
    let origin_ts = Int64Chunked::from_vec(ORIGIN_TS.into(), origin_ts)
        .set(&empty_where(no_origin), None)
        .map_err(polars_bug)?
        .into_column()
        .cast(&utc_micros())
        .map_err(polars_bug)?;
    let owner_row = IdxCa::from_vec("origin_owner_row".into(), owner_row)
        .set(&empty_where(no_owner), None)
        .map_err(polars_bug)?
        .into_column();
    let mut rows = rows;
    rows.with_column(origin_ts).map_err(polars_bug)?;
    rows.with_column(owner_row).map_err(polars_bug)?;
    Ok(rows.lazy())
}

fn counts(df: &DataFrame) -> Result<Counts> {
    let sums = df
        .clone()
        .lazy()
        .select([
            len().cast(DataType::UInt64).alias("responses"),
            col("is_origin")
                .sum()
                .cast(DataType::UInt64)
                .alias("origin"),
            col(ORIGIN_TS)
                .is_null()
                .sum()
                .cast(DataType::UInt64)
                .alias("unattributed"),
            col("too_old").sum().cast(DataType::UInt64).alias("too_old"),
        ])
        .collect()
        .map_err(polars_bug)?;
    let get = |name: &str| -> u64 {
        sums.column(name)
            .ok()
            .and_then(|c| c.u64().ok().and_then(|c| c.get(0)))
            .unwrap_or(0)
    };
    let responses = get("responses");
    let origin = get("origin");
    Ok(Counts {
        responses,
        origin,
        cached: responses - origin,
        unattributed: get("unattributed"),
        too_old: get("too_old"),
    })
}
