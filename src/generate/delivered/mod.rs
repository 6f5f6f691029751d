//! `generate --cdn --log-format VENDOR`: the simulated CDN's responses as the vendor
//! delivers its logs, in a folder `cdn/`, beside the truth (`exposure.parquet`, row for
//! row with the delivered lines in file order; `ts` is each request's arrival). Each
//! format logs what its vendor logs: the time it takes (the request's arrival, or the
//! response's end with its duration: CloudFront, nginx, IIS), which tier served a page
//! where it says so (CloudFront `OriginShieldHit`, Cloudflare `CacheTieredFill`, Akamai
//! breadcrumbs), the method, and Cloudflare Workers' visitor and subrequest lines. Some
//! viewers are slow (their response ends seconds after a later one's) and some hang up
//! mid-download (CloudFront `Error` with status 200).

mod access;
mod json;
mod lines;
mod w3c;

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use polars::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::cdn::Server;
use super::stream::{self, Table};
use super::{GeneratedLog, Spec};
use crate::cdn::CACHE_NODE;
use crate::error::InputError;
use crate::files::write_private_with;
use crate::frame::names::{CACHE_STATUS, OWNER_ID, VIEWER_ID};
use crate::frame::utc_micros;
use crate::frame::OrBug;
use lines::Lines;

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
/// colos, Fastly POPs, Akamai edge servers' addresses); empty: one cache.
pub fn nodes(format: GeneratedLog) -> &'static [&'static str] {
    match format {
        GeneratedLog::CloudFront => &["NRT57-C1", "KIX50-C1", "NRT12-C2"],
        GeneratedLog::Cloudflare => &["NRT", "KIX", "FUK"],
        GeneratedLog::Fastly => &["NRT", "HND", "ITM"],
        GeneratedLog::Akamai => &["23.33.41.20", "23.33.41.21", "23.52.10.4"],
        GeneratedLog::Nginx
        | GeneratedLog::Apache
        | GeneratedLog::W3c
        | GeneratedLog::Parquet
        | GeneratedLog::Csv
        | GeneratedLog::Ndjson => &[],
    }
}

/// Whether the format logs times to the millisecond (or finer). This and the other
/// questions about a format below name every format: a new one makes the compiler ask.
pub fn millisecond(format: GeneratedLog) -> bool {
    match format {
        GeneratedLog::CloudFront | GeneratedLog::W3c => false,
        GeneratedLog::Cloudflare
        | GeneratedLog::Akamai
        | GeneratedLog::Fastly
        | GeneratedLog::Nginx
        | GeneratedLog::Apache
        | GeneratedLog::Parquet
        | GeneratedLog::Csv
        | GeneratedLog::Ndjson => true,
    }
}

pub(super) const HOUR: i64 = 3_600_000_000;
const DAY: i64 = 24 * HOUR;

/// Whether the format logs the response's end (with its duration), not the arrival.
fn logs_end(format: GeneratedLog) -> bool {
    match format {
        GeneratedLog::CloudFront | GeneratedLog::W3c | GeneratedLog::Nginx => true,
        GeneratedLog::Cloudflare
        | GeneratedLog::Akamai
        | GeneratedLog::Fastly
        | GeneratedLog::Apache
        | GeneratedLog::Parquet
        | GeneratedLog::Csv
        | GeneratedLog::Ndjson => false,
    }
}

/// The pages' time to live that bounds how far back a cache reaches in the generated
/// incident: public pages are fresh for a minute, then a node or the tier fetches again.
pub const MAX_AGE: &str = "70s";

/// The `--log-format` (and any further flags) `derive-owners` reads the format with.
pub fn derive_flags(format: GeneratedLog) -> String {
    match format {
        GeneratedLog::Nginx => format!("--log-format nginx:'{NGINX_LOG_FORMAT}'"),
        GeneratedLog::Apache => format!("--log-format apache:'{APACHE_LOG_FORMAT}'"),
        // The cache's status is a custom W3C field.
        GeneratedLog::W3c => "--log-format w3c --column cache_status=x-cache-status".into(),
        // The generated caches key on the path, as the README's derivation shows. Every
        // format named (no wildcard): a new one makes the compiler ask for its flags.
        GeneratedLog::CloudFront
        | GeneratedLog::Cloudflare
        | GeneratedLog::Akamai
        | GeneratedLog::Fastly => format!("--log-format {} --cache-key path", format.name()),
        // The contract's CDN log, in any of its three file formats.
        GeneratedLog::Parquet | GeneratedLog::Csv | GeneratedLog::Ndjson => {
            "--log-format contract --cache-key path".into()
        }
    }
}

/// The vendor's name in messages.
pub fn name(format: GeneratedLog) -> &'static str {
    match format {
        GeneratedLog::CloudFront => "CloudFront (standard logs)",
        GeneratedLog::Cloudflare => "Cloudflare (Logpush http_requests)",
        GeneratedLog::Akamai => "Akamai (DataStream 2)",
        GeneratedLog::Fastly => "Fastly (real-time log streaming, JSON)",
        GeneratedLog::Nginx => "nginx",
        GeneratedLog::Apache => "Apache httpd",
        GeneratedLog::W3c => "IIS (W3C extended)",
        GeneratedLog::Parquet | GeneratedLog::Csv | GeneratedLog::Ndjson => "the contract",
    }
}

/// README.txt's paragraph on the delivered log: what it is and the derive-owners command
/// that reads it.
pub fn readme_note(format: GeneratedLog, log_name: &str) -> String {
    let nodes = nodes(format);
    let caches = if nodes.is_empty() {
        "one cache".to_string()
    } else {
        format!("a cache per node ({})", nodes.join(", "))
    };
    let times = if millisecond(format) {
        "Its times are to the millisecond."
    } else {
        "Its times are whole seconds, so a cached response logged in the same second as\n\
         several origin responses is ambiguous: owner_candidates lists its possible owners."
    };
    let tier = if nodes.is_empty() {
        ""
    } else {
        "\nThe nodes fetch through a shared tier: a miss may be the tier's copy of another\n\
         node's page, so more responses are ambiguous (the pages' time to live, --max-age,\n\
         bounds how far back the tier reaches).\n"
    };
    format!(
        "\n{FOLDER}/ is the same responses as {vendor} delivered them,\n\
         with {caches}.\n\
         During the leak window personal pages were cached with request collapsing.\n\
         {log_name} holds the true owners, row for row with the lines of the files in\n\
         name order.\n\
         {times}\n{tier}\
         Derive the owners with:\n\n\
         pii-audit derive-owners -e {FOLDER} {flags} --max-age {MAX_AGE} --viewer cookie:session -o derived.parquet\n",
        vendor = name(format),
        flags = derive_flags(format),
    )
}

/// One response as the vendors log it.
pub(super) struct Line {
    /// The request's arrival (UTC µs, whole milliseconds).
    pub arrival: i64,
    /// When the response ended (the last byte written; µs).
    pub end: i64,
    /// From the request's arrival to the response's end (µs).
    pub took: i64,
    /// The request target: path, and query when there is one (no host, no fragment).
    pub stem: String,
    pub query: Option<String>,
    /// Empty for an unidentified visitor (no session cookie).
    pub viewer: String,
    pub owner: Option<String>,
    /// `MISS`, `PASS` (the origin), `HIT` (the node's copy) or `TIER` (the shared tier's).
    pub status: &'static str,
    pub method: &'static str,
    pub node: usize,
    pub ip: String,
    pub agent: &'static str,
    /// Size of the page sent.
    pub bytes: u32,
    /// The viewer hung up before the last byte (CloudFront logs `Error` with status 200).
    pub hung_up: bool,
}

impl Line {
    /// Whether the response came from a cache (the node's or the tier's).
    pub fn cached(&self) -> bool {
        matches!(self.status, "HIT" | "TIER")
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

    /// The instant the format logs: the arrival, or the end.
    pub fn logged(&self, format: GeneratedLog) -> i64 {
        if logs_end(format) {
            self.end
        } else {
            self.arrival
        }
    }

    /// An instant in whole seconds and milliseconds of the second.
    pub fn seconds(at: i64) -> (i64, i64) {
        let ms = at.div_euclid(1000);
        (ms.div_euclid(1000), ms.rem_euclid(1000))
    }
}

/// Writes the requests of `spec` as `format` delivers them into `dir/cdn/`, a chunk of lines
/// at a time, and the truth into `dir/log_name`, row for row with the lines in file order;
/// returns the number of files.
pub(super) fn write(
    spec: &Spec,
    rng: &mut ChaCha8Rng,
    dir: &Path,
    log_name: &str,
) -> Result<usize> {
    let format = spec.log_format;
    let folder = dir.join(FOLDER);
    let occupied = std::fs::read_dir(&folder).is_ok_and(|mut d| d.next().is_some());
    if occupied {
        return Err(InputError::usage(format!(
            "{} already holds files, which derive-owners would read with the new ones: remove it or choose another --out-dir",
            folder.display()
        ))
        .into());
    }
    let nodes = nodes(format).len().max(1);
    // The stream's draws for the lines' details come first, then the format's own (ids,
    // file names), as when every line was made before the first was written: the lines are
    // drawn once to find where the format's draws begin.
    let mut format_rng = ChaCha8Rng::seed_from_u64(spec.seed ^ LINE_SALT);
    // Lines per file, counted meanwhile.
    let mut per_file: Vec<u64> = Vec::new();
    {
        let mut main = rng.clone();
        let served = Server::new(spec, &mut main, nodes, true);
        let mut last = None;
        for line in Lines::new(served, &mut format_rng, format) {
            let at = file_start(format, &line?);
            if per_file.is_empty() || at != last {
                per_file.push(0);
                last = at;
            }
            if let Some(n) = per_file.last_mut() {
                *n += 1;
            }
        }
    }
    let mut line_rng = ChaCha8Rng::seed_from_u64(spec.seed ^ LINE_SALT);
    let mut lines = Lines::new(Server::new(spec, rng, nodes, true), &mut line_rng, format);
    // The truth's rows (its Parquet row groups depend on them): Cloudflare's has a row per
    // Worker's visitor line too.
    let total = match format {
        GeneratedLog::Cloudflare => spec.rows + json::visitor_lines(&per_file, &format_rng),
        _ => spec.rows,
    };
    let mut files = 0;
    write_private_with(&dir.join(log_name), |file| {
        let mut truth = Table::new(file, GeneratedLog::Parquet, false, total);
        files = write_files(format, &mut lines, &mut format_rng, &folder, &mut truth)?;
        if files == 0 {
            // No line: the truth's columns without rows.
            truth.push(self::truth(std::iter::empty(), format)?)?;
        }
        truth.finish()
    })?;
    Ok(files)
}

/// The start of the period whose file holds `line` (UTC hours for CloudFront and
/// Cloudflare, days for IIS); `None`: one file.
fn file_start(format: GeneratedLog, line: &Line) -> Option<i64> {
    let period = match format {
        GeneratedLog::CloudFront | GeneratedLog::Cloudflare => HOUR,
        GeneratedLog::W3c => DAY,
        _ => return None,
    };
    Some(line.logged(format).div_euclid(period) * period)
}

/// The delivered files, each a chunk of lines at a time; the truth's rows go to `truth` as
/// they are written. Returns the number of files.
fn write_files<W: Write>(
    format: GeneratedLog,
    lines: &mut Lines<'_, '_>,
    rng: &mut ChaCha8Rng,
    folder: &Path,
    truth: &mut Table<W>,
) -> Result<usize> {
    let chunk = stream::chunk_rows();
    let start_of = |l: &Line| file_start(format, l);
    let mut next = lines.next().transpose()?;
    let mut files = 0;
    while let Some(first) = next.take() {
        let at = start_of(&first);
        // A file named from the stream after its lines is written under a name of its own
        // first, then renamed.
        let named = file_name(format, at.unwrap_or(0))?;
        let path = folder.join(named.as_deref().unwrap_or(&format!(".{files}.partial")));
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let mut late_name = None;
        write_private_with(&path, |file| {
            let gzip = matches!(format, GeneratedLog::CloudFront | GeneratedLog::Cloudflare);
            compressed(file, gzip, |out| {
                out(header(format, &first)?)?;
                let mut batch = vec![first];
                loop {
                    while batch.len() < chunk {
                        match lines.next().transpose()? {
                            Some(line) if start_of(&line) == at => batch.push(line),
                            other => {
                                next = other;
                                break;
                            }
                        }
                    }
                    if !batch.is_empty() {
                        let (bytes, rows) = encode(format, &batch, rng)?;
                        out(bytes)?;
                        truth.push(rows)?;
                    }
                    // A short batch: the file's last.
                    if batch.len() < chunk {
                        break;
                    }
                    batch.clear();
                }
                if named.is_none() {
                    late_name = Some(late_file_name(format, at.unwrap_or(0), rng)?);
                }
                Ok(())
            })
        })?;
        if let Some(name) = late_name {
            let target = folder.join(name);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
            }
            std::fs::rename(&path, &target)
                .with_context(|| format!("cannot write {}", target.display()))?;
        }
        files += 1;
    }
    Ok(files)
}
/// Bytes held back from the gzip encoder: its output fills (32 KiB; deflate compresses at
/// most 1032:1) before it reaches the end of what it is given, so its output is the same as
/// for the whole file given at once (miniz_oxide's is not when a call ends its input).
const GZIP_HOLD: usize = 40 << 20;

/// Writes into `file` the pieces `fill` hands to its writer: gzip-compressed (one member,
/// as CDNs deliver their files) or as they are, on a thread of its own meanwhile, so that
/// the next lines are made while the last are compressed.
fn compressed<W: Write + Send>(
    file: &mut W,
    gzip: bool,
    fill: impl FnOnce(&mut dyn FnMut(Vec<u8>) -> Result<()>) -> Result<()>,
) -> Result<()> {
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(2);
        let writer = scope.spawn(move || -> Result<()> {
            if gzip {
                let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::default());
                let (mut pending, mut from) = (Vec::new(), 0);
                for bytes in rx {
                    pending.extend_from_slice(&bytes);
                    // Each call compresses until the encoder's output is full, never to the
                    // end of its input: the pieces the lines came in do not show.
                    while pending.len() - from >= GZIP_HOLD {
                        from += gz
                            .write(&pending[from..])
                            .context("cannot compress a log file")?;
                    }
                    if from >= GZIP_HOLD {
                        pending.drain(..from);
                        from = 0;
                    }
                }
                gz.write_all(&pending[from..])
                    .and_then(|()| gz.finish().map(drop))
                    .context("cannot compress a log file")?;
            } else {
                for bytes in rx {
                    file.write_all(&bytes)?;
                }
            }
            Ok(())
        });
        let mut send = |bytes: Vec<u8>| {
            tx.send(bytes)
                .map_err(|_| anyhow::anyhow!("internal error: the writing thread stopped"))
        };
        let filled = fill(&mut send);
        drop(tx);
        let written = writer
            .join()
            .map_err(|_| anyhow::anyhow!("internal error: the writing thread failed"))?;
        // The writer's error first: a full disk stops the writer, then the lines.
        written.and(filled)
    })
}

/// What a file of `format` starts with (`first`: its first line).
fn header(format: GeneratedLog, first: &Line) -> Result<Vec<u8>> {
    Ok(match format {
        GeneratedLog::CloudFront => w3c::cloudfront_header().into_bytes(),
        GeneratedLog::W3c => w3c::iis_header(first)?.into_bytes(),
        _ => Vec::new(),
    })
}

/// The name of the file of `format` for the period from `at`, when it is known before its
/// lines are written (CloudFront's and Cloudflare's ids are drawn after them).
fn file_name(format: GeneratedLog, at: i64) -> Result<Option<String>> {
    Ok(match format {
        GeneratedLog::CloudFront | GeneratedLog::Cloudflare => None,
        GeneratedLog::W3c => Some(w3c::iis_name(at)?),
        GeneratedLog::Akamai => Some("ds2-edge.json".into()),
        GeneratedLog::Fastly => Some("fastly-www.log".into()),
        GeneratedLog::Nginx => Some("access.log".into()),
        GeneratedLog::Apache => Some("access_log".into()),
        GeneratedLog::Parquet | GeneratedLog::Csv | GeneratedLog::Ndjson => None,
    })
}

/// The name of a file named after its lines (its id drawn from the stream).
fn late_file_name(format: GeneratedLog, at: i64, rng: &mut ChaCha8Rng) -> Result<String> {
    match format {
        GeneratedLog::Cloudflare => json::cloudflare_name(at, rng),
        _ => w3c::cloudfront_name(at, rng),
    }
}

/// A chunk of lines of one file as `format` writes them, and their rows of the truth.
fn encode(
    format: GeneratedLog,
    lines: &[Line],
    rng: &mut ChaCha8Rng,
) -> Result<(Vec<u8>, DataFrame)> {
    let bytes = match format {
        GeneratedLog::CloudFront => w3c::cloudfront(lines, rng)?,
        GeneratedLog::W3c => w3c::iis(lines)?,
        GeneratedLog::Cloudflare => return json::cloudflare(lines, rng),
        GeneratedLog::Akamai => json::akamai(lines)?,
        GeneratedLog::Fastly => json::fastly(lines)?,
        GeneratedLog::Nginx => access::nginx(lines),
        GeneratedLog::Apache => access::apache(lines),
        GeneratedLog::Parquet | GeneratedLog::Csv | GeneratedLog::Ndjson => Vec::new(),
    };
    Ok((bytes, truth(lines.iter().map(|l| (l, true)), format)?))
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

/// The truth: `ts` (the arrival), `path`, `owner_id`, `viewer_id`, row for row with the
/// lines; a line that carried no page of its own (a Worker's visitor line) has no owner
/// and no `cache_status` (else `MISS`, `PASS`, `HIT` or `TIER`: which cache served it, if
/// any); `cache_node` names the node that served it (empty: one cache); `hung_up`, whether
/// its viewer hung up mid-download (CloudFront then logs `Error`, not what served it).
/// `logged_arrival` is the arrival the line itself gives (the logged end, in the format's
/// resolution, less the logged duration): the order `derive-owners` writes its rows in.
fn truth<'a>(
    lines: impl Iterator<Item = (&'a Line, bool)>,
    format: GeneratedLog,
) -> Result<DataFrame> {
    let (mut ts, mut paths, mut owners, mut viewers) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut logged, mut node_names, mut statuses) = (Vec::new(), Vec::new(), Vec::new());
    let mut hung_up = Vec::new();
    for (line, page) in lines {
        hung_up.push(line.hung_up);
        node_names.push(nodes(format).get(line.node).copied().unwrap_or(""));
        statuses.push(if page { line.status } else { "" });
        ts.push(line.arrival);
        logged.push(if logs_end(format) {
            let end = if millisecond(format) {
                line.end
            } else {
                line.end - line.end.rem_euclid(1_000_000)
            };
            end - line.took
        } else {
            line.arrival
        });
        paths.push(line.target());
        owners.push(if page {
            line.owner.clone().unwrap_or_default()
        } else {
            String::new()
        });
        viewers.push(line.viewer.clone());
    }
    let n = ts.len();
    let ts = Int64Chunked::from_vec("ts".into(), ts)
        .into_series()
        .cast(&utc_micros())
        .or_bug()?;
    DataFrame::new(
        n,
        vec![
            ts.into(),
            Column::new("path".into(), paths),
            Column::new(OWNER_ID.into(), owners),
            Column::new(VIEWER_ID.into(), viewers),
            Column::new("logged_arrival".into(), logged),
            Column::new(CACHE_NODE.into(), node_names),
            Column::new(CACHE_STATUS.into(), statuses),
            Column::new("hung_up".into(), hung_up),
        ],
    )
    .or_bug()
}

/// Eight hex digits, for unique ids in file names.
fn hex8(rng: &mut ChaCha8Rng) -> String {
    format!("{:08x}", rng.gen::<u32>())
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

    /// The `--log-format` of the command README.txt prints is one `derive-owners` reads,
    /// for every format `generate` writes (a new one falls through no wildcard).
    #[test]
    fn every_generated_log_names_a_format_derive_owners_reads() {
        for &format in <GeneratedLog as clap::ValueEnum>::value_variants() {
            let flags = derive_flags(format);
            let given = flags
                .strip_prefix("--log-format ")
                .unwrap_or_else(|| panic!("{flags}"));
            let value = match given.split_once(":'") {
                Some((name, rest)) => {
                    let quoted = rest.split_once('\'').map_or(rest, |(q, _)| q);
                    format!("{name}:{quoted}")
                }
                None => given.split_whitespace().next().unwrap_or("").to_string(),
            };
            let parsed = crate::cdn::LogFormat::parse(&value);
            assert!(parsed.is_ok(), "{format:?}: {value}: {parsed:?}");
        }
    }
}
