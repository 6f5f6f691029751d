//! The real binary, as a person runs it: one test per bad input (exit 2, the culprit
//! named, no panic), and the happy paths of every command.

use crate::{bad, pii, report_with, report_with_registered, INVENTORY, LOG};
use std::path::Path;

use predicates::prelude::*;

use crate::{fixture, write};

/// The bundled sample incident: output large enough to outlast a pipe buffer.
fn sample(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample-data")
        .join(name)
}

#[test]
fn yaml_syntax_error_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let broken = "version: 1\nfields:\n  name: {label: Name\npages: []\n";
    bad(
        report_with(dir.path(), broken, "log.csv", LOG.as_bytes()),
        &["inv.yaml:4:", "invalid inventory"],
    );
}

#[test]
fn undeclared_field_is_named_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    let inv = INVENTORY.replace("fields: [name]", "fields: [name, email]");
    bad(
        report_with(dir.path(), &inv, "log.csv", LOG.as_bytes()),
        &[
            "inv.yaml:7:20",
            "pages[0].fields[1]",
            "\"email\"",
            "not declared",
        ],
    );
}

#[test]
fn duplicate_page_id_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let inv = format!("{INVENTORY}  - id: home\n    route: /other/\n");
    bad(
        report_with(dir.path(), &inv, "log.csv", LOG.as_bytes()),
        &["inv.yaml:8:9", "duplicate page id \"home\""],
    );
}

#[test]
fn duplicate_field_id_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let inv = INVENTORY.replace("pages:", "  name: {label: Again}\npages:");
    bad(
        report_with(dir.path(), &inv, "log.csv", LOG.as_bytes()),
        &["inv.yaml:4:3", "fields.name", "duplicate"],
    );
}

#[test]
fn malformed_route_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let inv = INVENTORY.replace("route: /my/", "route: /my/{*rest}/more");
    bad(
        report_with(dir.path(), &inv, "log.csv", LOG.as_bytes()),
        &[
            "inv.yaml:6:12",
            "pages[0].route",
            "malformed route",
            "last segment",
        ],
    );
}

#[test]
fn same_route_pattern_twice_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let inv = format!("{INVENTORY}  - id: again\n    route: /my\n");
    bad(
        report_with(dir.path(), &inv, "log.csv", LOG.as_bytes()),
        &["pages[1].route", "same route pattern"],
    );
}

#[test]
fn unknown_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let inv = INVENTORY.replace("version: 1", "version: 3");
    bad(
        report_with(dir.path(), &inv, "log.csv", LOG.as_bytes()),
        &["inv.yaml:1:10", "unknown inventory version 3"],
    );
}

#[test]
fn unknown_inventory_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let inv = INVENTORY.replace(
        "    fields: [name]\n",
        "    fields: [name]\n    colour: red\n",
    );
    bad(
        report_with(dir.path(), &inv, "log.csv", LOG.as_bytes()),
        &["inv.yaml:8:", "unknown field `colour`"],
    );
}

#[test]
fn missing_column_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let log = "ts,path,owner\n2017-01-01T00:00:00Z,/my/,a\n";
    bad(
        report_with(dir.path(), INVENTORY, "log.csv", log.as_bytes()),
        &["log.csv: owner_id", "missing required column `owner_id`"],
    );
}

#[test]
fn bad_timestamp_names_its_row() {
    let dir = tempfile::tempdir().unwrap();
    let log = format!("{LOG}2017-01-01T00:00:01Z,/my/,a,v\n22/06/2017 10:00,/my/,a,v\n");
    bad(
        report_with(dir.path(), INVENTORY, "log.csv", log.as_bytes()),
        &[
            "log.csv:4: row 3: ts",
            "unparsable timestamp shaped `99/99/9999 99:99`",
        ],
    );
}

#[test]
fn missing_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let inv = write(dir.path(), "inv.yaml", INVENTORY);
    bad(
        pii()
            .args(["report", "users", "-i"])
            .arg(inv)
            .args(["-e", "no/such/log.csv"])
            .assert(),
        &["no/such/log.csv", "cannot read"],
    );
    bad(
        pii()
            .args(["report", "users", "-i", "no/such/inv.yaml", "-e", "x.csv"])
            .assert(),
        &["no/such/inv.yaml"],
    );
}

#[test]
fn parquet_that_is_not_parquet() {
    let dir = tempfile::tempdir().unwrap();
    bad(
        report_with(dir.path(), INVENTORY, "log.parquet", LOG.as_bytes()),
        &["log.parquet", "is not a readable Parquet file"],
    );
}

#[test]
fn glob_matching_nothing_and_unknown_extension() {
    let dir = tempfile::tempdir().unwrap();
    let inv = write(dir.path(), "inv.yaml", INVENTORY);
    let pattern = dir.path().join("*.parquet");
    bad(
        pii()
            .args(["report", "users", "-i"])
            .arg(&inv)
            .arg("-e")
            .arg(pattern)
            .assert(),
        &["matches no file"],
    );
    bad(
        report_with(dir.path(), INVENTORY, "log.txt", LOG.as_bytes()),
        &["log.txt", "unknown file type"],
    );
}

#[test]
fn bad_flags_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let inv = write(dir.path(), "inv.yaml", INVENTORY);
    let log = write(dir.path(), "log.csv", LOG);
    let run = |extra: &[&str]| {
        pii()
            .args(["report", "users", "-i"])
            .arg(&inv)
            .arg("-e")
            .arg(&log)
            .args(extra)
            .assert()
    };
    bad(run(&["--tz", "Mars/Base"]), &["--tz", "Mars/Base"]);
    bad(run(&["--from", "yesterday"]), &["--from", "yesterday"]);
    bad(
        run(&[
            "--from",
            "2017-01-02T00:00:00Z",
            "--to",
            "2017-01-01T00:00:00Z",
        ]),
        &["earlier"],
    );
    bad(run(&["--format", "parquet"]), &["needs -o FILE"]);
    pii().args(["report", "nonsense"]).assert().code(2);
}

#[test]
fn bad_registered_table_names_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let with_registered = |text: &str| report_with_registered(dir.path(), text.as_bytes());
    bad(
        with_registered("user_id,name\na,true\nb,maybe\n"),
        &[
            "reg.csv:3: row 2: name",
            "the value shaped `aaaaa` is not a boolean",
        ],
    );
    bad(with_registered("id,name\na,true\n"), &["user_id"]);
    bad(
        with_registered("user_id,name\na,true\na,false\n"),
        &["reg.csv:3: row 2: user_id", "repeats the one at row 1"],
    );
}

#[test]
fn empty_log_is_empty_reports() {
    let dir = tempfile::tempdir().unwrap();
    report_with(dir.path(), INVENTORY, "log.csv", b"ts,path,owner_id,viewer_id\n")
        .success()
        .stdout("user_id,tier,exposed_fields,potential_fields,exposures,distinct_viewers,first_exposed,last_exposed,pages\n");
}

#[test]
fn zero_byte_log_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    bad(
        report_with(dir.path(), INVENTORY, "log.csv", b""),
        &["log.csv", "empty"],
    );
}

#[test]
fn no_arguments_outside_a_terminal_explains_and_prints_usage() {
    // assert_cmd gives the binary pipes, not a terminal: the TUI cannot start.
    pii()
        .assert()
        .code(2)
        .stderr(predicate::str::contains("the TUI needs a terminal"))
        .stderr(predicate::str::contains("Usage: pii-audit"));
}

#[test]
fn export_is_owner_only_and_atomic() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("users.csv");
    std::fs::write(&out, "old").unwrap();
    pii()
        .args(["report", "users"])
        .arg("-i")
        .arg(fixture("worked/inventory.yaml"))
        .arg("-e")
        .arg(fixture("worked/log.csv"))
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("user_id,tier,"), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(".pii-audit-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind");
}

#[test]
fn every_format_writes() {
    let dir = tempfile::tempdir().unwrap();
    let base = |kind: &str| {
        let mut c = pii();
        c.args(["report", kind])
            .arg("-i")
            .arg(fixture("worked/inventory.yaml"))
            .arg("-e")
            .arg(fixture("worked/log.csv"))
            .args(["--tz", "+09:00"]);
        c
    };
    base("users")
        .args(["--format", "json"])
        .assert()
        .success()
        // No window and no registered table here: u2's 11:00 /my/ row to u5 counts and
        // u1's card counts as on file.
        .stdout(predicate::str::contains(
            r#""user_id":"u2","tier":"direct","exposed_fields":["card_last4","email","name"]"#,
        ));
    base("fields")
        .args(["--format", "table"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Card last 4 digits"));
    base("timeline")
        .args(["--format", "ndjson"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            r#"{"minute":"2017-06-22T09:59:00+09:00","requests":1"#,
        ));
    let out = dir.path().join("pages.parquet");
    base("pages")
        .args(["--format", "parquet", "-o"])
        .arg(&out)
        .assert()
        .success();
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(&bytes[..4], b"PAR1");
}

/// `pii-audit generate` into `dir` with a fixed seed and the given log format.
fn generate(dir: &Path, users: &str, rows: &str, seed: &str, format: &str) {
    pii()
        .args(["generate", "--users", users, "--rows", rows, "--seed", seed])
        .args(["--log-format", format, "--out-dir"])
        .arg(dir)
        .assert()
        .success();
}

#[test]
fn the_same_log_reads_alike_from_csv_ndjson_gzip_and_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let summary = |log: &Path| {
        let o = pii()
            .args(["report", "summary", "-i"])
            .arg(dir.path().join("parquet/inventory.yaml"))
            .arg("-e")
            .arg(log)
            .arg("-r")
            .arg(dir.path().join("parquet/registered.csv"))
            .assert()
            .success();
        String::from_utf8(o.get_output().stdout.clone()).unwrap()
    };
    // The same seed writes the same incident whatever the log format.
    generate(&dir.path().join("parquet"), "50", "2000", "7", "parquet");
    let from_parquet = summary(&dir.path().join("parquet/exposure.parquet"));
    assert!(from_parquet.contains("users_potentially_affected,"));
    for format in ["csv", "ndjson"] {
        let sub = dir.path().join(format);
        generate(&sub, "50", "2000", "7", format);
        let log = sub.join(format!("exposure.{format}"));
        assert_eq!(summary(&log), from_parquet, "{format} differs from parquet");
        let status = std::process::Command::new("gzip")
            .arg("-k")
            .arg(&log)
            .status()
            .unwrap();
        assert!(status.success());
        let gz = sub.join(format!("exposure.{format}.gz"));
        assert_eq!(
            summary(&gz),
            from_parquet,
            "{format}.gz differs from parquet"
        );
    }
}

#[test]
fn generate_is_deterministic_per_seed() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    generate(a.path(), "30", "500", "11", "csv");
    generate(b.path(), "30", "500", "11", "csv");
    for name in ["exposure.csv", "registered.csv"] {
        assert_eq!(
            std::fs::read(a.path().join(name)).unwrap(),
            std::fs::read(b.path().join(name)).unwrap(),
            "{name} differs for the same seed"
        );
    }
}

#[test]
fn check_speaks_plainly() {
    let run = |user: &str| {
        let o = pii()
            .args(["check", user, "-i"])
            .arg(fixture("worked/inventory.yaml"))
            .arg("-e")
            .arg(fixture("worked/log.csv"))
            .arg("-r")
            .arg(fixture("worked/registered.csv"))
            .args([
                "--from",
                "2017-06-22T10:00:00+09:00",
                "--to",
                "2017-06-22T11:00:00+09:00",
                "--tz",
                "Asia/Tokyo",
            ])
            .assert()
            .success();
        String::from_utf8(o.get_output().stdout.clone()).unwrap()
    };
    // The letter (tests/it/notices.rs has every line of it, for every tier).
    let u2 = run("u2");
    assert!(
        u2.starts_with("# Worked example: your personal data and the incident\n\nDear user u2,\n"),
        "{u2}"
    );
    assert!(
        u2.contains("between 2017-06-22 10:02:00 +09:00 and 2017-06-22 10:04:00 +09:00"),
        "{u2}"
    );
    assert!(
        u2.contains("Seen by someone else: Email address and Card last 4 digits."),
        "{u2}"
    );
    assert!(
        u2.contains("shown 3 times, to 3 different visitors"),
        "{u2}"
    );
    let u3 = run("u3");
    assert!(u3.contains("only to you: nobody else saw them"), "{u3}");
    let nobody = run("u404");
    assert!(nobody.contains("User u404 is not in this log"), "{nobody}");
}

#[test]
fn inventory_check_reports_coverage_and_suggestions() {
    let o = pii()
        .args(["inventory", "check"])
        .arg(fixture("worked/inventory.yaml"))
        .arg("-e")
        .arg(fixture("worked/log.csv"))
        .assert()
        .success();
    let text = String::from_utf8(o.get_output().stdout.clone()).unwrap();
    // 11 rows, 10 match a page; 9 cross-user rows (all but the two own views), 8 matched.
    assert!(
        text.contains("rows matching a page:            90.9% (10 of 11)"),
        "{text}"
    );
    assert!(
        text.contains("cross-user rows matching a page: 88.9% (8 of 9)"),
        "{text}"
    );
    assert!(text.contains("/search"), "{text}");
    pii()
        .args(["inventory", "check"])
        .arg(fixture("worked/inventory.yaml"))
        .assert()
        .success()
        .stdout(predicate::str::contains("valid inventory"));
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    // `| head -1` closes the pipe after one line; the rest must not become a panic.
    let bin = assert_cmd::cargo::cargo_bin("pii-audit");
    let script = format!(
        "{bin} inventory check {inv} -e {log} | head -1 >/dev/null; {bin} report timeline -i {inv} -e {log} | head -1 >/dev/null",
        bin = bin.display(),
        inv = sample("inventory.yaml").display(),
        log = sample("exposure.csv").display()
    );
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(script)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("internal error") && !stderr.contains("panicked"),
        "{stderr}"
    );
}

#[test]
fn several_files_and_a_glob_are_one_log() {
    // The worked example split in two files reads exactly like the single file.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("worked/log.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    write(
        dir.path(),
        "part-1.csv",
        &format!("{header}\n{}\n", rows[..5].join("\n")),
    );
    write(
        dir.path(),
        "part-2.csv",
        &format!("{header}\n{}\n", rows[5..].join("\n")),
    );
    let users = |logs: &[String]| {
        let o = pii()
            .args(["report", "users", "-i"])
            .arg(fixture("worked/inventory.yaml"))
            .arg("-e")
            .args(logs)
            .args(["--tz", "Asia/Tokyo"])
            .assert()
            .success();
        String::from_utf8(o.get_output().stdout.clone()).unwrap()
    };
    let single = users(&[fixture("worked/log.csv").display().to_string()]);
    let glob = users(&[dir.path().join("part-*.csv").display().to_string()]);
    let listed = users(&[
        dir.path().join("part-1.csv").display().to_string(),
        dir.path().join("part-2.csv").display().to_string(),
    ]);
    assert_eq!(glob, single);
    assert_eq!(listed, single);
}

#[test]
fn empty_native_timestamp_names_its_row_with_or_without_a_window() {
    use polars::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    // Row 2 has no timestamp; a window must not let it fall out silently.
    let ts = Series::new(
        "ts".into(),
        [
            Some(1_500_000_000_000_000i64),
            None,
            Some(1_500_000_001_000_000),
        ],
    )
    .cast(&DataType::Datetime(
        TimeUnit::Microseconds,
        Some(TimeZone::UTC),
    ))
    .unwrap();
    let mut df = DataFrame::new(
        3,
        vec![
            ts.into(),
            Column::new("path".into(), ["/my/", "/my/", "/my/"]),
            Column::new("owner_id".into(), ["a", "a", "a"]),
            Column::new("viewer_id".into(), ["v", "v", "v"]),
        ],
    )
    .unwrap();
    let log = dir.path().join("log.parquet");
    ParquetWriter::new(std::fs::File::create(&log).unwrap())
        .finish(&mut df)
        .unwrap();
    let inv = write(dir.path(), "inv.yaml", INVENTORY);
    let run = |extra: &[&str]| {
        pii()
            .args(["report", "users", "-i"])
            .arg(&inv)
            .arg("-e")
            .arg(&log)
            .args(extra)
            .assert()
    };
    bad(run(&[]), &["log.parquet: row 2: ts", "empty timestamp"]);
    bad(
        run(&[
            "--from",
            "2017-01-01T00:00:00Z",
            "--to",
            "2018-01-01T00:00:00Z",
        ]),
        &["log.parquet: row 2: ts", "empty timestamp"],
    );
}
