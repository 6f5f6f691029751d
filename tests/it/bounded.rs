//! derive-owners in bounded memory (`--memory-limit`, `--tmp-dir`): a log bigger than the
//! limit is spilled by cache key and derived a partition at a time, with the same rows in
//! the same order as when derived at once (ties at one instant, ambiguous rows and their
//! candidates included); Ctrl-C leaves no output and no temporary folder, and exits 130.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::pii;

/// Derives `log` with `args` into `out` under `--memory-limit limit` (none: the default)
/// with `tmp` as --tmp-dir; the output's text and standard error (with the traces).
fn derive_with(
    log: &Path,
    args: &[&str],
    out: &Path,
    limit: Option<&str>,
    tmp: &Path,
) -> (String, String) {
    let mut cmd = pii();
    cmd.args(["derive-owners", "-e"])
        .arg(log)
        .arg("-o")
        .arg(out)
        .args(args)
        .arg("--tmp-dir")
        .arg(tmp)
        .env("PII_AUDIT_TRACE", "1");
    if let Some(limit) = limit {
        cmd.args(["--memory-limit", limit]);
    }
    let output = cmd.output().expect("the binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stderr}");
    (
        std::fs::read_to_string(out).expect("output written"),
        stderr,
    )
}

/// How many partitions the traces say the log was derived in (1: at once).
fn partitions(stderr: &str) -> usize {
    stderr
        .lines()
        .find_map(|l| {
            l.strip_prefix("trace: derive: ")?
                .strip_suffix(" partitions")
        })
        .map_or(1, |n| n.parse().expect("a count"))
}

/// How many pieces of time the traces say each hot bucket was cut into.
fn pieces(stderr: &str) -> Vec<usize> {
    stderr
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("trace: derive: ")?;
            let (_, pieces) = rest.split_once(" rows of one bucket in ")?;
            pieces
                .strip_suffix(" pieces of time")?
                .parse::<usize>()
                .ok()
        })
        .collect()
}

/// Derives `log` at once and under `limit`: the same CSV byte for byte (rows, order,
/// candidates), and the temporary folder left empty. Returns the CSV, the number of
/// partitions and whether the log was spilled.
pub fn same_in_parts(dir: &Path, log: &Path, args: &[&str], limit: &str) -> (String, usize, bool) {
    let (csv, n, spilled, _) = same_in_pieces(dir, log, args, limit);
    (csv, n, spilled)
}

/// `same_in_parts`, and how many pieces of time each hot bucket was cut into.
fn same_in_pieces(
    dir: &Path,
    log: &Path,
    args: &[&str],
    limit: &str,
) -> (String, usize, bool, Vec<usize>) {
    let tmp = dir.join("spill");
    std::fs::create_dir_all(&tmp).unwrap();
    let (whole, stderr) = derive_with(log, args, &dir.join("whole.csv"), None, &tmp);
    assert_eq!(partitions(&stderr), 1, "{stderr}");
    let (parted, stderr) = derive_with(log, args, &dir.join("parted.csv"), Some(limit), &tmp);
    let n = partitions(&stderr);
    assert_eq!(whole.lines().count(), parted.lines().count());
    for (i, (a, b)) in whole.lines().zip(parted.lines()).enumerate() {
        assert_eq!(a, b, "row {i} differs ({n} partitions)");
    }
    assert_eq!(whole, parted);
    assert_eq!(
        std::fs::read_dir(&tmp).unwrap().count(),
        0,
        "the temporary folder is removed"
    );
    let spilled = stderr.contains("trace: derive: spilling by cache key");
    (parted, n, spilled, pieces(&stderr))
}

/// `generate --cdn` in `format` into `dir`; the log and the derive-owners flags its
/// README gives.
fn generated(dir: &Path, format: &str, rows: &str) -> (PathBuf, Vec<String>) {
    pii()
        .args([
            "generate", "--cdn", "--users", "40", "--rows", rows, "--seed", "31",
        ])
        .args(["--log-format", format, "--out-dir"])
        .arg(dir)
        .assert()
        .success();
    let readme = std::fs::read_to_string(dir.join("README.txt")).expect("README.txt");
    let line = readme
        .lines()
        .find(|l| l.trim_start().starts_with("pii-audit derive-owners -e "))
        .expect("the README's derive-owners command");
    let words: Vec<&str> = line.split_whitespace().collect();
    let log = dir.join(words[3]);
    let mut flags = Vec::new();
    let mut rest = words[4..].iter();
    while let Some(word) = rest.next() {
        if *word == "-o" {
            rest.next();
            continue;
        }
        flags.push(word.to_string());
    }
    (log, flags)
}

fn in_parts_generated(format: &str) -> Vec<usize> {
    let dir = tempfile::tempdir().unwrap();
    let (log, flags) = generated(dir.path(), format, "4000");
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    // 64 KiB: a few hundred rows derived at a time.
    let (csv, n, spilled, pieces) = same_in_pieces(dir.path(), &log, &flags, "64KiB");
    assert!(spilled && n >= 4, "{n} partitions");
    assert_eq!(csv.lines().count(), 4001);
    pieces
}

/// The generated "my page" URL is one cache key, more rows than a 64 KiB partition: it
/// is cut by time, and the pieces say what the whole log says (the contract log's exact
/// clock: the as-of rule).
#[test]
fn a_generated_contract_log_derives_the_same_in_partitions() {
    let pieces = in_parts_generated("parquet");
    assert!(
        pieces.iter().sum::<usize>() >= 4,
        "{pieces:?} pieces of time"
    );
}

/// A CloudFront log's hot key without `--max-age`: every miss may be the regional cache's
/// copy of any earlier page and no fill is certain there, so every piece of time would
/// reach back to the log's start; the bucket is derived at once, the same.
#[test]
fn a_hot_key_without_max_age_is_derived_at_once_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let (log, flags) = generated(dir.path(), "cloudfront", "3000");
    let flags = without_max_age(&flags);
    let (_, _, _, pieces) = same_in_pieces(dir.path(), &log, &flags, "64KiB");
    assert!(
        !pieces.is_empty() && pieces.iter().all(|&p| p == 1),
        "{pieces:?}"
    );
}

/// The flags without `--max-age` and its value.
fn without_max_age(flags: &[String]) -> Vec<&str> {
    let mut kept = Vec::new();
    let mut rest = flags.iter();
    while let Some(flag) = rest.next() {
        if flag == "--max-age" {
            rest.next();
            continue;
        }
        kept.push(flag.as_str());
    }
    assert!(kept.len() < flags.len(), "{flags:?} had --max-age");
    kept
}

#[test]
fn a_generated_cloudfront_log_derives_the_same_in_partitions() {
    let pieces = in_parts_generated("cloudfront");
    assert!(
        pieces.iter().sum::<usize>() >= 4,
        "{pieces:?} pieces of time"
    );
}

/// A hot key's pieces of time reach back to the log's start without `--max-age` (no fill
/// of CloudFront's regional cache is certain): a piece then holds more rows than a 64 KiB
/// partition, and the run says so instead of letting the limit look kept; a default
/// limit, under which nothing is spilled, says nothing.
#[test]
fn a_piece_past_the_limit_is_named_in_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let (log, flags) = generated(dir.path(), "cloudfront", "4000");
    let flags = without_max_age(&flags);
    let tmp = dir.path().join("spill");
    std::fs::create_dir_all(&tmp).unwrap();
    let (_, stderr) = derive_with(&log, &flags, &dir.path().join("a.csv"), Some("64KiB"), &tmp);
    let note = stderr
        .lines()
        .find(|l| l.starts_with("note: ") && l.contains("one bucket of cache keys"))
        .unwrap_or_else(|| panic!("no note: {stderr}"));
    let numbers: Vec<u64> = note
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    assert_eq!(numbers.len(), 2, "{note}");
    assert!(numbers[0] > numbers[1], "{note}");
    let (_, stderr) = derive_with(&log, &flags, &dir.path().join("b.csv"), None, &tmp);
    assert!(!stderr.contains("bucket of cache keys"), "{stderr}");
}

#[test]
fn a_generated_fastly_log_derives_the_same_in_partitions() {
    in_parts_generated("fastly");
}

#[test]
fn a_generated_iis_log_derives_the_same_in_partitions() {
    in_parts_generated("w3c");
}

#[test]
fn memory_limit_and_tmp_dir_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let log = crate::delivered::cloudfront_folder(dir.path());
    crate::bad(
        pii()
            .args(["derive-owners", "-e"])
            .arg(&log)
            .args(["-o", "x.csv", "--memory-limit", "lots"])
            .assert(),
        &["--memory-limit", "expected a size such as 512MiB or 2GiB"],
    );
    let missing = dir.path().join("no-such-folder");
    let out = dir.path().join("x.csv");
    let assert = pii()
        .args(["derive-owners", "-e"])
        .arg(&log)
        .arg("-o")
        .arg(&out)
        .args(["--log-format", "cloudfront", "--viewer", "cookie:session"])
        .args(["--memory-limit", "1KiB", "--tmp-dir"])
        .arg(&missing)
        .assert()
        .failure();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        stderr.contains("cannot make a temporary folder in"),
        "{stderr}"
    );
    assert!(stderr.contains("--tmp-dir"), "{stderr}");
    assert!(!out.exists());
}

/// Ctrl-C between two partitions: exit 130, no output file (nor its temporary file), and
/// the temporary folder removed.
#[test]
fn sigint_mid_run_leaves_nothing_behind() {
    signalled_mid_run_leaves_nothing_behind("INT", 130);
}

/// SIGTERM (a service manager's stop, `kill`'s default) the same, exit 143.
#[test]
fn sigterm_mid_run_leaves_nothing_behind() {
    signalled_mid_run_leaves_nothing_behind("TERM", 143);
}

fn signalled_mid_run_leaves_nothing_behind(signal: &str, code: i32) {
    let dir = tempfile::tempdir().unwrap();
    let (log, flags) = generated(dir.path(), "cloudfront", "4000");
    let tmp = dir.path().join("spill");
    let outdir = dir.path().join("out");
    std::fs::create_dir_all(&tmp).unwrap();
    std::fs::create_dir_all(&outdir).unwrap();
    let out = outdir.join("derived.csv");
    let bin = assert_cmd::cargo::cargo_bin("pii-audit");
    let mut child = Command::new(bin)
        .args(["derive-owners", "-e"])
        .arg(&log)
        .arg("-o")
        .arg(&out)
        .args(&flags)
        .args(["--memory-limit", "64KiB", "--tmp-dir"])
        .arg(&tmp)
        .env("PII_AUDIT_PAUSE", "between partitions")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("the binary runs");
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut said = String::new();
    loop {
        let mut line = String::new();
        if stderr.read_line(&mut line).unwrap() == 0 {
            panic!("never paused: {said}");
        }
        said.push_str(&line);
        if line.contains("trace: paused at between partitions") {
            break;
        }
    }
    // Mid-run: the spilled files are there.
    let spilled = std::fs::read_dir(&tmp).unwrap().count();
    assert_eq!(spilled, 1, "one temporary folder while it runs");
    let killed = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert_eq!(status.code(), Some(code), "{said}{rest}");
    assert!(rest.contains("interrupted"), "{rest}");
    assert!(!rest.contains("panicked"), "{rest}");
    assert!(!out.exists(), "no output file");
    assert_eq!(
        std::fs::read_dir(&outdir).unwrap().count(),
        0,
        "no temporary output file"
    );
    assert_eq!(
        std::fs::read_dir(&tmp).unwrap().count(),
        0,
        "the temporary folder is removed"
    );
}
