//! From a raw CDN log to an exposure log: whose page each response carried. An origin
//! response rendered its own viewer's page; a cached one carried the page of the latest
//! origin response for the same cache key at or before it (a backward as-of join by key).
//! `read` reads and checks one file, `attribute` joins and counts.

mod attribute;
mod coarse;
pub mod files;
mod read;
pub mod vendor;

use std::path::{Path, PathBuf};

use anyhow::Result;
use polars::prelude::*;

use crate::audit::Report;
use crate::error::{InputError, InputResult};
use crate::exposure::{format_of, window_of, Format, Log, ReadOptions, Zone};
use crate::frame::names::{CACHE_STATUS, ORIGIN_TS, OWNER_ID, POSSIBLE, VIEWER_ID};
use crate::frame::polars_bug;
use crate::report;
pub use attribute::cache_key;
use attribute::{attribute, counts, with_cache_keys};
use read::{check_unique_origin_ids, read_one, sort_by_time};
pub use vendor::{LogFormat, Viewer};

/// The columns a CDN log needs (plus the `--origin-id` column when given).
pub const CDN_COLUMNS: [&str; 4] = ["ts", "path", VIEWER_ID, CACHE_STATUS];

/// The columns of the derived exposure log, in order.
pub const DERIVED_COLUMNS: [&str; 9] = [
    "ts",
    "path",
    OWNER_ID,
    VIEWER_ID,
    CACHE_STATUS,
    ORIGIN_TS,
    CACHE_NODE,
    ATTRIBUTION,
    OWNER_CANDIDATES,
];

pub const CACHE_NODE: &str = "cache_node";
pub const ATTRIBUTION: &str = "attribution";
pub const OWNER_CANDIDATES: &str = "owner_candidates";

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

/// Which field names the cache node (`--cache-node`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Node {
    /// The format's own (CloudFront `x-edge-location`, Cloudflare `EdgeColoCode`, the
    /// documented Fastly format's `pop`); none for the others.
    #[default]
    Default,
    /// One cache for the whole log.
    None,
    Field(String),
}

/// The resolution of the log's timestamps (`--ts-resolution`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// Exact instants: an origin at the same instant counts as before a cached response,
    /// and among several the last in the log (the contract format's rule).
    Exact,
    /// Logged times are floored to this many µs (the rule in `coarse`).
    Micros(i64),
}

/// How to derive owners.
#[derive(Debug, Clone)]
pub struct Options {
    pub cache_key: CacheKey,
    /// Upper-case `cache_status` values of origin responses.
    pub origin_statuses: Vec<String>,
    /// Upper-case `cache_status` values of cached responses.
    pub cached_statuses: Vec<String>,
    /// Whether the lists were given (a vendor's documented table applies otherwise).
    pub statuses_given: bool,
    /// Oldest origin response (µs before the cached one) that still counts.
    pub max_age: Option<i64>,
    /// A column naming the origin request each response came from: joined on directly.
    pub origin_id: Option<String>,
    pub format: LogFormat,
    /// Who asked (`None`: the contract's `viewer_id`).
    pub viewer: Option<Viewer>,
    pub node: Node,
    /// `None`: the format's own.
    pub resolution: Option<Resolution>,
    /// HTTP statuses of responses that carried a page (`--statuses`), inclusive ranges.
    pub page_statuses: Vec<(u16, u16)>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            cache_key: CacheKey::Path,
            origin_statuses: DEFAULT_ORIGIN.iter().map(|s| s.to_string()).collect(),
            cached_statuses: DEFAULT_CACHED.iter().map(|s| s.to_string()).collect(),
            statuses_given: false,
            max_age: None,
            origin_id: None,
            format: LogFormat::Contract,
            viewer: None,
            node: Node::Default,
            resolution: None,
            page_statuses: vec![(200, 299)],
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
            statuses_given: origin_status.is_some() || cached_status.is_some(),
            max_age,
            origin_id,
            ..Options::default()
        })
    }

    /// The field naming the cache node, if any.
    pub fn node_field(&self) -> Option<String> {
        match &self.node {
            Node::Default => self.format.default_node().map(str::to_string),
            Node::None => None,
            Node::Field(field) => Some(field.clone()),
        }
    }

    /// Checks that the flags fit the format.
    pub fn check(&self) -> InputResult<()> {
        let contract = matches!(self.format, LogFormat::Contract);
        if contract && self.viewer.is_some() {
            return Err(InputError::usage(
                "--viewer reads a delivered log (--log-format); a contract log names the viewer in viewer_id (--column viewer_id=COLUMN reads another column)",
            ));
        }
        if !contract && self.viewer.is_none() {
            return Err(InputError::usage(format!(
                "--log-format {}: say who asked with --viewer (cookie:NAME, header:NAME, field:COLUMN, ip or ip+ua)",
                self.format.name()
            )));
        }
        if !contract && self.origin_id.is_some() {
            return Err(InputError::usage(
                "--origin-id reads a contract log's column; delivered logs are attributed by time",
            ));
        }
        Ok(())
    }
}

/// Parses `--max-age`: a number and a unit, `us`, `ms`, `s`, `m`, `h` or `d` (`500ms`,
/// `30s`, `2h`); returns microseconds.
pub fn parse_duration(text: &str) -> std::result::Result<i64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let bad =
        || format!("{text:?}: expected a whole number and a unit: ms, s, m, h or d (e.g. 30s)");
    let micros_per = match unit {
        "us" | "µs" => 1,
        "ms" => 1_000,
        "s" => 1_000_000,
        "m" => 60_000_000,
        "h" => 3_600_000_000,
        "d" => 86_400_000_000,
        _ => return Err(bad()),
    };
    number
        .parse::<i64>()
        .ok()
        .and_then(|n| n.checked_mul(micros_per))
        .ok_or_else(bad)
}

/// Parses `--ts-resolution`: `exact`, or a duration (`1s`, `1ms`).
pub fn parse_resolution(text: &str) -> std::result::Result<Resolution, String> {
    if text.trim().eq_ignore_ascii_case("exact") {
        return Ok(Resolution::Exact);
    }
    match parse_duration(text)? {
        0 => Err(format!(
            "{text:?}: a resolution must be longer than zero (or exact)"
        )),
        micros => Ok(Resolution::Micros(micros)),
    }
}

/// Parses `--statuses`: HTTP statuses that carried a page, `200-299,304`.
pub fn parse_statuses(text: &str) -> std::result::Result<Vec<(u16, u16)>, String> {
    let bad = || format!("{text:?}: expected statuses or ranges, e.g. 200-299 or 200,203");
    text.split(',')
        .map(|part| {
            let part = part.trim();
            let (lo, hi) = part.split_once('-').unwrap_or((part, part));
            let lo: u16 = lo.trim().parse().map_err(|_| bad())?;
            let hi: u16 = hi.trim().parse().map_err(|_| bad())?;
            if lo > hi || hi > 999 {
                return Err(bad());
            }
            Ok((lo, hi))
        })
        .collect()
}

/// What the derivation found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub responses: u64,
    pub origin: u64,
    /// Responses served from the cache (attributed, ambiguous or not).
    pub cached: u64,
    /// Cached responses with several candidate owners (a coarse clock).
    pub ambiguous: u64,
    /// Cached responses with no origin response to come from: kept with an empty owner.
    pub unattributed: u64,
    /// Of those, the ones whose latest origin response was older than `--max-age`.
    pub too_old: u64,
    /// Responses that carried no page (errors, redirects): counted, never attributed.
    pub no_page: u64,
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
        if self.ambiguous > 0 {
            line.push_str(&format!(
                "; {} had several possible owners (attribution ambiguous, owner_candidates listed)",
                self.ambiguous
            ));
        }
        if self.no_page > 0 {
            line.push_str(&format!(
                "; {} responses carried no page (errors, redirects) and were not attributed",
                self.no_page
            ));
        }
        line
    }

    /// Cached responses attributed to one owner (or to an unidentified visitor's page).
    pub fn attributed(&self) -> u64 {
        self.cached - self.unattributed - self.ambiguous
    }
}

/// The derived exposure log (`DERIVED_COLUMNS`) and its counts.
pub struct Derived {
    pub df: DataFrame,
    pub counts: Counts,
}

/// Derives the owner of every response of the CDN log `files`.
pub fn derive(files: &[PathBuf], read: &ReadOptions, options: &Options) -> Result<Derived> {
    let (df, _) = derive_frame(files, read, options)?;
    let counts = counts(&df)?;
    let df = df.select(DERIVED_COLUMNS).map_err(polars_bug)?;
    Ok(Derived { df, counts })
}

/// `--derive-owners`: the CDN log as the audit's exposure log. Owners are derived over the
/// whole log (an origin response before `--from` still attributes the cached responses
/// after it); then the window is applied and rows without an owner are counted and skipped
/// as in any exposure log. An ambiguous response becomes one row per candidate owner,
/// marked `possible`.
pub fn read_log(files: &[PathBuf], read: &ReadOptions, options: &Options) -> Result<(Log, Counts)> {
    let (df, resolution) = derive_frame(files, read, options)?;
    let df = df
        .lazy()
        .filter(window_of(read, "ts"))
        .collect()
        .map_err(polars_bug)?;
    let counts = counts(&df)?;
    let has_owner = col(OWNER_ID).is_not_null().and(col(OWNER_ID).neq(lit("")));
    let columns = |owner: Expr, possible: bool| {
        [
            col("ts"),
            col("path"),
            owner.alias(OWNER_ID),
            crate::exposure::viewer_or_null(),
            lit(possible).alias(POSSIBLE),
        ]
    };
    let confirmed = df
        .clone()
        .lazy()
        .filter(has_owner)
        .select(columns(col(OWNER_ID), false));
    let possible = df
        .lazy()
        .filter(col(ATTRIBUTION).eq(lit("ambiguous")))
        .explode(
            by_name([OWNER_CANDIDATES], true, false),
            ExplodeOptions {
                empty_as_null: false,
                keep_nulls: false,
            },
        )
        .select(columns(col(OWNER_CANDIDATES), true));
    let mut df = concat([confirmed, possible], UnionArgs::default())
        .map_err(polars_bug)?
        .collect()
        .map_err(polars_bug)?;
    let kept = (counts.responses - counts.ambiguous) as usize;
    let rows_without_owner = kept.saturating_sub(
        df.column(POSSIBLE)
            .map_err(polars_bug)?
            .bool()
            .map_err(polars_bug)?
            .iter()
            .filter(|p| *p == Some(false))
            .count(),
    );
    // An exact clock never makes a response ambiguous: the log is then as it always was
    // (and the reports too).
    if resolution == Resolution::Exact {
        df = df.drop(POSSIBLE).map_err(polars_bug)?;
    }
    let log = Log::raw(df, files.to_vec(), rows_without_owner);
    Ok((log, counts))
}

/// Writes the derived log to `output` (format by extension), atomically and owner-only:
/// times as RFC 3339 in `zone` in text formats, native timestamps in Parquet. CSV has no
/// lists: `owner_candidates` is written `;`-joined there.
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
    let joined;
    let df = if format == report::Format::Csv {
        joined = candidates_joined(df)?;
        &joined
    } else {
        df
    };
    // LZ4: several times faster to write than the default zstd, for a file that is read
    // back once by the audit.
    let bytes = report::render_compressed(df, format, zone, ParquetCompression::Lz4Raw)?;
    report::write_private(output, &bytes)
}

/// `owner_candidates` as `a;b` text.
fn candidates_joined(df: &DataFrame) -> Result<DataFrame> {
    let lists = df
        .column(OWNER_CANDIDATES)
        .map_err(polars_bug)?
        .list()
        .map_err(polars_bug)?
        .clone();
    let mut texts: Vec<Option<String>> = Vec::with_capacity(lists.len());
    for i in 0..lists.len() {
        let text = match lists.get_as_series(i) {
            Some(list) => {
                let list = list.str().map_err(polars_bug)?.clone();
                let parts: Vec<&str> = list.iter().flatten().collect();
                (!parts.is_empty()).then(|| parts.join(";"))
            }
            None => None,
        };
        texts.push(text);
    }
    let mut df = df.clone();
    df.with_column(Column::new(OWNER_CANDIDATES.into(), texts))
        .map_err(polars_bug)?;
    Ok(df)
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
        (
            "cached_responses_ambiguous",
            format!(
                "{} (the log's clock cannot tell which of several owners' pages was served: each candidate counts a possible exposure)",
                counts.ambiguous
            ),
        ),
        (
            "responses_without_page",
            format!(
                "{} (errors and redirects: counted, never attributed)",
                counts.no_page
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

/// Every response with `owner_id`, `origin_ts`, `cache_node`, `attribution` and
/// `owner_candidates`, plus the `is_origin`, `no_page` and `too_old` flags the counts
/// need; sorted by time (ties in file order).
fn derive_frame(
    files: &[PathBuf],
    read: &ReadOptions,
    options: &Options,
) -> Result<(DataFrame, Resolution)> {
    options.check()?;
    let mut stages = Stages::new();
    let (df, resolution) = read_all(files, read, options)?;
    stages.done("read");
    let df = sort_by_time(df)?;
    stages.done("sort");
    let rows = match &options.origin_id {
        Some(_) => df,
        None => with_cache_keys(df, options.cache_key)?,
    };
    stages.done("keys");
    let df = match resolution {
        Resolution::Exact => attribute(rows.lazy(), options)?
            .collect()
            .map_err(polars_bug)?,
        Resolution::Micros(micros) => coarse_frame(rows, micros, options.max_age)?,
    };
    stages.done("attribute");
    stages.print();
    Ok((df, resolution))
}

/// Every file read and stacked (`vendor::COLUMNS` plus `is_origin`, `no_page`, and the
/// origin id when given), and the resolution to attribute at.
fn read_all(
    files: &[PathBuf],
    read: &ReadOptions,
    options: &Options,
) -> Result<(DataFrame, Resolution)> {
    if files.is_empty() {
        return Err(InputError::usage("no CDN log given").into());
    }
    let (parts, delivered) = if matches!(options.format, LogFormat::Contract) {
        let mut parts = Vec::with_capacity(files.len());
        for path in files {
            parts.push(read_one(path, read, options)?);
        }
        let heights: Vec<(PathBuf, Format, usize)> = files
            .iter()
            .zip(&parts)
            .map(|(path, (df, format))| (path.clone(), *format, df.height()))
            .collect();
        let df = flags(stack(parts.into_iter().map(|(df, _)| df).collect())?)?;
        if let Some(id) = &options.origin_id {
            check_unique_origin_ids(&df, id, &heights)?;
        }
        return Ok((df, options.resolution.unwrap_or(Resolution::Exact)));
    } else {
        read_delivered(files, read, options)?
    };
    let df = flags(stack(parts)?)?;
    let resolution = options.resolution.unwrap_or(Resolution::Micros(delivered));
    Ok((df, resolution))
}

/// Delivered files, read on every core; the coarsest resolution any file shows.
fn read_delivered(
    files: &[PathBuf],
    read: &ReadOptions,
    options: &Options,
) -> Result<(Vec<DataFrame>, i64)> {
    let node = options.node_field();
    let viewer = options
        .viewer
        .clone()
        .unwrap_or(Viewer::Field(VIEWER_ID.into()));
    let reading = vendor::Reading {
        format: &options.format,
        viewer: &viewer,
        node: node.as_deref(),
        columns: &read.columns,
        origin_statuses: &options.origin_statuses,
        cached_statuses: &options.cached_statuses,
        statuses_given: options.statuses_given,
        page_statuses: &options.page_statuses,
    };
    let ranges = crate::frame::cores::core_ranges(files.len());
    let parts = crate::frame::cores::on_every_core(&ranges, |range| {
        files[range.clone()]
            .iter()
            .map(|path| vendor::read(path, &reading))
            .collect::<Result<Vec<_>>>()
    })?;
    let mut frames = Vec::with_capacity(files.len());
    let mut resolution = 1;
    for part in parts {
        for delivered in part? {
            resolution = resolution.max(delivered.resolution);
            frames.push(delivered.df);
        }
    }
    Ok((frames, resolution))
}

fn stack(parts: Vec<DataFrame>) -> Result<DataFrame> {
    let mut parts = parts.into_iter();
    let mut df = parts.next().unwrap_or_default();
    for more in parts {
        df.vstack_mut(&more).map_err(polars_bug)?;
    }
    Ok(df)
}

/// `is_origin` and `no_page` from `class`.
fn flags(df: DataFrame) -> Result<DataFrame> {
    df.lazy()
        .with_columns([
            col("class")
                .eq(lit(vendor::Class::Origin as u32))
                .alias("is_origin"),
            col("class")
                .eq(lit(vendor::Class::NoPage as u32))
                .alias("no_page"),
        ])
        .collect()
        .map_err(polars_bug)
}

/// The coarse-clock rule (`coarse`) applied, in the same columns as `attribute`.
fn coarse_frame(rows: DataFrame, resolution: i64, max_age: Option<i64>) -> Result<DataFrame> {
    let rows = rows
        .lazy()
        .with_row_index("row", None)
        .collect()
        .map_err(polars_bug)?;
    let found = coarse::attribute(&rows, resolution, max_age)?;
    let n = rows.height();
    let column = |name: &str| rows.column(name).map_err(polars_bug);
    let viewers = column(VIEWER_ID)?.str().map_err(polars_bug)?.clone();
    let ts = column("ts")?.cast(&DataType::Int64).map_err(polars_bug)?;
    let ts = ts.i64().map_err(polars_bug)?.clone();
    let is_origin = column("is_origin")?.bool().map_err(polars_bug)?.clone();
    let mut owner: Vec<Option<String>> = vec![None; n];
    let mut origin_ts: Vec<Option<i64>> = vec![None; n];
    let mut attribution: Vec<&str> = vec!["no_page"; n];
    let mut candidates: Vec<Option<Series>> = vec![None; n];
    let mut too_old = vec![false; n];
    for i in 0..n {
        if is_origin.get(i) == Some(true) {
            owner[i] = viewers.get(i).map(str::to_string);
            origin_ts[i] = ts.get(i);
            attribution[i] = "origin";
        }
    }
    for (row, found) in found {
        let i = row as usize;
        too_old[i] = found.too_old;
        origin_ts[i] = found.origin_ts;
        attribution[i] = match (&found.origin_ts, &found.owner, found.candidates.len()) {
            (None, _, _) => "unattributed",
            (Some(_), _, 0) => "cached",
            _ => "ambiguous",
        };
        if !found.candidates.is_empty() {
            candidates[i] = Some(Series::new("".into(), found.candidates));
        }
        owner[i] = found.owner;
    }
    let origin_ts = Int64Chunked::from_iter_options(ORIGIN_TS.into(), origin_ts.into_iter())
        .into_column()
        .cast(&crate::frame::utc_micros())
        .map_err(polars_bug)?;
    let candidates: ListChunked = candidates.into_iter().collect();
    let mut df = rows;
    for column in [
        Column::new(OWNER_ID.into(), owner),
        origin_ts,
        Column::new(ATTRIBUTION.into(), attribution),
        candidates
            .with_name(OWNER_CANDIDATES.into())
            .into_column()
            .cast(&DataType::List(Box::new(DataType::String)))
            .map_err(polars_bug)?,
        Column::new("too_old".into(), too_old),
    ] {
        df.with_column(column).map_err(polars_bug)?;
    }
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
