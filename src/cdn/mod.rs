//! From a raw CDN log to an exposure log: whose page each response carried. An origin
//! response rendered its own viewer's page; a cached one carried the page of the latest
//! origin response that filled its cache (its node's store, or a shared tier's) before it.
//! `read` reads a contract log and `delivered` a vendor's; `derive` puts them in time
//! order and keys them; `attribute` (an exact clock, one tier) or `stores` (any clock, any
//! topology) finds each response's page; `output` writes the derived log.

mod attribute;
pub mod delivered;
mod derive;
pub mod dict;
pub mod files;
mod hot;
mod output;
mod parted;
mod read;
pub mod source;
pub mod spill;
mod stores;
pub mod window;
mod workers;

use std::path::PathBuf;

use anyhow::Result;
use polars::prelude::*;

use crate::audit::Report;
use crate::error::{InputError, InputResult};
use crate::frame::names::{CACHE_STATUS, ORIGIN_TS, OWNER_ID, VIEWER_ID};
use crate::frame::OrBug;
use crate::ingest::ReadOptions;
pub use attribute::cache_key;
use attribute::counts;
pub use delivered::{LogFormat, Viewer};
pub use output::{read_log, write, Derivation};
pub use parted::derive_to;
pub use source::Topology;
pub use stores::Reason;

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
    /// The host the request named (in any case) and the normalised path.
    HostPath,
    /// The host, the normalised path and the query string.
    HostPathQuery,
}

impl CacheKey {
    pub fn name(self) -> &'static str {
        match self {
            CacheKey::Path => "path",
            CacheKey::PathQuery => "path+query",
            CacheKey::HostPath => "host+path",
            CacheKey::HostPathQuery => "host+path+query",
        }
    }

    /// Whether the key includes the host.
    pub fn has_host(self) -> bool {
        matches!(self, CacheKey::HostPath | CacheKey::HostPathQuery)
    }

    /// Whether the key includes the query string.
    pub fn has_query(self) -> bool {
        matches!(self, CacheKey::PathQuery | CacheKey::HostPathQuery)
    }

    /// The same key without the host.
    pub fn without_host(self) -> CacheKey {
        match self {
            CacheKey::HostPath => CacheKey::Path,
            CacheKey::HostPathQuery => CacheKey::PathQuery,
            other => other,
        }
    }
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

/// Methods whose responses fill a page cache unless told (`--fill-methods`): the vendors'
/// defaults (CloudFront proxies PUT, POST, PATCH, OPTIONS and DELETE to the origin; nginx's
/// `proxy_cache_methods GET HEAD`; mod_cache and Cloudflare cache only GET).
pub const FILL_METHODS: [&str; 2] = ["GET", "HEAD"];

/// The share of responses with no viewer past which a delivered log is refused unless told
/// (`--max-unidentified`): more than half the page-carrying responses naming nobody is a
/// log that does not record who asked (cookie logging off, a field not configured).
pub const MAX_UNIDENTIFIED: f64 = 0.5;

/// More candidate owners than this and a response is left unattributed, as too many to
/// name (`--max-candidates`).
pub const MAX_CANDIDATES: usize = 100;

/// How to derive owners.
#[derive(Debug, Clone)]
pub struct Options {
    /// `None`: the format's default (the vendor's documented cache key).
    pub cache_key: Option<CacheKey>,
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
    /// `None`: the format's default.
    pub topology: Option<Topology>,
    /// Upper-case methods whose responses fill a cache.
    pub fill_methods: Vec<String>,
    /// The largest share (0 to 1) of page-carrying responses with no viewer accepted.
    pub max_unidentified: f64,
    pub max_candidates: usize,
    /// `--memory-limit` (bytes; `None`: `spill::default_limit`).
    pub memory_limit: Option<u64>,
    /// `--tmp-dir` (`None`: the system's temporary folder).
    pub tmp_dir: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            cache_key: None,
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
            topology: None,
            fill_methods: FILL_METHODS.iter().map(|m| m.to_string()).collect(),
            max_unidentified: MAX_UNIDENTIFIED,
            max_candidates: MAX_CANDIDATES,
            memory_limit: None,
            tmp_dir: None,
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
            cache_key,
            origin_statuses,
            cached_statuses,
            statuses_given: origin_status.is_some() || cached_status.is_some(),
            max_age,
            origin_id,
            ..Options::default()
        })
    }

    /// The field naming the cache node, if any, in a log described by `description`.
    pub fn node_field(&self, description: &delivered::Description) -> Option<String> {
        match &self.node {
            Node::Default => description.node.clone(),
            Node::None => None,
            Node::Field(field) => Some(field.clone()),
        }
    }

    /// The format's description, with `--column` overrides.
    pub fn description(&self, columns: &[(String, String)]) -> InputResult<delivered::Description> {
        self.format
            .describe(columns)
            .map_err(|why| InputError::usage(format!("--log-format {}: {why}", self.format.name())))
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
    /// Responses served from a cache (attributed, ambiguous or not).
    pub cached: u64,
    /// Cached responses with several candidate owners.
    pub ambiguous: u64,
    /// Of those, by why: the clock, a shared tier, a status of no documented meaning.
    pub ambiguous_clock: u64,
    pub ambiguous_tier: u64,
    pub ambiguous_status: u64,
    /// Cached responses with no origin response to come from: kept with an empty owner.
    pub unattributed: u64,
    /// Of those, the ones whose latest origin response was older than `--max-age`.
    pub too_old: u64,
    /// Of those, the ones with more candidates than `--max-candidates`.
    pub too_many: u64,
    /// Responses that carried no page (errors, redirects, internal requests): counted,
    /// never attributed.
    pub no_page: u64,
}

impl Counts {
    /// Adds another part's counts (a partition of the log).
    pub fn add(&mut self, other: &Counts) {
        self.responses += other.responses;
        self.origin += other.origin;
        self.cached += other.cached;
        self.ambiguous += other.ambiguous;
        self.ambiguous_clock += other.ambiguous_clock;
        self.ambiguous_tier += other.ambiguous_tier;
        self.ambiguous_status += other.ambiguous_status;
        self.unattributed += other.unattributed;
        self.too_old += other.too_old;
        self.too_many += other.too_many;
        self.no_page += other.no_page;
    }

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
        if self.too_many > 0 {
            line.push_str(&format!(
                "; {} of them with more than --max-candidates possible owners",
                self.too_many
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
                "; {} responses carried no page (errors, redirects, internal requests) and were not attributed",
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

/// What the derivation assumed and saw, said beside its counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    pub format: &'static str,
    pub topology: &'static str,
    pub cache_key: &'static str,
    /// Each arrival's uncertainty (µs); 0: exact.
    pub width: i64,
    /// Rows whose time was a response's end with no duration: taken as the arrival.
    pub ends_as_arrivals: u64,
    /// Page-carrying responses, and those that named no viewer.
    pub with_page: u64,
    pub unidentified: u64,
    /// Responses by a method that is not cached (filled nothing).
    pub not_cached_method: u64,
    /// Worker visitor lines merged with their subrequests.
    pub worker_pairs: u64,
    /// Requests no visitor received (internal, a shield's own line).
    pub internal: u64,
    /// The counts per cache node (`""`: no node).
    pub nodes: Vec<(String, Counts)>,
    /// Spilled: the rows of the biggest bucket of cache keys and the rows `--memory-limit`
    /// gives a partition, when the bucket is the bigger (it was derived whole, past the
    /// limit).
    pub bucket_over_limit: Option<(u64, u64)>,
}

impl Facts {
    /// The fact that would narrow the ambiguity and the unattributed responses: a hint
    /// per reason that occurs.
    pub fn hints(&self, counts: &Counts) -> Vec<String> {
        let mut hints = Vec::new();
        if counts.ambiguous_clock > 0 {
            hints.push(format!(
                "{} ambiguous by the clock ({} resolution): a log with finer times narrows them (Cloudflare unixnano, nginx $msec, Apache %{{msec}}t; CloudFront v2's timestamp(ms) field with --column ts=timestamp(ms)), as does the pages' time to live (--max-age)",
                counts.ambiguous_clock,
                resolution_text(self.width)
            ));
        }
        if counts.ambiguous_tier > 0 {
            hints.push(format!(
                "{} ambiguous because a shared cache tier may have served them (--cache-topology {}): --cache-topology edge if that tier does not store these pages, or --max-age with the pages' time to live",
                counts.ambiguous_tier, self.topology
            ));
        }
        if counts.ambiguous_status > 0 {
            hints.push(format!(
                "{} ambiguous because the vendor does not document what their cache status means: classify it with --origin-status or --cached-status",
                counts.ambiguous_status
            ));
        }
        if counts.too_many > 0 {
            hints.push(format!(
                "{} unattributed with more than --max-candidates possible owners: --max-age (the pages' time to live) bounds how far back a cache can reach",
                counts.too_many
            ));
        }
        let no_fill = counts.unattributed - counts.too_old - counts.too_many;
        if no_fill > 0 {
            hints.push(format!(
                "{no_fill} unattributed with no origin response before them in the log: a log that starts earlier names them"
            ));
        }
        if self.ends_as_arrivals > 0 {
            hints.push(format!(
                "{} responses logged at their end without a duration: taken as arriving then (log the duration: CloudFront time-taken, nginx $request_time, Apache %D)",
                self.ends_as_arrivals
            ));
        }
        hints
    }
}

/// A resolution in words (`1 s`, `1 ms`, `exact`).
pub fn resolution_text(micros: i64) -> String {
    match micros {
        0 => "exact".into(),
        m if m % 1_000_000 == 0 => format!("{} s", m / 1_000_000),
        m if m > 1_000_000 => {
            let text = format!("{:.6}", m as f64 / 1_000_000.0);
            format!("{} s", text.trim_end_matches('0'))
        }
        m if m % 1_000 == 0 => format!("{} ms", m / 1_000),
        m => format!("{m} µs"),
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
    let mut frame = derive::derive_frame(files, read, options)?;
    let counts = counts(&frame.df)?;
    frame.facts.nodes = attribute::counts_by_node(&frame.df, &frame.dicts)?;
    Ok(Derived { frame, counts })
}

/// Adds the derivation's figures to `report summary`: the counts, why responses are
/// ambiguous or unattributed, per cache node, the assumptions, and what would narrow it.
pub fn add_summary_rows(report: &mut Report, counts: &Counts, facts: &Facts) -> Result<()> {
    let share = |part: u64, whole: u64| {
        if whole == 0 {
            "0%".to_string()
        } else {
            format!("{:.1}%", part as f64 * 100.0 / whole as f64)
        }
    };
    let mut rows: Vec<(String, String)> = vec![
        ("cdn_responses_in_window".into(), counts.responses.to_string()),
        ("cdn_origin_responses".into(), counts.origin.to_string()),
        ("cdn_cached_responses".into(), counts.cached.to_string()),
        (
            "cached_responses_unattributed".into(),
            format!(
                "{} (could not be attributed: kept with an empty owner_id and not counted as exposures; no origin response before them {}, older than --max-age {}, more than --max-candidates owners {})",
                counts.unattributed,
                counts.unattributed - counts.too_old - counts.too_many,
                counts.too_old,
                counts.too_many
            ),
        ),
        (
            "cached_responses_ambiguous".into(),
            format!(
                "{} (which of several owners' pages was served cannot be told: each candidate counts a possible exposure; by the clock {}, a shared tier {}, a status of no documented meaning {})",
                counts.ambiguous, counts.ambiguous_clock, counts.ambiguous_tier, counts.ambiguous_status
            ),
        ),
        (
            "responses_without_page".into(),
            format!(
                "{} (errors, redirects, internal requests: counted, never attributed)",
                counts.no_page
            ),
        ),
    ];
    if !facts.format.is_empty() && facts.format != "contract" {
        rows.push((
            "cdn_assumed".into(),
            format!(
                "{} log; cache topology {}; cache key {}; times to {}",
                facts.format,
                facts.topology,
                facts.cache_key,
                resolution_text(facts.width)
            ),
        ));
        rows.push((
            "responses_unidentified_viewer".into(),
            format!(
                "{} of {} responses with a page ({}) named no viewer: each counts as a distinct unidentified visitor",
                facts.unidentified,
                facts.with_page,
                share(facts.unidentified, facts.with_page)
            ),
        ));
    }
    for (node, c) in &facts.nodes {
        if node.is_empty() && facts.nodes.len() == 1 {
            continue;
        }
        rows.push((
            format!("cdn_node {}", if node.is_empty() { "(none)" } else { node }),
            format!(
                "origin {}, cached {}, ambiguous {}, unattributed {}, no page {}",
                c.origin,
                c.attributed(),
                c.ambiguous,
                c.unattributed,
                c.no_page
            ),
        ));
    }
    for (i, hint) in facts.hints(counts).into_iter().enumerate() {
        rows.push((format!("cdn_hint_{}", i + 1), hint));
    }
    let (names, values): (Vec<String>, Vec<String>) = rows.into_iter().unzip();
    let rows = DataFrame::new(
        names.len(),
        vec![
            Column::new("figure".into(), names),
            Column::new("value".into(), values),
        ],
    )
    .or_bug()?;
    report.df = report.df.vstack(&rows).or_bug()?;
    Ok(())
}
