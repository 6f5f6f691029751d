//! Logs as a data lake stores them: a hive-partitioned folder is one log, the window
//! prunes whole partitions, a partition named in another zone is caught, and renamed
//! columns with a time pattern read a warehouse export like the contract's columns.

use std::path::Path;
use std::process::Command as Std;

use polars::prelude::*;

use crate::scale::{generated, path_str, report, run, REPORTS, WINDOW};
use crate::{bad, fixture, pii, write, INVENTORY};

/// Splits a Parquet log into hive partitions `dt=YYYY-MM-DD/hour=HH/part-0.parquet` (UTC).
fn partition(log: &Path, root: &Path) -> usize {
    let df = LazyFrame::scan_parquet(PlRefPath::new(path_str(log)), Default::default())
        .unwrap()
        .with_columns([
            col("ts").dt().strftime("%Y-%m-%d").alias("dt"),
            col("ts").dt().strftime("%H").alias("hour"),
        ])
        .collect()
        .unwrap();
    let mut written = 0;
    for part in df.partition_by(["dt", "hour"], true).unwrap() {
        let dt = part
            .column("dt")
            .unwrap()
            .str()
            .unwrap()
            .get(0)
            .unwrap()
            .to_string();
        let hour = part
            .column("hour")
            .unwrap()
            .str()
            .unwrap()
            .get(0)
            .unwrap()
            .to_string();
        let folder = root.join(format!("dt={dt}")).join(format!("hour={hour}"));
        std::fs::create_dir_all(&folder).unwrap();
        let mut part = part.drop_many(["dt", "hour"]);
        let file = std::fs::File::create(folder.join("part-0.parquet")).unwrap();
        ParquetWriter::new(file).finish(&mut part).unwrap();
        written += 1;
    }
    std::fs::write(root.join("_SUCCESS"), "").unwrap();
    written
}

#[test]
fn a_partitioned_folder_is_one_log_and_the_window_prunes_it() {
    let dir = tempfile::tempdir().unwrap();
    let (inv, log, reg) = generated(dir.path(), 300, 20_000);
    let folder = dir.path().join("lake");
    let partitions = partition(&log, &folder);
    assert!(partitions > 12, "{partitions} partitions");
    let mut args: Vec<&str> = vec!["-r", path_str(&reg)];
    args.extend(WINDOW);
    let mut streamed = args.clone();
    streamed.push("--streaming=on");
    for &kind in REPORTS.iter() {
        let single = report(kind, &inv, &[path_str(&log)], &args);
        assert_eq!(
            single,
            report(kind, &inv, &[path_str(&folder)], &args),
            "{kind}"
        );
        assert_eq!(
            single,
            report(kind, &inv, &[path_str(&folder)], &streamed),
            "{kind} streamed"
        );
    }
    // The window 09:00–15:00 JST is 00:00–06:00 UTC: six hourly partitions are read.
    let out = pii()
        .args(["report", "summary", "-i"])
        .arg(&inv)
        .arg("-e")
        .arg(&folder)
        .args(WINDOW)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "note: read 6 of {partitions} log files: {} lie in partitions outside --from/--to",
            partitions - 6
        )),
        "{stderr}"
    );
    // And the others are never opened: strace lists the files the process opens.
    if !crate::tool_present("strace", "-V") {
        return;
    }
    let trace = dir.path().join("trace");
    let out = Std::new("strace")
        .args(["-f", "-e", "trace=open,openat", "-o"])
        .arg(&trace)
        .arg(assert_cmd::cargo::cargo_bin("pii-audit"))
        .args(["report", "summary", "-i"])
        .arg(&inv)
        .arg("-e")
        .arg(&folder)
        .args(WINDOW)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let calls = std::fs::read_to_string(&trace).unwrap();
    let mut opened: Vec<&str> = calls
        .lines()
        .filter(|l| l.contains("part-0.parquet") && !l.contains("ENOENT"))
        .filter_map(|l| l.split("hour=").nth(1).map(|h| &h[..2]))
        .collect();
    opened.sort_unstable();
    opened.dedup();
    assert_eq!(opened, ["00", "01", "02", "03", "04", "05"], "{calls}");
}

#[test]
fn partitions_named_in_another_zone_are_caught() {
    let dir = tempfile::tempdir().unwrap();
    let inv = write(dir.path(), "inv.yaml", INVENTORY);
    // A row at 10:30 UTC filed under hour=19 (Japan time): pruning by it would be wrong.
    let folder = dir.path().join("dt=2017-06-22").join("hour=19");
    std::fs::create_dir_all(&folder).unwrap();
    write(
        &folder,
        "part-0.csv",
        "ts,path,owner_id,viewer_id\n2017-06-22T10:30:00Z,/my/,a,v\n",
    );
    bad(
        run("users", &inv, &[&dir.path().join("dt=2017-06-22")], &[]),
        &["part-0.csv", "outside its partition", "read as UTC"],
    );
    // The same in Parquet, read whole and streamed.
    let lake = dir.path().join("lake");
    let folder = lake.join("dt=2017-06-22").join("hour=19");
    std::fs::create_dir_all(&folder).unwrap();
    let mut df = df!(
        "ts" => ["2017-06-22T10:30:00Z"],
        "path" => ["/my/"],
        "owner_id" => ["a"],
        "viewer_id" => ["v"],
    )
    .unwrap()
    .lazy()
    .with_column(col("ts").str().to_datetime(
        Some(TimeUnit::Microseconds),
        Some(TimeZone::UTC),
        StrptimeOptions::default(),
        lit("raise"),
    ))
    .collect()
    .unwrap();
    let file = std::fs::File::create(folder.join("part-0.parquet")).unwrap();
    ParquetWriter::new(file).finish(&mut df).unwrap();
    for streaming in ["--streaming=on", "--streaming=off"] {
        bad(
            run("users", &inv, &[&lake], &[streaming]),
            &["part-0.parquet", "outside its partition", "read as UTC"],
        );
    }
    // An empty folder is an error, not an empty log.
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    bad(
        run("users", &inv, &[&empty], &[]),
        &["empty", "holds no log file"],
    );
}

#[test]
fn renamed_columns_and_a_time_pattern_read_a_warehouse_export() {
    let dir = tempfile::tempdir().unwrap();
    let worked = fixture("worked");
    let inv = worked.join("inventory.yaml");
    let log = worked.join("log.csv");
    // The worked example's log with its own names and CDN-style times.
    let text = std::fs::read_to_string(&log).unwrap();
    let mut lines = text.lines();
    lines.next();
    let mut export = String::from("timestamp,request_uri,user_hash,session,bytes\n");
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        let t = chrono::DateTime::parse_from_rfc3339(cells[0]).unwrap();
        let clf = t.format("%d/%b/%Y:%H:%M:%S %z");
        export.push_str(&format!(
            "{clf},{},{},{},512\n",
            cells[1], cells[2], cells[3]
        ));
    }
    let export = write(dir.path(), "export.csv", &export);
    let renames = [
        "--column",
        "ts=timestamp",
        "--column",
        "path=request_uri",
        "--column",
        "owner_id=user_hash",
        "--column",
        "viewer_id=session",
        "--ts-format",
        "%d/%b/%Y:%H:%M:%S %z",
    ];
    let registered = worked.join("registered.csv");
    let mut common: Vec<&str> = vec!["-r", path_str(&registered)];
    common.extend([
        "--from",
        "2017-06-22T10:00:00+09:00",
        "--to",
        "2017-06-22T11:00:00+09:00",
        "--tz",
        "Asia/Tokyo",
    ]);
    let mut mapped = common.clone();
    mapped.extend(renames);
    for &kind in REPORTS.iter() {
        let a = report(kind, &inv, &[path_str(&log)], &common);
        assert_eq!(
            a,
            report(kind, &inv, &[path_str(&export)], &mapped),
            "{kind}"
        );
    }
    // A mapping to a column the file lacks names it.
    bad(
        run("users", &inv, &[&export], &["--column", "owner_id=user"]),
        &["export.csv", "user", "--column owner_id=user"],
    );
    // Two mappings for one column, and a column pii-audit does not read.
    bad(
        run(
            "users",
            &inv,
            &[&export],
            &[
                "--column",
                "owner_id=user_hash",
                "--column",
                "owner_id=session",
            ],
        ),
        &["maps `owner_id` twice"],
    );
    run("users", &inv, &[&export], &["--column", "owner=user_hash"])
        .code(2)
        .stderr(predicates::str::contains("not a column pii-audit reads"));
    // A time that does not match the pattern: its row, its text, the pattern.
    let odd = write(
        dir.path(),
        "odd.csv",
        "timestamp,request_uri,user_hash,session\n22/Jun/2017:10:00:00 +0900,/my/,u1,u2\n2017-06-22 10:00:00,/my/,u1,u2\n",
    );
    bad(
        run("users", &inv, &[&odd], &renames),
        &["odd.csv:3", "row 2", "does not match --ts-format"],
    );
    // A pattern without a date is refused before anything is read.
    run("users", &inv, &[&odd], &["--ts-format", "%H:%M"])
        .code(2)
        .stderr(predicates::str::contains("no date or no hour"));
}
