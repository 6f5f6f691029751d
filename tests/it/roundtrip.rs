//! `generate --cdn --log-format VENDOR` read back by `derive-owners --log-format VENDOR`:
//! the owners derived from the delivered files equal the simulation's truth, row for row.
//! Millisecond formats leave nothing ambiguous; CloudFront and W3C log whole seconds, so
//! some cached responses are ambiguous, and then the true owner is among the candidates.

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

fn parquet(path: &Path) -> DataFrame {
    let file = std::fs::File::open(path).expect("the file was written");
    ParquetReader::new(file).finish().expect("Parquet")
}

/// `derive-owners` over `dir/cdn` with `--log-format LOG_FORMAT` and `extra` flags.
fn derive(dir: &Path, log_format: &str, extra: &[&str]) -> DataFrame {
    let out = dir.join("derived.parquet");
    pii()
        .arg("derive-owners")
        .arg("-e")
        .arg(dir.join("cdn"))
        .args(["--log-format", log_format, "--viewer", "cookie:session"])
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
    cached: usize,
    ambiguous: usize,
}

/// Generates `format`, derives it, and compares every row with the truth (same order:
/// the files in name order, each in time order). `seconds`: the format logs whole
/// seconds (times floored, ambiguity expected); otherwise every owner must be exact.
fn round_trip(format: &str, log_format: &str, extra: &[&str], seconds: bool) -> Found {
    let dir = tempfile::tempdir().expect("tempdir");
    generate(dir.path(), format);
    let truth = parquet(&dir.path().join("exposure.parquet"));
    let derived = derive(dir.path(), log_format, extra);
    assert_eq!(derived.height(), truth.height(), "{format}: every response");
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
    for i in 0..truth.height() {
        let logged = if seconds {
            t_ts[i] - t_ts[i].rem_euclid(1_000_000)
        } else {
            t_ts[i]
        };
        let row = || format!("{format} row {i}: {} {}", t_path[i], d_ts[i]);
        assert_eq!(d_ts[i], logged, "{}: time", row());
        assert_eq!(d_path[i], t_path[i], "{}: path", row());
        assert_eq!(d_viewer[i], t_viewer[i], "{}: viewer", row());
        match attribution[i].as_str() {
            "origin" => assert_eq!(d_owner[i], t_owner[i], "{}: origin owner", row()),
            "cached" => {
                found.cached += 1;
                assert_eq!(d_owner[i], t_owner[i], "{}: cached owner", row());
            }
            "ambiguous" => {
                assert!(seconds, "{}: ambiguous at millisecond resolution", row());
                found.ambiguous += 1;
                assert!(
                    t_owner[i].is_empty() || candidates[i].contains(&t_owner[i]),
                    "{}: true owner {} not among {:?}",
                    row(),
                    t_owner[i],
                    candidates[i]
                );
            }
            other => panic!("{}: attribution {other}", row()),
        }
    }
    assert!(found.cached > 0, "{format}: no cached response: {found:?}");
    if seconds {
        assert!(
            found.ambiguous > 0,
            "{format}: nothing ambiguous: {found:?}"
        );
    }
    found
}

#[test]
fn cloudfront_round_trip() {
    let found = round_trip("cloudfront", "cloudfront", &[], true);
    eprintln!(
        "cloudfront: {} rows, {} cached attributed, {} ambiguous",
        found.rows, found.cached, found.ambiguous
    );
}

#[test]
fn w3c_round_trip() {
    let extra = ["--column", "cache_status=x-cache-status"];
    round_trip("w3c", "w3c", &extra, true);
}

#[test]
fn cloudflare_round_trip() {
    round_trip("cloudflare", "cloudflare", &[], false);
}

#[test]
fn akamai_round_trip() {
    round_trip("akamai", "akamai", &[], false);
}

#[test]
fn fastly_round_trip() {
    round_trip("fastly", "fastly", &[], false);
}

#[test]
fn nginx_round_trip() {
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
        assert!(["Hit", "Miss"].contains(&fields[13]), "{line}");
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
