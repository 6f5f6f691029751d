//! The warehouse chain on Apache Spark (local mode) and DuckDB: `sql/derive_owners.sql`
//! gives, row for row, what `pii-audit derive-owners` gives (ties, unidentified origins,
//! two cache nodes); `sql/spark_chain.py` and `sql/spark_sql_chain.sh`, the README's
//! commands, derive and reduce a generated CDN log, and pii-audit's reports on Spark's
//! output folders equal its reports on its own derived log. `.ci/run` installs Java and PySpark; under `CI=true` a missing
//! one fails these tests, elsewhere they say they were skipped.

use std::path::{Path, PathBuf};
use std::process::Command as Std;

use polars::prelude::*;

use super::scale::WINDOW;
use super::{pii, python};

/// Whether Java, PySpark and DuckDB are here (`crate::available`: a missing one fails
/// under CI=true, naming it).
fn spark_present() -> bool {
    crate::tool_present("java", "-version") && crate::python_modules_present(&["pyspark", "duckdb"])
}

fn sql_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sql")
}

/// Runs `command`; its standard error is the failure's message.
fn ran(command: &mut Std) {
    let out = command.output().expect("the program runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn run_python(args: &[&std::ffi::OsStr]) {
    ran(Std::new(python()).args(args));
}

/// A Parquet file, or every Parquet file of a folder (as Spark writes one).
pub fn read(path: &Path) -> DataFrame {
    let pattern = if path.is_dir() {
        path.join("*.parquet")
    } else {
        path.to_path_buf()
    };
    let name = pattern.to_string_lossy().to_string();
    LazyFrame::scan_parquet(PlRefPath::new(&name), Default::default())
        .unwrap()
        .collect()
        .unwrap()
}

/// The derived log's columns, its times as UTC µs, sorted by every column.
fn comparable(df: &DataFrame) -> DataFrame {
    let columns = [
        "ts",
        "path",
        "owner_id",
        "viewer_id",
        "cache_status",
        "origin_ts",
        "cache_node",
        "attribution",
    ];
    df.clone()
        .lazy()
        .select(columns.map(|c| {
            match c {
                "ts" | "origin_ts" => col(c)
                    .cast(DataType::Datetime(
                        TimeUnit::Microseconds,
                        Some(TimeZone::UTC),
                    ))
                    .cast(DataType::Int64),
                _ => col(c),
            }
        }))
        .sort(
            columns,
            SortMultipleOptions::default().with_nulls_last(true),
        )
        .collect()
        .unwrap()
}

/// Responses with ties at one instant, unidentified origins and two cache nodes.
fn ties_log(dir: &Path) -> PathBuf {
    let t = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(&format!("2017-06-22T01:00:{s}Z"))
            .unwrap()
            .timestamp_micros()
    };
    #[rustfmt::skip]
    let rows: [(&str, &str, Option<&str>, &str, &str); 17] = [
        // Two origins at one instant and a hit at it: the later origin in the log wins.
        ("00.000", "/my/", Some("a"), "MISS", "NRT"),
        ("00.000", "/my/", Some("b"), "MISS", "NRT"),
        ("00.000", "/my/", Some("c"), "HIT", "NRT"),
        // A hit logged before the origin at its instant still comes after it.
        ("01.000", "/my/?x=1", Some("d"), "HIT", "NRT"),
        ("01.000", "/my", Some("e"), "MISS", "NRT"),
        // An unidentified visitor's origin: the hits after it carry nobody's page.
        ("02.000", "/my/", None, "MISS", "NRT"),
        ("02.500", "/my/", Some("f"), "hit", "NRT"),
        // The other node has its own cache: its first hit is unattributed.
        ("03.000", "/my/", Some("g"), "HIT", "KIX"),
        ("03.100", "/my/", Some("h"), "PASS", "KIX"),
        ("03.200", "/my/", Some("i"), "STALE", "KIX"),
        ("03.300", "https://shop.example/my/#top", Some("j"), "HIT", "NRT"),
        ("04.000", "/other/", Some("k"), "MISS", "NRT"),
        ("04.000", "/other/", Some(""), "MISS", "NRT"),
        ("04.001", "/other/", Some("l"), "REVALIDATED", "NRT"),
        // A POST went to the origin and filled nothing: o's hit is m's page.
        ("05.000", "/post/", Some("m"), "MISS", "NRT"),
        ("05.100", "/post/", Some("n"), "MISS", "NRT"),
        ("05.200", "/post/", Some("o"), "HIT", "NRT"),
    ];
    let methods: Vec<Option<&str>> = (0..rows.len())
        .map(|i| match i {
            15 => Some("POST"),
            0 => Some("GET"),
            _ => None,
        })
        .collect();
    let mut df = DataFrame::new(
        rows.len(),
        vec![
            Column::new("ts".into(), rows.iter().map(|r| t(r.0)).collect::<Vec<_>>())
                .cast(&DataType::Datetime(
                    TimeUnit::Microseconds,
                    Some(TimeZone::UTC),
                ))
                .unwrap(),
            Column::new("path".into(), rows.iter().map(|r| r.1).collect::<Vec<_>>()),
            Column::new(
                "viewer_id".into(),
                rows.iter().map(|r| r.2).collect::<Vec<_>>(),
            ),
            Column::new(
                "cache_status".into(),
                rows.iter().map(|r| r.3).collect::<Vec<_>>(),
            ),
            Column::new(
                "cache_node".into(),
                rows.iter().map(|r| r.4).collect::<Vec<_>>(),
            ),
            Column::new("method".into(), methods),
        ],
    )
    .unwrap();
    let path = dir.join("raw.parquet");
    ParquetWriter::new(std::fs::File::create(&path).unwrap())
        .finish(&mut df)
        .unwrap();
    path
}

#[test]
fn spark_and_duckdb_derive_as_the_binary_does() {
    if !spark_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let raw = ties_log(d);
    let binary = d.join("binary.parquet");
    pii()
        .args(["derive-owners", "-e"])
        .arg(&raw)
        .args(["--cache-node", "cache_node", "-o"])
        .arg(&binary)
        .assert()
        .success();
    let expected = comparable(&read(&binary));
    // By hand: a and b own their pages; c gets b's (the later origin at its instant); d
    // gets e's (at one instant the origin comes first); the unidentified visitor's origin
    // owns nothing, so f gets nobody's page; g gets nothing (KIX has had no origin yet); i
    // gets h's; j gets nobody's (NRT's latest origin for /my/ is the unidentified one);
    // the empty viewer's origin owns nothing, and l gets that page (the later of the two
    // origins at 04.000); n's POST is n's own page, and o gets m's.
    let owners: Vec<Option<String>> = read(&binary)
        .column("owner_id")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|o| o.map(str::to_string))
        .collect();
    let some = |s: &str| Some(s.to_string());
    assert_eq!(
        owners,
        vec![
            some("a"),
            some("b"),
            some("b"),
            some("e"),
            some("e"),
            None,
            None,
            None,
            some("h"),
            some("h"),
            None,
            some("k"),
            None,
            None,
            some("m"),
            some("n"),
            some("m")
        ]
    );
    let chain = d.join("spark");
    run_python(&[
        sql_dir().join("spark_chain.py").as_os_str(),
        raw.as_os_str(),
        chain.as_os_str(),
        "--from".as_ref(),
        "2017-06-22T00:00:00+00:00".as_ref(),
        "--to".as_ref(),
        "2017-06-23T00:00:00+00:00".as_ref(),
    ]);
    assert_eq!(comparable(&read(&chain.join("derived"))), expected, "Spark");
    let duck = d.join("duck.parquet");
    let script = r#"
import sys, duckdb
sql, raw, out = sys.argv[1:4]
c = duckdb.connect()
c.sql("SET TimeZone='UTC'")
c.sql(f"CREATE VIEW raw_cdn_log AS SELECT *, row_number() OVER () AS seq FROM read_parquet('{raw}')")
c.sql(f"COPY ({open(sql).read()}) TO '{out}' (FORMAT parquet)")
"#;
    run_python(&[
        "-c".as_ref(),
        script.as_ref(),
        sql_dir().join("derive_owners.sql").as_os_str(),
        raw.as_os_str(),
        duck.as_os_str(),
    ]);
    assert_eq!(comparable(&read(&duck)), expected, "DuckDB");
}

/// The SQL refuses what the binary refuses: a cache status in neither list, an empty path.
/// It stops on a cast that cannot succeed, its text naming the reason and the row.
#[test]
fn the_sql_refuses_what_the_binary_refuses() {
    if !spark_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let script = r#"
import sys, duckdb
from pyspark.sql import SparkSession
sql = open(sys.argv[1]).read()
rows = [("/my/", "MISS"), ("/my/", "WARM")] if sys.argv[2] == "status" else [("/my/", "MISS"), ("", "HIT")]
c = duckdb.connect()
c.sql("CREATE TABLE raw_cdn_log (ts TIMESTAMP, path VARCHAR, viewer_id VARCHAR, cache_status VARCHAR, cache_node VARCHAR, seq BIGINT, method VARCHAR)")
for i, (path, status) in enumerate(rows):
    c.execute("INSERT INTO raw_cdn_log VALUES (TIMESTAMP '2017-06-22 01:00:00', ?, 'a', ?, NULL, ?, NULL)", [path, status, i])
try:
    c.sql(sql).fetchall()
    print("duckdb: no error")
except Exception as e:
    print("duckdb:", str(e).splitlines()[0])
spark = SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false").getOrCreate()
spark.createDataFrame([("2017-06-22 01:00:00", p, "a", s, None, i, None) for i, (p, s) in enumerate(rows)],
    "ts string, path string, viewer_id string, cache_status string, cache_node string, seq long, method string"
).selectExpr("CAST(ts AS TIMESTAMP) AS ts", "path", "viewer_id", "cache_status", "cache_node", "seq", "method").createOrReplaceTempView("raw_cdn_log")
try:
    spark.sql(sql).collect()
    print("spark: no error")
except Exception as e:
    print("spark:", " ".join(str(e).split())[:400])
spark.stop()
"#;
    for (case, why) in [
        (
            "status",
            "pii-audit: a cache_status neither of origin nor cached at seq 1",
        ),
        ("path", "pii-audit: an empty path at seq 1"),
    ] {
        let out = Std::new(python())
            .args(["-c", script])
            .arg(sql_dir().join("derive_owners.sql"))
            .arg(case)
            .current_dir(dir.path())
            .output()
            .expect("python runs");
        let text = String::from_utf8_lossy(&out.stdout);
        let lines: Vec<&str> = text.lines().filter(|l| l.contains(": ")).collect();
        let duck = lines
            .iter()
            .find(|l| l.starts_with("duckdb:"))
            .unwrap_or(&"");
        let spark = lines
            .iter()
            .find(|l| l.starts_with("spark:"))
            .unwrap_or(&"");
        assert!(
            duck.contains(why),
            "{case}: {text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            spark.contains(why),
            "{case}: {text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn reports_on_sparks_folder_equal_the_binarys() {
    if !spark_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    pii()
        .args(["generate", "--users", "300", "--rows", "20000", "--cdn"])
        .args(["--seed", "19", "--out-dir"])
        .arg(d)
        .assert()
        .success();
    let (inv, reg) = (d.join("inventory.yaml"), d.join("registered.csv"));
    let derived = d.join("derived.parquet");
    pii()
        .args(["derive-owners", "-e"])
        .arg(d.join("cdn.parquet"))
        .arg("-o")
        .arg(&derived)
        .assert()
        .success();
    let chain = d.join("lake");
    run_python(&[
        sql_dir().join("spark_chain.py").as_os_str(),
        d.join("cdn.parquet").as_os_str(),
        chain.as_os_str(),
        "--from".as_ref(),
        WINDOW[1].as_ref(),
        "--to".as_ref(),
        WINDOW[3].as_ref(),
    ]);
    let aggregated = chain.join("aggregated");
    assert!(aggregated.join("_SUCCESS").exists());
    // The same chain with the spark-sql CLI (installed beside PySpark's Python).
    let cli = d.join("cli");
    let mut path = std::env::var_os("PATH").unwrap_or_default();
    if let Some(bin) = Path::new(&python())
        .parent()
        .filter(|b| b.join("spark-sql").exists())
    {
        let mut dirs = vec![bin.to_path_buf()];
        dirs.extend(std::env::split_paths(&path));
        path = std::env::join_paths(dirs).unwrap();
    }
    // Relative paths from the caller's folder, which the CLI's metastore must not touch.
    let caller = d.join("caller");
    std::fs::create_dir(&caller).unwrap();
    ran(Std::new("bash")
        .arg(sql_dir().join("spark_sql_chain.sh"))
        .args(["../cdn.parquet", "../cli"])
        .args([WINDOW[1], WINDOW[3], "--master", "local[2]"])
        .current_dir(&caller)
        .env("PATH", path));
    let left: Vec<_> = std::fs::read_dir(&caller).unwrap().collect();
    assert!(
        left.is_empty(),
        "spark-sql left files in the caller's folder: {left:?}"
    );
    let report = |kind: &str, log: &Path| -> String {
        let mut command = pii();
        command
            .args(["report", kind, "-i"])
            .arg(&inv)
            .arg("-e")
            .arg(log)
            .arg("-r")
            .arg(&reg)
            .args(WINDOW);
        super::stdout_of(&mut command)
    };
    for kind in ["users", "fields", "pages", "unmapped", "summary"] {
        let binary = report(kind, &derived);
        assert!(binary.lines().count() > 2, "{kind}: {binary}");
        assert_eq!(binary, report(kind, &aggregated), "{kind}");
        assert_eq!(
            binary,
            report(kind, &cli.join("aggregated")),
            "{kind}, spark-sql"
        );
    }
    // Spark's derived folder (part files, _SUCCESS, .crc) opens too, and in the TUI.
    assert_eq!(
        report("users", &derived),
        report("users", &chain.join("derived"))
    );
    let options = pii_audit::load::Options::new(inv.clone(), &aggregated);
    let inputs = pii_audit::load::Inputs::load_quiet(&options).unwrap();
    let (data, _) = pii_audit::tui::data::compute(&inputs, &mut |_| {}).unwrap();
    assert!(!data.users.is_empty());
}
