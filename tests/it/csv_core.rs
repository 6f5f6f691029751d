//! Issue 31: big CSV logs are read with `csv-core` where it reads the rows polars reads.
//! Every CSV the tests have, and hand-written ones with quoting, CRLF, a byte order mark,
//! line ends inside quotes, extra columns and another column order, are read both ways
//! and compared row for row; where the fast reader hands a file back (input polars may
//! read differently), the report is still the whole read's, and bad rows are still refused
//! by file, line and column.

use std::path::{Path, PathBuf};

use pii_audit::ingest::{csv_core_columns, polars_columns};
use polars::prelude::*;

use super::scale::{run, REPORTS};
use super::{bad, pii, write, INVENTORY};

/// Every `.csv` under `dir`, recursively.
fn csv_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            csv_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "csv") {
            found.push(path);
        }
    }
}

/// The header's names as polars reads them, if it reads one.
fn header(path: &Path) -> Option<Vec<String>> {
    let mut lf = LazyCsvReader::new(PlRefPath::new(path.to_str()?))
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .finish()
        .ok()?;
    let schema = lf.collect_schema().ok()?;
    Some(schema.iter_names().map(|n| n.to_string()).collect())
}

/// Reads `path` both ways, with the file cut in 1, 2, 3 and 7 spans; true when `csv-core`
/// read it (then with exactly polars' rows), false when it handed it back every time.
fn same_rows_both_ways(path: &Path) -> bool {
    let Some(names) = header(path) else {
        return false;
    };
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let polars = polars_columns(path, &names);
    let mut read = Vec::new();
    for spans in [1, 2, 3, 7] {
        let fast = csv_core_columns(path, &names, spans).unwrap();
        if let Some(fast) = &fast {
            let polars = polars
                .as_ref()
                .unwrap_or_else(|e| panic!("{path:?}: csv-core read what polars refuses: {e}"));
            assert!(
                fast.equals_missing(polars),
                "{path:?} in {spans} spans:\ncsv-core {fast}\npolars {polars}"
            );
        }
        read.push(fast.is_some());
    }
    // Where the file is cut never decides whether it is read.
    assert!(read.iter().all(|r| *r == read[0]), "{path:?}: {read:?}");
    read[0]
}

/// Logs with what the contract allows in a CSV, each read by `csv-core` as by polars.
const READ: [(&str, &str); 9] = [
    (
        "quoted.csv",
        "ts,path,owner_id,viewer_id\n\
         2017-06-22T10:00:00Z,\"/my/?q=a,b\",u1,u2\n\
         \"2017-06-22T10:01:00Z\",\"/my/\",\"u1\",\"\"\n\
         2017-06-22T10:02:00Z,\"/my/?say=\"\"hi\"\"\",u1,u3\n",
    ),
    (
        "crlf.csv",
        "ts,path,owner_id,viewer_id\r\n2017-06-22T10:00:00Z,/my/,u1,u2\r\n2017-06-22T10:01:00Z,\"/my/\",u1,\"u3\"\r\n",
    ),
    (
        "bom.csv",
        "\u{feff}ts,path,owner_id,viewer_id\n2017-06-22T10:00:00Z,/my/,u1,u2\n",
    ),
    (
        "newlines.csv",
        "ts,path,owner_id,viewer_id,note\n\
         2017-06-22T10:00:00Z,/my/,u1,u2,\"one\nline,\r\nmore\"\n\
         2017-06-22T10:01:00Z,/my/,u1,u2,\"\n\n\"\n\
         2017-06-22T10:02:00Z,/my/,u1,u4,plain\n",
    ),
    (
        "order.csv",
        "viewer_id,extra,owner_id,ts,path,more\nu2,x,u1,2017-06-22T10:00:00Z,/my/,1\n,,u1,2017-06-22T10:00:00+09:00,/my/a,2\n",
    ),
    (
        "no_last_newline.csv",
        "ts,path,owner_id,viewer_id\n2017-06-22T10:00:00Z,/my/,u1,u2\n2017-06-22T10:01:00Z,/my/,u1,\"u5\"",
    ),
    (
        "empty_fields.csv",
        "ts,path,owner_id,viewer_id\n2017-06-22T10:00:00Z,/my/,,\n,,,\n\"\",\"\",\"\",\"\"\n",
    ),
    (
        "quoted_header.csv",
        "\"ts\",\"path\",\"owner_id\",\"viewer_id\"\r\n2017-06-22T10:00:00Z,/my/,u1,u2\r\n",
    ),
    ("header_only.csv", "ts,path,owner_id,viewer_id\n"),
];

/// Input polars may read otherwise than `csv-core`: handed back to polars.
const HANDED_BACK: [(&str, &str); 7] = [
    (
        "quote_inside.csv",
        "ts,path,owner_id,viewer_id\n2017-06-22T10:00:00Z,/my/a\"b,u1,u2\n",
    ),
    (
        "after_quote.csv",
        "ts,path,owner_id,viewer_id\n2017-06-22T10:00:00Z,\"/my/\"x,u1,u2\n",
    ),
    (
        "open_quote.csv",
        "ts,path,owner_id,viewer_id\n2017-06-22T10:00:00Z,\"/my/,u1,u2\n",
    ),
    (
        "lone_cr.csv",
        "ts,path,owner_id,viewer_id\r2017-06-22T10:00:00Z,/my/,u1,u2\r",
    ),
    (
        "blank_line.csv",
        "ts,path,owner_id,viewer_id\n2017-06-22T10:00:00Z,/my/,u1,u2\n\n2017-06-22T10:01:00Z,/my/,u1,u2\n",
    ),
    (
        "ragged.csv",
        "ts,path,owner_id,viewer_id\n2017-06-22T10:00:00Z,/my/,u1\n",
    ),
    (
        "too_many.csv",
        "ts,path,owner_id,viewer_id\n2017-06-22T10:00:00Z,/my/,u1,u2,u3\n",
    ),
];

#[test]
fn csv_core_reads_every_csv_of_the_tests_as_polars_does() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["tests", "sample-data", "inventory", "bench", "sql"] {
        csv_files(&root.join(dir), &mut files);
    }
    assert!(files.len() >= 10, "{files:?}");
    let read = files.iter().filter(|f| same_rows_both_ways(f)).count();
    // The bundled sample and most fixtures are plain CSV, read by csv-core.
    assert!(read * 2 > files.len(), "{read} of {}", files.len());
    assert!(same_rows_both_ways(&root.join("sample-data/exposure.csv")));
}

#[test]
fn csv_core_reads_quoting_crlf_and_a_bom_as_polars_does() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in READ {
        let path = write(dir.path(), name, text);
        assert!(same_rows_both_ways(&path), "{name} handed back");
    }
    // A generated log, cut in many spans (the file in several places mid-record).
    let generated = dir.path().join("generated");
    pii()
        .args([
            "generate", "--users", "300", "--rows", "20000", "--seed", "5",
        ])
        .args(["--log-format", "csv", "--out-dir"])
        .arg(&generated)
        .assert()
        .success();
    assert!(same_rows_both_ways(&generated.join("exposure.csv")));
    // The same with a quoted path holding a line end every few rows, CRLF line ends.
    let text = std::fs::read_to_string(generated.join("exposure.csv")).unwrap();
    let mut quoted = String::new();
    for (i, line) in text.lines().enumerate() {
        let line = match (i % 3, line.split_once(',')) {
            (1, Some((ts, rest))) => format!("{ts},\"{}", rest.replacen(',', "\n,\",", 1)),
            _ => line.to_string(),
        };
        quoted.push_str(&line);
        quoted.push_str("\r\n");
    }
    let quoted = write(dir.path(), "quoted_generated.csv", &quoted);
    assert!(same_rows_both_ways(&quoted));
}

#[test]
fn csv_core_hands_back_what_polars_may_read_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in HANDED_BACK {
        let path = write(dir.path(), name, text);
        assert!(!same_rows_both_ways(&path), "{name} read by csv-core");
    }
    let latin1 = dir.path().join("latin1.csv");
    std::fs::write(
        &latin1,
        b"ts,path,owner_id,viewer_id\n2017-06-22T10:00:00Z,/my/\xe9,u1,u2\n",
    )
    .unwrap();
    assert!(!same_rows_both_ways(&latin1));
}

/// `report KIND --format csv` on `log`, traced: stdout and the trace lines.
fn traced(kind: &str, inv: &Path, log: &Path, extra: &[&str]) -> (String, String) {
    let out = pii()
        .env("PII_AUDIT_TRACE", "1")
        .args(["report", kind, "--format", "csv", "-i"])
        .arg(inv)
        .arg("-e")
        .arg(log)
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{log:?} {extra:?}: {stderr}");
    let trace = stderr
        .lines()
        .filter(|l| l.starts_with("trace: "))
        .collect::<Vec<_>>()
        .join("\n");
    (String::from_utf8(out.stdout).unwrap(), trace)
}

#[test]
fn reports_from_csv_core_equal_the_whole_read() {
    let dir = tempfile::tempdir().unwrap();
    let inv = write(dir.path(), "inv.yaml", INVENTORY);
    let window = [
        "--from",
        "2017-06-22T10:00:00Z",
        "--to",
        "2017-06-22T11:00:00Z",
    ];
    let mut streamed = window.to_vec();
    streamed.push("--streaming");
    let mut whole = window.to_vec();
    whole.push("--streaming=off");
    for (name, text) in READ.iter().chain(HANDED_BACK.iter()) {
        let log = write(dir.path(), name, text);
        let read_fast = READ.iter().any(|(n, _)| n == name);
        for &kind in REPORTS.iter() {
            let plain = pii()
                .args(["report", kind, "--format", "csv", "-i"])
                .arg(&inv)
                .arg("-e")
                .arg(&log)
                .args(whole.iter())
                .output()
                .unwrap();
            if !plain.status.success() {
                // Refused on the whole read: refused alike, in the same words, streamed.
                let fast = run(kind, &inv, &[&log], &streamed).get_output().clone();
                assert_eq!(fast.status.code(), Some(2), "{name} {kind}");
                assert_eq!(fast.stderr, plain.stderr, "{name} {kind}");
                continue;
            }
            let (out, trace) = traced(kind, &inv, &log, &streamed);
            assert_eq!(
                out,
                String::from_utf8(plain.stdout).unwrap(),
                "{name} {kind}"
            );
            assert_eq!(
                trace == "trace: read: csv-core",
                read_fast,
                "{name} {kind}: {trace}"
            );
        }
    }
}

#[test]
fn bad_rows_of_a_csv_core_log_are_refused_by_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let inv = write(dir.path(), "inv.yaml", INVENTORY);
    let cases = [
        // A bad time outside the window, after CRLF lines and quoted fields: line 4.
        (
            "ts,path,owner_id,viewer_id\r\n2017-06-22T10:00:00Z,/my/,u1,u2\r\n\
             2017-06-22T10:01:00Z,\"/my/\",u1,\"u2\"\r\n2017-13-40T99:00:00Z,/my/,u1,u2\r\n",
            ["bad.csv:4: row 3: ts:", "unparsable timestamp"],
        ),
        (
            "ts,path,owner_id,viewer_id\n2017-06-22T10:00:00Z,/my/,u1,u2\n2017-06-22T10:30:00Z,,u1,u2\n",
            ["bad.csv:3: row 2: path:", "empty path"],
        ),
        (
            "ts,path,owner_id,viewer_id\n2017-06-22T10:00:00Z,/my/,u1,u2\n,/my/,u1,u2\n",
            ["bad.csv:3: row 2: ts:", "empty timestamp"],
        ),
    ];
    for (text, words) in cases {
        let log = write(dir.path(), "bad.csv", text);
        bad(
            run(
                "users",
                &inv,
                &[&log],
                &[
                    "--streaming",
                    "--from",
                    "2017-06-22T10:00:00Z",
                    "--to",
                    "2017-06-22T11:00:00Z",
                ],
            ),
            &words,
        );
    }
}
