//! One description per log format: which fields a vendor's log holds and what they mean.
//! Every fact that differs between vendors lives here, as data: the reader, the time (when
//! it was taken, its resolution, the field giving the response's duration), the fields of
//! the path, host, method, status and viewer, the cache status table and the fields that
//! say which cache tier served a page, the node, the default cache key and topology, and
//! how cookies are written. `--column` overrides are applied here, once.
//!
//! Sources, per field, are cited in the README ("CDN logs as delivered").

use std::sync::Arc;

use super::pattern::{self, Pattern};
use super::status::Table;
use super::time::TimeText;
use super::vendors;
use crate::cdn::{CacheKey, Topology};

/// The format of a delivered log, as `--log-format` names it.
#[derive(Debug, Clone)]
pub enum LogFormat {
    /// The contract's CDN log: `ts, path, viewer_id, cache_status` (CSV, NDJSON, Parquet).
    Contract,
    /// CloudFront standard logs: legacy and v2 text (W3C), v2 JSON and v2 Parquet.
    CloudFront,
    /// Cloudflare Logpush `http_requests`: NDJSON, or CSV with a header line, or CSV without
    /// one whose fields are given (`cloudflare:'F,F,...'`, the job's `field_names`).
    Cloudflare(Option<Arc<[String]>>),
    /// Akamai DataStream 2: JSON lines, or STRUCTURED lines (space or tab) whose data set
    /// fields are given in the stream's order (`akamai:'reqTimeSec cliIP ...'`).
    Akamai(Option<Arc<[String]>>),
    /// Fastly real-time log streaming in the JSON format the README documents.
    Fastly,
    /// nginx, with its `log_format` string.
    Nginx(Arc<Pattern>),
    /// Apache httpd, with its `LogFormat` string.
    Apache(Arc<Pattern>),
    /// W3C extended (IIS and others), fields by `#Fields`, mapped with `--column`.
    W3c,
}

/// The names `--log-format` takes, for messages and help.
pub const FORMAT_NAMES: &str = "contract, cloudfront, cloudflare[:'FIELDS'], akamai[:'FIELDS'], fastly, nginx:'LOG_FORMAT', apache:'LOGFORMAT', w3c";

impl LogFormat {
    /// Parses `--log-format`.
    pub fn parse(text: &str) -> std::result::Result<LogFormat, String> {
        let (name, rest) = match text.split_once(':') {
            Some((name, rest)) => (name.trim(), Some(rest)),
            None => (text.trim(), None),
        };
        let fields =
            |rest: &str, separators: &[char]| -> std::result::Result<Arc<[String]>, String> {
                let fields: Vec<String> = rest
                    .split(separators)
                    .map(str::trim)
                    .filter(|f| !f.is_empty())
                    .map(str::to_string)
                    .collect();
                if fields.is_empty() {
                    return Err(format!("{name}: the field list after {name}: is empty"));
                }
                Ok(fields.into())
            };
        let format = match (name.to_ascii_lowercase().as_str(), rest) {
            ("contract", None) => LogFormat::Contract,
            ("cloudfront", None) => LogFormat::CloudFront,
            ("cloudflare", None) => LogFormat::Cloudflare(None),
            ("cloudflare", Some(list)) => LogFormat::Cloudflare(Some(fields(list, &[','])?)),
            ("akamai", None) => LogFormat::Akamai(None),
            ("akamai", Some(list)) => LogFormat::Akamai(Some(fields(list, &[' ', '\t', ','])?)),
            ("fastly", None) => LogFormat::Fastly,
            ("w3c", None) => LogFormat::W3c,
            ("nginx", Some(spec)) => LogFormat::Nginx(Arc::new(Pattern::nginx(spec)?)),
            ("apache", Some(spec)) => LogFormat::Apache(Arc::new(Pattern::apache(spec)?)),
            ("nginx", None) | ("apache", None) => {
                return Err(format!(
                    "{name}: give the server's format string, e.g. {name}:'{}'",
                    if name == "nginx" {
                        pattern::NGINX_EXAMPLE
                    } else {
                        pattern::APACHE_EXAMPLE
                    }
                ))
            }
            _ => return Err(format!("expected one of {FORMAT_NAMES}")),
        };
        Ok(format)
    }

    pub fn name(&self) -> &'static str {
        match self {
            LogFormat::Contract => "contract",
            LogFormat::CloudFront => "cloudfront",
            LogFormat::Cloudflare(_) => "cloudflare",
            LogFormat::Akamai(_) => "akamai",
            LogFormat::Fastly => "fastly",
            LogFormat::Nginx(_) => "nginx",
            LogFormat::Apache(_) => "apache",
            LogFormat::W3c => "w3c",
        }
    }

    /// Whether this is the contract's CDN log (read by `cdn::read`, not by a description).
    pub fn is_contract(&self) -> bool {
        matches!(self, LogFormat::Contract)
    }

    /// The format's documented facts, with `--column` overrides applied.
    pub fn describe(
        &self,
        columns: &[(String, String)],
    ) -> std::result::Result<Description, String> {
        let mut description = match self {
            LogFormat::Contract => vendors::contract(),
            LogFormat::CloudFront => vendors::cloudfront(),
            LogFormat::Cloudflare(fields) => vendors::cloudflare(fields.clone()),
            LogFormat::Akamai(fields) => vendors::akamai(fields.clone()),
            LogFormat::Fastly => vendors::fastly(),
            LogFormat::Nginx(p) => vendors::nginx(p)?,
            LogFormat::Apache(p) => vendors::apache(p)?,
            LogFormat::W3c => vendors::w3c(),
        };
        description.override_columns(columns);
        Ok(description)
    }
}

/// How a format's files are read.
#[derive(Debug, Clone)]
pub enum Reader {
    /// The contract's CSV, NDJSON or Parquet (by extension).
    Contract,
    /// W3C extended text: `#Fields` directives, values split by `separator`, `-` empty.
    W3c { separator: u8 },
    /// CloudFront standard logs, by content: W3C text (legacy and v2 plain or W3C), JSON
    /// lines (v2 JSON) or Parquet (v2 Parquet, the Athena names with underscores).
    CloudFront,
    /// JSON lines; a field inside an object is named `Object.key`.
    JsonLines,
    /// Cloudflare Logpush: NDJSON by content, else CSV with a header line or the given fields.
    Logpush { fields: Option<Arc<[String]>> },
    /// Akamai DataStream 2: JSON lines by content, else STRUCTURED lines of the given fields
    /// (after the stream version and stream ID), space or tab separated, `-` empty.
    DataStream { fields: Option<Arc<[String]>> },
    /// nginx or Apache by the server's format string.
    Pattern(Arc<Pattern>),
}

/// When a format's time was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Means {
    /// When the request arrived.
    Arrival,
    /// When the response ended (CloudFront `time`, nginx `$msec`, W3C `time`): the
    /// duration field, when logged, gives the arrival.
    End,
}

/// A field giving the response's duration, from the request's arrival to its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duration {
    pub field: String,
    /// Microseconds per unit of the value (a decimal value keeps its fraction).
    pub unit: i64,
    /// The resolution of the values (µs).
    pub resolution: i64,
}

/// A format's request time.
#[derive(Debug, Clone)]
pub struct Time {
    /// The time fields, joined by a space when two (W3C's `date` and `time`).
    pub fields: Vec<String>,
    pub text: TimeText,
    pub means: Means,
    /// The resolution when the format fixes it (µs); `None`: as the values show.
    pub resolution: Option<i64>,
    pub duration: Option<Duration>,
}

/// Where the requested path comes from.
#[derive(Debug, Clone)]
pub enum Uri {
    /// A path field and an optional query field (`-` or empty for none).
    Split(String, Option<String>),
    /// A path with its query.
    Whole(String),
    /// A request line: `GET /path?q HTTP/1.1` (the method too, when no method field).
    RequestLine(String),
}

/// How a format writes the Cookie header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decode {
    /// As sent.
    Raw,
    /// URL-encoded (`%20`), spaces as `%20` (CloudFront).
    Url,
    /// URL-encoded with a space as `+` (Akamai's RFC 1738 escaping, as its samples show).
    UrlPlus,
    /// A space as `+`, nothing else encoded (IIS).
    Plus,
}

/// How a format names one cookie or one request header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Naming {
    /// None of its own.
    None,
    /// nginx `$cookie_NAME`, `$http_NAME`.
    Nginx,
    /// Apache `%{NAME}C`, `%{NAME}i`.
    Apache,
    /// Cloudflare custom fields: `Cookies.NAME` (case-sensitive), `RequestHeaders.name`
    /// (lower case).
    Logpush,
    /// W3C `cs(Name)`.
    W3c,
    /// Akamai's fixed fields (`UA`, `cookie`, `referer`).
    DataStream,
    /// The README's Fastly format (`user_agent`, `cookie`).
    Fastly,
}

/// The fields (beyond the cache status) that say where a page came from: which cache tier,
/// a Worker's subrequest, a viewer who hung up. Each is optional in a file.
#[derive(Debug, Clone)]
pub enum Tiers {
    /// The cache status alone.
    Status,
    /// CloudFront: `x-edge-response-result-type` (what the edge did before a viewer
    /// disconnected) and `x-edge-detailed-result-type` (`OriginShieldHit`).
    CloudFront { response: String, detailed: String },
    /// Cloudflare: `CacheTieredFill`, `UpperTierColoID`, `ClientRequestSource`,
    /// `WorkerSubrequest`, `ParentRayID`, `RayID`.
    Cloudflare {
        tiered_fill: String,
        upper_tier: String,
        source: String,
        subrequest: String,
        parent: String,
        ray: String,
    },
    /// Akamai: `breadcrumbs` (`c=c` a cache parent, `c=o` the origin), `cacheable`.
    Akamai {
        breadcrumbs: String,
        cacheable: String,
    },
    /// Fastly: the documented format's `ff_visits` (`fastly.ff.visits_this_service`: 0 on
    /// the edge's line, more on the shield's).
    Fastly { visits: String },
}

impl Tiers {
    /// The optional fields it reads.
    pub fn fields(&self) -> Vec<String> {
        match self {
            Tiers::Status => Vec::new(),
            Tiers::CloudFront { response, detailed } => vec![response.clone(), detailed.clone()],
            Tiers::Cloudflare {
                tiered_fill,
                upper_tier,
                source,
                subrequest,
                parent,
                ray,
            } => vec![
                tiered_fill.clone(),
                upper_tier.clone(),
                source.clone(),
                subrequest.clone(),
                parent.clone(),
                ray.clone(),
            ],
            Tiers::Akamai {
                breadcrumbs,
                cacheable,
            } => vec![breadcrumbs.clone(), cacheable.clone()],
            Tiers::Fastly { visits } => vec![visits.clone()],
        }
    }
}

/// Everything a format's log says, field by field.
#[derive(Debug, Clone)]
pub struct Description {
    pub name: &'static str,
    /// The vendor and product, for messages.
    pub vendor: &'static str,
    pub reader: Reader,
    pub time: Time,
    pub uri: Uri,
    /// The host the request named (part of most vendors' default cache key).
    pub host: Option<String>,
    /// The request method; `None` with a request line: its first word.
    pub method: Option<String>,
    /// The HTTP status sent.
    pub status: Option<String>,
    /// The cache status field.
    pub cache: String,
    /// The vendor's documented cache statuses (`None`: the `--origin-status` and
    /// `--cached-status` lists alone: W3C defines no cache field).
    pub table: Option<&'static Table>,
    pub tiers: Tiers,
    /// The field naming the cache node (edge location, colo, POP), when the format has one.
    pub node: Option<String>,
    pub ip: Option<String>,
    pub ua: Option<String>,
    /// The whole Cookie header, and how it is encoded.
    pub cookie_header: Option<(String, Decode)>,
    pub naming: Naming,
    /// The vendor's default cache key.
    pub cache_key: CacheKey,
    /// The cache topology to assume unless told (`--cache-topology`).
    pub topology: Topology,
    /// Why a log of this format may name no viewer at all: said when none does.
    pub no_viewer_cause: &'static str,
}

/// What `--column` may remap in a delivered log: the request time (one field), the path,
/// the cache status and the viewer.
impl Description {
    fn override_columns(&mut self, columns: &[(String, String)]) {
        let get = |contract: &str| {
            columns
                .iter()
                .rev()
                .find(|(c, _)| c == contract)
                .map(|(_, s)| s.clone())
        };
        if let Some(ts) = get("ts") {
            // A field the user names is taken as the request's arrival, in any common form.
            self.time = Time {
                fields: vec![ts],
                text: TimeText::Any,
                means: Means::Arrival,
                resolution: None,
                duration: None,
            };
        }
        if let Some(path) = get("path") {
            self.uri = Uri::Whole(path);
        }
        if let Some(cache) = get("cache_status") {
            // A field of the user's: the vendor's table applies only to its own field.
            if cache != self.cache && !matches!(self.reader, Reader::W3c { .. }) {
                self.table = None;
            }
            self.cache = cache;
        }
    }

    /// The fields without which no row can be read: time, path, cache status.
    pub fn required(&self) -> Vec<String> {
        let mut required = self.time.fields.clone();
        required.push(self.uri.path().clone());
        required.push(self.cache.clone());
        required
    }

    /// The format's own field for one cookie, when it logs cookies one by one.
    pub fn cookie_field(&self, name: &str) -> Option<String> {
        match (&self.naming, &self.reader) {
            (Naming::Nginx, Reader::Pattern(p)) => p.cookie_field(&format!("$cookie_{name}")),
            (Naming::Apache, Reader::Pattern(p)) => p.cookie_field(&format!("%{{{name}}}C")),
            (Naming::Logpush, _) => Some(format!("Cookies.{name}")),
            (Naming::Nginx | Naming::Apache, _) => None,
            (Naming::None | Naming::W3c | Naming::DataStream | Naming::Fastly, _) => None,
        }
    }

    /// The format's own field for a request header (header names compared in any case).
    pub fn header_field(&self, name: &str) -> Option<String> {
        let lower = name.to_ascii_lowercase();
        match (&self.naming, &self.reader) {
            (Naming::Nginx, Reader::Pattern(p)) => {
                p.field(&format!("$http_{}", lower.replace('-', "_")))
            }
            (Naming::Apache, Reader::Pattern(p)) => p.field(&format!("%{{{name}}}i")),
            (Naming::Nginx | Naming::Apache, _) => None,
            (Naming::Logpush, _) => Some(format!("RequestHeaders.{lower}")),
            (Naming::W3c, _) => Some(format!("cs({name})")),
            (Naming::DataStream, _) => match lower.as_str() {
                "user-agent" => Some("UA".into()),
                "cookie" => Some("cookie".into()),
                "referer" => Some("referer".into()),
                "host" => Some("reqHost".into()),
                _ => None,
            },
            (Naming::Fastly, _) => match lower.as_str() {
                "user-agent" => Some("user_agent".into()),
                "cookie" => Some("cookie".into()),
                "host" => Some("host".into()),
                _ => None,
            },
            (Naming::None, _) => None,
        }
    }
}

impl Uri {
    /// The field holding the path (with or without its query, or the request line).
    pub fn path(&self) -> &String {
        match self {
            Uri::Split(path, _) | Uri::Whole(path) | Uri::RequestLine(path) => path,
        }
    }

    /// The separate query field, if any: optional in a file.
    pub fn query(&self) -> Option<&String> {
        match self {
            Uri::Split(_, query) => query.as_ref(),
            _ => None,
        }
    }
}
