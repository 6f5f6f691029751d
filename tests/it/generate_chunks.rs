//! `generate` writes its files a chunk of rows at a time: the chunk's size must not show in
//! any byte of any file. Every format is generated with a tiny chunk (a few rows, so that
//! chunks end inside files, hours and row groups) and with the default one, and every file
//! is compared byte for byte.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::pii;

/// Every file under `dir` (relative name, bytes, mode).
fn files(dir: &Path) -> BTreeMap<PathBuf, (Vec<u8>, u32)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
                let name = path.strip_prefix(dir).unwrap().to_path_buf();
                out.insert(name, (std::fs::read(&path).unwrap(), mode));
            }
        }
    }
    out
}

/// `generate ARGS` into `dir`, `chunk` rows at a time (`None`: the default).
fn generate(dir: &Path, args: &[&str], chunk: Option<&str>) {
    let mut cmd = pii();
    cmd.env_remove("PII_AUDIT_GENERATE_CHUNK_ROWS");
    if let Some(rows) = chunk {
        cmd.env("PII_AUDIT_GENERATE_CHUNK_ROWS", rows);
    }
    cmd.args(["generate", "--seed", "31"])
        .args(args)
        .arg("--out-dir")
        .arg(dir)
        .assert()
        .success();
}

/// The files of `args` generated with `chunk` rows at a time are those generated with the
/// default chunk, byte for byte, every one of them owner-only, none left half-named.
fn same_bytes(args: &[&str], chunk: &str) {
    let tiny = tempfile::tempdir().unwrap();
    let default = tempfile::tempdir().unwrap();
    generate(tiny.path(), args, Some(chunk));
    generate(default.path(), args, None);
    let (tiny, default) = (files(tiny.path()), files(default.path()));
    let names: Vec<&PathBuf> = tiny.keys().collect();
    assert_eq!(
        names,
        default.keys().collect::<Vec<_>>(),
        "{args:?}: other files"
    );
    assert!(names.len() >= 4, "{args:?}: {names:?}");
    for (name, (bytes, mode)) in &tiny {
        let hidden = name.iter().any(|c| c.to_string_lossy().starts_with('.'));
        assert!(!hidden, "{args:?}: {name:?} left behind");
        assert_eq!(*mode, 0o600, "{args:?}: {name:?} is not owner-only");
        assert!(!bytes.is_empty(), "{args:?}: {name:?} is empty");
        assert!(
            *bytes == default[name].0,
            "{args:?}: {name:?} differs with {chunk} rows a chunk"
        );
    }
}

#[test]
fn generated_logs_are_the_same_whatever_the_chunk() {
    let small = ["--users", "40", "--rows", "3000"];
    let runs: [&[&str]; 8] = [
        &[],
        &["--log-format", "csv"],
        &["--log-format", "ndjson"],
        &["--ts-text", "--relations", "500"],
        &["--log-format", "csv", "--relations", "500"],
        &["--cdn"],
        &["--cdn", "--log-format", "csv"],
        &["--cdn", "--log-format", "ndjson", "--ts-text"],
    ];
    for extra in runs {
        let args: Vec<&str> = small.iter().chain(extra).copied().collect();
        same_bytes(&args, "7");
    }
}

#[test]
fn delivered_logs_are_the_same_whatever_the_chunk() {
    for format in [
        "cloudfront",
        "cloudflare",
        "akamai",
        "fastly",
        "nginx",
        "apache",
        "w3c",
    ] {
        let args = [
            "--users",
            "40",
            "--rows",
            "3000",
            "--cdn",
            "--log-format",
            format,
        ];
        same_bytes(&args, "7");
    }
}

#[test]
fn parquet_row_groups_are_the_same_whatever_the_chunk() {
    // Over 2 × 512² rows: a whole-frame write splits them into two row groups of 300,000,
    // which the chunks (4,099 rows) must rebuild exactly.
    same_bytes(&["--users", "500", "--rows", "600000"], "4099");
}
