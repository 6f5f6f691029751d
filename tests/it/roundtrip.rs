//! `generate --cdn --log-format VENDOR` read back by `derive-owners --log-format VENDOR`.
//! The simulation has several nodes behind a shared tier (where the vendor has nodes),
//! Workers (Cloudflare), POSTs, slow viewers whose responses end after later ones', and
//! viewers who hang up. Whatever the format says, every row's derived owner is the true
//! one, or the row is ambiguous with the true owner among its candidates, or it is left
//! unattributed: never a wrong owner.

use std::path::Path;

use pii_audit::generate::{APACHE_LOG_FORMAT, NGINX_LOG_FORMAT};
use polars::prelude::*;

use crate::pii;

/// `generate --users 300 --rows 20000 --cdn --log-format FORMAT` into `dir`.
fn generate(dir: &Path, format: &str) {
    pii()
        .args(["generate", "--users", "300", "--rows", "20000", "--cdn"])
        .args(["--log-format", format, "--out-dir"])
        .arg(dir)
        .assert()
        .success();
}

pub fn parquet(path: &Path) -> DataFrame {
    let file = std::fs::File::open(path).expect("the file was written");
    ParquetReader::new(file).finish().expect("Parquet")
}

/// `derive-owners` over `dir/cdn` with `--log-format LOG_FORMAT`, the generated README's
/// flags (`--cache-key path --max-age 70s`) and `extra`.
fn derive(dir: &Path, log_format: &str, extra: &[&str]) -> DataFrame {
    let out = dir.join("derived.parquet");
    pii()
        .arg("derive-owners")
        .arg("-e")
        .arg(dir.join("cdn"))
        .args(["--log-format", log_format, "--viewer", "cookie:session"])
        .args(["--cache-key", "path", "--max-age", "70s"])
        .args(extra)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    parquet(&out)
}

fn texts(df: &DataFrame, name: &str) -> Vec<String> {
    let column = df.column(name).expect("column").str().expect("text");
    column.iter().map(|v| v.unwrap_or("").to_string()).collect()
}

fn micros(df: &DataFrame, name: &str) -> Vec<i64> {
    let column = df.column(name).expect("column");
    let column = column.cast(&DataType::Int64).expect("a time");
    let column = column.i64().expect("µs");
    column.iter().map(|v| v.expect("a time")).collect()
}

fn candidates(df: &DataFrame) -> Vec<Vec<String>> {
    let lists = df
        .column("owner_candidates")
        .expect("column")
        .list()
        .expect("a list")
        .clone();
    (0..lists.len())
        .map(|i| match lists.get_as_series(i) {
            Some(s) => s
                .str()
                .expect("text")
                .iter()
                .flatten()
                .map(str::to_string)
                .collect(),
            None => Vec::new(),
        })
        .collect()
}

/// What a round trip found.
#[derive(Debug, Default)]
struct Found {
    rows: usize,
    origin: usize,
    cached: usize,
    ambiguous: usize,
    unattributed: usize,
    no_page: usize,
}

/// Generates `format`, derives it, and checks every row against the truth: the rows come
/// out in the order of the arrival each line gives (`logged_arrival`), ties in file order.
/// `seconds`: the format logs whole seconds (its arrivals are up to a second early).
fn round_trip(format: &str, log_format: &str, extra: &[&str], seconds: bool) -> Found {
    let dir = tempfile::tempdir().expect("tempdir");
    generate(dir.path(), format);
    let truth = parquet(&dir.path().join("exposure.parquet"));
    let logged = micros(&truth, "logged_arrival");
    let mut order: Vec<usize> = (0..truth.height()).collect();
    order.sort_by_key(|&i| logged[i]);
    let derived = derive(dir.path(), log_format, extra);
    assert_eq!(derived.height(), truth.height(), "{format}: every line");
    let (t_ts, d_ts) = (micros(&truth, "ts"), micros(&derived, "ts"));
    let (t_path, d_path) = (texts(&truth, "path"), texts(&derived, "path"));
    let (t_viewer, d_viewer) = (texts(&truth, "viewer_id"), texts(&derived, "viewer_id"));
    let (t_owner, d_owner) = (texts(&truth, "owner_id"), texts(&derived, "owner_id"));
    let attribution = texts(&derived, "attribution");
    let candidates = candidates(&derived);
    let mut found = Found {
        rows: truth.height(),
        ..Found::default()
    };
    for (d, &t) in order.iter().enumerate() {
        let row = || format!("{format} row {d} (line {t}): {} {}", t_path[t], d_ts[d]);
        assert_eq!(d_ts[d], logged[t], "{}: time", row());
        let early = t_ts[t] - d_ts[d];
        let reach = if seconds { 1_000_000 } else { 0 };
        assert!(
            (0..=reach).contains(&early),
            "{}: arrival {early} µs early",
            row()
        );
        assert_eq!(d_path[d], t_path[t], "{}: path", row());
        assert_eq!(d_viewer[d], t_viewer[t], "{}: viewer", row());
        let owner = &t_owner[t];
        match attribution[d].as_str() {
            "origin" => {
                found.origin += 1;
                assert_eq!(&d_owner[d], owner, "{}: origin owner", row());
            }
            "cached" => {
                found.cached += 1;
                assert_eq!(&d_owner[d], owner, "{}: cached owner", row());
            }
            "ambiguous" => {
                found.ambiguous += 1;
                assert!(
                    owner.is_empty() || candidates[d].contains(owner),
                    "{}: true owner {owner} not among {:?}",
                    row(),
                    candidates[d]
                );
            }
            "unattributed" => found.unattributed += 1,
            "no_page" => {
                found.no_page += 1;
                assert!(owner.is_empty(), "{}: {owner}'s page has no page", row());
            }
            other => panic!("{}: attribution {other}", row()),
        }
    }
    eprintln!("{format}: {found:?} of {} rows", found.rows);
    assert!(found.cached > 0, "{format}: no cached response: {found:?}");
    found
}

#[test]
fn cloudfront_round_trip() {
    // Nodes behind a shared tier, end times with time-taken, viewers who hang up: the tier
    // makes every miss possibly another node's page.
    let found = round_trip("cloudfront", "cloudfront", &[], true);
    assert!(found.ambiguous > 0, "{found:?}");
}

#[test]
fn w3c_round_trip() {
    let extra = ["--column", "cache_status=x-cache-status"];
    round_trip("w3c", "w3c", &extra, true);
}

#[test]
fn cloudflare_round_trip() {
    // Workers: each visitor line with a subrequest carries no page of its own.
    let found = round_trip("cloudflare", "cloudflare", &[], false);
    assert!(found.no_page > 0, "{found:?}");
}

#[test]
fn akamai_round_trip() {
    // Breadcrumbs say which hop served each page: an origin fetch through the parent fills
    // it for certain, so a parent's copy is attributed to one owner far more often.
    let found = round_trip("akamai", "akamai", &[], false);
    assert!(found.cached > found.ambiguous, "{found:?}");
}

#[test]
fn fastly_round_trip() {
    round_trip("fastly", "fastly", &[], false);
}

#[test]
fn nginx_round_trip() {
    // One server, its $msec the end and $request_time the duration: exact to the
    // millisecond, nothing ambiguous but what one millisecond holds.
    round_trip("nginx", &format!("nginx:{NGINX_LOG_FORMAT}"), &[], false);
}

#[test]
fn apache_round_trip() {
    round_trip("apache", &format!("apache:{APACHE_LOG_FORMAT}"), &[], false);
}

/// CloudFront files: hourly, gzip, named by the UTC hour, the documented header lines.
#[test]
fn cloudfront_files_are_hourly_gzip_with_the_documented_header() {
    use std::io::Read;
    let dir = tempfile::tempdir().expect("tempdir");
    pii()
        .args(["generate", "--users", "20", "--rows", "400", "--cdn"])
        .args(["--log-format", "cloudfront", "--out-dir"])
        .arg(dir.path())
        .assert()
        .success();
    let mut names: Vec<String> = std::fs::read_dir(dir.path().join("cdn"))
        .expect("cdn/")
        .map(|e| e.expect("entry").file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    assert_eq!(names.len(), 14, "{names:?}");
    let first = &names[0];
    assert!(first.starts_with("E2EXAMPLE.2017-06-21-21."), "{first}");
    let id = first
        .trim_start_matches("E2EXAMPLE.2017-06-21-21.")
        .trim_end_matches(".gz");
    assert!(
        id.len() == 8 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "{first}"
    );
    let raw = std::fs::read(dir.path().join("cdn").join(first)).expect("read");
    let mut text = String::new();
    flate2::read::GzDecoder::new(raw.as_slice())
        .read_to_string(&mut text)
        .expect("gzip");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("#Version: 1.0"));
    assert_eq!(
        lines.next(),
        Some("#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end")
    );
    for line in lines {
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields.len(), 33, "{line}");
        assert!(
            fields[0] == "2017-06-21" && fields[1].starts_with("21:"),
            "{line}"
        );
        assert!(!fields[10].contains(' '), "user agent URL-encoded: {line}");
        let cookie = fields[12];
        assert!(
            cookie == "-" || cookie.starts_with("theme=dark;%20session="),
            "{line}"
        );
        assert!(["Hit", "Miss", "Error"].contains(&fields[13]), "{line}");
    }
}

/// A vendor's format is the CDN's log: refused without --cdn.
#[test]
fn generate_vendor_format_needs_cdn() {
    let dir = tempfile::tempdir().expect("tempdir");
    crate::bad(
        pii()
            .args(["generate", "--users", "20", "--rows", "100"])
            .args(["--log-format", "nginx", "--out-dir"])
            .arg(dir.path())
            .assert(),
        &["--log-format nginx", "--cdn"],
    );
}
