//! JSON-lines logs, written by polars' JSON writer: Cloudflare Logpush `http_requests`
//! (hourly gzip batches, `EdgeStartTimestamp` in Unix nanoseconds, the session cookie as a
//! custom field in `Cookies`), Akamai DataStream 2 (every value a string, Unix seconds with
//! milliseconds, RFC 1738-escaped cookie) and the JSON format the README documents for
//! Fastly's real-time log streaming (RFC 3339 UTC with milliseconds).

use anyhow::Result;
use polars::prelude::*;
use rand_chacha::ChaCha8Rng;

use super::w3c::utc;
use super::{by_period, gzip, hex8, nodes, url_encode, Line, HOST};
use crate::frame::polars_bug;
use crate::generate::LogFormat;

const HOUR: i64 = 3_600_000_000;

/// Cloudflare Logpush files: one batch per UTC hour, in a folder per day,
/// `YYYYMMDD/<start>_<end>_<id>.log.gz`.
pub(super) fn cloudflare(lines: &[Line], rng: &mut ChaCha8Rng) -> Result<Vec<(String, Vec<u8>)>> {
    let colos = nodes(LogFormat::Cloudflare);
    let mut files = Vec::new();
    for (hour, chunk) in by_period(lines, HOUR) {
        let text = |f: &dyn Fn(&Line) -> String| -> Vec<String> { chunk.iter().map(f).collect() };
        let start: Vec<i64> = chunk.iter().map(|l| l.ts * 1000).collect();
        let sessions: Vec<Option<&str>> = chunk
            .iter()
            .map(|l| (!l.viewer.is_empty()).then_some(l.viewer.as_str()))
            .collect();
        let df = DataFrame::new(
            chunk.len(),
            vec![
                Column::new("EdgeStartTimestamp".into(), start),
                Column::new("ClientRequestMethod".into(), vec!["GET"; chunk.len()]),
                Column::new("ClientRequestHost".into(), vec![HOST; chunk.len()]),
                Column::new("ClientRequestURI".into(), text(&Line::target)),
                Column::new("EdgeResponseStatus".into(), vec![200i64; chunk.len()]),
                Column::new(
                    "CacheCacheStatus".into(),
                    text(&|l| if l.cached() { "hit" } else { "miss" }.to_string()),
                ),
                Column::new(
                    "EdgeColoCode".into(),
                    text(&|l| colos.get(l.node).copied().unwrap_or("NRT").to_string()),
                ),
                Column::new("ClientIP".into(), text(&|l| l.ip.clone())),
                Column::new(
                    "ClientRequestUserAgent".into(),
                    text(&|l| l.agent.to_string()),
                ),
                Column::new("session".into(), sessions),
            ],
        )
        .map_err(polars_bug)?;
        // The session cookie logged by a custom field: an object, null without one.
        let df = df
            .lazy()
            .with_column(
                when(col("session").is_not_null())
                    .then(as_struct(vec![col("session")]))
                    .otherwise(lit(NULL))
                    .alias("Cookies"),
            )
            .drop(by_name(["session"], true, false))
            .collect()
            .map_err(polars_bug)?;
        let end = hour + HOUR;
        let stamp = |t: i64| -> Result<String> { Ok(utc(t)?.format("%Y%m%dT%H%M%SZ").to_string()) };
        let name = format!(
            "{}/{}_{}_{}.log.gz",
            utc(hour)?.format("%Y%m%d"),
            stamp(hour)?,
            stamp(end)?,
            hex8(rng)
        );
        files.push((name, gzip(&json_lines(df)?)?));
    }
    Ok(files)
}

/// Akamai DataStream 2 JSON lines: every value a string.
pub(super) fn akamai(lines: &[Line]) -> Result<Vec<u8>> {
    let text = |f: &dyn Fn(&Line) -> String| -> Vec<String> { lines.iter().map(f).collect() };
    let n = lines.len();
    let df = DataFrame::new(
        n,
        vec![
            Column::new(
                "reqTimeSec".into(),
                text(&|l| {
                    let (s, ms) = l.seconds();
                    format!("{s}.{ms:03}")
                }),
            ),
            Column::new("reqHost".into(), vec![HOST; n]),
            Column::new("reqMethod".into(), vec!["GET"; n]),
            Column::new("reqPath".into(), text(&|l| url_encode(&l.stem, false))),
            Column::new(
                "queryStr".into(),
                text(&|l| l.query.clone().unwrap_or_else(|| "-".into())),
            ),
            Column::new("statusCode".into(), vec!["200"; n]),
            Column::new(
                "cacheStatus".into(),
                text(&|l| if l.cached() { "1" } else { "0" }.to_string()),
            ),
            Column::new("cliIP".into(), text(&|l| l.ip.clone())),
            Column::new("UA".into(), text(&|l| url_encode(l.agent, true))),
            Column::new(
                "cookie".into(),
                text(&|l| {
                    l.cookie()
                        .map_or_else(|| "-".into(), |c| url_encode(&c, true))
                }),
            ),
            Column::new("totalBytes".into(), text(&|l| (l.bytes + 412).to_string())),
        ],
    )
    .map_err(polars_bug)?;
    json_lines(df)
}

/// Fastly JSON lines in the README's format.
pub(super) fn fastly(lines: &[Line]) -> Result<Vec<u8>> {
    let pops = nodes(LogFormat::Fastly);
    let text = |f: &dyn Fn(&Line) -> String| -> Vec<String> { lines.iter().map(f).collect() };
    let n = lines.len();
    let mut stamps = Vec::with_capacity(n);
    for line in lines {
        let (s, ms) = line.seconds();
        stamps.push(format!(
            "{}.{ms:03}Z",
            utc(s * 1_000_000)?.format("%Y-%m-%dT%H:%M:%S")
        ));
    }
    let df = DataFrame::new(
        n,
        vec![
            Column::new("ts".into(), stamps),
            Column::new("url".into(), text(&Line::target)),
            Column::new("status".into(), vec![200i64; n]),
            Column::new("cache_state".into(), text(&|l| l.status.to_string())),
            Column::new(
                "pop".into(),
                text(&|l| pops.get(l.node).copied().unwrap_or("NRT").to_string()),
            ),
            Column::new("cookie".into(), text(&|l| l.cookie().unwrap_or_default())),
            Column::new("client_ip".into(), text(&|l| l.ip.clone())),
            Column::new("user_agent".into(), text(&|l| l.agent.to_string())),
        ],
    )
    .map_err(polars_bug)?;
    json_lines(df)
}

fn json_lines(mut df: DataFrame) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    JsonWriter::new(&mut out)
        .with_json_format(JsonFormat::JsonLines)
        .finish(&mut df)
        .map_err(polars_bug)?;
    Ok(out)
}
