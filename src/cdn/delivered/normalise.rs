//! A delivered file's fields, as read, into the normalised frame: the time parsed, the path
//! put together, the viewer found, the cache status classified. Every refusal names the
//! file, the line and the field.

use std::collections::HashMap;

use anyhow::Result;
use polars::prelude::*;

use super::super::dict::{Dict, Dicts};
use super::status::Class;
use super::text::{percent_decode, Lines};
use super::time::{self, TimeText};
use super::{Decode, Delivered, Layout, Reading, Uri, Viewer};
use crate::error::InputError;
use crate::frame::names::{CACHE_STATUS, VIEWER_ID};
use crate::frame::{polars_bug, utc_micros};

/// A file's fields as text, row for row with `lines`.
pub(crate) struct Raw {
    pub df: DataFrame,
    pub lines: Lines,
}

impl Raw {
    fn texts(&self, field: &str) -> Result<StringChunked> {
        let column = self.df.column(field).map_err(polars_bug)?;
        let column = column.cast(&DataType::String).map_err(polars_bug)?;
        Ok(column.str().map_err(polars_bug)?.clone())
    }

    fn refuse(&self, index: usize, field: &str, message: String) -> anyhow::Error {
        InputError::at(self.lines.at(index, field), message).into()
    }
}

/// Whether a field's value is the vendors' "no value".
pub(crate) fn absent(value: Option<&str>) -> bool {
    value.is_none_or(|v| {
        let v = v.trim();
        v.is_empty() || v == "-"
    })
}

/// The normalised frame of one file (`ts, path, viewer_id, cache_status, class,
/// cache_node`), its text columns as numbers in
/// the file's own tables.
pub(super) fn frame(raw: Raw, layout: &Layout, reading: &Reading) -> Result<Delivered> {
    let mut dicts = Dicts::default();
    let (ts, resolution) = times(&raw, layout, reading)?;
    let (statuses, classes) = classes(&raw, layout, reading, &mut dicts.status)?;
    let paths = paths(&raw, &layout.uri, &classes, &mut dicts.path)?;
    let viewers = viewers(&raw, layout, reading, &mut dicts.viewer)?;
    let nodes: UInt32Chunked = match reading.node {
        Some(field) => {
            let texts: StringChunked = raw
                .texts(field)?
                .iter()
                .map(|v| if absent(v) { None } else { v.map(str::trim) })
                .collect();
            repeated_codes(&texts, &mut dicts.node)
        }
        None => UInt32Chunked::full_null("".into(), raw.lines.rows()),
    };
    let n = raw.lines.rows();
    let ts = Int64Chunked::from_vec("ts".into(), ts)
        .into_column()
        .cast(&utc_micros())
        .map_err(polars_bug)?;
    let df = DataFrame::new(
        n,
        vec![
            ts,
            paths.with_name("path".into()).into_column(),
            viewers.with_name(VIEWER_ID.into()).into_column(),
            statuses.with_name(CACHE_STATUS.into()).into_column(),
            UInt32Chunked::from_vec("class".into(), classes).into_column(),
            nodes.with_name("cache_node".into()).into_column(),
        ],
    )
    .map_err(polars_bug)?;
    Ok(Delivered {
        df,
        dicts,
        resolution,
    })
}

/// The numbers of a column of few distinct values, a row like the one before it reusing
/// its number (null stays null).
fn repeated_codes(texts: &StringChunked, dict: &mut Dict) -> UInt32Chunked {
    let mut last: Option<(&str, u32)> = None;
    texts
        .iter()
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

/// Each row's time (UTC µs) and the finest resolution the file's times show.
fn times(raw: &Raw, layout: &Layout, reading: &Reading) -> Result<(Vec<i64>, i64)> {
    let columns: Vec<StringChunked> = layout
        .time
        .iter()
        .map(|f| raw.texts(f))
        .collect::<Result<_>>()?;
    let mut parsed: HashMap<String, Option<(i64, i64)>> = HashMap::new();
    let mut out = Vec::with_capacity(raw.lines.rows());
    let mut finest = i64::MAX;
    let mut text = String::new();
    // Logs come mostly in time order: a row with the previous row's time texts reuses it.
    let mut previous: Vec<Option<&str>> = vec![None; columns.len()];
    let mut last: Option<(i64, i64)> = None;
    let mut iters: Vec<_> = columns.iter().map(|c| c.iter()).collect();
    for index in 0..raw.lines.rows() {
        let mut same = last.is_some();
        for (values, before) in iters.iter_mut().zip(previous.iter_mut()) {
            let value = values.next().flatten();
            same &= value == *before;
            *before = value;
        }
        if let (true, Some((micros, _))) = (same, last) {
            out.push(micros);
            continue;
        }
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
                let value = time::parse(&text, &layout.time_text)
                    .filter(|(t, _)| crate::exposure::time_in_range(*t));
                parsed.insert(text.clone(), value);
                value
            }
        };
        let Some((micros, resolution)) = value else {
            let shown: String = text.chars().take(60).collect();
            return Err(raw.refuse(
                index,
                &layout.time.join("+"),
                format!(
                    "unparsable or out-of-range time {shown:?} (expected {})",
                    expected(&layout.time_text)
                ),
            ));
        };
        finest = finest.min(resolution);
        out.push(micros);
        last = Some((micros, resolution));
    }
    let resolution = reading
        .format
        .fixed_resolution()
        .unwrap_or(if finest == i64::MAX { 1 } else { finest });
    Ok((out, resolution))
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
fn paths(raw: &Raw, uri: &Uri, classes: &[u32], dict: &mut Dict) -> Result<UInt32Chunked> {
    let n = raw.lines.rows();
    // A response without a page may have no path: a TLS handshake sent to the HTTP port,
    // a request cut off (nginx and Apache log `400` or `408` with `-` or bytes as the
    // request). It is kept (path empty) and counted; on any other response a missing path
    // is refused.
    let pageless = |index: usize| classes.get(index) == Some(&(Class::NoPage as u32));
    let mut out: Vec<u32> = Vec::with_capacity(n);
    let mut text = String::new();
    match uri {
        Uri::Split(path, query) => {
            let paths = raw.texts(path)?;
            let queries = match query {
                Some(q) => raw.texts(q)?,
                None => StringChunked::full_null("".into(), n),
            };
            for (index, (p, q)) in paths.iter().zip(queries.iter()).enumerate() {
                if absent(p) {
                    if pageless(index) {
                        out.push(dict.code(""));
                        continue;
                    }
                    return Err(raw.refuse(index, path, "empty path".into()));
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
                    return Err(raw.refuse(index, field, "empty path".into()));
                }
                out.push(dict.code(p.unwrap_or_default().trim()));
            }
        }
        Uri::RequestLine(field) => {
            let lines = raw.texts(field)?;
            for (index, line) in lines.iter().enumerate() {
                let mut parts = line
                    .unwrap_or_default()
                    .split(' ')
                    .filter(|p| !p.is_empty());
                let target = match (parts.next(), parts.next()) {
                    (Some(_method), Some(target)) if target != "-" => target,
                    _ if pageless(index) => "",
                    _ => {
                        let shown: String = line.unwrap_or_default().chars().take(60).collect();
                        return Err(raw.refuse(
                            index,
                            field,
                            format!("request line {shown:?} is not METHOD PATH [PROTOCOL]"),
                        ));
                    }
                };
                out.push(dict.code(target));
            }
        }
    }
    Ok(UInt32Chunked::from_vec("path".into(), out))
}

/// Each row's cache status as written, and its class (`Class as u32`): the vendor's table
/// or the `--origin-status`/`--cached-status` lists, then no page for an HTTP status
/// outside `--statuses`.
fn classes(
    raw: &Raw,
    layout: &Layout,
    reading: &Reading,
    dict: &mut Dict,
) -> Result<(UInt32Chunked, Vec<u32>)> {
    let statuses = raw.texts(&layout.cache)?;
    let mut known: HashMap<Option<&str>, Class> = HashMap::new();
    let mut classes = Vec::with_capacity(statuses.len());
    let mut last: Option<(Option<&str>, Class)> = None;
    for (index, value) in statuses.iter().enumerate() {
        if let Some((before, class)) = last {
            if before == value {
                classes.push(class as u32);
                continue;
            }
        }
        let class = match known.get(&value) {
            Some(class) => *class,
            None => {
                let class = classify(value, layout, reading).ok_or_else(|| {
                    let shown: String = value.unwrap_or("").chars().take(40).collect();
                    let documented = match layout.table {
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
                        &layout.cache,
                        format!(
                            "cache status {shown:?} is not documented ({documented}); classify it with --origin-status or --cached-status"
                        ),
                    )
                })?;
                known.insert(value, class);
                class
            }
        };
        classes.push(class as u32);
        last = Some((value, class));
    }
    if let Some(field) = &layout.status {
        let codes = raw.texts(field)?;
        for (index, code) in codes.iter().enumerate() {
            let code = code.unwrap_or("").trim();
            let Ok(number) = code.parse::<u16>() else {
                let shown: String = code.chars().take(20).collect();
                return Err(raw.refuse(
                    index,
                    field,
                    format!("HTTP status {shown:?} is not a number"),
                ));
            };
            if !reading
                .page_statuses
                .iter()
                .any(|(lo, hi)| (*lo..=*hi).contains(&number))
            {
                classes[index] = Class::NoPage as u32;
            }
        }
    }
    let codes = statuses.iter().map(|v| v.map(|v| dict.code(v))).collect();
    Ok((codes, classes))
}

fn classify(value: Option<&str>, layout: &Layout, reading: &Reading) -> Option<Class> {
    let value = value.unwrap_or("-").trim();
    if layout.table.is_some() && !reading.statuses_given {
        return layout.table.and_then(|table| table.class(value));
    }
    let upper = value.to_uppercase();
    if reading.origin_statuses.contains(&upper) {
        return Some(Class::Origin);
    }
    if reading.cached_statuses.contains(&upper) {
        return Some(Class::Cached);
    }
    layout.table.and_then(|table| table.class(value))
}

/// Each row's viewer: `None` for an unidentified visitor (no value, or `-`).
fn viewers(
    raw: &Raw,
    layout: &Layout,
    reading: &Reading,
    dict: &mut Dict,
) -> Result<UInt32Chunked> {
    let fields = super::viewer_fields(reading.format, layout, reading.viewer)?;
    let columns: Vec<StringChunked> = fields.iter().map(|f| raw.texts(f)).collect::<Result<_>>()?;
    let whole_header = layout
        .cookie_header
        .as_ref()
        .is_some_and(|(f, _)| fields.first() == Some(f));
    let decode = match &layout.cookie_header {
        Some((_, decode)) if whole_header => *decode,
        _ => Decode::Raw,
    };
    let mut out: Vec<Option<u32>> = Vec::with_capacity(raw.lines.rows());
    match reading.viewer {
        Viewer::Cookie(name) if whole_header => {
            for header in columns[0].iter() {
                let code = header.filter(|h| !absent(Some(h))).and_then(|header| {
                    match decode {
                        // CloudFront leaves `;` and `=` as they are: the pairs are found in
                        // the encoded text, and only the value is decoded.
                        Decode::Url if !header.contains("%3") => {
                            let value = cookie(header, name)?;
                            Some(dict.code(&percent_decode(value, false)))
                        }
                        Decode::Url => {
                            let header = percent_decode(header, false);
                            cookie(&header, name).map(|value| dict.code(value))
                        }
                        Decode::Plus => {
                            let header = header.replace('+', " ");
                            cookie(&header, name).map(|value| dict.code(value))
                        }
                        Decode::Raw => cookie(header, name).map(|value| dict.code(value)),
                    }
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

/// One cookie's value in a Cookie header (`a=1; session=xyz`); `None` when absent or empty.
pub(crate) fn cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
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
mod tests {
    use super::*;

    #[test]
    fn cookies_by_name() {
        assert_eq!(cookie("a=1; session=u-7; b=2", "session"), Some("u-7"));
        assert_eq!(cookie("sessionx=1;session=\"q\"", "session"), Some("q"));
        assert_eq!(cookie("theme=dark;%20session=u-9", "session"), Some("u-9"));
        assert_eq!(cookie("a=1", "session"), None);
        assert_eq!(cookie("session=", "session"), None);
    }
}
