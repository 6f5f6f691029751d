//! CDN and web-server logs as vendors deliver them: CloudFront and W3C extended files,
//! Cloudflare, Akamai and Fastly JSON lines, and nginx or Apache access logs in the
//! server's own `log_format`. Each is read into the same frame: `ts` (UTC, as logged),
//! `path`, `viewer_id`, `cache_status` (as written), `class` (origin, cached, no page)
//! and `cache_node`.

mod json;
mod pattern;
pub mod status;
pub mod text;
pub mod time;
mod w3c;

use std::path::Path;
use std::sync::Arc;

use anyhow::Result;
use polars::prelude::*;

use crate::error::{InputError, InputResult};
use crate::frame::polars_bug;
pub use pattern::Pattern;
pub use status::Class;
use status::Table;
use time::TimeText;

/// The layout of a log file.
#[derive(Debug, Clone)]
pub enum LogFormat {
    /// The contract's CDN log: `ts, path, viewer_id, cache_status` (CSV, NDJSON, Parquet).
    Contract,
    CloudFront,
    Cloudflare,
    Akamai,
    Fastly,
    /// nginx, with its `log_format` string.
    Nginx(Arc<Pattern>),
    /// Apache httpd, with its `LogFormat` string.
    Apache(Arc<Pattern>),
    /// W3C extended (IIS and others), fields by `#Fields`, mapped with `--column`.
    W3c,
}

/// The names `--log-format` takes, for messages and help.
pub const FORMAT_NAMES: &str =
    "contract, cloudfront, cloudflare, akamai, fastly, nginx:'LOG_FORMAT', apache:'LOGFORMAT', w3c";

impl LogFormat {
    /// Parses `--log-format`.
    pub fn parse(text: &str) -> std::result::Result<LogFormat, String> {
        let (name, rest) = match text.split_once(':') {
            Some((name, rest)) => (name.trim(), Some(rest)),
            None => (text.trim(), None),
        };
        let format = match (name.to_ascii_lowercase().as_str(), rest) {
            ("contract", None) => LogFormat::Contract,
            ("cloudfront", None) => LogFormat::CloudFront,
            ("cloudflare", None) => LogFormat::Cloudflare,
            ("akamai", None) => LogFormat::Akamai,
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
            _ => return Err(format!("{text:?}: expected one of {FORMAT_NAMES}")),
        };
        Ok(format)
    }

    pub fn name(&self) -> &'static str {
        match self {
            LogFormat::Contract => "contract",
            LogFormat::CloudFront => "cloudfront",
            LogFormat::Cloudflare => "cloudflare",
            LogFormat::Akamai => "akamai",
            LogFormat::Fastly => "fastly",
            LogFormat::Nginx(_) => "nginx",
            LogFormat::Apache(_) => "apache",
            LogFormat::W3c => "w3c",
        }
    }

    /// The field naming the cache node, when the format has one.
    pub fn default_node(&self) -> Option<&'static str> {
        match self {
            LogFormat::CloudFront => Some("x-edge-location"),
            LogFormat::Cloudflare => Some("EdgeColoCode"),
            LogFormat::Fastly => Some("pop"),
            _ => None,
        }
    }

    /// The resolution of the format's timestamps when fixed by the format (µs); `None`:
    /// as the values show (digits after the seconds).
    pub fn fixed_resolution(&self) -> Option<i64> {
        match self {
            LogFormat::CloudFront | LogFormat::W3c => Some(1_000_000),
            LogFormat::Nginx(p) | LogFormat::Apache(p) => p.time_resolution(),
            _ => None,
        }
    }
}

/// Who asked for a response (`--viewer`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Viewer {
    /// A cookie's value: from the Cookie header, or the format's per-cookie field.
    Cookie(String),
    /// A request header's value.
    Header(String),
    /// A field of the log, by the format's own name.
    Field(String),
    /// The client address.
    Ip,
    /// The client address and user agent together.
    IpUa,
}

impl Viewer {
    /// Parses `--viewer`.
    pub fn parse(text: &str) -> std::result::Result<Viewer, String> {
        let bad =
            || format!("{text:?}: expected cookie:NAME, header:NAME, field:COLUMN, ip or ip+ua");
        match text.split_once(':') {
            Some((kind, name)) if !name.trim().is_empty() => {
                let name = name.trim().to_string();
                match kind.trim() {
                    "cookie" => Ok(Viewer::Cookie(name)),
                    "header" => Ok(Viewer::Header(name)),
                    "field" => Ok(Viewer::Field(name)),
                    _ => Err(bad()),
                }
            }
            Some(_) => Err(bad()),
            None => match text.trim() {
                "ip" => Ok(Viewer::Ip),
                "ip+ua" => Ok(Viewer::IpUa),
                _ => Err(bad()),
            },
        }
    }
}

/// What `--column` may remap in a delivered log: the request time (one field), the path,
/// the cache status and the viewer.
pub(crate) struct Overrides<'a>(pub &'a [(String, String)]);

impl Overrides<'_> {
    fn get(&self, contract: &str) -> Option<String> {
        self.0
            .iter()
            .rev()
            .find(|(c, _)| c == contract)
            .map(|(_, s)| s.clone())
    }
}

/// How a delivered file is read: format, viewer, node, extra statuses.
pub struct Reading<'a> {
    pub format: &'a LogFormat,
    pub viewer: &'a Viewer,
    /// The field naming the cache node; `None`: no nodes (one cache).
    pub node: Option<&'a str>,
    /// Whether `node` was named (`--cache-node`): the format's default node field may be
    /// left out of a file (CloudFront v2 lets the fields be chosen), which is then one cache.
    pub node_named: bool,
    pub columns: &'a [(String, String)],
    /// Statuses classified on the command line (or the contract's defaults), upper case.
    pub origin_statuses: &'a [String],
    pub cached_statuses: &'a [String],
    /// Whether the lists were given: a vendor's documented table applies alone otherwise.
    pub statuses_given: bool,
    /// HTTP statuses that carried a page (`--statuses`).
    pub page_statuses: &'a [(u16, u16)],
}

/// One delivered file, read: the normalised frame (text columns as numbers of `dicts`)
/// and the resolution its times show (µs).
pub struct Delivered {
    pub df: DataFrame,
    pub dicts: super::dict::Dicts,
    pub resolution: i64,
}

/// Where each normalised column comes from in a format.
pub(super) struct Layout {
    /// Time fields, joined by a space when two (W3C's `date` and `time`).
    pub time: Vec<String>,
    pub time_text: TimeText,
    pub uri: Uri,
    pub status: Option<String>,
    pub cache: String,
    pub table: Option<&'static Table>,
    pub ip: Option<String>,
    pub ua: Option<String>,
    /// The whole Cookie header, and whether it is URL-encoded.
    pub cookie_header: Option<(String, Decode)>,
}

/// How a format writes the Cookie header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Decode {
    /// As sent.
    Raw,
    /// URL-encoded (`%20`).
    Url,
    /// A space as `+` (IIS).
    Plus,
}

/// Where the requested path comes from.
pub(super) enum Uri {
    /// A path field and an optional query field (`-` or empty for none).
    Split(String, Option<String>),
    /// A path with its query.
    Whole(String),
    /// A request line: `GET /path?q HTTP/1.1`.
    RequestLine(String),
}

/// Reads one delivered file into the normalised frame.
pub fn read(path: &Path, reading: &Reading) -> Result<Delivered> {
    let (layout, raw) = match reading.format {
        LogFormat::CloudFront | LogFormat::W3c => w3c::read(path, reading)?,
        LogFormat::Cloudflare | LogFormat::Akamai | LogFormat::Fastly => json::read(path, reading)?,
        LogFormat::Nginx(p) | LogFormat::Apache(p) => pattern::read(path, p, reading)?,
        LogFormat::Contract => {
            return Err(polars_bug(PolarsError::ComputeError(
                "contract logs are read by cdn::read".into(),
            )))
        }
    };
    normalise::frame(raw, &layout, reading)
}

mod normalise;

/// The field the viewer comes from, in `layout` or by the format's naming of cookies and
/// headers; an error when the format has no such field.
pub(super) fn viewer_fields(
    format: &LogFormat,
    layout: &Layout,
    viewer: &Viewer,
) -> InputResult<Vec<String>> {
    let missing =
        |what: &str| InputError::usage(format!("--viewer: {} logs have no {what}", format.name()));
    Ok(match viewer {
        Viewer::Field(name) => vec![name.clone()],
        Viewer::Ip => vec![layout.ip.clone().ok_or_else(|| missing("client address"))?],
        Viewer::IpUa => vec![
            layout.ip.clone().ok_or_else(|| missing("client address"))?,
            layout.ua.clone().ok_or_else(|| missing("user agent"))?,
        ],
        Viewer::Header(name) => {
            vec![header_field(format, name).ok_or_else(|| missing("request headers"))?]
        }
        Viewer::Cookie(name) => match cookie_field(format, name) {
            Some(field) => vec![field],
            None => vec![layout
                .cookie_header
                .clone()
                .map(|(f, _)| f)
                .ok_or_else(|| missing("Cookie header"))?],
        },
    })
}

/// The format's own field for one cookie, when it logs cookies one by one.
fn cookie_field(format: &LogFormat, name: &str) -> Option<String> {
    match format {
        LogFormat::Nginx(p) => p.field(&format!("$cookie_{name}")),
        LogFormat::Apache(p) => p.field(&format!("%{{{name}}}C")),
        LogFormat::Cloudflare => Some(format!("Cookies.{name}")),
        _ => None,
    }
}

/// The format's own field for a request header.
fn header_field(format: &LogFormat, name: &str) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    match format {
        LogFormat::Nginx(p) => p.field(&format!("$http_{}", lower.replace('-', "_"))),
        LogFormat::Apache(p) => p.field(&format!("%{{{name}}}i")),
        LogFormat::Cloudflare => Some(format!("RequestHeaders.{lower}")),
        LogFormat::CloudFront | LogFormat::W3c => Some(format!("cs({name})")),
        LogFormat::Akamai => match lower.as_str() {
            "user-agent" => Some("UA".into()),
            "cookie" => Some("cookie".into()),
            "referer" => Some("referer".into()),
            _ => None,
        },
        LogFormat::Fastly => match lower.as_str() {
            "user-agent" => Some("user_agent".into()),
            "cookie" => Some("cookie".into()),
            _ => None,
        },
        LogFormat::Contract => None,
    }
}

impl Uri {
    /// The field holding the path (with or without its query, or the request line).
    pub(super) fn path(&self) -> &String {
        match self {
            Uri::Split(path, _) | Uri::Whole(path) | Uri::RequestLine(path) => path,
        }
    }

    /// The separate query field, if any: optional in a file.
    pub(super) fn query(&self) -> Option<&String> {
        match self {
            Uri::Split(_, query) => query.as_ref(),
            _ => None,
        }
    }
}

impl Layout {
    /// The fields without which no row can be read: time, path, cache status.
    pub(super) fn required(&self) -> Vec<String> {
        let mut required = self.time.clone();
        required.push(self.uri.path().clone());
        required.push(self.cache.clone());
        required
    }
}

/// Every field a reading needs from a file of the format.
pub(super) fn needed_fields(
    format: &LogFormat,
    layout: &Layout,
    reading: &Reading,
) -> InputResult<Vec<String>> {
    let mut needed = layout.time.clone();
    needed.push(layout.uri.path().clone());
    needed.extend(layout.uri.query().cloned());
    needed.extend(layout.status.clone());
    needed.push(layout.cache.clone());
    needed.extend(reading.node.map(str::to_string));
    needed.extend(viewer_fields(format, layout, reading.viewer)?);
    let mut seen = std::collections::HashSet::new();
    needed.retain(|f| seen.insert(f.clone()));
    Ok(needed)
}
