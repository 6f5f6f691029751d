//! From a raw CDN log to an exposure log: whose page each response carried. An origin
//! response rendered its own viewer's page; a cached one carried the page of the latest
//! origin response for the same cache key at or before it (a backward as-of join by key).
//! `read` reads and checks one file, `attribute` joins and counts.

mod attribute;
mod read;

use std::path::{Path, PathBuf};

use anyhow::Result;
use polars::prelude::*;

use crate::audit::Report;
use crate::error::{InputError, InputResult};
use crate::exposure::{format_of, window_of, Format, Log, ReadOptions, Zone};
use crate::frame::names::{CACHE_STATUS, ORIGIN_TS, OWNER_ID, VIEWER_ID};
use crate::frame::polars_bug;
use crate::report;
pub use attribute::cache_key;
use attribute::{attribute, counts, with_cache_keys};
use read::{check_unique_origin_ids, read_one, sort_by_time};

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
