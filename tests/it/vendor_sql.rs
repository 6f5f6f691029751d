//! The vendor SQL (`sql/cloudfront_input.sql`, `sql/cloudflare_input.sql` and
//! `sql/derive_owners_delivered.sql`) on DuckDB and on Spark (local mode, through
//! `sql/spark_delivered.py`) gives, row for row, what `pii-audit derive-owners
//! --log-format cloudfront|cloudflare` gives on the same generated files: attribution,
//! owner, origin time and candidates, and per cache node the counts of each reason the
//! binary prints. The files are loaded as the vendor's table: CloudFront's gzip files as
//! AWS's Athena table `cloudfront_standard_logs` (tab-separated, the two header lines
//! skipped, its column names and types), Cloudflare's NDJSON as read by each engine.

use std::path::{Path, PathBuf};
use std::process::Command as Std;

use polars::prelude::*;

use super::spark::read;
use super::{pii, python};

/// Whether Java, PySpark and DuckDB are here (a missing one fails under CI=true).
fn engines_present() -> bool {
    crate::tool_present("java", "-version") && crate::python_modules_present(&["pyspark", "duckdb"])
}

fn sql_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sql")
}

/// Loads the vendor's files as its table in DuckDB and in Spark, runs the SQL with the
/// settings of each run (label, max_age_us or `-`, cache key or `-`), writes
/// `OUT/LABEL-duckdb.parquet` and `OUT/LABEL-spark/`, and prints each engine's counts per
/// node in the words of `derive-owners`' output.
const HARNESS: &str = r##"
import sys, os
vendor, logs, sql_dir, out = sys.argv[1:5]
runs = [r.split(",") for r in sys.argv[5:]]
sys.path.insert(0, sql_dir)
import spark_delivered
FIELDS = ["date", "time", "x_edge_location", "sc_bytes", "c_ip", "cs_method", "cs_host",
    "cs_uri_stem", "sc_status", "cs_referrer", "cs_user_agent", "cs_uri_query", "cs_cookie",
    "x_edge_result_type", "x_edge_request_id", "x_host_header", "cs_protocol", "cs_bytes",
    "time_taken", "x_forwarded_for", "ssl_protocol", "ssl_cipher", "x_edge_response_result_type",
    "cs_protocol_version", "fle_status", "fle_encrypted_fields", "c_port", "time_to_first_byte",
    "x_edge_detailed_result_type", "sc_content_type", "sc_content_len", "sc_range_start",
    "sc_range_end"]
TYPES = {"date": "DATE", "sc_bytes": "BIGINT", "sc_status": "INT", "cs_bytes": "BIGINT",
    "time_taken": "FLOAT", "fle_encrypted_fields": "INT", "c_port": "INT",
    "time_to_first_byte": "FLOAT", "sc_content_len": "BIGINT", "sc_range_start": "BIGINT",
    "sc_range_end": "BIGINT"}
# AWS's table: each column of its CREATE TABLE's type; a value not of the type (`-`) is
# NULL, as LazySimpleSerDe reads it.
athena = "SELECT " + ", ".join(
    f"TRY_CAST({f} AS {TYPES[f]}) AS {f}" if f in TYPES else f for f in FIELDS
) + " FROM cloudfront_text"

def settings(max_age, key):
    s = {}
    if max_age != "-":
        s["CAST(NULL AS BIGINT) AS max_age_us"] = f"CAST({max_age} AS BIGINT) AS max_age_us"
    if key != "-":
        default = "'host+path' AS cache_key" if vendor == "cloudfront" else "'host+path+query' AS cache_key"
        s[default] = f"'{key}' AS cache_key"
    return s

def apply(text, s):
    for old, new in s.items():
        if old in text:
            text = text.replace(old, new, 1)
    return text

COUNTS = """SELECT COALESCE(cache_node, '') AS node,
  SUM(CASE WHEN attribution = 'origin' THEN 1 ELSE 0 END),
  SUM(CASE WHEN attribution = 'cached' THEN 1 ELSE 0 END),
  SUM(CASE WHEN attribution = 'ambiguous' THEN 1 ELSE 0 END),
  SUM(CASE WHEN reason = 'clock' THEN 1 ELSE 0 END),
  SUM(CASE WHEN reason = 'tier' THEN 1 ELSE 0 END),
  SUM(CASE WHEN reason = 'status' THEN 1 ELSE 0 END),
  SUM(CASE WHEN attribution = 'unattributed' THEN 1 ELSE 0 END),
  SUM(CASE WHEN reason = 'no_fill' THEN 1 ELSE 0 END),
  SUM(CASE WHEN reason = 'too_old' THEN 1 ELSE 0 END),
  SUM(CASE WHEN reason = 'too_many' THEN 1 ELSE 0 END),
  SUM(CASE WHEN attribution = 'no_page' THEN 1 ELSE 0 END)
FROM derived GROUP BY COALESCE(cache_node, '')"""

def said(engine, label, rows):
    for r in rows:
        print(f"{label} {engine}:   node {r[0]}: origin {r[1]}, cached {r[2]}, ambiguous {r[3]} "
              f"(clock {r[4]}, tier {r[5]}, status {r[6]}), unattributed {r[7]} (no origin {r[8]}, "
              f"too old {r[9]}, too many {r[10]}), no page {r[11]}")

import duckdb
c = duckdb.connect()
c.sql("SET TimeZone='UTC'")
if vendor == "cloudfront":
    columns = "{" + ", ".join(f"'{f}': 'VARCHAR'" for f in FIELDS) + "}"
    c.sql(f"CREATE VIEW cloudfront_text AS SELECT * FROM read_csv('{logs}/*', delim='\t', "
          f"skip=2, header=false, quote='', escape='', columns={columns})")
    c.sql(f"CREATE VIEW cloudfront_standard_logs AS {athena}")
else:
    c.sql(f"CREATE VIEW cloudflare_http_requests AS SELECT * FROM "
          f"read_json('{logs}/**/*.gz', format='newline_delimited')")
view = open(os.path.join(sql_dir, f"{vendor}_input.sql")).read()
rule = open(os.path.join(sql_dir, "derive_owners_delivered.sql")).read()
for label, max_age, key in runs:
    s = settings(max_age, key)
    c.sql(f"CREATE OR REPLACE VIEW delivered_cdn_log AS {apply(view, s)}")
    c.sql(f"COPY ({apply(rule, s)}) TO '{out}/{label}-duckdb.parquet' (FORMAT parquet)")
    c.sql(f"CREATE OR REPLACE VIEW derived AS SELECT * FROM '{out}/{label}-duckdb.parquet'")
    said("duckdb", label, c.sql(COUNTS).fetchall())

from pyspark.sql import SparkSession
from pyspark.sql.types import StructType, StructField, StringType
spark = (SparkSession.builder.master("local[2]").appName("pii-audit vendor SQL")
    .config("spark.ui.enabled", "false").config("spark.sql.session.timeZone", "UTC")
    .config("spark.sql.shuffle.partitions", "2")
    .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS").getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
if vendor == "cloudfront":
    schema = StructType([StructField(f, StringType()) for f in FIELDS])
    spark.read.csv(logs, sep="\t", comment="#", quote="", schema=schema) \
        .createOrReplaceTempView("cloudfront_text")
    spark.sql(athena).createOrReplaceTempView("cloudfront_standard_logs")
else:
    spark.read.option("recursiveFileLookup", "true").json(logs) \
        .createOrReplaceTempView("cloudflare_http_requests")
for label, max_age, key in runs:
    derived = spark_delivered.derive(spark, vendor, settings(max_age, key))
    derived.coalesce(1).write.mode("overwrite").parquet(f"{out}/{label}-spark")
    derived.createOrReplaceTempView("derived")
    said("spark", label, spark.sql(COUNTS).collect())
spark.stop()
"##;

/// A derive-owners run: its label and flags, and the SQL settings that mean the same.
struct Run {
    label: &'static str,
    flags: &'static [&'static str],
    max_age_us: &'static str,
    key: &'static str,
}

const RUNS: [Run; 2] = [
    // The binary's defaults: the vendor's cache key, no max age, 100 candidates.
    Run {
        label: "defaults",
        flags: &[],
        max_age_us: "-",
        key: "-",
    },
    // The generated README's flags.
    Run {
        label: "aged",
        flags: &["--max-age", "70s", "--cache-key", "path"],
        max_age_us: "70000000",
        key: "path",
    },
];

/// The derived log's columns, times as µs, sorted by every column but the candidates.
fn comparable(df: &DataFrame) -> DataFrame {
    let keys = [
        "ts",
        "path",
        "owner_id",
        "viewer_id",
        "cache_status",
        "origin_ts",
        "cache_node",
        "attribution",
    ];
    let micros = |c: &str| {
        col(c)
            .cast(DataType::Datetime(TimeUnit::Microseconds, None))
            .cast(DataType::Int64)
    };
    df.clone()
        .lazy()
        .select([
            micros("ts"),
            col("path"),
            col("owner_id"),
            col("viewer_id"),
            col("cache_status"),
            micros("origin_ts"),
            col("cache_node"),
            col("attribution"),
            col("owner_candidates").cast(DataType::List(Box::new(DataType::String))),
        ])
        .sort(keys, SortMultipleOptions::default().with_nulls_last(true))
        .collect()
        .unwrap()
}

/// How many rows of `df` have `attribution`.
fn count(df: &DataFrame, attribution: &str) -> usize {
    df.column("attribution")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .filter(|a| *a == Some(attribution))
        .count()
}

/// Generates `format`, derives it with the binary and with the SQL on both engines for
/// each run, and holds every row and every node's counts to the binary's.
fn same_as_the_binary(format: &str) -> Vec<DataFrame> {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    pii()
        .args(["generate", "--users", "100", "--rows", "3000", "--cdn"])
        .args(["--log-format", format, "--seed", "7", "--out-dir"])
        .arg(d)
        .assert()
        .success();
    let logs = d.join("cdn");
    let mut said = Vec::new();
    let mut binaries = Vec::new();
    for run in &RUNS {
        let out = d.join(format!("{}-binary.parquet", run.label));
        let mut command = pii();
        command
            .arg("derive-owners")
            .arg("-e")
            .arg(&logs)
            .args(["--log-format", format, "--viewer", "cookie:session"])
            .args(run.flags)
            .arg("-o")
            .arg(&out);
        let stdout = super::stdout_of(&mut command);
        said.push(stdout);
        binaries.push(read(&out));
    }
    let mut harness = Std::new(python());
    harness
        .args(["-c", HARNESS, format])
        .arg(&logs)
        .arg(sql_dir())
        .arg(d);
    for run in &RUNS {
        harness.arg(format!("{},{},{}", run.label, run.max_age_us, run.key));
    }
    let output = harness.output().expect("python runs");
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for ((run, binary), said) in RUNS.iter().zip(&binaries).zip(&said) {
        let expected = comparable(binary);
        for engine in ["duckdb", "spark"] {
            let path = match engine {
                "duckdb" => d.join(format!("{}-duckdb.parquet", run.label)),
                _ => d.join(format!("{}-spark", run.label)),
            };
            let got = comparable(&read(&path));
            assert_eq!(
                got.height(),
                expected.height(),
                "{format} {} {engine}",
                run.label
            );
            assert!(
                got.equals_missing(&expected),
                "{format} {} {engine}: rows differ\n{got}\n{expected}",
                run.label
            );
            // Every node's counts, reasons included, as the binary says them.
            let prefix = format!("{} {engine}: ", run.label);
            let mut sql_lines: Vec<&str> = stdout
                .lines()
                .filter_map(|l| l.strip_prefix(&prefix))
                .collect();
            let mut binary_lines: Vec<&str> =
                said.lines().filter(|l| l.starts_with("  node ")).collect();
            sql_lines.sort_unstable();
            binary_lines.sort_unstable();
            assert!(!binary_lines.is_empty(), "{said}");
            assert_eq!(sql_lines, binary_lines, "{format} {} {engine}", run.label);
        }
    }
    binaries
}

#[test]
fn cloudfront_sql_derives_as_the_binary_does() {
    if !engines_present() {
        return;
    }
    let [defaults, aged] = <[DataFrame; 2]>::try_from(same_as_the_binary("cloudfront")).unwrap();
    // The tier makes misses ambiguous (with candidates); without --max-age hot keys reach
    // past 100 candidates; with it, some hits are one owner's.
    assert!(count(&defaults, "ambiguous") > 0);
    assert!(count(&defaults, "unattributed") > 0);
    assert!(count(&aged, "cached") > 0 && count(&aged, "ambiguous") > 0);
}

#[test]
fn cloudflare_sql_derives_as_the_binary_does() {
    if !engines_present() {
        return;
    }
    let [defaults, aged] = <[DataFrame; 2]>::try_from(same_as_the_binary("cloudflare")).unwrap();
    // Workers' visitor lines carry no page; the exact clock still leaves a few ambiguous
    // by the clock, and hits with no origin before them are unattributed.
    assert!(count(&defaults, "no_page") > 0);
    assert!(count(&defaults, "ambiguous") > 0 && count(&defaults, "unattributed") > 0);
    assert!(count(&aged, "cached") > 0);
}

/// Loads one vendor file as its table in DuckDB and runs the vendor SQL on it; prints the
/// first line of the error, if any.
const REFUSAL: &str = r##"
import sys, os, duckdb
vendor, path, sql_dir = sys.argv[1:4]
c = duckdb.connect()
c.sql("SET TimeZone='UTC'")
if vendor == "cloudfront":
    c.sql(f"CREATE VIEW cloudfront_standard_logs AS SELECT TRY_CAST(\"date\" AS DATE) AS \"date\", * EXCLUDE (\"date\", sc_status, time_taken), TRY_CAST(sc_status AS INT) AS sc_status, TRY_CAST(time_taken AS FLOAT) AS time_taken FROM read_csv('{path}', delim='\t', skip=2, header=false, quote='', escape='', all_varchar=true, names=['date', 'time', 'x_edge_location', 'sc_bytes', 'c_ip', 'cs_method', 'cs_host', 'cs_uri_stem', 'sc_status', 'cs_referrer', 'cs_user_agent', 'cs_uri_query', 'cs_cookie', 'x_edge_result_type', 'x_edge_request_id', 'x_host_header', 'cs_protocol', 'cs_bytes', 'time_taken', 'x_forwarded_for', 'ssl_protocol', 'ssl_cipher', 'x_edge_response_result_type', 'cs_protocol_version', 'fle_status', 'fle_encrypted_fields', 'c_port', 'time_to_first_byte', 'x_edge_detailed_result_type', 'sc_content_type', 'sc_content_len', 'sc_range_start', 'sc_range_end'])")
else:
    c.sql(f"CREATE VIEW cloudflare_http_requests AS SELECT * FROM read_json('{path}', format='newline_delimited')")
c.sql(f"CREATE VIEW delivered_cdn_log AS {open(os.path.join(sql_dir, vendor + '_input.sql')).read()}")
try:
    c.sql(open(os.path.join(sql_dir, "derive_owners_delivered.sql")).read()).fetchall()
    print("no error")
except Exception as e:
    print(str(e).splitlines()[0])
"##;

/// A cache status the vendor does not document stops the SQL, naming the field and the
/// line's request id, as the binary refuses the file (exit 2, naming the field).
#[test]
fn the_vendor_sql_refuses_an_undocumented_cache_status() {
    if !crate::python_modules_present(&["duckdb"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let line = |status: &str, id: &str| {
        [
            "2017-06-21",
            "21:00:01",
            "NRT57-C1",
            "100",
            "192.0.2.1",
            "GET",
            "d111.cloudfront.net",
            "/my/",
            "200",
            "-",
            "UA",
            "-",
            "session=u-1",
            status,
            id,
            "shop.example",
            "https",
            "10",
            "0.050",
            "-",
            "TLSv1.3",
            "TLS_AES_128_GCM_SHA256",
            status,
            "HTTP/2.0",
            "-",
            "-",
            "443",
            "0.040",
            status,
            "text/html",
            "100",
            "-",
            "-",
        ]
        .join("\t")
    };
    let header = "#Version: 1.0\n#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end";
    let cloudfront = dir.path().join("E2EXAMPLE.2017-06-21-21.a1b2c3d4");
    let text = format!(
        "{header}\n{}\n{}\n",
        line("Miss", "REQ1"),
        line("Warm", "REQ2")
    );
    std::fs::write(&cloudfront, text).unwrap();
    let json = |status: &str, ray: &str| {
        format!(
            r#"{{"EdgeStartTimestamp":1498078800000000000,"RayID":"{ray}","ParentRayID":"","ClientRequestSource":"eyeball","WorkerSubrequest":false,"ClientRequestMethod":"GET","ClientRequestHost":"shop.example","ClientRequestURI":"/my/","EdgeResponseStatus":200,"CacheCacheStatus":"{status}","CacheTieredFill":false,"UpperTierColoID":0,"EdgeColoCode":"NRT","Cookies":{{"session":"u-1"}}}}"#
        )
    };
    let cloudflare = dir.path().join("cloudflare.json");
    let text = format!("{}\n{}\n", json("miss", "a1"), json("warm", "a2"));
    std::fs::write(&cloudflare, text).unwrap();
    for (vendor, path, field, why) in [
        (
            "cloudfront",
            &cloudfront,
            "x-edge-result-type",
            "pii-audit: x_edge_result_type is not a documented value at REQ2",
        ),
        (
            "cloudflare",
            &cloudflare,
            "CacheCacheStatus",
            "pii-audit: CacheCacheStatus is not a documented value at a2",
        ),
    ] {
        let refused = pii()
            .args(["derive-owners", "-e"])
            .arg(path)
            .args(["--log-format", vendor, "--viewer", "cookie:session", "-o"])
            .arg(dir.path().join("out.parquet"))
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&refused.get_output().stderr).to_string();
        assert!(stderr.contains(field), "{vendor}: {stderr}");
        let out = Std::new(python())
            .args(["-c", REFUSAL, vendor])
            .arg(path)
            .arg(sql_dir())
            .output()
            .expect("python runs");
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(
            said.contains(why),
            "{vendor}: {said}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
