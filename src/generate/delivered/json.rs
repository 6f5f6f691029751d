//! JSON-lines logs, written by polars' JSON writer: Cloudflare Logpush `http_requests`
//! (hourly gzip batches, `EdgeStartTimestamp` in Unix nanoseconds, the session cookie as a
//! custom field in `Cookies`, Tiered Cache's `CacheTieredFill` and `UpperTierColoID`, and
//! some requests through a Worker: the visitor's line and its subrequest's), Akamai
//! DataStream 2 (every value a string, Unix seconds with milliseconds, RFC 1738-escaped
//! cookie, breadcrumbs naming each hop) and the JSON format the README documents for
//! Fastly's real-time log streaming (RFC 3339 UTC with milliseconds).

use anyhow::Result;
use polars::prelude::*;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::w3c::utc;
use super::{hex8, nodes, url_encode, Line, HOST, HOUR};
use crate::frame::OrBug;
use crate::generate::GeneratedLog;

/// The upper tier's data center (Tiered Cache), by its number.
const UPPER_TIER: i64 = 22;

/// Share of requests that go through a Worker, in hundredths.
const WORKER_PERCENT: u32 = 10;

/// One Cloudflare line: the response, and whether it is a Worker's visitor line (its page
/// is its subrequest's) or a subrequest (with its parent's RayID).
struct Logpush<'a> {
    line: &'a Line,
    visitor: bool,
    ray: String,
    parent: Option<String>,
}

/// Sixteen hex digits, as a RayID.
fn ray(rng: &mut ChaCha8Rng) -> String {
    format!("{:016x}", rng.gen::<u64>())
}

/// A Cloudflare Logpush file's name: one batch per UTC hour, in a folder per day,
/// `YYYYMMDD/<start>_<end>_<id>.log.gz` (its id drawn after its lines).
pub(super) fn cloudflare_name(hour: i64, rng: &mut ChaCha8Rng) -> Result<String> {
    let stamp = |t: i64| -> Result<String> { Ok(utc(t)?.format("%Y%m%dT%H%M%SZ").to_string()) };
    Ok(format!(
        "{}/{}_{}_{}.log.gz",
        utc(hour)?.format("%Y%m%d"),
        stamp(hour)?,
        stamp(hour + HOUR)?,
        hex8(rng)
    ))
}

/// The Worker's visitor lines Cloudflare files of `per_file` lines each get from the
/// stream `rng` (as `cloudflare` and `cloudflare_name` draw them, in the same order).
pub(super) fn visitor_lines(per_file: &[u64], rng: &ChaCha8Rng) -> u64 {
    let mut rng = rng.clone();
    let mut visitors = 0;
    for &lines in per_file {
        for _ in 0..lines {
            let _ = ray(&mut rng);
            if rng.gen_ratio(WORKER_PERCENT, 100) {
                visitors += 1;
                let _ = ray(&mut rng);
            }
        }
        let _ = hex8(&mut rng);
    }
    visitors
}

/// Cloudflare Logpush lines (of one file), and the truth, row for row with them.
pub(super) fn cloudflare(lines: &[Line], rng: &mut ChaCha8Rng) -> Result<(Vec<u8>, DataFrame)> {
    let colos = nodes(GeneratedLog::Cloudflare);
    let mut rows: Vec<Logpush> = Vec::with_capacity(lines.len());
    for line in lines {
        let id = ray(rng);
        if rng.gen_ratio(WORKER_PERCENT, 100) {
            rows.push(Logpush {
                line,
                visitor: true,
                ray: id.clone(),
                parent: None,
            });
            rows.push(Logpush {
                line,
                visitor: false,
                ray: ray(rng),
                parent: Some(id),
            });
        } else {
            rows.push(Logpush {
                line,
                visitor: false,
                ray: id,
                parent: None,
            });
        }
    }
    let truth = super::truth(
        rows.iter().map(|r| (r.line, !r.visitor)),
        GeneratedLog::Cloudflare,
    )?;
    let n = rows.len();
    let text = |f: &dyn Fn(&Logpush) -> String| -> Vec<String> { rows.iter().map(f).collect() };
    // What each line says: a Worker's visitor line `unknown`; the node's copy `hit`;
    // the tier's copy `hit` with CacheTieredFill; the origin's through the tier `miss`
    // with it; a page the origin marked private `bypass`; a POST `dynamic`.
    let status = |r: &Logpush| -> &'static str {
        match (r.visitor, r.line.status, r.line.method) {
            (true, _, _) => "unknown",
            (_, _, "POST") => "dynamic",
            (_, "HIT" | "TIER", _) => "hit",
            (_, "MISS", _) => "miss",
            _ => "bypass",
        }
    };
    let tiered =
        |r: &Logpush| !r.visitor && matches!(status(r), "hit" | "miss") && r.line.status != "HIT";
    let start: Vec<i64> = rows.iter().map(|r| r.line.arrival * 1000).collect();
    let sessions: Vec<Option<&str>> = rows
        .iter()
        .map(|r| (!r.line.viewer.is_empty()).then_some(r.line.viewer.as_str()))
        .collect();
    let df = DataFrame::new(
        n,
        vec![
            Column::new("EdgeStartTimestamp".into(), start),
            Column::new("RayID".into(), text(&|r| r.ray.clone())),
            Column::new(
                "ParentRayID".into(),
                text(&|r| r.parent.clone().unwrap_or_default()),
            ),
            Column::new(
                "ClientRequestSource".into(),
                text(&|r| {
                    if r.parent.is_some() {
                        "edgeWorkerFetch"
                    } else {
                        "eyeball"
                    }
                    .to_string()
                }),
            ),
            Column::new(
                "WorkerSubrequest".into(),
                rows.iter()
                    .map(|r| r.parent.is_some())
                    .collect::<Vec<bool>>(),
            ),
            Column::new(
                "ClientRequestMethod".into(),
                text(&|r| r.line.method.to_string()),
            ),
            Column::new("ClientRequestHost".into(), vec![HOST; n]),
            Column::new("ClientRequestURI".into(), text(&|r| r.line.target())),
            Column::new("EdgeResponseStatus".into(), vec![200i64; n]),
            Column::new("CacheCacheStatus".into(), text(&|r| status(r).to_string())),
            Column::new(
                "CacheTieredFill".into(),
                rows.iter().map(&tiered).collect::<Vec<bool>>(),
            ),
            Column::new(
                "UpperTierColoID".into(),
                rows.iter()
                    .map(|r| if tiered(r) { UPPER_TIER } else { 0 })
                    .collect::<Vec<i64>>(),
            ),
            Column::new(
                "EdgeColoCode".into(),
                text(&|r| colos.get(r.line.node).copied().unwrap_or("NRT").to_string()),
            ),
            Column::new("ClientIP".into(), text(&|r| r.line.ip.clone())),
            Column::new(
                "ClientRequestUserAgent".into(),
                text(&|r| r.line.agent.to_string()),
            ),
            Column::new("session".into(), sessions),
        ],
    )
    .or_bug()?;
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
        .or_bug()?;
    Ok((json_lines(df)?, truth))
}

/// Akamai DataStream 2 JSON lines: every value a string; the edge server's address
/// (`edgeIP`) per node; breadcrumbs naming the edge (`c=g`), the cache parent (`c=c`) and
/// the origin (`c=o`) each response went through; `cacheable` 0 for a page the origin
/// marked private.
pub(super) fn akamai(lines: &[Line]) -> Result<Vec<u8>> {
    let text = |f: &dyn Fn(&Line) -> String| -> Vec<String> { lines.iter().map(f).collect() };
    let n = lines.len();
    let edge = |l: &Line| {
        nodes(GeneratedLog::Akamai)
            .get(l.node)
            .copied()
            .unwrap_or("23.33.41.20")
    };
    let crumbs = |l: &Line| {
        let g = format!("[a={},c=g,k=0,l=1]", edge(l));
        let c = "[a=23.50.60.7,c=c,n=JP_TOKYO]";
        let o = "[a=203.0.113.80,c=o]";
        let hops = match (l.status, l.method) {
            ("HIT", _) => g,
            ("TIER", _) => format!("{g},{c}"),
            ("MISS", "GET") => format!("{g},{c},{o}"),
            _ => format!("{g},{o}"),
        };
        format!("//BC/{}", hops.replace('[', "%5B").replace(']', "%5D"))
    };
    let df = DataFrame::new(
        n,
        vec![
            Column::new(
                "reqTimeSec".into(),
                text(&|l| {
                    let (s, ms) = Line::seconds(l.arrival);
                    format!("{s}.{ms:03}")
                }),
            ),
            Column::new("reqHost".into(), vec![HOST; n]),
            Column::new("reqMethod".into(), text(&|l| l.method.to_string())),
            Column::new("reqPath".into(), text(&|l| url_encode(&l.stem, false))),
            Column::new(
                "queryStr".into(),
                text(&|l| l.query.clone().unwrap_or_else(|| "-".into())),
            ),
            Column::new("statusCode".into(), vec!["200"; n]),
            Column::new(
                "cacheStatus".into(),
                text(&|l| if l.status == "HIT" { "1" } else { "0" }.to_string()),
            ),
            Column::new(
                "cacheable".into(),
                text(&|l| if l.status == "PASS" { "0" } else { "1" }.to_string()),
            ),
            Column::new("breadcrumbs".into(), text(&crumbs)),
            Column::new("edgeIP".into(), text(&|l| edge(l).to_string())),
            Column::new("cliIP".into(), text(&|l| l.ip.clone())),
            Column::new("UA".into(), text(&|l| url_encode(l.agent, true))),
            Column::new(
                "cookie".into(),
                text(&|l| {
                    l.cookie()
                        .map_or_else(|| "-".into(), |c| url_encode(&c, true).replace("%20", "+"))
                }),
            ),
            Column::new("totalBytes".into(), text(&|l| (l.bytes + 412).to_string())),
        ],
    )
    .or_bug()?;
    json_lines(df)
}

/// Fastly JSON lines in the README's format, as the edge logs them: the shield's copy is a
/// `MISS` at the edge (`ff_visits` 0: the edge's own line).
pub(super) fn fastly(lines: &[Line]) -> Result<Vec<u8>> {
    let pops = nodes(GeneratedLog::Fastly);
    let text = |f: &dyn Fn(&Line) -> String| -> Vec<String> { lines.iter().map(f).collect() };
    let n = lines.len();
    let mut stamps = Vec::with_capacity(n);
    for line in lines {
        let (s, ms) = Line::seconds(line.arrival);
        stamps.push(format!(
            "{}.{ms:03}Z",
            utc(s * 1_000_000)?.format("%Y-%m-%dT%H:%M:%S")
        ));
    }
    let state = |l: &Line| match l.status {
        "HIT" => "HIT",
        "TIER" | "MISS" => "MISS",
        _ => "PASS",
    };
    let df = DataFrame::new(
        n,
        vec![
            Column::new("ts".into(), stamps),
            Column::new("method".into(), text(&|l| l.method.to_string())),
            Column::new("host".into(), vec![HOST; n]),
            Column::new("url".into(), text(&Line::target)),
            Column::new("status".into(), vec![200i64; n]),
            Column::new("cache_state".into(), text(&|l| state(l).to_string())),
            Column::new(
                "pop".into(),
                text(&|l| pops.get(l.node).copied().unwrap_or("NRT").to_string()),
            ),
            Column::new("ff_visits".into(), vec![0i64; n]),
            Column::new("cookie".into(), text(&|l| l.cookie().unwrap_or_default())),
            Column::new("client_ip".into(), text(&|l| l.ip.clone())),
            Column::new("user_agent".into(), text(&|l| l.agent.to_string())),
        ],
    )
    .or_bug()?;
    json_lines(df)
}

fn json_lines(mut df: DataFrame) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    JsonWriter::new(&mut out)
        .with_json_format(JsonFormat::JsonLines)
        .finish(&mut df)
        .or_bug()?;
    Ok(out)
}
