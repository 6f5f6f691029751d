//! Logs written from each vendor's documentation, with owners worked out by hand: tiered
//! caches (CloudFront regional edge caches and Origin Shield, Cloudflare Tiered Cache,
//! Akamai cache parents, Fastly shields), Cloudflare Workers, methods that are not cached,
//! end times with durations, viewers who hang up, host and query keys. The rule
//! (src/cdn/stores.rs): a hit carries its node's latest fill; under a shared tier a miss
//! may be the tier's copy of any page another node fetched, so it lists those owners too.

use std::path::{Path, PathBuf};

use crate::delivered::{gzip, triples};
use crate::{bad, pii, write};

/// `delivered::derive`, checked against the same log derived in partitions of one to three
/// rows (`--memory-limit 1KiB`, less what the tables of distinct texts take): the same
/// output row for row, in the same order. A log of more than three rows is spilled, a
/// Cloudflare one never (its Workers' lines join across cache keys).
fn derive(dir: &Path, log: &Path, args: &[&str]) -> (String, String, String) {
    let got = crate::delivered::derive(dir, log, args);
    let check = tempfile::tempdir().unwrap();
    let (parted, _, spilled) = crate::bounded::same_in_parts(check.path(), log, args, "1KiB");
    assert_eq!(parted, got.0);
    let rows = got.0.lines().count() - 1;
    let cloudflare = args.iter().any(|a| a.starts_with("cloudflare"));
    if cloudflare {
        assert!(!spilled, "{rows} rows, {args:?}");
    } else if rows > 3 {
        assert!(spilled, "{rows} rows, {args:?}");
    }
    got
}

/// CloudFront's 33 fields (standard logs, "Log file fields").
const CF_FIELDS: &str = "date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end";

/// One CloudFront request, as the fields that vary here.
#[derive(Clone, Copy)]
struct Cf {
    /// `time`: when the response ended (on 2017-06-22, UTC).
    time: &'static str,
    edge: &'static str,
    method: &'static str,
    host: &'static str,
    stem: &'static str,
    status: &'static str,
    session: Option<&'static str>,
    result: &'static str,
    response: &'static str,
    detailed: &'static str,
    taken: &'static str,
}

const BASE: Cf = Cf {
    time: "06:00:00",
    edge: "NRT57-C1",
    method: "GET",
    host: "d111111abcdef8.cloudfront.net",
    stem: "/my/",
    status: "200",
    session: None,
    result: "Miss",
    response: "Miss",
    detailed: "Miss",
    taken: "0.000",
};

/// A line of a CloudFront file, tab-separated, `-` for the fields not set.
fn cf_line(r: &Cf) -> String {
    let cookie = r
        .session
        .map_or("-".to_string(), |s| format!("theme=dark;%20session={s}"));
    let values: Vec<String> = CF_FIELDS
        .split(' ')
        .map(|field| match field {
            "date" => "2017-06-22".into(),
            "time" => r.time.into(),
            "x-edge-location" => r.edge.into(),
            "c-ip" => "192.0.2.10".into(),
            "cs-method" => r.method.into(),
            "cs(Host)" => r.host.into(),
            "cs-uri-stem" => r.stem.into(),
            "sc-status" => r.status.into(),
            "cs(User-Agent)" => "Mozilla/5.0%20(X11)".into(),
            "cs(Cookie)" => cookie.clone(),
            "x-edge-result-type" => r.result.into(),
            "x-edge-response-result-type" => r.response.into(),
            "x-edge-detailed-result-type" => r.detailed.into(),
            "time-taken" => r.taken.into(),
            _ => "-".into(),
        })
        .collect();
    values.join("\t")
}

/// A CloudFront folder with one hourly gzip file of `rows`.
fn cloudfront(dir: &Path, rows: &[Cf]) -> PathBuf {
    let folder = dir.join("cf");
    std::fs::create_dir_all(&folder).unwrap();
    let mut text = format!("#Version: 1.0\n#Fields: {CF_FIELDS}\n");
    for row in rows {
        text.push_str(&cf_line(row));
        text.push('\n');
    }
    gzip(&folder, "E2EXAMPLE.2017-06-22-06.a1b2c3d4.gz", &text);
    folder
}

const CF: [&str; 4] = ["--log-format", "cloudfront", "--viewer", "cookie:session"];

/// Origin Shield, a regional edge cache, and the edge hit after it, on CloudFront's
/// defaults (a shared tier behind every edge location; the key the distribution's domain
/// and the path).
#[test]
fn cloudfront_origin_shield_and_regional_edge_caches() {
    let dir = tempfile::tempdir().unwrap();
    let r = |time, edge, stem, who, result, detailed| Cf {
        time,
        edge,
        stem,
        session: Some(who),
        result,
        response: result,
        detailed,
        ..BASE
    };
    let rows = [
        // /o/: alice's miss in Tokyo; bob's request in Osaka is served by Origin Shield
        // ("OriginShieldHit" in x-edge-detailed-result-type): the only page the shield
        // can hold is alice's.
        r("06:00:00", "NRT57-C1", "/o/", "alice", "Miss", "Miss"),
        r(
            "06:00:05",
            "KIX50-C1",
            "/o/",
            "bob",
            "Miss",
            "OriginShieldHit",
        ),
        // /r/: carol's miss in Tokyo, dave's miss in Osaka: a regional edge cache may have
        // answered dave's with carol's page (it logs a Miss either way).
        r("06:00:10", "NRT57-C1", "/r/", "carol", "Miss", "Miss"),
        r("06:00:12", "KIX50-C1", "/r/", "dave", "Miss", "Miss"),
        // erin's hit in Osaka: Osaka's copy (dave's fill, carol's or dave's page) or the
        // regional cache's ("reported as a Hit").
        r("06:00:14", "KIX50-C1", "/r/", "erin", "Hit", "Hit"),
        // OriginShieldHit in x-edge-result-type itself is read too.
        r(
            "06:00:16",
            "NRT12-C2",
            "/o/",
            "frank",
            "OriginShieldHit",
            "OriginShieldHit",
        ),
    ];
    let folder = cloudfront(dir.path(), &rows);
    let (csv, stdout, _) = derive(dir.path(), &folder, &CF);
    assert_eq!(
        triples(&csv),
        [
            "alice|origin|",
            "alice|cached|",
            "carol|origin|",
            "|ambiguous|carol;dave",
            "|ambiguous|carol;dave",
            "alice|cached|",
        ]
    );
    assert!(
        stdout.contains("assumed: cloudfront log, cache topology tiered, cache key host+path"),
        "{stdout}"
    );
    // Told that the regional caches do not store these pages, each edge is its own: dave's
    // miss is his own page and erin gets it. A shield hit then contradicts the topology.
    let edge_only: Vec<Cf> = rows[2..5].to_vec();
    let folder = cloudfront(&dir.path().join("edge"), &edge_only);
    let args = [&CF[..], &["--cache-topology", "edge"]].concat();
    let (csv, _, _) = derive(dir.path(), &folder, &args);
    assert_eq!(
        triples(&csv),
        ["carol|origin|", "dave|origin|", "dave|cached|"]
    );
    let shield = cloudfront(&dir.path().join("shield"), &rows[..2]);
    bad(
        pii()
            .args(["derive-owners", "-e"])
            .arg(&shield)
            .arg("-o")
            .arg(dir.path().join("x.csv"))
            .args(&args)
            .assert(),
        &[
            "E2EXAMPLE.2017-06-22-06.a1b2c3d4.gz:4: x-edge-result-type:",
            "--cache-topology edge",
        ],
    );
}

/// A slow miss logged after the hit it fed, a viewer who hung up on a miss, a POST between
/// a miss and a hit, and the host in the key: one edge, so only these rules are at work.
#[test]
fn cloudfront_times_methods_disconnects_and_hosts() {
    let dir = tempfile::tempdir().unwrap();
    let r = |time, stem, who, result, taken| Cf {
        time,
        stem,
        session: Some(who),
        result,
        response: result,
        detailed: result,
        taken,
        ..BASE
    };
    let rows = [
        // /s/: grace's hit ended at :25 and is logged before frank's miss, which ended at
        // :30 but took 8 s: frank's request arrived at :22, before grace's (:24.998).
        r("06:00:25", "/s/", "grace", "Hit", "0.002"),
        r("06:00:30", "/s/", "frank", "Miss", "8.000"),
        // /d/: heidi hung up mid-download (Error, status 200; the edge had missed and
        // stored the page): ivan's hit is heidi's page.
        Cf {
            result: "Error",
            detailed: "ClientCommError",
            response: "Miss",
            ..r("06:00:40", "/d/", "heidi", "Miss", "0.100")
        },
        r("06:00:42", "/d/", "ivan", "Hit", "0.001"),
        // /p/: judy's page stored; ken's POST went to the origin and was not cached; leo's
        // hit is judy's page.
        r("06:00:50", "/p/", "judy", "Miss", "0.100"),
        Cf {
            method: "POST",
            ..r("06:00:52", "/p/", "ken", "Miss", "0.100")
        },
        r("06:00:54", "/p/", "leo", "Hit", "0.001"),
        // /h/: mia's page on one distribution, nick's hit on another: the distribution's
        // domain is in CloudFront's default key, so nick's hit has no origin before it.
        r("06:00:56", "/h/", "mia", "Miss", "0.100"),
        Cf {
            host: "d222222abcdef8.cloudfront.net",
            ..r("06:00:58", "/h/", "nick", "Hit", "0.001")
        },
    ];
    let folder = cloudfront(dir.path(), &rows);
    let args = [&CF[..], &["--cache-topology", "edge"]].concat();
    let (csv, _, stderr) = derive(dir.path(), &folder, &args);
    // Rows in arrival order: frank (:22) before grace (:24.998).
    assert_eq!(
        triples(&csv),
        [
            "frank|origin|",
            "frank|cached|",
            "heidi|origin|",
            "heidi|cached|",
            "judy|origin|",
            "ken|origin|",
            "judy|cached|",
            "mia|origin|",
            "|unattributed|",
        ],
        "{csv}"
    );
    assert!(
        csv.contains("\n2017-06-22T06:00:22+00:00,/s/,frank,frank,Miss,"),
        "{csv}"
    );
    assert!(
        stderr.contains("1 cached responses could not be attributed"),
        "{stderr}"
    );
    // The POST filling the cache (--fill-methods), and the key without the host.
    let args = [
        &args[..],
        &["--fill-methods", "GET,HEAD,POST", "--cache-key", "path"],
    ]
    .concat();
    let (csv, stdout, _) = derive(dir.path(), &folder, &args);
    assert_eq!(triples(&csv)[6], "ken|cached|");
    assert_eq!(triples(&csv)[8], "mia|cached|");
    assert!(stdout.contains("cache key path"), "{stdout}");
}

/// CloudFront with cookie logging off: `-` in cs(Cookie) on every line. Nobody would be
/// exposed, silently; the derivation stops and says why.
#[test]
fn cloudfront_without_cookie_logging_is_refused_with_the_cause() {
    let dir = tempfile::tempdir().unwrap();
    let rows = [
        Cf { ..BASE },
        Cf {
            time: "06:00:01",
            result: "Hit",
            response: "Hit",
            detailed: "Hit",
            ..BASE
        },
    ];
    let folder = cloudfront(dir.path(), &rows);
    bad(
        pii()
            .args(["derive-owners", "-e"])
            .arg(&folder)
            .arg("-o")
            .arg(dir.path().join("x.csv"))
            .args(CF)
            .assert(),
        &[
            "no response names a viewer (--viewer cookie:session of 2 with a page)",
            "cookie logging is on",
            "--max-unidentified 100%",
        ],
    );
    // Past the share given: one named viewer in three is under 50%.
    let mut three = rows.to_vec();
    three.push(Cf {
        time: "06:00:02",
        session: Some("alice"),
        ..BASE
    });
    let folder = cloudfront(&dir.path().join("some"), &three);
    bad(
        pii()
            .args(["derive-owners", "-e"])
            .arg(&folder)
            .arg("-o")
            .arg(dir.path().join("x.csv"))
            .args(CF)
            .assert(),
        &[
            "2 of 3 responses with a page (66.7%) name no viewer",
            "more than --max-unidentified 50%",
        ],
    );
    let args = [&CF[..], &["--max-unidentified", "70%"]].concat();
    let (_, stdout, _) = derive(dir.path(), &folder, &args);
    assert!(
        stdout.contains("2 of 3 responses with a page named no viewer"),
        "{stdout}"
    );
}

/// CloudFront standard logging v2 as JSON lines and as Parquet (Athena's column names).
#[test]
fn cloudfront_v2_json_and_parquet_are_read() {
    use polars::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let json = "{\"date\":\"2017-06-22\",\"time\":\"06:00:00\",\"x-edge-location\":\"NRT57-C1\",\"cs-method\":\"GET\",\"cs(Host)\":\"d111111abcdef8.cloudfront.net\",\"cs-uri-stem\":\"/my/\",\"sc-status\":\"200\",\"cs(Cookie)\":\"session=alice\",\"x-edge-result-type\":\"Miss\",\"time-taken\":\"0.100\"}\n\
                {\"date\":\"2017-06-22\",\"time\":\"06:00:05\",\"x-edge-location\":\"NRT57-C1\",\"cs-method\":\"GET\",\"cs(Host)\":\"d111111abcdef8.cloudfront.net\",\"cs-uri-stem\":\"/my/\",\"sc-status\":\"200\",\"cs(Cookie)\":\"session=bob\",\"x-edge-result-type\":\"Hit\",\"time-taken\":\"0.001\"}\n";
    let log = write(dir.path(), "E2EXAMPLE.2017-06-22-06.json", json);
    let (csv, _, _) = derive(dir.path(), &log, &CF);
    assert_eq!(triples(&csv), ["alice|origin|", "alice|cached|"]);
    assert!(csv.starts_with(
        "ts,path,owner_id,viewer_id,cache_status,origin_ts,cache_node,attribution,owner_candidates\n2017-06-22T05:59:59.900+00:00,/my/,alice,alice,Miss,"
    ), "{csv}");
    let text = |values: [&str; 2]| Column::new("x".into(), values.to_vec());
    let mut df = DataFrame::new(
        2,
        vec![
            text(["2017-06-22", "2017-06-22"]).with_name("date".into()),
            text(["06:00:00", "06:00:05"]).with_name("time".into()),
            text(["NRT57-C1", "NRT57-C1"]).with_name("x_edge_location".into()),
            text(["GET", "GET"]).with_name("cs_method".into()),
            text(["d1.cloudfront.net", "d1.cloudfront.net"]).with_name("cs_host".into()),
            text(["/my/", "/my/"]).with_name("cs_uri_stem".into()),
            text(["200", "200"]).with_name("sc_status".into()),
            text(["session=alice", "session=bob"]).with_name("cs_cookie".into()),
            text(["Miss", "Hit"]).with_name("x_edge_result_type".into()),
            text(["0.100", "0.001"]).with_name("time_taken".into()),
        ],
    )
    .unwrap();
    let path = dir.path().join("part-0.parquet");
    ParquetWriter::new(std::fs::File::create(&path).unwrap())
        .finish(&mut df)
        .unwrap();
    let (csv, _, _) = derive(dir.path(), &path, &CF);
    assert_eq!(triples(&csv), ["alice|origin|", "alice|cached|"]);
}

/// A CloudFront file whose name's hour lies: it holds responses of another hour. The
/// window would skip it by name; its first and last lines are checked and it is read.
#[test]
fn a_misnamed_cloudfront_file_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("cf");
    std::fs::create_dir_all(&folder).unwrap();
    let inv = write(
        dir.path(),
        "inv.yaml",
        "version: 1\nfields:\n  name: {label: Name, category: user.name, direct_notice: true}\npages:\n  - {id: my, route: /my/, fields: [name]}\n",
    );
    let rows = [
        Cf {
            time: "06:00:00",
            session: Some("alice"),
            ..BASE
        },
        Cf {
            time: "06:00:05",
            session: Some("bob"),
            result: "Hit",
            response: "Hit",
            detailed: "Hit",
            ..BASE
        },
    ];
    let mut text = format!("#Version: 1.0\n#Fields: {CF_FIELDS}\n");
    for row in &rows {
        text.push_str(&cf_line(row));
        text.push('\n');
    }
    // Named for 12:00 UTC, after the window (files before --from are read anyway: their
    // origin responses attribute the window's hits), holding 06:00.
    gzip(&folder, "E2EXAMPLE.2017-06-22-12.a1b2c3d4.gz", &text);
    let assert = pii()
        .args(["report", "users", "-i"])
        .arg(&inv)
        .arg("-e")
        .arg(&folder)
        .args(["--derive-owners", "--cache-topology", "edge"])
        .args(CF)
        .args([
            "--from",
            "2017-06-22T05:00:00Z",
            "--to",
            "2017-06-22T07:00:00Z",
        ])
        .assert()
        .success();
    let out = assert.get_output();
    let users = String::from_utf8_lossy(&out.stdout);
    assert!(users.contains("\nalice,direct,name,name,1,1,"), "{users}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "read 1 CDN log file(s) whose name's hour does not match the times they hold"
        ),
        "{stderr}"
    );
}

/// A Cloudflare Logpush line (NDJSON) from its fields.
fn logpush(fields: &[(&str, &str)]) -> String {
    let body: Vec<String> = fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
    format!("{{{}}}\n", body.join(","))
}

const CLOUDFLARE: [&str; 6] = [
    "--log-format",
    "cloudflare",
    "--viewer",
    "cookie:session",
    "--cache-key",
    "path",
];

/// Workers: the visitor's line (`unknown`) and its subrequest's (`edgeWorkerFetch`,
/// `ParentRayID`) are one response; Tiered Cache; `none`; the Cookie header when the
/// Cookies field lacks the cookie; cookie names compared exactly.
#[test]
fn cloudflare_workers_tiers_and_cookies() {
    let dir = tempfile::tempdir().unwrap();
    let line = |t: u32,
                ray: &str,
                parent: &str,
                source: &str,
                status: &str,
                tiered: bool,
                cookies: &str| {
        logpush(&[
            ("EdgeStartTimestamp", &format!("14981112{t:02}000000000")),
            ("RayID", &format!("\"{ray}\"")),
            ("ParentRayID", &format!("\"{parent}\"")),
            ("ClientRequestSource", &format!("\"{source}\"")),
            ("ClientRequestMethod", "\"GET\""),
            ("ClientRequestHost", "\"www.example.com\""),
            ("ClientRequestURI", "\"/w/\""),
            ("EdgeResponseStatus", "200"),
            ("CacheCacheStatus", &format!("\"{status}\"")),
            ("CacheTieredFill", if tiered { "true" } else { "false" }),
            ("EdgeColoCode", "\"NRT\""),
            ("Cookies", cookies),
        ])
    };
    let text = [
        // bob's request renders his page (through the upper tier).
        line(0, "a1", "", "eyeball", "miss", true, r#"{"session":"bob"}"#),
        // alice's request goes to a Worker, whose fetch hits bob's page in Tokyo's cache:
        // one response, alice saw bob's page; her visitor line carries no page of its own.
        line(
            1,
            "a2",
            "",
            "eyeball",
            "unknown",
            false,
            r#"{"session":"alice"}"#,
        ),
        line(1, "a3", "a2", "edgeWorkerFetch", "hit", false, "null"),
        // A firewall block: `unknown` with no subrequest, no page.
        line(
            2,
            "a4",
            "",
            "eyeball",
            "unknown",
            false,
            r#"{"session":"carol"}"#,
        ),
        // Another colo's upper-tier hit (CacheTieredFill with a hit): the tier's copy.
        logpush(&[
            ("EdgeStartTimestamp", "1498111203000000000"),
            ("ClientRequestURI", "\"/w/\""),
            ("EdgeResponseStatus", "200"),
            ("CacheCacheStatus", "\"hit\""),
            ("CacheTieredFill", "true"),
            ("EdgeColoCode", "\"KIX\""),
            ("Cookies", r#"{"session":"dave"}"#),
        ]),
        // The cookie from the Cookie header when the Cookies field lacks it; `Session` is
        // another cookie than `session`; `none` is no page.
        logpush(&[
            ("EdgeStartTimestamp", "1498111204000000000"),
            ("ClientRequestURI", "\"/w/\""),
            ("EdgeResponseStatus", "200"),
            ("CacheCacheStatus", "\"hit\""),
            ("CacheTieredFill", "false"),
            ("EdgeColoCode", "\"NRT\""),
            ("Cookies", r#"{"Session":"mallory"}"#),
            ("RequestHeaders", r#"{"cookie":"a=1; session=erin"}"#),
        ]),
        logpush(&[
            ("EdgeStartTimestamp", "1498111205000000000"),
            ("ClientRequestURI", "\"/w/\""),
            ("EdgeResponseStatus", "200"),
            ("CacheCacheStatus", "\"none\""),
            ("EdgeColoCode", "\"NRT\""),
            ("Cookies", r#"{"session":"frank"}"#),
        ]),
    ]
    .concat();
    let log = write(dir.path(), "logpush.json", &text);
    let (csv, stdout, _) = derive(dir.path(), &log, &CLOUDFLARE);
    assert_eq!(
        triples(&csv),
        [
            "bob|origin|",
            "|no_page|",
            "bob|cached|",
            "|no_page|",
            "bob|cached|",
            "bob|cached|",
            "|no_page|",
        ],
        "{csv}"
    );
    // The subrequest's row names the visitor who received the page.
    assert!(csv.contains(",/w/,bob,alice,hit,"), "{csv}");
    assert!(csv.contains(",/w/,bob,erin,hit,"), "{csv}");
    assert!(stdout.contains("no page 3"), "{stdout}");
}

/// A subrequest whose visitor's line is not in the log, and field values Cloudflare does
/// not document, are refused by file, line and field.
#[test]
fn cloudflare_refusals_name_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let derive_bad = |name: &str, text: &str| {
        let log = write(dir.path(), name, text);
        pii()
            .args(["derive-owners", "-e"])
            .arg(&log)
            .arg("-o")
            .arg(dir.path().join("x.csv"))
            .args(CLOUDFLARE)
            .assert()
    };
    let base = [
        ("EdgeStartTimestamp", "1498111200000000000"),
        ("ClientRequestURI", "\"/w/\""),
        ("EdgeResponseStatus", "200"),
        ("CacheCacheStatus", "\"miss\""),
        ("Cookies", r#"{"session":"bob"}"#),
    ];
    let with = |extra: &[(&str, &str)]| {
        let mut fields = base.to_vec();
        fields.extend_from_slice(extra);
        logpush(&fields)
    };
    bad(
        derive_bad(
            "orphan.json",
            &(with(&[("RayID", "\"a1\"")])
                + &with(&[
                    ("RayID", "\"a2\""),
                    ("ParentRayID", "\"zz\""),
                    ("ClientRequestSource", "\"edgeWorkerFetch\""),
                ])),
        ),
        &["orphan.json:2: ParentRayID: a Worker subrequest whose parent request is not in the log"],
    );
    bad(
        derive_bad(
            "source.json",
            &with(&[("ClientRequestSource", "\"teleport\"")]),
        ),
        &["source.json:1: ClientRequestSource: a value shaped `aaaaaaaa` is not a documented ClientRequestSource value"],
    );
    bad(
        derive_bad("tier.json", &with(&[("CacheTieredFill", "\"maybe\"")])),
        &["tier.json:1: CacheTieredFill: CacheTieredFill is not true or false"],
    );
}

/// Logpush CSV (`output_type: csv`) with the header a `batch_prefix` adds, and without one
/// (the job's fields given).
#[test]
fn cloudflare_logpush_csv_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let rows = "1498111200000000000,\"/my/\",200,\"miss\",\"NRT\",\"session=alice\"\n\
                1498111201000000000,\"/my/\",200,\"hit\",\"NRT\",\"session=bob\"\n";
    let header = "EdgeStartTimestamp,ClientRequestURI,EdgeResponseStatus,CacheCacheStatus,EdgeColoCode,RequestHeaders.cookie\n";
    let with_header = write(dir.path(), "batch.csv", &format!("{header}{rows}"));
    let (csv, _, _) = derive(dir.path(), &with_header, &CLOUDFLARE);
    assert_eq!(triples(&csv), ["alice|origin|", "alice|cached|"]);
    let bare = write(dir.path(), "bare.csv", rows);
    let args = [
        "--log-format",
        "cloudflare:EdgeStartTimestamp,ClientRequestURI,EdgeResponseStatus,CacheCacheStatus,EdgeColoCode,RequestHeaders.cookie",
        "--viewer",
        "cookie:session",
        "--cache-key",
        "path",
    ];
    let (csv, _, _) = derive(dir.path(), &bare, &args);
    assert_eq!(triples(&csv), ["alice|origin|", "alice|cached|"]);
}

/// Akamai: breadcrumbs tell a cache parent's copy from an origin fetch through it; `+`
/// for a space in the RFC 1738-escaped cookie; STRUCTURED lines with the stream's fields.
#[test]
fn akamai_breadcrumbs_plus_cookies_and_structured_lines() {
    let dir = tempfile::tempdir().unwrap();
    let line = |t: &str, edge: &str, status: &str, crumbs: &str, cookie: &str| {
        format!(
            r#"{{"reqTimeSec":"{t}","reqPath":"/my/","statusCode":"200","cacheStatus":"{status}","cacheable":"1","breadcrumbs":"{crumbs}","edgeIP":"{edge}","cookie":"{cookie}"}}"#
        ) + "\n"
    };
    let origin = "//BC/%5Ba=23.33.41.20,c=g,k=0%5D,%5Ba=23.50.60.7,c=c%5D,%5Ba=203.0.113.80,c=o%5D";
    let parent = "//BC/%5Ba=23.52.10.4,c=g,k=0%5D,%5Ba=23.50.60.7,c=c%5D";
    let text = [
        // alice's page fetched from the origin through the parent, on one edge server;
        line(
            "1498111200.000",
            "23.33.41.20",
            "0",
            origin,
            "theme%3Ddark%3B+session%3Dalice",
        ),
        // bob's request on another edge server, served by the parent: alice's page.
        line(
            "1498111201.000",
            "23.52.10.4",
            "0",
            parent,
            "theme=dark;+session=bob",
        ),
        // carol's hit on that second server: the page bob's request brought, alice's.
        line(
            "1498111202.000",
            "23.52.10.4",
            "1",
            "//BC/%5Bc=g%5D",
            "session%3Dcarol",
        ),
    ]
    .concat();
    let log = write(dir.path(), "ds2.json", &text);
    let args = [
        "--log-format",
        "akamai",
        "--viewer",
        "cookie:session",
        "--cache-key",
        "path",
    ];
    let (csv, _, _) = derive(dir.path(), &log, &args);
    assert_eq!(
        triples(&csv),
        ["alice|origin|", "alice|cached|", "alice|cached|"],
        "{csv}"
    );
    // The same as STRUCTURED lines: the stream's version and ID first, `-` empty.
    let structured = "1 12345 1498111200.000 /my/ 200 0 ".to_string()
        + origin
        + " 23.33.41.20 theme%3Ddark%3B+session%3Dalice\n1 12345 1498111201.000 /my/ 200 0 "
        + parent
        + " 23.52.10.4 session%3Dbob\n1 12345 1498111202.000 /my/ 200 1 - 23.52.10.4 session%3Dcarol\n";
    let log = write(dir.path(), "ds2.log", &structured);
    let fields = "akamai:reqTimeSec reqPath statusCode cacheStatus breadcrumbs edgeIP cookie";
    let args = [
        "--log-format",
        fields,
        "--viewer",
        "cookie:session",
        "--cache-key",
        "path",
    ];
    let (csv, _, _) = derive(dir.path(), &log, &args);
    assert_eq!(
        triples(&csv),
        ["alice|origin|", "alice|cached|", "alice|cached|"],
        "{csv}"
    );
    // STRUCTURED lines without the field list, and breadcrumbs Akamai does not write.
    bad(
        pii()
            .args(["derive-owners", "-e"])
            .arg(&log)
            .arg("-o")
            .arg(dir.path().join("x.csv"))
            .args(["--log-format", "akamai", "--viewer", "cookie:session"])
            .assert(),
        &["ds2.log:1: line: not JSON: DataStream 2 STRUCTURED lines carry no field names"],
    );
    let odd = write(
        dir.path(),
        "odd.json",
        &line(
            "1498111200.000",
            "23.33.41.20",
            "0",
            "//BC/%5Bc=q%5D",
            "session=x",
        ),
    );
    bad(
        pii()
            .args(["derive-owners", "-e"])
            .arg(&odd)
            .arg("-o")
            .arg(dir.path().join("x.csv"))
            .args(["--log-format", "akamai", "--viewer", "cookie:session"])
            .assert(),
        &["odd.json:1: breadcrumbs: not breadcrumbs as DataStream 2 logs them"],
    );
}

/// nginx: `escape=json`, the standard timing variables, `$request_time` taking the end
/// back to the arrival, `\xXX` unescaped; a duration that is not a number is refused.
#[test]
fn nginx_json_escaping_durations_and_standard_variables() {
    let dir = tempfile::tempdir().unwrap();
    let format = r#"nginx:escape=json {"t":"$msec","rt":"$request_time","uct":"$upstream_connect_time","uht":"$upstream_header_time","cr":"$connection_requests","r":"$request","c":"$upstream_cache_status","k":"$cookie_session"}"#;
    let text = "{\"t\":\"1498111201.000\",\"rt\":\"1.000\",\"uct\":\"0.004, 0.002 : 0.001\",\"uht\":\"0.100\",\"cr\":\"1\",\"r\":\"GET /my/ HTTP/1.1\",\"c\":\"MISS\",\"k\":\"al\\\"ice\"}\n\
                {\"t\":\"1498111200.500\",\"rt\":\"0.000\",\"uct\":\"\",\"uht\":\"\",\"cr\":\"2\",\"r\":\"GET /my/ HTTP/1.1\",\"c\":\"HIT\",\"k\":\"bob\"}\n";
    let log = write(dir.path(), "access.json", text);
    let args = ["--log-format", format, "--viewer", "cookie:session"];
    let (csv, _, _) = derive(dir.path(), &log, &args);
    // alice's miss ended at :01.000 after 1 s: it arrived at :00.000, before bob's hit
    // (:00.500), which is her page; `\"` in the value is a quote (which the CSV doubles).
    assert_eq!(
        triples(&csv),
        ["\"al\"\"ice\"|origin|", "\"al\"\"ice\"|cached|"],
        "{csv}"
    );
    let bad_duration = write(
        dir.path(),
        "slow.json",
        &text.replacen("\"rt\":\"1.000\"", "\"rt\":\"soon\"", 1),
    );
    bad(
        pii()
            .args(["derive-owners", "-e"])
            .arg(&bad_duration)
            .arg("-o")
            .arg(dir.path().join("x.csv"))
            .args(args)
            .assert(),
        &["slow.json:1: $request_time: the duration, shaped `aaaa`, is not a number"],
    );
}

/// Apache: mod_cache's reasons for not storing a response ("Cache-Control: private
/// present": what personal pages log) are origin responses that fill nothing; "cache
/// invalidated by POST" empties the entry.
#[test]
fn apache_uncacheable_reasons_and_invalidation() {
    let dir = tempfile::tempdir().unwrap();
    let line = |s: u32, method: &str, cache: &str, who: &str| {
        format!("10.0.0.1 [22/Jun/2017:15:00:0{s} +0900] \"{method} /my/ HTTP/1.1\" 200 \"{cache}\" \"session={who}\"\n")
    };
    let text = [
        line(0, "GET", "cache miss: attempting entity save", "alice"),
        line(1, "GET", "Cache-Control: private present", "bob"),
        line(2, "GET", "cache hit", "carol"),
        line(3, "POST", "cache invalidated by POST", "dave"),
        line(4, "GET", "cache hit", "erin"),
    ]
    .concat();
    let log = write(dir.path(), "access_log", &text);
    let args = [
        "--log-format",
        r#"apache:%h %t \"%r\" %>s \"%{cache-status}e\" \"%{Cookie}i\""#,
        "--viewer",
        "cookie:session",
    ];
    let (csv, _, _) = derive(dir.path(), &log, &args);
    assert_eq!(
        triples(&csv),
        [
            "alice|origin|",
            "bob|origin|",
            "alice|cached|",
            "dave|origin|",
            "|unattributed|",
        ],
        "{csv}"
    );
}

/// Fastly: a shield's own line (`ff_visits` above 0) is no visitor's response.
#[test]
fn fastly_shield_lines_are_internal() {
    let dir = tempfile::tempdir().unwrap();
    let line = |ms: u32, state: &str, visits: u32, who: &str| {
        format!(
            r#"{{"ts":"2017-06-22T06:00:00.{ms:03}Z","url":"/my/","status":200,"cache_state":"{state}","pop":"NRT","ff_visits":{visits},"cookie":"session={who}"}}"#
        ) + "\n"
    };
    let text = [
        line(100, "MISS", 0, "alice"),
        line(101, "MISS", 1, "alice"),
        line(200, "HIT", 0, "bob"),
    ]
    .concat();
    let log = write(dir.path(), "fastly.log", &text);
    let args = ["--log-format", "fastly", "--viewer", "cookie:session"];
    let (csv, _, _) = derive(dir.path(), &log, &args);
    assert_eq!(
        triples(&csv),
        ["alice|origin|", "|no_page|", "alice|cached|"],
        "{csv}"
    );
}

/// A contract CDN log read with --derive-owners: every exposure to an unidentified visitor
/// counts one viewer (the contract), as in any exposure log.
#[test]
fn unidentified_viewers_count_one_each_after_derivation() {
    let dir = tempfile::tempdir().unwrap();
    let inv = write(dir.path(), "inv.yaml", crate::INVENTORY);
    let log = write(
        dir.path(),
        "cdn.csv",
        "ts,path,viewer_id,cache_status\n2017-01-01T00:00:00Z,/my/,a,MISS\n2017-01-01T00:00:01Z,/my/,,HIT\n2017-01-01T00:00:02Z,/my/,,HIT\n2017-01-01T00:00:03Z,/my/,v,HIT\n",
    );
    let users = crate::stdout_of(
        pii()
            .args(["report", "users", "--format", "csv", "-i"])
            .arg(&inv)
            .arg("-e")
            .arg(&log)
            .arg("--derive-owners"),
    );
    // a's page seen three times: by v and by two unidentified visitors: 3 viewers.
    assert!(users.contains("\na,direct,name,name,3,3,"), "{users}");
}

/// Each format's default key is its vendor's: Cloudflare's "full URL: scheme, host, URI
/// with query string", nginx's `$scheme$proxy_host$request_uri` (the query, not the host).
#[test]
fn default_keys_are_the_vendors() {
    let dir = tempfile::tempdir().unwrap();
    let cf = |t: u32, host: &str, uri: &str, status: &str, who: &str| {
        logpush(&[
            ("EdgeStartTimestamp", &format!("14981112{t:02}000000000")),
            ("ClientRequestHost", &format!("\"{host}\"")),
            ("ClientRequestURI", &format!("\"{uri}\"")),
            ("EdgeResponseStatus", "200"),
            ("CacheCacheStatus", &format!("\"{status}\"")),
            ("CacheTieredFill", "false"),
            ("EdgeColoCode", "\"NRT\""),
            ("Cookies", &format!("{{\"session\":\"{who}\"}}")),
        ])
    };
    let text = [
        cf(0, "www.example.com", "/my/?tab=1", "miss", "alice"),
        // Another query string: another key, no fill before it.
        cf(1, "www.example.com", "/my/?tab=2", "hit", "bob"),
        // The same URL on another host: another key too.
        cf(2, "shop.example.com", "/my/?tab=1", "hit", "carol"),
        // The same host and URL (the host in another case): alice's page.
        cf(3, "WWW.example.com", "/my/?tab=1", "hit", "dave"),
    ]
    .concat();
    let log = write(dir.path(), "keys.json", &text);
    let args = ["--log-format", "cloudflare", "--viewer", "cookie:session"];
    let (csv, stdout, _) = derive(dir.path(), &log, &args);
    assert_eq!(
        triples(&csv),
        [
            "alice|origin|",
            "|unattributed|",
            "|unattributed|",
            "alice|cached|"
        ],
        "{csv}"
    );
    assert!(stdout.contains("cache key host+path+query"), "{stdout}");
    // nginx: the query is in the key, the request's host is not.
    let line = |ms: u32, host: &str, uri: &str, status: &str, who: &str| {
        format!("{host} 1498111200.{ms:03} \"GET {uri} HTTP/1.1\" 200 {status} {who}\n")
    };
    let text = [
        line(100, "www.example.com", "/my/?tab=1", "MISS", "alice"),
        line(200, "www.example.com", "/my/?tab=2", "HIT", "bob"),
        line(300, "shop.example.com", "/my/?tab=1", "HIT", "carol"),
    ]
    .concat();
    let log = write(dir.path(), "access.log", &text);
    let args = [
        "--log-format",
        "nginx:$host $msec \"$request\" $status $upstream_cache_status $cookie_session",
        "--viewer",
        "cookie:session",
    ];
    let (csv, stdout, _) = derive(dir.path(), &log, &args);
    assert_eq!(
        triples(&csv),
        ["alice|origin|", "|unattributed|", "alice|cached|"],
        "{csv}"
    );
    assert!(stdout.contains("cache key path+query"), "{stdout}");
}
