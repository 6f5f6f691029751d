//! Scale (issue 6): aggregated input, streaming, partitioned folders, `--column`,
//! `--ts-format`. Each way of reading a log must give the same reports as the plain one.

use std::path::{Path, PathBuf};
use std::process::Command as Std;

use polars::prelude::*;

use super::{bad, pii, write, INVENTORY};

/// The audit's tables, by the names `report` takes (the CLI's one list).
pub static REPORTS: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
    pii_audit::cli::TABLE_REPORTS
        .iter()
        .map(|kind| kind.name())
        .collect()
});

/// `report KIND -i inventory -e LOG... EXTRA...`, as a person runs it.
pub fn run(
    kind: &str,
    inventory: &Path,
    logs: &[&Path],
    extra: &[&str],
) -> assert_cmd::assert::Assert {
    pii()
        .args(["report", kind, "-i"])
        .arg(inventory)
        .arg("-e")
        .args(logs)
        .args(extra)
        .assert()
}

/// `report KIND --format csv` over `inventory` and the log arguments `log`; stdout.
pub fn report(kind: &str, inventory: &Path, log: &[&str], extra: &[&str]) -> String {
    let logs: Vec<&Path> = log.iter().map(Path::new).collect();
    let mut args = vec!["--format", "csv"];
    args.extend(extra);
    let out = run(kind, inventory, &logs, &args).get_output().clone();
    assert!(
        out.status.success(),
        "report {kind} {log:?} {extra:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// How the binary read the log, from its trace (`PII_AUDIT_TRACE`, a debug-build hook).
#[derive(Debug, PartialEq, Eq)]
enum Read {
    Streamed,
    /// A plain CSV log read by `csv-core` (issue 31), as the streaming reader reads it.
    CsvCore,
    /// The streaming reader met a time only the general parser reads, and handed back.
    HandedBack,
    Whole,
}

/// `report KIND --format csv` as `report` does, traced: stdout, and how the log was read.
fn traced_report(kind: &str, inventory: &Path, log: &[&str], extra: &[&str]) -> (String, Read) {
    let mut args = vec![
        "report",
        kind,
        "--format",
        "csv",
        "-i",
        path_str(inventory),
        "-e",
    ];
    args.extend(log);
    args.extend(extra);
    let out = pii()
        .env("PII_AUDIT_TRACE", "1")
        .args(&args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{args:?}: {stderr}");
    let read = match (
        stderr.contains("trace: read: csv-core\n"),
        stderr.contains("trace: read: streamed\n"),
        stderr.contains("trace: read: streaming handed the log back"),
        stderr.contains("trace: read: whole\n"),
    ) {
        (true, false, false, false) => Read::CsvCore,
        (false, true, false, false) => Read::Streamed,
        (false, false, true, true) => Read::HandedBack,
        (false, false, false, true) => Read::Whole,
        _ => panic!("{args:?}: no single way of reading traced: {stderr}"),
    };
    (String::from_utf8(out.stdout.clone()).unwrap(), read)
}

pub fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A raw log where triples repeat (same path, owner and viewer served several times),
/// and its aggregated form, written by hand.
const RAW: &str = "ts,path,owner_id,viewer_id
2017-06-22T10:00:00Z,/my/,u1,u2
2017-06-22T10:05:00Z,/my/?x=1,u1,u2
2017-06-22T10:07:00Z,/my/,u1,u2
2017-06-22T10:01:00Z,/my/,u1,
2017-06-22T10:02:00Z,/my/,u1,
2017-06-22T10:03:00Z,/my/,u1,u1
2017-06-22T10:04:00Z,/nowhere/1,u1,u3
2017-06-22T10:04:30Z,/nowhere/1,u1,u3
2017-06-22T10:06:00Z,/my/,,u4
";
const AGGREGATED: &str = "path,owner_id,viewer_id,requests,first_ts,last_ts
/my/,u1,u2,2,2017-06-22T10:00:00Z,2017-06-22T10:07:00Z
/my/?x=1,u1,u2,1,2017-06-22T10:05:00Z,2017-06-22T10:05:00Z
/my/,u1,,2,2017-06-22T10:01:00Z,2017-06-22T10:02:00Z
/my/,u1,u1,1,2017-06-22T10:03:00Z,2017-06-22T10:03:00Z
/nowhere/1,u1,u3,2,2017-06-22T10:04:00Z,2017-06-22T10:04:30Z
/my/,,u4,1,2017-06-22T10:06:00Z,2017-06-22T10:06:00Z
";

#[test]
fn an_aggregated_log_gives_the_raw_logs_figures_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let inv = write(dir.path(), "inv.yaml", INVENTORY);
    let raw = write(dir.path(), "raw.csv", RAW);
    let agg = write(dir.path(), "agg.csv", AGGREGATED);
    let users = report("users", &inv, &[path_str(&agg)], &[]);
    // u1: exposures 2 + 1 (u2) + 2 (unidentified) = 5; viewers u2 and two unidentified = 3;
    // the /nowhere/ rows are unmapped, the owner's own view is no exposure.
    assert_eq!(
        users,
        "user_id,tier,exposed_fields,potential_fields,exposures,distinct_viewers,first_exposed,last_exposed,pages\n\
         u1,direct,name,name,5,3,2017-06-22T10:00:00+00:00,2017-06-22T10:07:00+00:00,home\n"
    );
    let summary = report("summary", &inv, &[path_str(&agg)], &[]);
    for line in [
        "exposures,5\n",
        "rows_in_window,8\n",
        "rows_cross_user,7\n",
        "rows_unmapped,2\n",
        "unmapped_cross_user_rows,2\n",
        "rows_without_owner_skipped,1\n",
    ] {
        assert!(summary.contains(line), "{line} in\n{summary}");
    }
    // By route: one path, its 2 requests, both served to u3 (not the owner u1), 1 owner.
    let unmapped = report("unmapped", &inv, &[path_str(&agg)], &[]);
    assert!(unmapped.contains("/nowhere/{id},1,2,2,1\n"), "{unmapped}");
    let by_path = report("unmapped", &inv, &[path_str(&agg)], &["--by", "path"]);
    assert!(
        by_path.contains("/nowhere/1,2,2,/nowhere/{id}\n"),
        "{by_path}"
    );
    for kind in ["users", "fields", "pages", "unmapped", "summary"] {
        assert_eq!(
            report(kind, &inv, &[path_str(&raw)], &[]),
            report(kind, &inv, &[path_str(&agg)], &[]),
            "{kind}"
        );
    }
    // The window keeps whole rows; a row across a bound is refused, naming it.
    let window = [
        "--from",
        "2017-06-22T10:03:00Z",
        "--to",
        "2017-06-22T10:06:00Z",
    ];
    let raw_users = report("users", &inv, &[path_str(&raw)], &window);
    assert!(raw_users.contains("u1,direct,name,name,1,1,2017-06-22T10:05:00+00:00"));
    bad(
        run("users", &inv, &[&agg], &window),
        &[
            "agg.csv",
            "row 1",
            "first_ts",
            "across a bound of --from/--to",
        ],
    );
    // Without minutes there is no timeline, and the error says how to get one.
    bad(
        run("timeline", &inv, &[&agg], &[]),
        &["timeline needs each response's minute", "minute"],
    );
}

#[test]
fn bad_aggregated_rows_are_refused_by_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let inv = write(dir.path(), "inv.yaml", INVENTORY);
    let header = "path,owner_id,viewer_id,requests,first_ts,last_ts\n";
    let ok = "/my/,a,v,1,2017-01-01T00:00:00Z,2017-01-01T00:00:00Z\n";
    let cases: [(&str, &[&str]); 5] = [
        (
            "/my/,a,v,0,2017-01-01T00:00:00Z,2017-01-01T00:00:00Z\n",
            &["row 2", "requests", "at least 1"],
        ),
        (
            "/my/,a,v,two,2017-01-01T00:00:00Z,2017-01-01T00:00:00Z\n",
            &["row 2", "requests"],
        ),
        (
            "/my/,a,v,1,2017-01-01T00:05:00Z,2017-01-01T00:00:00Z\n",
            &["row 2", "last_ts", "before first_ts"],
        ),
        (
            "/my/,a,v,1,yesterday,2017-01-01T00:00:00Z\n",
            &["row 2", "first_ts", "unparsable timestamp"],
        ),
        (
            "/my/,a,v,1,2017-01-01T00:00:00Z,\n",
            &["row 2", "last_ts", "empty timestamp"],
        ),
    ];
    for (row, words) in cases {
        let log = write(dir.path(), "agg.csv", &format!("{header}{ok}{row}"));
        bad(run("users", &inv, &[&log], &[]), words);
    }
    // Per-minute rows must lie in their minute.
    let log = write(
        dir.path(),
        "agg.csv",
        "path,owner_id,viewer_id,minute,requests,first_ts,last_ts\n\
         /my/,a,v,2017-01-01T00:00:00Z,2,2017-01-01T00:00:10Z,2017-01-01T00:01:10Z\n",
    );
    bad(
        run("users", &inv, &[&log], &[]),
        &["row 1", "minute", "lie in the row's minute"],
    );
    // One log, one shape.
    let raw = write(dir.path(), "raw.csv", super::LOG);
    let agg = write(dir.path(), "agg2.csv", &format!("{header}{ok}"));
    bad(
        run("users", &inv, &[&raw, &agg], &[]),
        &["agg2.csv", "an aggregated log", "raw.csv", "one shape"],
    );
    // Relations need each response's time.
    let rel = write(dir.path(), "rel.csv", "relation,owner_id,related_id\n");
    bad(
        run("users", &inv, &[&agg], &["--relations", path_str(&rel)]),
        &["--relations", "aggregated log"],
    );
}

/// A generated incident (small) in `dir`: inventory.yaml, exposure.parquet, registered.csv.
pub fn generated(dir: &Path, users: u32, rows: u64) -> (PathBuf, PathBuf, PathBuf) {
    pii()
        .args([
            "generate",
            "--users",
            &users.to_string(),
            "--rows",
            &rows.to_string(),
        ])
        .args(["--seed", "11", "--out-dir"])
        .arg(dir)
        .assert()
        .success();
    (
        dir.join("inventory.yaml"),
        dir.join("exposure.parquet"),
        dir.join("registered.csv"),
    )
}

pub const WINDOW: [&str; 6] = [
    "--from",
    "2017-06-22T09:00:00+09:00",
    "--to",
    "2017-06-22T15:00:00+09:00",
    "--tz",
    "Asia/Tokyo",
];

#[test]
fn streaming_gives_the_same_reports_as_reading_whole() {
    let dir = tempfile::tempdir().unwrap();
    let (inv, log, reg) = generated(dir.path(), 400, 30_000);
    let mut plain: Vec<&str> = vec!["-r", path_str(&reg)];
    plain.extend(WINDOW);
    let mut streamed = plain.clone();
    streamed.push("--streaming");
    // The trace says which reader ran: a silent fall-back to the whole read would give the
    // same reports and pass unseen.
    for &kind in REPORTS.iter() {
        let a = traced_report(kind, &inv, &[path_str(&log)], &plain);
        let b = traced_report(kind, &inv, &[path_str(&log)], &streamed);
        assert!(a.0.lines().count() > 2, "{kind}: {}", a.0);
        assert_eq!((a.1, b.1), (Read::Whole, Read::Streamed), "{kind}");
        assert_eq!(a.0, b.0, "{kind}");
    }
    // A text log streams too, its times on the fast parser, in a fixed --tz.
    let text = dir.path().join("text");
    pii()
        .args([
            "generate",
            "--users",
            "400",
            "--rows",
            "30000",
            "--log-format",
            "csv",
        ])
        .args(["--seed", "11", "--out-dir"])
        .arg(&text)
        .assert()
        .success();
    let csv = text.join("exposure.csv");
    // And a Parquet log whose `ts` is text (`generate --ts-text`).
    let parquet_text = dir.path().join("parquet-text");
    pii()
        .args(["generate", "--users", "400", "--rows", "30000", "--ts-text"])
        .args(["--seed", "11", "--out-dir"])
        .arg(&parquet_text)
        .assert()
        .success();
    let parquet_text = parquet_text.join("exposure.parquet");
    let fixed = [
        "-r",
        path_str(&reg),
        "--from",
        WINDOW[1],
        "--to",
        WINDOW[3],
        "--tz",
        "+09:00",
    ];
    for &kind in REPORTS.iter() {
        let a = report(kind, &inv, &[path_str(&csv)], &fixed);
        let mut streamed = fixed.to_vec();
        streamed.push("--streaming");
        let streamed_csv = traced_report(kind, &inv, &[path_str(&csv)], &streamed);
        assert_eq!(
            (&a, Read::CsvCore),
            (&streamed_csv.0, streamed_csv.1),
            "{kind}"
        );
        assert_eq!(a, report(kind, &inv, &[path_str(&log)], &fixed), "{kind}");
        assert_eq!(
            a,
            report(kind, &inv, &[path_str(&parquet_text)], &fixed),
            "{kind}"
        );
        let streamed_text = traced_report(kind, &inv, &[path_str(&parquet_text)], &streamed);
        assert_eq!(
            (&a, Read::Streamed),
            (&streamed_text.0, streamed_text.1),
            "{kind}"
        );
    }
    // A time only the general parser reads sends the log back to the whole read.
    let odd = write(
        dir.path(),
        "odd.csv",
        &super::LOG.replace("T00:00:00Z", "t00:00:00z"),
    );
    let plain_log = write(dir.path(), "plain.csv", super::LOG);
    let handed_back = traced_report("users", &inv, &[path_str(&odd)], &["--streaming"]);
    assert_eq!(handed_back.1, Read::HandedBack);
    assert_eq!(
        handed_back.0,
        report("users", &inv, &[path_str(&plain_log)], &[])
    );
    // Naive times in a zone with daylight saving are not streamed: said, not guessed.
    bad(
        run(
            "users",
            &inv,
            &[&plain_log],
            &["--streaming", "--tz", "Europe/Berlin"],
        ),
        &["plain.csv", "--streaming reads text times in RFC 3339"],
    );
}

/// `sql/aggregate_exposure*.sql` run by DuckDB (Python) on a generated log: the reports
/// from its output equal the reports from the raw log. `.ci/run` installs DuckDB; elsewhere
/// the test says it was skipped (in CI it fails instead).
#[test]
fn the_shipped_sql_reduces_a_log_to_the_same_reports() {
    if !crate::python_modules_present(&["duckdb"]) {
        return;
    }
    let python = crate::python();
    let dir = tempfile::tempdir().unwrap();
    let (inv, log, reg) = generated(dir.path(), 300, 20_000);
    let sql = Path::new(env!("CARGO_MANIFEST_DIR")).join("sql");
    let script = r#"
import sys, duckdb
sql_dir, log, out_dir = sys.argv[1:4]
c = duckdb.connect()
c.sql("SET TimeZone='UTC'")
c.sql(f"CREATE VIEW raw_exposure_log AS SELECT * FROM read_parquet('{log}')")
window = {"from_ts": "2017-06-22T00:00:00Z", "to_ts": "2017-06-22T06:00:00Z"}
for name in ["aggregate_exposure", "aggregate_exposure_per_minute"]:
    query = open(f"{sql_dir}/{name}.sql").read().replace(":from_ts", "$from_ts").replace(":to_ts", "$to_ts")
    c.execute(f"COPY ({query}) TO '{out_dir}/{name}.parquet' (FORMAT parquet)", window)
"#;
    let out = Std::new(&python)
        .args(["-c", script])
        .arg(&sql)
        .arg(&log)
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let per_triple = dir.path().join("aggregate_exposure.parquet");
    let per_minute = dir.path().join("aggregate_exposure_per_minute.parquet");
    let rows = |p: &Path| {
        LazyFrame::scan_parquet(PlRefPath::new(path_str(p)), Default::default())
            .unwrap()
            .collect()
            .unwrap()
            .height()
    };
    assert!(
        rows(&per_triple) < rows(&per_minute),
        "minutes split triples"
    );
    let mut args: Vec<&str> = vec!["-r", path_str(&reg)];
    args.extend(WINDOW);
    for &kind in REPORTS.iter() {
        let raw = report(kind, &inv, &[path_str(&log)], &args);
        assert!(raw.lines().count() > 2, "{kind}: {raw}");
        assert_eq!(
            raw,
            report(kind, &inv, &[path_str(&per_minute)], &args),
            "{kind}"
        );
        if kind != "timeline" {
            assert_eq!(
                raw,
                report(kind, &inv, &[path_str(&per_triple)], &args),
                "{kind}"
            );
        }
    }
}

/// The TUI opens an aggregated log: the same users as the raw one, and a warning, not a
/// failure, for the timeline it cannot draw.
#[test]
fn the_tui_opens_an_aggregated_log_and_says_why_there_is_no_chart() {
    use pii_audit::load;
    use pii_audit::load::Inputs;
    use pii_audit::tui::data::compute;
    let dir = tempfile::tempdir().unwrap();
    let inv = write(dir.path(), "inv.yaml", INVENTORY);
    let args = |log: PathBuf| load::Options::new(inv.clone(), &log);
    let raw = Inputs::load_quiet(&args(write(dir.path(), "raw.csv", RAW))).unwrap();
    let agg = Inputs::load_quiet(&args(write(dir.path(), "agg.csv", AGGREGATED))).unwrap();
    let (raw_data, _) = compute(&raw, &mut |_| {}).unwrap();
    let (agg_data, _) = compute(&agg, &mut |_| {}).unwrap();
    assert_eq!(raw_data.summary, agg_data.summary);
    assert_eq!(raw_data.users.len(), agg_data.users.len());
    assert!(!raw_data.chart.is_empty());
    assert!(agg_data.chart.is_empty());
    assert!(
        agg_data
            .warnings
            .iter()
            .any(|w| w.contains("no `minute` column")),
        "{:?}",
        agg_data.warnings
    );
    // An empty log (a header only) has an empty chart too: it once panicked here.
    let empty = Inputs::load_quiet(&args(write(
        dir.path(),
        "empty.csv",
        "ts,path,owner_id,viewer_id\n",
    )))
    .unwrap();
    let (empty_data, _) = compute(&empty, &mut |_| {}).unwrap();
    assert!(empty_data.chart.is_empty());
    assert_eq!(empty_data.users.len(), 0);
}

/// A time-ordered Parquet log in row groups of two rows, `ts` in `unit` (naive, or UTC
/// when `aware`), given as local wall times `+09:00`; u1's page seen by a new viewer on
/// each row. `empty` leaves that row's time empty.
fn row_groups(
    dir: &Path,
    name: &str,
    unit: TimeUnit,
    aware: bool,
    empty: Option<usize>,
) -> PathBuf {
    let wall = [
        "2017-06-21T01:00:00.000",
        "2017-06-21T02:00:00.000",
        "2017-06-22T08:59:59.999",
        "2017-06-22T09:00:00.000",
        "2017-06-22T14:59:59.999",
        "2017-06-22T15:00:00.000",
        "2017-06-23T20:00:00.000",
        "2017-06-23T21:00:00.000",
    ];
    let ts: Vec<Option<String>> = wall
        .iter()
        .enumerate()
        .map(|(i, w)| (Some(i) != empty).then(|| w.to_string()))
        .collect();
    let n = ts.len();
    let viewers: Vec<String> = (0..n).map(|i| format!("v{i}")).collect();
    let parsed = col("ts").str().to_datetime(
        Some(unit),
        None,
        StrptimeOptions {
            format: Some("%Y-%m-%dT%H:%M:%S%.3f".into()),
            ..Default::default()
        },
        lit("raise"),
    );
    let ts_expr = if aware {
        // The same instants, stored as UTC.
        parsed
            .dt()
            .replace_time_zone(
                Some(TimeZone::from_chrono(&chrono_tz::Asia::Tokyo)),
                lit("raise"),
                NonExistent::Raise,
            )
            .dt()
            .convert_time_zone(TimeZone::UTC)
    } else {
        parsed
    };
    let mut df = df!(
        "ts" => ts,
        "path" => vec!["/my/"; n],
        "owner_id" => vec!["u1"; n],
        "viewer_id" => viewers,
    )
    .unwrap()
    .lazy()
    .with_column(ts_expr.alias("ts"))
    .collect()
    .unwrap();
    let path = dir.join(name);
    ParquetWriter::new(std::fs::File::create(&path).unwrap())
        .with_row_group_size(Some(2))
        .with_statistics(StatisticsOptions::full())
        .finish(&mut df)
        .unwrap();
    path
}

/// Row groups outside the window are skipped by their statistics, whatever the unit and
/// zone of `ts`: the rows on the window's bounds still count exactly, and an empty time in
/// a row group far outside the window is still refused by its row.
#[test]
fn row_groups_outside_the_window_are_skipped_without_losing_a_bound_or_a_bad_row() {
    let dir = tempfile::tempdir().unwrap();
    let inv = write(dir.path(), "inv.yaml", INVENTORY);
    let window = [
        "--tz",
        "+09:00",
        "--from",
        "2017-06-22T09:00:00+09:00",
        "--to",
        "2017-06-22T15:00:00+09:00",
    ];
    for (unit, aware) in [
        (TimeUnit::Milliseconds, false),
        (TimeUnit::Nanoseconds, false),
        (TimeUnit::Microseconds, true),
        (TimeUnit::Milliseconds, true),
    ] {
        let name = format!("{unit:?}-{aware}.parquet");
        let log = row_groups(dir.path(), &name, unit, aware, None);
        for streaming in ["--streaming=off", "--streaming=on"] {
            let mut extra = window.to_vec();
            extra.push(streaming);
            // 09:00:00.000 and 14:59:59.999 local are in; 08:59:59.999 and 15:00 are not.
            assert_eq!(
                report("users", &inv, &[path_str(&log)], &extra),
                "user_id,tier,exposed_fields,potential_fields,exposures,distinct_viewers,first_exposed,last_exposed,pages\n\
                 u1,direct,name,name,2,2,2017-06-22T09:00:00+09:00,2017-06-22T14:59:59.999+09:00,home\n",
                "{name} {streaming}"
            );
        }
        let bad_log = row_groups(dir.path(), &format!("bad-{name}"), unit, aware, Some(1));
        for streaming in ["--streaming=off", "--streaming=on"] {
            let mut extra = window.to_vec();
            extra.push(streaming);
            bad(
                run("users", &inv, &[&bad_log], &extra),
                &["row 2: ts", "empty timestamp"],
            );
        }
    }
}

/// A naive time in the spring-forward gap of `--tz` is refused even in a row group far
/// outside the window: such a log is read without skipping row groups.
#[test]
fn a_local_time_that_does_not_exist_is_refused_outside_the_window_too() {
    let dir = tempfile::tempdir().unwrap();
    let inv = write(dir.path(), "inv.yaml", INVENTORY);
    let mut df = df!(
        "ts" => ["2017-03-12T02:30:00", "2017-06-22T10:00:00"],
        "path" => ["/my/", "/my/"],
        "owner_id" => ["u1", "u1"],
        "viewer_id" => ["v1", "v2"],
    )
    .unwrap()
    .lazy()
    .with_column(col("ts").str().to_datetime(
        Some(TimeUnit::Microseconds),
        None,
        StrptimeOptions::default(),
        lit("raise"),
    ))
    .collect()
    .unwrap();
    let log = dir.path().join("log.parquet");
    ParquetWriter::new(std::fs::File::create(&log).unwrap())
        .with_row_group_size(Some(1))
        .with_statistics(StatisticsOptions::full())
        .finish(&mut df)
        .unwrap();
    let window = [
        "--tz",
        "America/New_York",
        "--from",
        "2017-06-22T00:00:00-04:00",
        "--to",
        "2017-06-23T00:00:00-04:00",
    ];
    bad(
        run("users", &inv, &[&log], &window),
        &["row 1: ts", "does not exist in --tz"],
    );
}
