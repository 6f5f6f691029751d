//! CDN and web-server logs as vendors deliver them: CloudFront standard logs (text, JSON,
//! Parquet) and W3C extended files, Cloudflare Logpush (NDJSON, CSV), Akamai DataStream 2
//! (JSON, STRUCTURED), Fastly JSON lines, and nginx or Apache access logs in the server's
//! own format string. What each format holds is its `Description` (`format`); each file is
//! read into the same frame (`normalise`): `ts` (the earliest possible arrival, UTC µs),
//! `path`, `host`, `viewer_id`, `cache_status` (as written), `source` and `fill` (where the
//! page came from and what it did to the caches: `crate::cdn::source`) and `cache_node`.

mod format;
mod json;
mod normalise;
mod pattern;
mod source;
pub mod status;
mod table;
pub mod text;
pub mod time;
mod vendors;
mod w3c;

use std::path::Path;

use anyhow::Result;
use polars::prelude::*;

use super::dict::Dicts;
use super::Topology;
use crate::error::{InputError, InputResult};
use crate::frame::polars_bug;
pub use format::{Decode, Description, LogFormat, Means, Reader, Tiers, Uri, FORMAT_NAMES};
pub use normalise::{absent, cookie};
pub use pattern::Pattern;
pub use source::ROW_KINDS;

/// Who asked for a response (`--viewer`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Viewer {
    /// A cookie's value: from the format's per-cookie field, else the Cookie header.
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

/// How a delivered file is read: its description, who asked, the node, the statuses, the
/// topology and the methods that fill a cache.
pub struct Reading<'a> {
    pub description: &'a Description,
    pub viewer: &'a Viewer,
    /// The field naming the cache node; `None`: no nodes (one cache).
    pub node: Option<&'a str>,
    /// Whether `node` was named (`--cache-node`): the format's default node field may be
    /// left out of a file (CloudFront v2 lets the fields be chosen), which is then one cache.
    pub node_named: bool,
    /// Statuses classified on the command line (or the contract's defaults), upper case.
    pub origin_statuses: &'a [String],
    pub cached_statuses: &'a [String],
    /// Whether the lists were given: a vendor's documented table applies alone otherwise.
    pub statuses_given: bool,
    /// HTTP statuses that carried a page (`--statuses`).
    pub page_statuses: &'a [(u16, u16)],
    pub topology: Topology,
    /// Methods whose responses fill a cache (`--fill-methods`), upper case.
    pub fill_methods: &'a [String],
}

/// One delivered file, read: the normalised frame (text columns as numbers of `dicts`),
/// the resolution its times show and how much a duration widened them (µs).
pub struct Delivered {
    pub df: DataFrame,
    pub dicts: Dicts,
    pub resolution: i64,
    /// Added to each arrival's uncertainty by a duration subtracted from an end time.
    pub widening: i64,
    /// Rows whose time was a response's end with no duration to take back: taken as the
    /// arrival (an assumption the output states).
    pub ends_as_arrivals: usize,
}

/// Reads one delivered file into the normalised frame.
pub fn read(path: &Path, reading: &Reading) -> Result<Delivered> {
    let raw = match &reading.description.reader {
        Reader::W3c { separator } => w3c::read(text::read(path, true)?, reading, *separator)?,
        Reader::CloudFront => {
            let bytes = text::content(path)?;
            if text::is_parquet(&bytes) {
                table::parquet(path, bytes, reading)?
            } else {
                let lines = text::lines(path, bytes, true)?;
                if text::is_json(&lines) {
                    json::read(lines, reading)?
                } else {
                    w3c::read(lines, reading, b'\t')?
                }
            }
        }
        Reader::JsonLines => json::read(text::read(path, false)?, reading)?,
        Reader::Logpush { fields } => {
            let lines = text::read(path, false)?;
            if text::is_json(&lines) {
                json::read(lines, reading)?
            } else {
                table::delimited(lines, reading, b',', fields.as_deref(), 0)?
            }
        }
        Reader::DataStream { fields } => {
            let lines = text::read(path, false)?;
            match (text::is_json(&lines), fields) {
                (true, _) => json::read(lines, reading)?,
                (false, Some(fields)) => {
                    let separator = table::space_or_tab(&lines);
                    // Each STRUCTURED line starts with the stream version and stream ID.
                    table::delimited(lines, reading, separator, Some(fields), 2)?
                }
                (false, None) => {
                    return Err(InputError::at(
                        lines.at(0, "line"),
                        "not JSON: DataStream 2 STRUCTURED lines carry no field names; give the stream's data set fields in order, --log-format akamai:'reqTimeSec reqHost reqPath ...'",
                    )
                    .into())
                }
            }
        }
        Reader::Pattern(p) => pattern::read(path, p, reading)?,
        Reader::Contract => {
            return Err(polars_bug(PolarsError::ComputeError(
                "contract logs are read by cdn::read".into(),
            )))
        }
    };
    normalise::frame(raw, reading)
}

/// Reads one delivered file a piece of about `piece` bytes of text at a time, each piece
/// normalised as `read` does the whole file and handed to `each` in order: CloudFront's
/// and IIS's tab- or space-separated lines (and CloudFront's JSON lines), which need
/// nothing of the lines before but their `#Fields`. Other readers, and a CloudFront
/// Parquet file, give the whole file as one piece.
pub fn read_each(
    path: &Path,
    reading: &Reading,
    piece: usize,
    each: &mut dyn FnMut(Delivered) -> Result<()>,
) -> Result<()> {
    let separator = match &reading.description.reader {
        Reader::W3c { separator } => *separator,
        Reader::CloudFront if !starts_as_parquet(path) => b'\t',
        _ => return each(read(path, reading)?),
    };
    let cloudfront = matches!(reading.description.reader, Reader::CloudFront);
    text::pieces(path, true, piece, &mut |lines| {
        let raw = if cloudfront && text::is_json(&lines) {
            json::read(lines, reading)?
        } else {
            w3c::read(lines, reading, separator)?
        };
        each(normalise::frame(raw, reading)?)
    })
}

/// Whether the file starts with Parquet's magic number (it is then not gzip).
fn starts_as_parquet(path: &Path) -> bool {
    let mut start = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut start))
        .is_ok_and(|()| text::is_parquet(&start))
}

/// The field the viewer comes from, by the format's naming of cookies and headers; an
/// error when the format has no such field. A cookie falls back to the whole Cookie header
/// (the second field) when its own field is empty.
pub(super) fn viewer_fields(
    description: &Description,
    viewer: &Viewer,
) -> InputResult<Vec<String>> {
    let missing = |what: &str| {
        InputError::usage(format!(
            "--viewer: {} logs have no {what}",
            description.name
        ))
    };
    let header = || description.cookie_header.as_ref().map(|(f, _)| f.clone());
    Ok(match viewer {
        Viewer::Field(name) => vec![name.clone()],
        Viewer::Ip => vec![description
            .ip
            .clone()
            .ok_or_else(|| missing("client address"))?],
        Viewer::IpUa => vec![
            description
                .ip
                .clone()
                .ok_or_else(|| missing("client address"))?,
            description
                .ua
                .clone()
                .ok_or_else(|| missing("user agent"))?,
        ],
        Viewer::Header(name) => vec![description
            .header_field(name)
            .ok_or_else(|| missing("request headers"))?],
        Viewer::Cookie(name) => match (description.cookie_field(name), header()) {
            (Some(own), Some(header)) => vec![own, header],
            (Some(own), None) => vec![own],
            (None, Some(header)) => vec![header],
            (None, None) => return Err(missing("Cookie header")),
        },
    })
}

/// Every field a reading needs from a file of the format; the optional ones (read when a
/// file has them) after the required ones.
pub(super) fn needed_fields(reading: &Reading) -> InputResult<(Vec<String>, Vec<String>)> {
    let d = reading.description;
    let mut needed = d.required();
    needed.extend(d.uri.query().cloned());
    needed.extend(d.status.clone());
    needed.extend(reading.node.map(str::to_string));
    needed.extend(viewer_fields(d, reading.viewer)?);
    let mut optional: Vec<String> = d.uri.query().cloned().into_iter().collect();
    optional.extend(d.host.clone());
    optional.extend(d.method.clone());
    optional.extend(d.time.duration.as_ref().map(|t| t.field.clone()));
    optional.extend(d.tiers.fields());
    if let Viewer::Cookie(_) = reading.viewer {
        // The per-cookie field and the Cookie header: either may be missing from a file.
        optional.extend(viewer_fields(d, reading.viewer)?);
    }
    if !reading.node_named {
        optional.extend(reading.node.map(str::to_string));
    }
    needed.extend(optional.iter().cloned());
    let mut seen = std::collections::HashSet::new();
    needed.retain(|f| seen.insert(f.clone()));
    optional.retain(|f| !d.required().contains(f));
    Ok((needed, optional))
}
