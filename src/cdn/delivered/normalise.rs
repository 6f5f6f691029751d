//! A delivered file's fields, as read, into the normalised frame: the time turned into the
//! request's earliest possible arrival, the path and host put together, the viewer found,
//! the cache status classified into where the page came from. Every refusal names the
//! file, the line and the field, and shows a value only where it cannot be personal data
//! (a cache status, cut short).

use std::borrow::Cow;
use std::collections::HashMap;

use anyhow::Result;
use polars::prelude::*;

use super::super::dict::{Dict, Dicts};
use super::format::{Decode, Description, Means, Tiers, Uri};
use super::source::{classify, Kind, Line};
use super::status::{Fill as Said, Meaning};
use super::text::{percent_decode, Lines};
use super::time::{self, TimeText};
use super::{Delivered, Reading, Viewer};
use crate::cdn::source::{Fill, Source};
use crate::error::InputError;
use crate::frame::names::{CACHE_STATUS, VIEWER_ID};
use crate::frame::utc_micros;
use crate::frame::OrBug;

/// A file's fields as text, row for row with `lines`.
pub(crate) struct Raw {
    pub df: DataFrame,
    pub lines: Lines,
}

impl Raw {
    fn texts(&self, field: &str) -> Result<StringChunked> {
        let column = self.df.column(field).or_bug()?;
        let column = column.cast(&DataType::String).or_bug()?;
        Ok(column.str().or_bug()?.clone())
    }

    fn optional(&self, field: Option<&String>) -> Result<Option<StringChunked>> {
        field
            .filter(|f| self.df.column(f).is_ok())
            .map(|f| self.texts(f))
            .transpose()
    }

    fn refuse(&self, index: usize, field: &str, message: impl Into<String>) -> anyhow::Error {
        InputError::at(self.lines.at(index, field), message).into()
    }
}

/// Whether a field's value is the vendors' "no value".
pub fn absent(value: Option<&str>) -> bool {
    value.is_none_or(|v| {
        let v = v.trim();
        v.is_empty() || v == "-"
    })
}

/// A value as a message may show it: its shape (digits as `9`, letters as `a`), never
/// what it says: a misaligned field may hold someone's cookie or address.
fn shown(value: &str) -> String {
    crate::text::shaped(value)
}

/// The normalised frame of one file (`ts, path, host, viewer_id, cache_status, source,
/// fill, kind, cache_node`, and for Cloudflare `renderer, ray, parent, line`), its text
/// columns as numbers in the file's own tables.
pub(super) fn frame(raw: Raw, reading: &Reading) -> Result<Delivered> {
    let d = reading.description;
    let mut dicts = Dicts::default();
    let times = times(&raw, d)?;
    let classes = classes(&raw, reading, &mut dicts.status)?;
    let paths = paths(&raw, &d.uri, &classes.source, &mut dicts.path)?;
    let hosts = match raw.optional(d.host.as_ref())? {
        Some(texts) => repeated_codes(present(&texts), &mut dicts.host),
        None => UInt32Chunked::full_null("".into(), raw.lines.rows()),
    };
    let viewers = viewers(&raw, reading, &mut dicts.viewer)?;
    let nodes: UInt32Chunked = match raw.optional(reading.node.map(str::to_string).as_ref())? {
        Some(texts) => repeated_codes(present(&texts), &mut dicts.node),
        None => UInt32Chunked::full_null("".into(), raw.lines.rows()),
    };
    let n = raw.lines.rows();
    let ts = Int64Chunked::from_vec("ts".into(), times.lo)
        .into_column()
        .cast(&utc_micros())
        .or_bug()?;
    let mut columns = vec![
        ts,
        paths.with_name("path".into()).into_column(),
        hosts.with_name("host".into()).into_column(),
        viewers.with_name(VIEWER_ID.into()).into_column(),
        classes.status.with_name(CACHE_STATUS.into()).into_column(),
        code_column("source", classes.source.iter().map(|s| *s as u32)),
        code_column("fill", classes.fill.iter().map(|f| *f as u32)),
        code_column("kind", classes.kind.iter().map(|k| *k as u32)),
        nodes.with_name("cache_node".into()).into_column(),
    ];
    if let Tiers::Cloudflare { ray, parent, .. } = &d.tiers {
        let ids = |field: &String, dict: &mut Dict| -> Result<UInt32Chunked> {
            Ok(match raw.optional(Some(field))? {
                Some(texts) => texts
                    .iter()
                    .map(|v| {
                        let v = v.map(str::trim).filter(|v| !absent(Some(v)) && *v != "00");
                        v.map(|v| dict.code(v))
                    })
                    .collect(),
                None => UInt32Chunked::full_null("".into(), n),
            })
        };
        columns.push(
            ids(ray, &mut dicts.ray)?
                .with_name("ray".into())
                .into_column(),
        );
        columns.push(
            ids(parent, &mut dicts.ray)?
                .with_name("parent".into())
                .into_column(),
        );
        columns.push(code_column("line", raw.lines.numbers.iter().copied()));
    }
    let df = DataFrame::new(n, columns).or_bug()?;
    Ok(Delivered {
        df,
        dicts,
        resolution: times.resolution,
        widening: times.widening,
        ends_as_arrivals: times.ends_as_arrivals,
    })
}

fn code_column(name: &str, codes: impl Iterator<Item = u32>) -> Column {
    UInt32Chunked::from_iter_values(name.into(), codes).into_column()
}

/// A column's values trimmed, the vendors' "no value" as null.
fn present(texts: &StringChunked) -> impl Iterator<Item = Option<&str>> {
    texts
        .iter()
        .map(|v| v.filter(|v| !absent(Some(v))).map(str::trim))
}

/// The numbers of a column of few distinct values, as given, a row like the one before it
/// reusing its number (null stays null).
fn repeated_codes<'a>(
    texts: impl Iterator<Item = Option<&'a str>>,
    dict: &mut Dict,
) -> UInt32Chunked {
    let mut last: Option<(&str, u32)> = None;
    texts
        .map(|v| {
            let v = v?;
            match last {
                Some((before, code)) if before == v => Some(code),
                _ => {
                    let code = dict.code(v);
                    last = Some((v, code));
                    Some(code)
                }
            }
        })
        .collect()
}

/// The rows' arrivals.
struct Times {
    /// The arrival of each row (UTC µs): its true arrival lies in `[lo - w, lo - w +
    /// width)` for one shift `w` of every row.
    lo: Vec<i64>,
    /// The finest resolution the file's times show (µs).
    resolution: i64,
    /// What taking a duration from an end time added to each arrival's uncertainty (µs).
    widening: i64,
    /// Rows whose end time had no duration: taken as the arrival.
    ends_as_arrivals: usize,
}

/// Each row's arrival: a time the format takes at the response's end less the response's
/// duration. The arrival's uncertainty is the clock's resolution, widened by the
/// duration's resolution both ways (a logged duration may be rounded or cut): the same for
/// every row, so the rows keep their order relative to one another.
fn times(raw: &Raw, d: &Description) -> Result<Times> {
    let columns: Vec<StringChunked> = d
        .time
        .fields
        .iter()
        .map(|f| raw.texts(f))
        .collect::<Result<_>>()?;
    let duration = match (&d.time.means, &d.time.duration) {
        (Means::End, Some(duration)) => raw
            .optional(Some(&duration.field))?
            .map(|texts| (duration, texts)),
        _ => None,
    };
    let mut parsed: HashMap<String, Option<(i64, i64)>> = HashMap::new();
    let mut lo = Vec::with_capacity(raw.lines.rows());
    let mut finest = i64::MAX;
    let mut ends_as_arrivals = 0;
    let mut text = String::new();
    // Logs come mostly in time order: a row with the previous row's time texts reuses it.
    let mut previous: Vec<Option<&str>> = vec![None; columns.len()];
    let mut last: Option<(i64, i64)> = None;
    let mut iters: Vec<_> = columns.iter().map(|c| c.iter()).collect();
    let mut durations = duration.as_ref().map(|(_, texts)| texts.iter());
    let mut any_duration = false;
    for index in 0..raw.lines.rows() {
        let mut same = last.is_some();
        for (values, before) in iters.iter_mut().zip(previous.iter_mut()) {
            let value = values.next().flatten();
            same &= value == *before;
            *before = value;
        }
        let at = match (same, last) {
            (true, Some((micros, _))) => micros,
            _ => {
                text.clear();
                for (i, value) in previous.iter().enumerate() {
                    if i > 0 {
                        text.push(' ');
                    }
                    text.push_str(value.unwrap_or(""));
                }
                let value = match parsed.get(text.as_str()) {
                    Some(value) => *value,
                    None => {
                        let value = time::parse(&text, &d.time.text)
                            .filter(|(t, _)| crate::ingest::time_in_range(*t));
                        parsed.insert(text.clone(), value);
                        value
                    }
                };
                let Some((micros, resolution)) = value else {
                    return Err(raw.refuse(
                        index,
                        &d.time.fields.join("+"),
                        format!(
                            "unparsable or out-of-range time {} (expected {})",
                            shown(&text),
                            expected(&d.time.text)
                        ),
                    ));
                };
                finest = finest.min(resolution);
                last = Some((micros, resolution));
                micros
            }
        };
        let taken = match (&duration, durations.as_mut().and_then(|it| it.next())) {
            (Some((duration, _)), Some(value)) if !absent(value) => {
                let value = value.unwrap_or("").trim();
                let micros = parse_duration(value, duration.unit).ok_or_else(|| {
                    raw.refuse(
                        index,
                        &duration.field,
                        format!("the duration, {}, is not a number", shown(value)),
                    )
                })?;
                Some(micros)
            }
            _ => None,
        };
        match (d.time.means, taken) {
            (Means::End, Some(taken)) => {
                any_duration = true;
                lo.push(at - taken);
            }
            (Means::End, None) => {
                ends_as_arrivals += 1;
                lo.push(at);
            }
            (Means::Arrival, _) => lo.push(at),
        }
    }
    let resolution = d
        .time
        .resolution
        .unwrap_or(if finest == i64::MAX { 1 } else { finest });
    let widening = match &duration {
        Some((duration, _)) if any_duration => 2 * duration.resolution,
        _ => 0,
    };
    Ok(Times {
        lo,
        resolution,
        widening,
        ends_as_arrivals,
    })
}

/// A duration in `unit` µs per unit, whole or decimal (`0.082` s, `15` ms), as µs.
fn parse_duration(text: &str, unit: i64) -> Option<i64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !digits(fraction) || whole.len() > 12 {
        return None;
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let mut micros = whole.checked_mul(unit)?;
    let mut scale = unit;
    for b in fraction.bytes().take(9) {
        scale /= 10;
        micros += i64::from(b - b'0') * scale;
    }
    Some(micros)
}

fn expected(kind: &TimeText) -> String {
    match kind {
        TimeText::DateSpaceTime => "YYYY-MM-DD and HH:MM:SS, UTC".into(),
        TimeText::Rfc3339 => "RFC 3339, e.g. 2017-06-22T06:05:00.123Z".into(),
        TimeText::Clf => "22/Jun/2017:15:05:00 +0900".into(),
        TimeText::Strftime(p) => format!("the pattern {p:?}"),
        TimeText::UnixSeconds => "Unix seconds, e.g. 1498111500.123".into(),
        TimeText::UnixMillis => "Unix milliseconds".into(),
        TimeText::UnixMicros => "Unix microseconds".into(),
        TimeText::UnixNanos => "Unix nanoseconds".into(),
        TimeText::Any => "RFC 3339, or Unix seconds or nanoseconds".into(),
    }
}

/// Each row's requested path, with its query, as a number of `dict`.
fn paths(raw: &Raw, uri: &Uri, sources: &[Source], dict: &mut Dict) -> Result<UInt32Chunked> {
    let n = raw.lines.rows();
    // A response without a page may have no path: a TLS handshake sent to the HTTP port,
    // a request cut off (nginx and Apache log `400` or `408` with `-` or bytes as the
    // request). It is kept (path empty) and counted; on any other response a missing path
    // is refused.
    let pageless = |index: usize| sources.get(index) == Some(&Source::NoPage);
    let mut out: Vec<u32> = Vec::with_capacity(n);
    let mut text = String::new();
    match uri {
        Uri::Split(path, query) => {
            let paths = raw.texts(path)?;
            let queries = match raw.optional(query.as_ref())? {
                Some(q) => q,
                None => StringChunked::full_null("".into(), n),
            };
            for (index, (p, q)) in paths.iter().zip(queries.iter()).enumerate() {
                if absent(p) {
                    if pageless(index) {
                        out.push(dict.code(""));
                        continue;
                    }
                    return Err(raw.refuse(index, path, "empty path"));
                }
                text.clear();
                text.push_str(p.unwrap_or_default().trim());
                if let Some(q) = q {
                    // Apache's %q carries its own `?`.
                    let q = q.trim().trim_start_matches('?');
                    if !absent(Some(q)) {
                        text.push('?');
                        text.push_str(q);
                    }
                }
                out.push(dict.code(&text));
            }
        }
        Uri::Whole(field) => {
            let paths = raw.texts(field)?;
            for (index, p) in paths.iter().enumerate() {
                if absent(p) {
                    if pageless(index) {
                        out.push(dict.code(""));
                        continue;
                    }
                    return Err(raw.refuse(index, field, "empty path"));
                }
                out.push(dict.code(p.unwrap_or_default().trim()));
            }
        }
        Uri::RequestLine(field) => {
            let lines = raw.texts(field)?;
            for (index, line) in lines.iter().enumerate() {
                let target = match request_line(line.unwrap_or_default()) {
                    Some((_method, target)) => target,
                    None if pageless(index) => "",
                    None => {
                        return Err(raw.refuse(
                            index,
                            field,
                            "the request line is not METHOD PATH [PROTOCOL]",
                        ))
                    }
                };
                out.push(dict.code(target));
            }
        }
    }
    Ok(UInt32Chunked::from_vec("path".into(), out))
}

/// The method and target of a request line (`GET /path?q HTTP/1.1`).
fn request_line(line: &str) -> Option<(&str, &str)> {
    let mut parts = line.split(' ').filter(|p| !p.is_empty());
    match (parts.next(), parts.next()) {
        (Some(method), Some(target)) if target != "-" => Some((method, target)),
        _ => None,
    }
}

/// Each row's cache status as written, and where its page came from.
struct Classes {
    status: UInt32Chunked,
    source: Vec<Source>,
    fill: Vec<Fill>,
    kind: Vec<Kind>,
}

/// Each row's status, source, fill and kind: the vendor's table (or the `--origin-status`
/// and `--cached-status` lists), the tier fields, the topology; no page for an HTTP status
/// outside `--statuses`; and a method that is not cached (`--fill-methods`) fills nothing
/// and, when it missed, went to the origin.
fn classes(raw: &Raw, reading: &Reading, dict: &mut Dict) -> Result<Classes> {
    let d = reading.description;
    let statuses = raw.texts(&d.cache)?;
    let https = raw.optional(d.status.as_ref())?;
    let methods = method_texts(raw, d)?;
    let extra_fields = d.tiers.fields();
    let extras: Vec<Option<StringChunked>> = extra_fields
        .iter()
        .map(|f| raw.optional(Some(f)))
        .collect::<Result<_>>()?;
    let n = raw.lines.rows();
    // Each row's status as a number of `dict` (a status like the row before's reuses its
    // number), and each number's meaning, looked up once.
    let codes = repeated_codes(statuses.iter(), dict);
    let mut meanings: Vec<Option<Meaning>> = Vec::new();
    let mut out = Classes {
        status: UInt32Chunked::full_null("".into(), 0),
        source: Vec::with_capacity(n),
        fill: Vec::with_capacity(n),
        kind: Vec::with_capacity(n),
    };
    let mut https_walk = walk(https.as_ref());
    let mut methods_walk = walk(methods.as_ref());
    let mut extras_walk: Vec<_> = extras.iter().map(|c| walk(c.as_ref())).collect();
    let mut extra: Vec<Option<&str>> = vec![None; extra_fields.len()];
    for (index, (value, code)) in statuses.iter().zip(codes.iter()).enumerate() {
        let meaning = match code.and_then(|c| meanings.get(c as usize).copied().flatten()) {
            Some(meaning) => meaning,
            None => {
                let meaning = meaning_of(value, reading)
                    .ok_or_else(|| undocumented(raw, index, value.unwrap_or(""), reading))?;
                if let Some(c) = code {
                    let c = c as usize;
                    if meanings.len() <= c {
                        meanings.resize(c + 1, None);
                    }
                    meanings[c] = Some(meaning);
                }
                meaning
            }
        };
        let code_text = https_walk.next().flatten();
        let http = match &https {
            None => None,
            Some(_) => match code_text.unwrap_or("").trim().parse::<u16>() {
                Ok(number) => Some(number),
                Err(_) => {
                    let field = d.status.as_deref().unwrap_or("status");
                    return Err(raw.refuse(index, field, "the HTTP status is not a number"));
                }
            },
        };
        for (slot, column) in extra.iter_mut().zip(extras_walk.iter_mut()) {
            *slot = column
                .next()
                .flatten()
                .filter(|v| !absent(Some(v)))
                .map(str::trim);
        }
        let method = methods_walk.next().flatten();
        let line = Line {
            value: value.unwrap_or("-").trim(),
            meaning,
            http,
            extra: &extra,
        };
        let (mut source, mut fill, kind) =
            classify(&line, &d.tiers, reading.topology).map_err(|refusal| {
                let field = if refusal.field.is_empty() {
                    d.cache.clone()
                } else {
                    refusal.field
                };
                raw.refuse(index, &field, refusal.message)
            })?;
        if http.is_some_and(|code| {
            !reading
                .page_statuses
                .iter()
                .any(|(lo, hi)| (*lo..=*hi).contains(&code))
        }) {
            source = Source::NoPage;
        }
        let fills = methods.is_none() || fill_method(method, reading.fill_methods);
        if !fills && fill != Fill::Removed {
            fill = Fill::NotStored;
            if source == Source::OriginOrTier {
                // Methods that are not cached go straight to the origin ("Proxy HTTP
                // methods ... go directly to the origin from the POPs").
                source = Source::Origin;
            }
        }
        out.source.push(source);
        out.fill.push(fill);
        out.kind.push(kind);
    }
    out.status = codes;
    Ok(out)
}

/// An optional column walked row by row beside another (an absent one gives `None`).
fn walk(column: Option<&StringChunked>) -> Box<dyn Iterator<Item = Option<&str>> + '_> {
    match column {
        Some(c) => Box::new(c.iter()),
        None => Box::new(std::iter::repeat(None)),
    }
}

/// The request method of each row: its field, or the request line's first word.
fn method_texts(raw: &Raw, d: &Description) -> Result<Option<StringChunked>> {
    if let Some(texts) = raw.optional(d.method.as_ref())? {
        return Ok(Some(texts));
    }
    if let Uri::RequestLine(field) = &d.uri {
        let lines = raw.texts(field)?;
        return Ok(Some(
            lines
                .iter()
                .map(|l| l.and_then(request_line).map(|(m, _)| m))
                .collect(),
        ));
    }
    Ok(None)
}

/// Whether a method fills a cache; an absent method is taken as GET.
fn fill_method(method: Option<&str>, methods: &[String]) -> bool {
    match method.map(str::trim) {
        None | Some("" | "-") => true,
        Some(m) => methods.iter().any(|f| f.eq_ignore_ascii_case(m)),
    }
}

/// What a cache status says: the vendor's table, unless the lists were given (then the
/// lists, and the table for the rest).
fn meaning_of(value: Option<&str>, reading: &Reading) -> Option<Meaning> {
    let value = value.unwrap_or("-").trim();
    let table = reading.description.table;
    if table.is_some() && !reading.statuses_given {
        return table.and_then(|table| table.meaning(value));
    }
    let upper = value.to_uppercase();
    if reading.origin_statuses.contains(&upper) {
        return Some(Meaning::Origin(Said::Stored));
    }
    if reading.cached_statuses.contains(&upper) {
        return Some(Meaning::Cached);
    }
    table.and_then(|table| table.meaning(value))
}

fn undocumented(raw: &Raw, index: usize, value: &str, reading: &Reading) -> anyhow::Error {
    let d = reading.description;
    let documented = match d.table {
        Some(table) => format!(
            "{} documents {} values: {}",
            table.vendor,
            table.field,
            table.values()
        ),
        None => format!(
            "origin statuses: {}; cached: {}",
            reading.origin_statuses.join(","),
            reading.cached_statuses.join(",")
        ),
    };
    raw.refuse(
        index,
        &d.cache,
        format!(
            "cache status {} is not documented ({documented}); classify it with --origin-status or --cached-status",
            shown(value)
        ),
    )
}

/// Each row's viewer: `None` for an unidentified visitor (no value, or `-`). A cookie is
/// read from the format's per-cookie field, else from the whole Cookie header.
fn viewers(raw: &Raw, reading: &Reading, dict: &mut Dict) -> Result<UInt32Chunked> {
    let d = reading.description;
    let fields = super::viewer_fields(d, reading.viewer)?;
    let columns: Vec<StringChunked> = fields
        .iter()
        .map(|f| {
            Ok(raw
                .optional(Some(f))?
                .unwrap_or_else(|| StringChunked::full_null("".into(), raw.lines.rows())))
        })
        .collect::<Result<_>>()?;
    let header = d.cookie_header.as_ref();
    let is_header = |field: &String| header.is_some_and(|(h, _)| h == field);
    let decode = header.map_or(Decode::Raw, |(_, decode)| *decode);
    let mut out: Vec<Option<u32>> = Vec::with_capacity(raw.lines.rows());
    match reading.viewer {
        Viewer::Cookie(name) => {
            let mut owns = walk((!is_header(&fields[0])).then(|| &columns[0]));
            let mut headers = walk(fields.iter().position(is_header).map(|i| &columns[i]));
            for _ in 0..raw.lines.rows() {
                let (own, whole) = (owns.next().flatten(), headers.next().flatten());
                let from_own = own
                    .filter(|v| !absent(Some(v)))
                    .map(|v| dict.code(v.trim()));
                let code = from_own.or_else(|| {
                    let text = whole.filter(|h| !absent(Some(h)))?;
                    cookie_in(text, name, decode).map(|value| dict.code(&value))
                });
                out.push(code);
            }
        }
        Viewer::IpUa => {
            let mut text = String::new();
            for (ip, ua) in columns[0].iter().zip(columns[1].iter()) {
                if absent(ip) {
                    out.push(None);
                    continue;
                }
                text.clear();
                text.push_str(ip.unwrap_or("").trim());
                text.push('|');
                if !absent(ua) {
                    text.push_str(ua.unwrap_or("").trim());
                }
                out.push(Some(dict.code(&text)));
            }
        }
        _ => {
            for value in columns[0].iter() {
                out.push(match value {
                    Some(v) if !absent(Some(v)) => Some(dict.code(v.trim())),
                    _ => None,
                });
            }
        }
    }
    Ok(out.into_iter().collect())
}

/// One cookie's value in a Cookie header as the format encodes it.
fn cookie_in<'a>(header: &'a str, name: &str, decode: Decode) -> Option<Cow<'a, str>> {
    let owned = |v: &str| Cow::Owned(v.to_string());
    match decode {
        // CloudFront leaves `;` and `=` as they are: the pairs are found in the encoded
        // text, and only the value is decoded.
        Decode::Url if !header.contains("%3") => {
            cookie(header, name).map(|v| percent_decode(v, false))
        }
        Decode::Url => cookie(&percent_decode(header, false), name).map(owned),
        // Akamai escapes `;` and `=` too, and writes a space as `+`.
        Decode::UrlPlus => cookie(&percent_decode(header, true), name).map(owned),
        Decode::Plus => cookie(&header.replace('+', " "), name).map(owned),
        Decode::Raw => cookie(header, name).map(Cow::Borrowed),
    }
}

/// One cookie's value in a Cookie header (`a=1; session=xyz`), its name compared exactly;
/// `None` when absent or empty.
pub fn cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        // A space after `;` may still be URL-encoded (CloudFront's `;%20`).
        let mut key = key.trim();
        while let Some(rest) = key.strip_prefix("%20") {
            key = rest.trim_start();
        }
        if key != name {
            return None;
        }
        let value = value.trim().trim_matches('"');
        (!value.is_empty() && value != "-").then_some(value)
    })
}

#[cfg(test)]
mod tests;
