//! `generate --cdn --log-format VENDOR`: the simulated CDN's responses as the vendor
//! delivers its logs, in a folder `cdn/`, beside the truth (`exposure.parquet`, row for
//! row with the delivered lines in file order). CloudFront and W3C files carry whole
//! seconds; the other formats milliseconds, and there a logged time is nudged forward by
//! 1 ms where needed so that every cached response can be told from the origin responses
//! of its cache (the truth carries the nudged times).

mod access;
mod json;
mod w3c;

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result};
use polars::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::cdn::Served;
use super::LogFormat;
use crate::error::InputError;
use crate::frame::names::{OWNER_ID, VIEWER_ID};
use crate::frame::{polars_bug, utc_micros};
use crate::inventory::normalise_path;
use crate::report::write_private;

pub use access::{APACHE_LOG_FORMAT, NGINX_LOG_FORMAT};

/// The folder the delivered log is written into, under `--out-dir`.
pub const FOLDER: &str = "cdn";

/// Salt of the random stream for what only the delivered lines show (addresses of
/// unidentified visitors, ports, request ids, file ids).
const LINE_SALT: u64 = 0x5645_4e44_4f52_4c4e;

/// The site's host name, as the viewers asked for it.
const HOST: &str = "www.mercari.com";

/// User agents of the visitors (no `"` or `\`, which access logs would escape).
const AGENTS: [&str; 5] = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 10_3_2 like Mac OS X) AppleWebKit/603.2.4 (KHTML, like Gecko) Version/10.0 Mobile/14F89 Safari/602.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/59.0.3071.104 Safari/537.36",
    "Mozilla/5.0 (Linux; Android 7.0; SO-01J Build/37.0.B.0.186) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/58.0.3029.83 Mobile Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_12_5) AppleWebKit/603.2.4 (KHTML, like Gecko) Version/10.1.1 Safari/603.2.4",
    "Mercari_r/4.2.0 (iOS 10.3.2; ja-JP; iPhone9,1)",
];

/// The cache nodes of a format that names its node (CloudFront edge locations, Cloudflare
/// colos, Fastly POPs); empty: one cache.
pub fn nodes(format: LogFormat) -> &'static [&'static str] {
    match format {
        LogFormat::CloudFront => &["NRT57-C1", "KIX50-C1", "NRT12-C2"],
        LogFormat::Cloudflare => &["NRT", "KIX", "FUK"],
        LogFormat::Fastly => &["NRT", "HND", "ITM"],
        _ => &[],
    }
}

/// Whether the format logs times to the millisecond (or finer).
pub fn millisecond(format: LogFormat) -> bool {
    !matches!(format, LogFormat::CloudFront | LogFormat::W3c)
}

/// The `--log-format` (and any further flags) `derive-owners` reads the format with.
pub fn derive_flags(format: LogFormat) -> String {
    match format {
        LogFormat::Nginx => format!("--log-format nginx:'{NGINX_LOG_FORMAT}'"),
        LogFormat::Apache => format!("--log-format apache:'{APACHE_LOG_FORMAT}'"),
        // The cache's status is a custom W3C field.
        LogFormat::W3c => "--log-format w3c --column cache_status=x-cache-status".into(),
        other => format!("--log-format {}", other.name()),
    }
}

/// The vendor's name in messages.
pub fn name(format: LogFormat) -> &'static str {
    match format {
        LogFormat::CloudFront => "CloudFront (standard logs)",
        LogFormat::Cloudflare => "Cloudflare (Logpush http_requests)",
        LogFormat::Akamai => "Akamai (DataStream 2)",
        LogFormat::Fastly => "Fastly (real-time log streaming, JSON)",
        LogFormat::Nginx => "nginx",
        LogFormat::Apache => "Apache httpd",
        LogFormat::W3c => "IIS (W3C extended)",
        LogFormat::Parquet | LogFormat::Csv | LogFormat::Ndjson => "the contract",
    }
}

/// README.txt's paragraph on the delivered log: what it is and the derive-owners command
/// that reads it.
pub fn readme_note(format: LogFormat, log_name: &str) -> String {
    let nodes = nodes(format);
    let caches = if nodes.is_empty() {
        "one cache".to_string()
    } else {
        format!("a cache per node ({})", nodes.join(", "))
    };
    let times = if millisecond(format) {
        "Its times are to the millisecond; where needed a time was moved forward by 1 ms, so\n\
         that each cached response is logged after the origin response it carries and no two\n\
         origin responses of one cache share a millisecond (the truth has the same times)."
    } else {
        "Its times are whole seconds, so a cached response logged in the same second as\n\
         several origin responses is ambiguous: owner_candidates lists its possible owners."
    };
    format!(
        "\n{FOLDER}/ is the same responses as {vendor} delivered them,\n\
         with {caches}.\n\
         During the leak window personal pages were cached with request collapsing.\n\
         {log_name} holds the true owners, row for row with the lines of the files in\n\
         name order.\n\
         {times}\n\
         Derive the owners with:\n\n\
         pii-audit derive-owners -e {FOLDER} {flags} --viewer cookie:session -o derived.parquet\n",
        vendor = name(format),
        flags = derive_flags(format),
    )
}

/// One response as the vendors log it.
pub(super) struct Line {
    /// The logged instant (UTC µs; a whole second is cut off by the second formats).
    pub ts: i64,
    /// From the request's arrival to the response (µs).
    pub took: i64,
    /// The request target: path, and query when there is one (no host, no fragment).
    pub stem: String,
    pub query: Option<String>,
    /// Empty for an unidentified visitor (no session cookie).
    pub viewer: String,
    pub owner: Option<String>,
    /// `MISS`, `PASS` or `HIT`, as simulated.
    pub status: &'static str,
    pub node: usize,
    pub ip: String,
    pub agent: &'static str,
    /// Size of the page sent.
    pub bytes: u32,
}

impl Line {
    /// Whether the response came from the cache.
    pub fn cached(&self) -> bool {
        self.status == "HIT"
    }

    /// Path and query, as requested.
    pub fn target(&self) -> String {
        match &self.query {
            Some(q) => format!("{}?{q}", self.stem),
            None => self.stem.clone(),
        }
    }

    /// The Cookie header: the session cookie after another one; `None` for an unidentified
    /// visitor.
    pub fn cookie(&self) -> Option<String> {
        (!self.viewer.is_empty()).then(|| format!("theme=dark; session={}", self.viewer))
    }

    /// The logged instant in whole seconds and milliseconds of the second.
    pub fn seconds(&self) -> (i64, i64) {
        let ms = self.ts.div_euclid(1000);
        (ms.div_euclid(1000), ms.rem_euclid(1000))
    }
}

/// What was written: the truth, and the files of the delivered log.
pub struct Written {
    pub truth: DataFrame,
    pub files: usize,
}

/// Writes `served` as `format` delivers it into `dir/cdn/`; returns the truth, row for row
/// with the lines in file order.
pub(super) fn write(format: LogFormat, served: &Served, seed: u64, dir: &Path) -> Result<Written> {
    let folder = dir.join(FOLDER);
    let occupied = std::fs::read_dir(&folder).is_ok_and(|mut d| d.next().is_some());
    if occupied {
        return Err(InputError::usage(format!(
            "{} already holds files, which derive-owners would read with the new ones: remove it or choose another --out-dir",
            folder.display()
        ))
        .into());
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ LINE_SALT);
    let mut lines = lines(served, &mut rng);
    if millisecond(format) {
        nudge(&mut lines);
        // Stable: the lines of one instant stay in the order they were served.
        lines.sort_by_key(|l| l.ts);
    }
    let files = match format {
        LogFormat::CloudFront => w3c::cloudfront(&lines, &mut rng)?,
        LogFormat::W3c => w3c::iis(&lines)?,
        LogFormat::Cloudflare => json::cloudflare(&lines, &mut rng)?,
        LogFormat::Akamai => vec![("ds2-edge.json".into(), json::akamai(&lines)?)],
        LogFormat::Fastly => vec![("fastly-www.log".into(), json::fastly(&lines)?)],
        LogFormat::Nginx => vec![("access.log".into(), access::nginx(&lines))],
        LogFormat::Apache => vec![("access_log".into(), access::apache(&lines))],
        LogFormat::Parquet | LogFormat::Csv | LogFormat::Ndjson => Vec::new(),
    };
    for (name, bytes) in &files {
        let path = folder.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        write_private(&path, bytes)?;
    }
    Ok(Written {
        truth: truth(&lines)?,
        files: files.len(),
    })
}

/// The responses in the order served, as lines (times not yet nudged).
fn lines(served: &Served, rng: &mut ChaCha8Rng) -> Vec<Line> {
    served
        .order
        .iter()
        .map(|&i| {
            let r = &served.responses[i];
            let (stem, query) = request_target(&r.path);
            let (ip, agent) = match hash(&r.viewer) {
                Some(h) => (address(h), AGENTS[(h >> 40) as usize % AGENTS.len()]),
                None => (address(rng.gen()), AGENTS[rng.gen_range(0..AGENTS.len())]),
            };
            Line {
                ts: r.served,
                took: (r.served - r.arrival).max(1000),
                stem,
                query,
                viewer: r.viewer.clone(),
                owner: r.owner.clone(),
                status: r.status,
                node: r.node,
                ip,
                agent,
                bytes: rng.gen_range(4_000..40_000),
            }
        })
        .collect()
}

/// Moves logged times forward by whole milliseconds, in served order, so that in each
/// cache (node and key) no two origin responses share a millisecond and no cached
/// response shares one with an origin response: each cached response is then logged
/// after the origin response it carries and before the next.
fn nudge(lines: &mut [Line]) {
    // Per cache: the last origin response's logged time and the last logged time.
    let mut last: HashMap<(usize, String), (i64, i64)> = HashMap::new();
    for line in lines.iter_mut() {
        let key = (line.node, normalise_path(&line.stem).into_owned());
        let ms = line.ts.div_euclid(1000);
        let logged = match (last.get(&key), line.cached()) {
            (None, _) => ms,
            (Some(&(origin, any)), true) => ms.max(any).max(origin + 1),
            (Some(&(_, any)), false) => ms.max(any + 1),
        };
        let origin = match (last.get(&key), line.cached()) {
            (_, false) => logged,
            (Some(&(origin, _)), true) => origin,
            (None, true) => i64::MIN / 2,
        };
        last.insert(key, (origin, logged));
        line.ts = logged * 1000;
    }
}

/// The request target of a generated path: scheme and host dropped (they are not part of
/// the request line), the fragment too (browsers do not send it), and the query apart.
fn request_target(path: &str) -> (String, Option<String>) {
    let mut rest = path;
    if let Some(pos) = rest.find("://") {
        let after = &rest[pos + 3..];
        rest = after.find('/').map_or("/", |i| &after[i..]);
    }
    let rest = rest.split('#').next().unwrap_or(rest);
    let (stem, query) = match rest.split_once('?') {
        Some((stem, query)) => (stem, (!query.is_empty()).then(|| query.to_string())),
        None => (rest, None),
    };
    let stem = if stem.is_empty() { "/" } else { stem };
    (stem.to_string(), query)
}

/// A stable number for a viewer (FNV-1a), so that one visitor keeps an address and a
/// browser; `None` for an unidentified visitor.
fn hash(viewer: &str) -> Option<u64> {
    if viewer.is_empty() {
        return None;
    }
    Some(viewer.bytes().fold(0xcbf2_9ce4_8422_2325, |h: u64, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    }))
}

/// An address in the documentation ranges (RFC 5737).
fn address(h: u64) -> String {
    let net = ["192.0.2", "198.51.100", "203.0.113"][(h % 3) as usize];
    format!("{net}.{}", 1 + (h >> 8) % 254)
}

/// The truth: `ts, path, owner_id, viewer_id`, row for row with the lines.
fn truth(lines: &[Line]) -> Result<DataFrame> {
    let n = lines.len();
    let ts: Vec<i64> = lines.iter().map(|l| l.ts).collect();
    let ts = Int64Chunked::from_vec("ts".into(), ts)
        .into_series()
        .cast(&utc_micros())
        .map_err(polars_bug)?;
    let paths: Vec<String> = lines.iter().map(Line::target).collect();
    let owners: Vec<&str> = lines
        .iter()
        .map(|l| l.owner.as_deref().unwrap_or(""))
        .collect();
    let viewers: Vec<&str> = lines.iter().map(|l| l.viewer.as_str()).collect();
    DataFrame::new(
        n,
        vec![
            ts.into(),
            Column::new("path".into(), paths),
            Column::new(OWNER_ID.into(), owners),
            Column::new(VIEWER_ID.into(), viewers),
        ],
    )
    .map_err(polars_bug)
}

/// Eight hex digits, for unique ids in file names.
fn hex8(rng: &mut ChaCha8Rng) -> String {
    format!("{:08x}", rng.gen::<u32>())
}

/// gzip, as CDNs deliver their files.
fn gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder
        .write_all(bytes)
        .and_then(|()| encoder.finish())
        .context("cannot compress a log file")
}

/// Lines grouped by a period (an hour, a day: `period` µs), in order: the period's start
/// and its lines.
fn by_period(lines: &[Line], period: i64) -> Vec<(i64, &[Line])> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < lines.len() {
        let at = lines[start].ts.div_euclid(period) * period;
        let end = start
            + lines[start..]
                .iter()
                .position(|l| l.ts.div_euclid(period) * period != at)
                .unwrap_or(lines.len() - start);
        out.push((at, &lines[start..end]));
        start = end;
    }
    out
}

/// Bytes `<`, `>`, `"`, `#`, `%`, `{`, `}`, `|`, `\`, `^`, `~`, `[`, `]`, `` ` ``, `'`, space,
/// controls and non-ASCII as `%XX`, as CloudFront writes its fields (RFC 1738's unsafe
/// characters); with `reserved`, also `;`, `/`, `?`, `:`, `@`, `=` and `&` (a whole header
/// escaped as one value, as Akamai does).
fn url_encode(text: &str, reserved: bool) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for b in text.bytes() {
        let unsafe_byte = b <= 32 || b >= 127 || b"<>\"#%{}|\\^~[]`'".contains(&b);
        if unsafe_byte || (reserved && b";/?:@=&".contains(&b)) {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        } else {
            out.push(b as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_lose_host_and_fragment() {
        assert_eq!(
            request_target("https://www.mercari.com/jp/mypage/?ref=push"),
            ("/jp/mypage/".into(), Some("ref=push".into()))
        );
        assert_eq!(
            request_target("/jp/mypage/#top"),
            ("/jp/mypage/".into(), None)
        );
        assert_eq!(
            request_target("https://www.mercari.com"),
            ("/".into(), None)
        );
    }

    #[test]
    fn cloudfront_and_akamai_escapes() {
        assert_eq!(
            url_encode("theme=dark; session=u1", false),
            "theme=dark;%20session=u1"
        );
        assert_eq!(
            url_encode("theme=dark; session=u1", true),
            "theme%3Ddark%3B%20session%3Du1"
        );
        assert_eq!(url_encode("a~b%\"", false), "a%7Eb%25%22");
    }
}
