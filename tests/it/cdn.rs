//! Deriving owners from a CDN log: every rule on hand-computed fixtures, the CLI's errors
//! and outputs, and the generator's simulated cache as ground truth.

use crate::{bad, pii};
use std::path::Path;

use polars::prelude::*;
use predicates::prelude::*;

use pii_audit::cdn::{self, CacheKey, Counts, Options};
use pii_audit::load;
use pii_audit::load::Inputs;
use pii_audit::tables::{render, Format};

use crate::write;

/// Derives owners from a CSV CDN log given as text; returns the derived log as CSV
/// (ts, path, owner_id, viewer_id, cache_status, origin_ts) and the counts.
fn derive(log: &str, options: &Options) -> (String, Counts) {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "cdn.csv", log);
    let zone = "UTC".parse().unwrap();
    let read = pii_audit::ingest::ReadOptions {
        zone,
        ..Default::default()
    };
    let derived = cdn::derive(&[path], &read, options).unwrap();
    let out = dir.path().join("derived.csv");
    cdn::write(&derived, &out, &zone).unwrap();
    let csv = std::fs::read_to_string(out).unwrap();
    // A contract log's attribution is origin, cached or unattributed, with no candidates
    // and no node: the columns the rules below are about are the first six.
    let mut six = String::new();
    for line in csv.lines() {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells.len(), 9, "{line}");
        if !line.starts_with("ts,") {
            // Cached from an unidentified visitor's page is still cached (nobody's page).
            let expected = match (cells[5], cells[4].to_uppercase().as_str()) {
                (_, "MISS" | "PASS") => "origin",
                ("", _) => "unattributed",
                _ => "cached",
            };
            assert_eq!((cells[6], cells[7], cells[8]), ("", expected, ""), "{line}");
        }
        six.push_str(&cells[..6].join(","));
        six.push('\n');
    }
    (six, derived.counts)
}

/// The owner_id and origin_ts columns only, one `owner@origin_ts-seconds` per row.
fn owners(csv: &str) -> Vec<String> {
    csv.lines()
        .skip(1)
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            let origin = cells[5].get(17..19).unwrap_or("");
            format!("{}@{}", cells[2], origin)
        })
        .collect()
}

const HEADER: &str = "ts,path,viewer_id,cache_status\n";

#[test]
fn origin_then_hits() {
    // a's origin response at :00 is what b and c get from the cache (c's query is ignored
    // by the default `path` key); the full derived log is written out by hand.
    let (csv, counts) = derive(
        &format!(
            "{HEADER}2017-06-22T10:00:00Z,/my/,a,MISS\n2017-06-22T10:00:01Z,/my/,b,HIT\n2017-06-22T10:00:02Z,/my/?x=1,c,hit\n"
        ),
        &Options::default(),
    );
    assert_eq!(
        csv,
        "ts,path,owner_id,viewer_id,cache_status,origin_ts\n\
         2017-06-22T10:00:00+00:00,/my/,a,a,MISS,2017-06-22T10:00:00+00:00\n\
         2017-06-22T10:00:01+00:00,/my/,a,b,HIT,2017-06-22T10:00:00+00:00\n\
         2017-06-22T10:00:02+00:00,/my/?x=1,a,c,hit,2017-06-22T10:00:00+00:00\n"
    );
    assert_eq!(
        counts,
        Counts {
            responses: 3,
            origin: 1,
            cached: 2,
            ambiguous: 0,
            unattributed: 0,
            too_old: 0,
            no_page: 0,
            ..Counts::default()
        }
    );
}

#[test]
fn two_origins_interleaved_with_hits() {
    // /my/: a's page at :00 (b gets it), c's at :02 (d and a get it); PASS is an origin
    // status too: e's own page at :04, then f gets e's. Another key's origins never count.
    let (csv, counts) = derive(
        &format!(
            "{HEADER}2017-06-22T10:00:00Z,/my/,a,MISS\n2017-06-22T10:00:01Z,/my/,b,HIT\n\
             2017-06-22T10:00:02Z,/my/,c,MISS\n2017-06-22T10:00:02.5Z,/other/,x,MISS\n\
             2017-06-22T10:00:03Z,/my/,d,HIT\n2017-06-22T10:00:03.5Z,/my,a,HIT\n\
             2017-06-22T10:00:04Z,https://shop.example/my/,e,PASS\n2017-06-22T10:00:05Z,/my/#top,f,STALE\n"
        ),
        &Options::default(),
    );
    assert_eq!(
        owners(&csv),
        ["a@00", "a@00", "c@02", "x@02", "c@02", "c@02", "e@04", "e@04"]
    );
    assert_eq!(
        (counts.origin, counts.cached, counts.unattributed),
        (4, 4, 0)
    );
}

#[test]
fn query_strings_with_path_and_path_query_keys() {
    // a renders ?tab=1 at :00, b renders ?tab=2 at :01; c asks for ?tab=1 at :02.
    // Keyed on the path, c gets the latest /my/ page: b's. Keyed on path+query: a's.
    // d's ?tab=3 has its own key under path+query, with no origin: unattributed.
    let log = format!(
        "{HEADER}2017-06-22T10:00:00Z,/my/?tab=1,a,MISS\n2017-06-22T10:00:01Z,/my/?tab=2,b,MISS\n\
         2017-06-22T10:00:02Z,/my/?tab=1,c,HIT\n2017-06-22T10:00:03Z,/my/?tab=3#x,d,HIT\n"
    );
    let (by_path, _) = derive(&log, &Options::default());
    assert_eq!(owners(&by_path), ["a@00", "b@01", "b@01", "b@01"]);
    let options = Options {
        cache_key: Some(CacheKey::PathQuery),
        ..Options::default()
    };
    let (by_query, counts) = derive(&log, &options);
    assert_eq!(owners(&by_query), ["a@00", "b@01", "a@00", "@"]);
    assert_eq!(counts.unattributed, 1);
}

#[test]
fn a_hit_before_any_origin_is_unattributed_not_dropped() {
    // b's hit at :00 has no origin before it: kept, empty owner and origin_ts, counted.
    // c's comes after a's origin at :01.
    let (csv, counts) = derive(
        &format!(
            "{HEADER}2017-06-22T10:00:00Z,/my/,b,HIT\n2017-06-22T10:00:01Z,/my/,a,MISS\n2017-06-22T10:00:02Z,/my/,c,HIT\n"
        ),
        &Options::default(),
    );
    assert_eq!(
        csv.lines().nth(1),
        Some("2017-06-22T10:00:00+00:00,/my/,,b,HIT,")
    );
    assert_eq!(owners(&csv), ["@", "a@01", "a@01"]);
    assert_eq!(counts.unattributed, 1);
    assert_eq!(
        counts.unattributed_line(),
        "1 cached responses could not be attributed (kept with an empty owner_id)"
    );
}

#[test]
fn max_age_cuts_a_stale_origin() {
    // a's origin at :00; hits at :20 and :30 (exactly 30 s: still within 30s) and :31.
    let log = format!(
        "{HEADER}2017-06-22T10:00:00Z,/my/,a,MISS\n2017-06-22T10:00:20Z,/my/,b,HIT\n\
         2017-06-22T10:00:30Z,/my/,c,HIT\n2017-06-22T10:00:31Z,/my/,d,HIT\n"
    );
    let with = |age: &str| {
        let options = Options {
            max_age: Some(cdn::parse_duration(age).unwrap()),
            ..Options::default()
        };
        derive(&log, &options)
    };
    let (csv, counts) = with("30s");
    assert_eq!(owners(&csv), ["a@00", "a@00", "a@00", "@"]);
    assert_eq!((counts.unattributed, counts.too_old), (1, 1));
    let (csv, counts) = with("10s");
    assert_eq!(owners(&csv), ["a@00", "@", "@", "@"]);
    assert_eq!((counts.unattributed, counts.too_old), (3, 3));
    assert!(counts
        .unattributed_line()
        .contains("3 of them only to an origin response older than --max-age"));
    // Without --max-age every hit is a's.
    let (csv, _) = derive(&log, &Options::default());
    assert_eq!(owners(&csv), ["a@00", "a@00", "a@00", "a@00"]);
}

#[test]
fn ties_an_origin_at_the_same_instant_counts_as_before() {
    // At :00, b's hit is logged before a's origin and c's after: both get a's page.
    // At :05, d and e are both origins: f's hit at that instant gets the later in the
    // log, e's. g at :05.001 too.
    let (csv, _) = derive(
        &format!(
            "{HEADER}2017-06-22T10:00:00Z,/my/,b,HIT\n2017-06-22T10:00:00Z,/my/,a,MISS\n2017-06-22T10:00:00Z,/my/,c,HIT\n\
             2017-06-22T10:00:05Z,/my/,d,MISS\n2017-06-22T10:00:05Z,/my/,e,MISS\n2017-06-22T10:00:05Z,/my/,f,HIT\n\
             2017-06-22T10:00:05.001Z,/my/,g,HIT\n"
        ),
        &Options::default(),
    );
    assert_eq!(
        owners(&csv),
        ["a@00", "a@00", "a@00", "d@05", "e@05", "e@05", "e@05"]
    );
}

#[test]
fn an_unsorted_log_is_read_by_time() {
    // The file lists c's hit first; by time it follows a's origin and b's origin is later.
    let (csv, _) = derive(
        &format!(
            "{HEADER}2017-06-22T10:00:02Z,/my/,c,HIT\n2017-06-22T10:00:05Z,/my/,b,MISS\n2017-06-22T10:00:00Z,/my/,a,MISS\n"
        ),
        &Options::default(),
    );
    assert_eq!(owners(&csv), ["a@00", "a@00", "b@05"]);
    assert!(csv.lines().nth(2).unwrap().contains(",c,HIT,"));
}

#[test]
fn an_origin_id_is_joined_on_directly() {
    // c's hit names a's request r1, although b's origin is later: the id wins. d names no
    // origin: unattributed. e names r2. An unidentified visitor's origin page is nobody's.
    let (csv, counts) = derive(
        "ts,path,viewer_id,cache_status,req\n2017-06-22T10:00:00Z,/my/,a,MISS,r1\n2017-06-22T10:00:01Z,/my/,b,MISS,r2\n\
         2017-06-22T10:00:02Z,/my/,c,HIT,r1\n2017-06-22T10:00:03Z,/my/,d,HIT,\n2017-06-22T10:00:04Z,/my/,e,HIT,r2\n\
         2017-06-22T10:00:05Z,/my/,,MISS,r3\n2017-06-22T10:00:06Z,/my/,f,HIT,r3\n",
        &Options {
            origin_id: Some("req".into()),
            ..Options::default()
        },
    );
    assert_eq!(
        owners(&csv),
        ["a@00", "b@01", "a@00", "@", "b@01", "@05", "@05"]
    );
    assert_eq!(counts.unattributed, 1);
}

fn derive_cmd(dir: &Path, log: &str, extra: &[&str]) -> assert_cmd::assert::Assert {
    let path = write(dir, "cdn.csv", log);
    pii()
        .args(["derive-owners", "-e"])
        .arg(path)
        .arg("-o")
        .arg(dir.join("out.csv"))
        .args(extra)
        .assert()
}

#[test]
fn bad_cdn_logs_name_file_column_and_row() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    bad(
        derive_cmd(d, "ts,path,viewer_id\n2017-06-22T10:00:00Z,/my/,a\n", &[]),
        &["cdn.csv", "cache_status", "missing required column"],
    );
    bad(
        derive_cmd(
            d,
            &format!(
                "{HEADER}2017-06-22T10:00:00Z,/my/,a,MISS\n2017-06-22T10:00:01Z,/my/,b,EXPIRED\n"
            ),
            &[],
        ),
        &[
            "cdn.csv:3: row 2: cache_status",
            "shaped `AAAAAAA`",
            "--origin-status",
        ],
    );
    bad(
        derive_cmd(d, &format!("{HEADER}2017-06-22T10:00:00Z,/my/,a,\n"), &[]),
        &["cdn.csv:2: row 1: cache_status", "empty cache_status"],
    );
    bad(
        derive_cmd(d, &format!("{HEADER}yesterday,/my/,a,MISS\n"), &[]),
        &["cdn.csv:2: row 1: ts", "unparsable timestamp"],
    );
    bad(
        derive_cmd(
            d,
            "ts,path,viewer_id,cache_status,req\n2017-06-22T10:00:00Z,/my/,a,MISS,r1\n2017-06-22T10:00:01Z,/my/,b,MISS,r1\n",
            &["--origin-id", "req"],
        ),
        &["cdn.csv:3: row 2: req", "same origin id"],
    );
    bad(
        derive_cmd(
            d,
            &format!("{HEADER}2017-06-22T10:00:00Z,/my/,a,MISS\n"),
            &["--origin-id", "req"],
        ),
        &["cdn.csv: req", "missing required column"],
    );
    // EXPIRED classified as an origin status is accepted.
    derive_cmd(
        d,
        &format!("{HEADER}2017-06-22T10:00:00Z,/my/,a,EXPIRED\n"),
        &["--origin-status", "miss,pass,expired"],
    )
    .success();
}

#[test]
fn bad_flags_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let log = format!("{HEADER}2017-06-22T10:00:00Z,/my/,a,MISS\n");
    bad(
        derive_cmd(d, &log, &["--max-age", "5 minutes"]),
        &["--max-age"],
    );
    bad(
        derive_cmd(d, &log, &["--cache-key", "host"]),
        &["--cache-key"],
    );
    bad(
        derive_cmd(d, &log, &["--origin-status", "MISS,HIT"]),
        &["\"HIT\" is both"],
    );
    let cdn = write(d, "cdn.csv", &log);
    bad(
        pii()
            .args(["derive-owners", "-e"])
            .arg(&cdn)
            .arg("-o")
            .arg(d.join("out.csv.gz"))
            .assert(),
        &["not gzip"],
    );
    // Derivation flags without --derive-owners on a report.
    let inv = write(d, "inv.yaml", INVENTORY);
    bad(
        pii()
            .args(["report", "summary", "-i"])
            .arg(&inv)
            .arg("-e")
            .arg(&cdn)
            .args(["--max-age", "30s"])
            .assert(),
        &["need --derive-owners"],
    );
}

#[test]
fn derive_owners_writes_every_format_owner_only_and_counts_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cdn = write(
        d,
        "cdn.csv",
        &format!("{HEADER}2017-06-22T10:00:00Z,/my/,b,HIT\n2017-06-22T10:00:01Z,/my/,a,MISS\n2017-06-22T10:00:02Z,/my/,c,HIT\n"),
    );
    for name in ["out.csv", "out.parquet", "out.ndjson"] {
        let out = d.join(name);
        pii()
            .args(["derive-owners", "-e"])
            .arg(&cdn)
            .arg("-o")
            .arg(&out)
            .args(["--tz", "+09:00"])
            .assert()
            .success()
            .stderr(
                "1 cached responses could not be attributed (kept with an empty owner_id)\n\
                 hint: 1 unattributed with no origin response before them in the log: a log that starts earlier names them\n",
            )
            .stdout(predicate::str::contains(
                "3 responses: 1 from the origin, 2 from the cache (1 attributed, 0 ambiguous, 1 unattributed), 0 without a page",
            ));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&out).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{name}");
        }
        // Every format reads back as the same exposure log.
        let inv = write(d, "inv.yaml", INVENTORY);
        pii()
            .args(["report", "users", "-i"])
            .arg(&inv)
            .arg("-e")
            .arg(&out)
            .assert()
            .success()
            .stdout(predicate::str::starts_with(
                "user_id,tier,exposed_fields,potential_fields,exposures,distinct_viewers,first_exposed,last_exposed,pages\n\
                 a,direct,name,name,1,1,",
            ));
    }
    let text = std::fs::read_to_string(d.join("out.csv")).unwrap();
    assert_eq!(
        text.lines().nth(3),
        Some("2017-06-22T19:00:02+09:00,/my/,a,c,HIT,2017-06-22T19:00:01+09:00,,cached,")
    );
}

const INVENTORY: &str = "version: 1\nfields:\n  name: {label: Name, category: user.name, direct_notice: true}\npages:\n  - {id: home, route: /my/, fields: [name]}\n";

fn input_args(inventory: &Path, log: &Path) -> load::Options {
    load::Options {
        derive: Some(Default::default()),
        ..load::Options::new(inventory.to_path_buf(), log)
    }
}

#[test]
fn reports_run_straight_on_a_cdn_log_and_origins_before_the_window_count() {
    // a's origin at 09:59 (before --from) attributes b's hit at 10:00; x's hit at 10:01
    // has no origin (unattributed, in the window); c's at 10:02 gets a's page too.
    let dir = tempfile::tempdir().unwrap();
    let inv = write(dir.path(), "inv.yaml", INVENTORY);
    let log = write(
        dir.path(),
        "cdn.csv",
        &format!(
            "{HEADER}2017-06-22T09:59:00Z,/my/,a,MISS\n2017-06-22T10:00:00Z,/my/,b,HIT\n\
             2017-06-22T10:01:00Z,/other/,x,HIT\n2017-06-22T10:02:00Z,/my/,c,HIT\n"
        ),
    );
    let mut args = input_args(&inv, &log);
    args.from = Some("2017-06-22T10:00:00Z".into());
    let inputs = Inputs::load_quiet(&args).unwrap();
    let audit = inputs.audit().unwrap();
    let users =
        String::from_utf8(render(&audit.users().unwrap().df, Format::Csv, &inputs.zone).unwrap())
            .unwrap();
    assert_eq!(
        users.lines().nth(1),
        Some("a,direct,name,name,2,2,2017-06-22T10:00:00+00:00,2017-06-22T10:02:00+00:00,home")
    );
    let (counts, _) = inputs.derivation.unwrap();
    assert_eq!(
        (counts.responses, counts.cached, counts.unattributed),
        (3, 3, 1)
    );
    assert_eq!(inputs.log.rows_without_owner, 1);
    // The summary says so, and stderr has the line.
    pii()
        .args(["report", "summary", "--derive-owners", "-i"])
        .arg(&inv)
        .arg("-e")
        .arg(&log)
        .args(["--from", "2017-06-22T10:00:00Z"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "cached_responses_unattributed,\"1 (could not be attributed: kept with an empty owner_id and not counted as exposures; no origin response before them 1, older than --max-age 0, more than --max-candidates owners 0)\"",
        ))
        .stdout(predicate::str::contains("exposures,2\n"))
        .stderr(predicate::str::contains(
            "warning: 1 cached responses could not be attributed",
        ));
}

/// `generate --cdn` into `dir`.
fn generate_cdn(dir: &Path, users: &str, rows: &str, format: &str) {
    pii()
        .args([
            "generate", "--cdn", "--users", users, "--rows", rows, "--seed", "8",
        ])
        .args(["--log-format", format, "--out-dir"])
        .arg(dir)
        .assert()
        .success()
        .stdout(predicate::str::contains("(the CDN's view: no owner_id)"));
}

fn read_parquet(path: &Path) -> DataFrame {
    let file = std::fs::File::open(path).unwrap();
    ParquetReader::new(file).finish().unwrap()
}

#[test]
fn derived_owners_equal_the_simulated_truth_and_so_do_the_reports() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    generate_cdn(d, "400", "60000", "parquet");
    let truth = read_parquet(&d.join("exposure.parquet"));
    let cdn_log = read_parquet(&d.join("cdn.parquet"));
    assert!(
        cdn_log.column("owner_id").is_err(),
        "the CDN view has no owner_id"
    );
    let zone = "UTC".parse().unwrap();
    let no_owner = |df: &DataFrame| -> DataFrame {
        df.clone()
            .lazy()
            .select([
                col("ts"),
                col("path"),
                col("owner_id").fill_null(lit("")),
                col("viewer_id"),
            ])
            .collect()
            .unwrap()
    };
    let id = Options {
        origin_id: Some("origin_request_id".into()),
        ..Options::default()
    };
    for options in [Options::default(), id] {
        let read = pii_audit::ingest::ReadOptions {
            zone,
            ..Default::default()
        };
        let derived = cdn::derive(&[d.join("cdn.parquet")], &read, &options).unwrap();
        assert_eq!(derived.counts.unattributed, 0);
        // Row for row: same time, path, viewer, and the owner the simulation knows.
        assert!(no_owner(&derived.table().unwrap()).equals_missing(&no_owner(&truth)));
    }
    // The simulation leaks: many cached responses carried someone else's page.
    let leaks = truth
        .clone()
        .lazy()
        .filter(
            col("owner_id")
                .neq(col("viewer_id"))
                .and(col("owner_id").neq(lit(""))),
        )
        .collect()
        .unwrap()
        .height();
    assert!(leaks > 100, "only {leaks} cross-user responses");

    // Every report from the CDN log equals the report from the true exposure log.
    let inv = d.join("inventory.yaml");
    let mut truth_args = input_args(&inv, &d.join("exposure.parquet"));
    truth_args.derive = None;
    truth_args.registered = Some(d.join("registered.csv"));
    truth_args.from = Some("2017-06-22T09:00:00+09:00".into());
    truth_args.to = Some("2017-06-22T15:00:00+09:00".into());
    let mut cdn_args = truth_args.clone();
    cdn_args.derive = Some(Default::default());
    cdn_args.log = vec![d.join("cdn.parquet").display().to_string()];
    let a = Inputs::load_quiet(&truth_args).unwrap();
    let b = Inputs::load_quiet(&cdn_args).unwrap();
    let (a, b) = (a.audit().unwrap(), b.audit().unwrap());
    let csv = |r: pii_audit::audit::Report| {
        String::from_utf8(render(&r.df, Format::Csv, &zone).unwrap()).unwrap()
    };
    assert_eq!(csv(a.users().unwrap()), csv(b.users().unwrap()));
    assert_eq!(csv(a.fields().unwrap()), csv(b.fields().unwrap()));
    assert_eq!(csv(a.pages().unwrap()), csv(b.pages().unwrap()));
    assert_eq!(csv(a.unmapped().unwrap()), csv(b.unmapped().unwrap()));
    assert_eq!(csv(a.timeline().unwrap()), csv(b.timeline().unwrap()));
    let summary = |audit: &pii_audit::audit::Audit| {
        // The CDN log also says when its caches served personal pages (window_suggested_*).
        csv(audit.summary_report().unwrap())
            .lines()
            .filter(|l| !l.starts_with("registered_table,") && !l.starts_with("window_suggested_"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(summary(&a), summary(&b));
    assert!(a.summary().unwrap().exposures > 100);
}

#[test]
fn generate_cdn_is_deterministic_and_text_logs_derive_alike() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    generate_cdn(a.path(), "50", "3000", "csv");
    generate_cdn(b.path(), "50", "3000", "csv");
    for name in ["cdn.csv", "exposure.csv"] {
        assert_eq!(
            std::fs::read(a.path().join(name)).unwrap(),
            std::fs::read(b.path().join(name)).unwrap(),
            "{name}"
        );
    }
    // The CSV CDN log (RFC 3339 text times in JST) derives to the truth too.
    let out = a.path().join("derived.csv");
    pii()
        .args(["derive-owners", "--tz", "Asia/Tokyo", "-e"])
        .arg(a.path().join("cdn.csv"))
        .arg("-o")
        .arg(&out)
        .assert()
        .success()
        .stderr("0 cached responses could not be attributed (kept with an empty owner_id)\n");
    let derived = std::fs::read_to_string(&out).unwrap();
    let truth = std::fs::read_to_string(a.path().join("exposure.csv")).unwrap();
    let first4 = |text: &str| -> Vec<String> {
        text.lines()
            .skip(1)
            .map(|l| l.split(',').take(4).collect::<Vec<_>>().join(","))
            .collect()
    };
    // Times: the generator writes milliseconds, the derived log drops zero fractions; an
    // empty string is quoted by the generator, a null owner is an empty cell.
    let normal = |rows: Vec<String>| -> Vec<String> {
        rows.into_iter()
            .map(|r| r.replace(".000+", "+").replace("\"\"", ""))
            .collect()
    };
    let (derived, truth) = (normal(first4(&derived)), normal(first4(&truth)));
    assert_eq!(derived.len(), truth.len());
    let differing = derived.iter().zip(&truth).filter(|(a, b)| a != b).count();
    assert_eq!(
        differing, 0,
        "rows whose derived owner differs from the truth"
    );
}
