//! One test binary (each file in tests/ links polars): pipeline tests on tiny fixtures with
//! hand-computed figures, and CLI tests that run the real binary.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test states its expectation with them

mod bounded;
mod cdn;
mod cli;
mod crashes;
mod csv_core;
mod deadlines;
mod delivered;
mod delivered_errors;
mod escapes;
mod fast_time;
mod fuzz;
mod generate_chunks;
mod hostile;
mod inventory_edit;
mod layers;
mod manners;
mod no_leak;
mod notices;
mod notices_tui;
mod partitions;
mod pipeline;
mod possible;
mod regulator;
mod regulator_html;
mod relations;
mod roundtrip;
mod routes_prop;
mod scale;
mod silent;
mod spark;
mod splice;
mod tiers;
mod titles;
mod tmux;
mod tui;
mod unmapped;
mod vendor_sql;
mod warnings;
mod window;

use std::path::{Path, PathBuf};

/// The contract's worked example, kept as files under tests/fixtures/worked.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A one-page inventory (`/my/` shows `name`, a direct-notice field) and a one-row log
/// (a's page seen by v) that the CLI tests vary.
pub const INVENTORY: &str = "version: 1\nfields:\n  name: {label: Name, category: user.name, direct_notice: true}\npages:\n  - id: home\n    route: /my/\n    fields: [name]\n";
pub const LOG: &str = "ts,path,owner_id,viewer_id\n2017-01-01T00:00:00Z,/my/,a,v\n";

/// `report users` over INVENTORY and LOG with `registered` as the registered table
/// (`reg.csv`), all written into `dir`.
pub fn report_with_registered(dir: &Path, registered: &[u8]) -> assert_cmd::assert::Assert {
    let inv = write(dir, "inv.yaml", INVENTORY);
    let log = write(dir, "log.csv", LOG);
    let reg = dir.join("reg.csv");
    std::fs::write(&reg, registered).expect("write fixture");
    pii()
        .args(["report", "users", "-i"])
        .arg(inv)
        .arg("-e")
        .arg(log)
        .arg("-r")
        .arg(reg)
        .assert()
}

/// The one place that decides whether a test that needs something outside Rust (a tool,
/// a Python module, root) runs: with `what` here (`present`), it runs. Without it, a
/// developer's run skips the test, saying so on its output; CI's run (`CI=true`, which
/// `.ci/run` exports after installing everything) fails naming what is missing, so no
/// check passes in CI by not running. Every such test goes through here.
pub fn available(what: &str, present: bool) -> bool {
    if !present {
        assert!(
            !in_ci(),
            "{what} is missing under CI=true: .ci/run installs it"
        );
        eprintln!("skipped: {what} is not here (.ci/run installs it)");
    }
    present
}

/// Whether `tool --version_flag` runs and succeeds (no skipping decided here).
fn runs(tool: &str, version_flag: &str) -> bool {
    std::process::Command::new(tool)
        .arg(version_flag)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Whether `tool` (run with `version_flag`) is installed; see `available`.
pub fn tool_present(tool: &str, version_flag: &str) -> bool {
    available(tool, runs(tool, version_flag))
}

/// The first of `names` that is installed (one program under several names, as Chromium
/// is packaged); `None`, through `available`, only when none is.
pub fn first_tool_present<'a>(names: &[&'a str], version_flag: &str) -> Option<&'a str> {
    let found = names.iter().copied().find(|n| runs(n, version_flag));
    available(&names.join(" or "), found.is_some());
    found
}

/// The Python the tests run: `PII_AUDIT_PYTHON` (the venv `.ci/run` makes) or `python3`.
pub fn python() -> String {
    std::env::var("PII_AUDIT_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Whether that Python imports every one of `modules`; see `available`.
pub fn python_modules_present(modules: &[&str]) -> bool {
    let imports = format!("import {}", modules.join(", "));
    let present = std::process::Command::new(python())
        .args(["-c", &imports])
        .output()
        .is_ok_and(|o| o.status.success());
    available(&format!("Python with {}", modules.join(" and ")), present)
}

/// Whether this is CI's run (`CI=true`), where every check must run.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Runs `command`, which must succeed; its standard output.
pub fn stdout_of(command: &mut assert_cmd::Command) -> String {
    let out = command.output().expect("the binary runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// The bundled sample's inputs and leak window, as command-line arguments.
pub fn sample_args() -> Vec<String> {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    let file = |name: &str| sample.join(name).display().to_string();
    let mut args = vec![
        "-i".to_string(),
        file("inventory.yaml"),
        "-e".to_string(),
        file("exposure.csv"),
        "-r".to_string(),
        file("registered.csv"),
    ];
    args.extend(scale::WINDOW.map(String::from));
    args
}

/// The real binary, as a person runs it.
pub fn pii() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("pii-audit").expect("binary built")
}

/// Exit 2, the words expected in the error, and never a panic or a backtrace.
pub fn bad(assert: assert_cmd::assert::Assert, words: &[&str]) {
    use predicates::prelude::*;
    let mut assert = assert
        .code(2)
        .stderr(predicate::str::contains("panicked").not())
        .stderr(predicate::str::contains("backtrace").not())
        .stderr(predicate::str::starts_with("error: "));
    for w in words {
        assert = assert.stderr(predicate::str::contains(*w));
    }
}

/// Runs `report users` on an inventory and a log given as text; returns the assertion.
pub fn report_with(
    dir: &Path,
    inventory: &str,
    log_name: &str,
    log: &[u8],
) -> assert_cmd::assert::Assert {
    let inv = write(dir, "inv.yaml", inventory);
    let log_path = dir.join(log_name);
    std::fs::write(&log_path, log).unwrap();
    pii()
        .args(["report", "users", "-i"])
        .arg(inv)
        .arg("-e")
        .arg(log_path)
        .assert()
}

/// Writes a raw log as Parquet with native UTC timestamps (µs): one row per entry of `ts`.
pub fn parquet_log(
    file: &Path,
    ts: &[Option<i64>],
    paths: &[Option<&str>],
    owners: &[&str],
    viewers: &[&str],
) {
    use polars::prelude::*;
    let ts = Series::new("ts".into(), ts)
        .cast(&DataType::Datetime(
            TimeUnit::Microseconds,
            Some(TimeZone::UTC),
        ))
        .unwrap();
    let mut df = DataFrame::new(
        ts.len(),
        vec![
            ts.into(),
            Column::new("path".into(), paths),
            Column::new("owner_id".into(), owners),
            Column::new("viewer_id".into(), viewers),
        ],
    )
    .unwrap();
    ParquetWriter::new(std::fs::File::create(file).unwrap())
        .finish(&mut df)
        .unwrap();
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write fixture");
    path
}
