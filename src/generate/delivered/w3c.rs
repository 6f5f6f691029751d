//! CloudFront standard logs (hourly gzip files, tab-separated, 33 fields, URL-encoded
//! values) and W3C extended files as IIS writes them (daily, space-separated, `+` for a
//! space). Both log when the response ended, in whole seconds, UTC, with the time it took
//! (CloudFront `time-taken` in seconds to the millisecond, IIS in milliseconds). The values
//! are written by polars' CSV writer, quoting off.

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use polars::prelude::*;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::{hex8, nodes, url_encode, Line, HOST};
use crate::frame::OrBug;
use crate::generate::GeneratedLog;

/// CloudFront's `#Fields` line (standard logs, "Standard log file fields").
pub const CLOUDFRONT_FIELDS: &str = "date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end";

/// The W3C fields written (IIS's, and the cache's status as a custom field).
pub const W3C_FIELDS: &str = "date time s-ip cs-method cs-uri-stem cs-uri-query s-port c-ip cs(User-Agent) cs(Cookie) sc-status x-cache-status time-taken";

/// The distribution's id and domain in file names and `cs(Host)` (AWS's example ones).
const DISTRIBUTION: &str = "E2EXAMPLE";
const DISTRIBUTION_DOMAIN: &str = "d111111abcdef8.cloudfront.net";

/// Characters of `x-edge-request-id` (URL-safe base64).
const ID_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The start of a CloudFront file.
pub(super) fn cloudfront_header() -> String {
    format!("#Version: 1.0\n#Fields: {CLOUDFRONT_FIELDS}\n")
}

/// A CloudFront file's name: one per UTC hour, `E2EXAMPLE.YYYY-MM-DD-HH.<id>.gz` (its id
/// drawn after its lines).
pub(super) fn cloudfront_name(hour: i64, rng: &mut ChaCha8Rng) -> Result<String> {
    Ok(format!(
        "{DISTRIBUTION}.{}.{}.gz",
        utc(hour)?.format("%Y-%m-%d-%H"),
        hex8(rng)
    ))
}

/// CloudFront lines (of one file).
pub(super) fn cloudfront(lines: &[Line], rng: &mut ChaCha8Rng) -> Result<Vec<u8>> {
    let names: Vec<&str> = CLOUDFRONT_FIELDS.split(' ').collect();
    let mut columns: Vec<Vec<String>> = vec![Vec::with_capacity(lines.len()); names.len()];
    for line in lines {
        for (column, value) in columns.iter_mut().zip(cloudfront_values(line, rng)?) {
            column.push(value);
        }
    }
    delimited(&names, columns, b'\t')
}

/// One CloudFront line's 33 values, URL-encoded as CloudFront writes them: the tier's copy
/// is a `Miss` at the edge with `OriginShieldHit` in `x-edge-detailed-result-type`; a
/// viewer who hung up is `Error` with status 200, what the edge did in
/// `x-edge-response-result-type`.
fn cloudfront_values(line: &Line, rng: &mut ChaCha8Rng) -> Result<[String; 33]> {
    let (seconds, _) = Line::seconds(line.end);
    let at = utc(seconds * 1_000_000)?;
    let response = if line.status == "HIT" { "Hit" } else { "Miss" };
    let (result, detailed) = match (line.hung_up, line.status) {
        (true, _) => ("Error", "ClientCommError"),
        (false, "TIER") => (response, "OriginShieldHit"),
        (false, _) => (response, response),
    };
    let took = format!("{:.3}", line.took as f64 / 1e6);
    let mut id = String::with_capacity(56);
    let (mut bits, mut left) = (0u64, 0);
    for _ in 0..54 {
        if left < 6 {
            (bits, left) = (rng.gen(), 64);
        }
        id.push(ID_CHARS[(bits & 63) as usize] as char);
        (bits, left) = (bits >> 6, left - 6);
    }
    id.push_str("==");
    let dash = || "-".to_string();
    let node = nodes(GeneratedLog::CloudFront)
        .get(line.node)
        .copied()
        .unwrap_or("NRT57-C1");
    Ok([
        at.format("%Y-%m-%d").to_string(),
        at.format("%H:%M:%S").to_string(),
        node.to_string(),
        (line.bytes + 412).to_string(),
        line.ip.clone(),
        line.method.into(),
        DISTRIBUTION_DOMAIN.into(),
        url_encode(&line.stem, false),
        "200".into(),
        dash(),
        url_encode(line.agent, false),
        line.query
            .as_deref()
            .map_or_else(dash, |q| url_encode(q, false)),
        line.cookie().map_or_else(dash, |c| url_encode(&c, false)),
        result.into(),
        id,
        HOST.into(),
        "https".into(),
        rng.gen_range(280..900u32).to_string(),
        took,
        dash(),
        "TLSv1.2".into(),
        "ECDHE-RSA-AES128-GCM-SHA256".into(),
        response.into(),
        "HTTP/2.0".into(),
        dash(),
        dash(),
        rng.gen_range(1024..65535u32).to_string(),
        format!("{:.3}", (line.took.min(40_000) as f64) / 1e6),
        detailed.into(),
        url_encode("text/html; charset=utf-8", false),
        line.bytes.to_string(),
        dash(),
        dash(),
    ])
}

/// A W3C extended file's name as IIS writes them: one per UTC day, `u_exYYMMDD.log`.
pub(super) fn iis_name(day: i64) -> Result<String> {
    Ok(format!("u_ex{}.log", utc(day)?.format("%y%m%d")))
}

/// The start of an IIS file whose first line is `first`.
pub(super) fn iis_header(first: &Line) -> Result<String> {
    Ok(format!(
        "#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n#Date: {}\n#Fields: {W3C_FIELDS}\n",
        utc(Line::seconds(first.end).0 * 1_000_000)?.format("%Y-%m-%d %H:%M:%S")
    ))
}

/// W3C extended lines as IIS writes them (of one file).
pub(super) fn iis(lines: &[Line]) -> Result<Vec<u8>> {
    let names: Vec<&str> = W3C_FIELDS.split(' ').collect();
    let plus = |text: &str| text.replace(' ', "+");
    let mut columns: Vec<Vec<String>> = vec![Vec::with_capacity(lines.len()); names.len()];
    for line in lines {
        let at = utc(Line::seconds(line.end).0 * 1_000_000)?;
        // The session cookie first: IIS writes the header as sent, `+` for a space.
        let cookie = line
            .cookie()
            .map_or_else(|| "-".to_string(), |_| plus(&iis_cookie(&line.viewer)));
        let values = [
            at.format("%Y-%m-%d").to_string(),
            at.format("%H:%M:%S").to_string(),
            "10.0.1.5".to_string(),
            line.method.into(),
            line.stem.clone(),
            line.query.clone().unwrap_or_else(|| "-".into()),
            "443".into(),
            line.ip.clone(),
            plus(line.agent),
            cookie,
            "200".into(),
            line.status.into(),
            (line.took / 1000).to_string(),
        ];
        for (column, value) in columns.iter_mut().zip(values) {
            column.push(value);
        }
    }
    delimited(&names, columns, b' ')
}

/// The Cookie header of a W3C line: the session cookie, then another.
fn iis_cookie(viewer: &str) -> String {
    format!("session={viewer}; theme=dark")
}

/// Columns of text written with polars' CSV writer: no header, no quoting.
fn delimited(names: &[&str], columns: Vec<Vec<String>>, separator: u8) -> Result<Vec<u8>> {
    let n = columns.first().map_or(0, Vec::len);
    let columns: Vec<Column> = names
        .iter()
        .zip(columns)
        .map(|(name, values)| Column::new((*name).into(), values))
        .collect();
    let mut df = DataFrame::new(n, columns).or_bug()?;
    let mut out = Vec::new();
    CsvWriter::new(&mut out)
        .include_header(false)
        .with_separator(separator)
        .with_quote_style(QuoteStyle::Never)
        .finish(&mut df)
        .or_bug()?;
    Ok(out)
}

/// A UTC instant (µs).
pub(super) fn utc(micros: i64) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp_micros(micros).context("a time out of chrono's range")
}
