//! From a raw CDN log to an exposure log: whose page each response carried. An origin
//! response rendered its own viewer's page; a cached one carried the page of the latest
//! origin response for the same cache key at or before it (a backward as-of join by key).
//! `read` reads and checks one file, `attribute` joins and counts.

mod attribute;
mod coarse;
pub mod delivered;
mod derive;
pub mod dict;
pub mod files;
mod output;
mod read;

use std::path::PathBuf;

use anyhow::Result;
use polars::prelude::*;

use crate::audit::Report;
use crate::error::{InputError, InputResult};
use crate::exposure::ReadOptions;
use crate::frame::names::{CACHE_STATUS, ORIGIN_TS, OWNER_ID, VIEWER_ID};
use crate::frame::polars_bug;
pub use attribute::cache_key;
use attribute::counts;
pub use delivered::{LogFormat, Viewer};
pub use output::{read_log, write};

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

/// What each response carried, as the derived log's `attribution` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attribution {
    /// Rendered by the origin for its viewer.
    Origin = 0,
    /// From the cache, attributed to one owner (or to an unidentified visitor's page).
    Cached = 1,
    /// From the cache, with several candidate owners (a coarse clock).
    Ambiguous = 2,
    /// From the cache, with no origin response in reach.
    Unattributed = 3,
    /// No page (an error, a redirect).
    NoPage = 4,
}

impl Attribution {
    pub const ALL: [Attribution; 5] = [
        Attribution::Origin,
        Attribution::Cached,
        Attribution::Ambiguous,
        Attribution::Unattributed,
        Attribution::NoPage,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Attribution::Origin => "origin",
            Attribution::Cached => "cached",
            Attribution::Ambiguous => "ambiguous",
            Attribution::Unattributed => "unattributed",
            Attribution::NoPage => "no_page",
        }
    }
}

/// The derived log, text kept as numbers (`derive`), and its counts.
pub struct Derived {
    pub frame: derive::Frame,
    pub counts: Counts,
}

/// Derives the owner of every response of the CDN log `files`.
pub fn derive(files: &[PathBuf], read: &ReadOptions, options: &Options) -> Result<Derived> {
    let frame = derive::derive_frame(files, read, options)?;
    let counts = counts(&frame.df)?;
    Ok(Derived { frame, counts })
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
