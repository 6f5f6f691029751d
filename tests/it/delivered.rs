//! Delivered CDN and web-server logs as vendors write them (CloudFront gzip files, nginx and
//! Apache by their format strings, Cloudflare, Akamai and Fastly JSON lines, IIS W3C files),
//! read by `derive-owners` and checked against derived logs written out by hand. The
//! coarse-clock rule (src/cdn/coarse.rs): for a cached response logged at T, T1 is the
//! latest logged time <= T of an origin for the same (node, key); the candidates are the
//! origins at T1, plus, when T1 = T, those at the latest logged time before T.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::{pii, write};

/// The derived log's header line.
pub const HEADER: &str =
    "ts,path,owner_id,viewer_id,cache_status,origin_ts,cache_node,attribution,owner_candidates";

/// `derive-owners -e log ARGS -o DIR/out.csv`, which must succeed: the CSV written, and
/// standard output and standard error.
pub fn derive(dir: &Path, log: &Path, args: &[&str]) -> (String, String, String) {
    let out = dir.join("out.csv");
    let output = pii()
        .args(["derive-owners", "-e"])
        .arg(log)
        .arg("-o")
        .arg(&out)
        .args(args)
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stderr}");
    let csv = std::fs::read_to_string(&out).expect("out.csv written");
    (
        csv,
        String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr,
    )
}

/// The expected CSV: the header and `rows`, each ended by a newline.
pub fn expected(rows: &[&str]) -> String {
    let mut text = format!("{HEADER}\n");
    for row in rows {
        text.push_str(row);
        text.push('\n');
    }
    text
}

/// `owner|attribution|candidates` of every row (columns 3, 8 and 9).
pub fn triples(csv: &str) -> Vec<String> {
    csv.lines()
        .skip(1)
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            assert_eq!(cells.len(), 9, "{line}");
            format!("{}|{}|{}", cells[2], cells[7], cells[8])
        })
        .collect()
}

/// One CloudFront line: the 33 fields of AWS's `#Fields` line, tab-separated, URL-encoded
/// as AWS writes them (the user agent's spaces as `%20`), `-` for the empty ones.
pub fn cf_line(
    time: &str,
    node: &str,
    uri: (&str, &str),
    cookie: &str,
    result: &str,
    status: &str,
) -> String {
    let (stem, query) = uri;
    // date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status
    // cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type
    // x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for
    // ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status
    // fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type
    // sc-content-type sc-content-len sc-range-start sc-range-end
    let line = format!(
        "2017-06-22 {time} {node} 2390 192.0.2.10 GET d111111abcdef8.cloudfront.net {stem} {status} - \
         Mozilla/5.0%20(Windows%20NT%2010.0;%20Win64;%20x64) {query} {cookie} {result} \
         SOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ== www.example.com https 140 \
         0.000 - TLSv1.3 TLS_AES_128_GCM_SHA256 {result} HTTP/2.0 - - 11040 0.002 {result} \
         text/html 2350 - -"
    )
    .replace(' ', "\t");
    assert_eq!(line.split('\t').count(), 33, "{line}");
    line
}

/// AWS's two header lines (CloudFront developer guide, "Standard log file fields").
pub const CF_HEAD: &str = "#Version: 1.0\n#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end\n";

/// The Cookie header as CloudFront logs it: `; ` URL-encoded as `;%20`.
pub fn jar(session: &str) -> String {
    format!("theme=dark;%20session={session}")
}

/// Writes `text` gzip-compressed to `dir/name`.
pub fn gzip(dir: &Path, name: &str, text: &str) -> PathBuf {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes()).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, gz.finish().unwrap()).unwrap();
    path
}

pub const NRT: &str = "NRT57-C1";
pub const KIX: &str = "KIX50-C1";

/// The CloudFront folder of cases (a) to (f), in one gzip file as AWS names them.
pub fn cloudfront_folder(dir: &Path) -> PathBuf {
    let folder = dir.join("cf");
    std::fs::create_dir_all(&folder).unwrap();
    let line = |t: &str, node: &str, stem: &str, cookie: &str, result: &str, status: &str| {
        cf_line(t, node, (stem, "-"), cookie, result, status)
    };
    let (alice, bob, carol, dave) = (jar("alice"), jar("bob"), jar("carol"), jar("dave"));
    let rows = [
        // (f) first in the file: records are not in time order (AWS says so).
        line("06:05:58", NRT, "/f/", &alice, "Error", "503"),
        line("06:05:59", NRT, "/f/", &bob, "Hit", "200"),
        // (a) the hit is logged before the origin of its second, with a query string.
        cf_line("06:05:00", NRT, ("/a/", "tab=1"), &bob, "Hit", "200"),
        // AWS's own example ends a line with a tab.
        format!("{}\t", line("06:05:00", NRT, "/a/", &alice, "Miss", "200")),
        // (b)
        line("06:05:10", NRT, "/b/", &alice, "Miss", "200"),
        line("06:05:10", NRT, "/b/", &carol, "Miss", "200"),
        line("06:05:10", NRT, "/b/", &bob, "Hit", "200"),
        // (c)
        line("06:05:20", NRT, "/c/", &alice, "Miss", "200"),
        line("06:05:21", NRT, "/c/", &carol, "Miss", "200"),
        line("06:05:21", NRT, "/c/", &bob, "Hit", "200"),
        line("06:05:22", NRT, "/c/", &dave, "Hit", "200"),
        // (d) no Cookie header; then a Cookie header without the session cookie.
        line("06:05:30", NRT, "/d/", "-", "Miss", "200"),
        line("06:05:30", NRT, "/d/", &alice, "Miss", "200"),
        line("06:05:30", NRT, "/d/", &bob, "Hit", "200"),
        line("06:05:40", NRT, "/d2/", "theme=light", "Miss", "200"),
        line("06:05:41", NRT, "/d2/", &bob, "RefreshHit", "200"),
        // (e)
        line("06:05:50", NRT, "/e/", &alice, "Miss", "200"),
        line("06:05:52", KIX, "/e/", &carol, "Miss", "200"),
        line("06:05:54", NRT, "/e/", &bob, "Hit", "200"),
        line("06:05:55", KIX, "/e/", &dave, "Hit", "200"),
    ];
    let mut text = CF_HEAD.to_string();
    for row in rows {
        text.push_str(&row);
        text.push('\n');
    }
    gzip(&folder, "E2EXAMPLE.2017-06-22-06.a1b2c3d4.gz", &text);
    folder
}

const T00: &str = "2017-06-22T06:05:00+00:00";

/// The derived log of `cloudfront_folder`, by hand. `per_node`: caches per edge location
/// (the default); otherwise one cache (`--cache-node none`), and no row names a node.
pub fn cloudfront_expected(per_node: bool) -> String {
    let t = |s: &str| format!("2017-06-22T06:05:{s}+00:00");
    let (n, k) = if per_node { (NRT, KIX) } else { ("", "") };
    // (e) bob's hit at :54 on NRT: per node, NRT's origin (alice :50) though KIX's (carol
    // :52) is later; in one cache, the later one.
    let e = if per_node {
        format!("{},/e/,alice,bob,Hit,{},{n},cached,", t("54"), t("50"))
    } else {
        format!("{},/e/,carol,bob,Hit,{},{n},cached,", t("54"), t("52"))
    };
    let rows = [
        // (a) bob's hit at :00 is logged before alice's origin at :00: T1 = T = :00, no
        // earlier origin, so alice alone. The query string stays in the path, not the key.
        format!("{T00},/a/?tab=1,alice,bob,Hit,{T00},{n},cached,"),
        format!("{T00},/a/,alice,alice,Miss,{T00},{n},origin,"),
        // (b) two origins at :10 and a hit at :10: either page.
        format!("{},/b/,alice,alice,Miss,{},{n},origin,", t("10"), t("10")),
        format!("{},/b/,carol,carol,Miss,{},{n},origin,", t("10"), t("10")),
        format!(
            "{},/b/,,bob,Hit,{},{n},ambiguous,alice;carol",
            t("10"),
            t("10")
        ),
        // (c) alice at :20, carol at :21; the hit at :21 may precede carol's origin within
        // the second: alice's or carol's. The hit at :22 too: each arrival is the logged
        // end less time-taken (0.000, to the millisecond either way), so carol's may lie up
        // to 1.001 s after :21 and dave's as early as 21.999.
        format!("{},/c/,alice,alice,Miss,{},{n},origin,", t("20"), t("20")),
        format!("{},/c/,carol,carol,Miss,{},{n},origin,", t("21"), t("21")),
        format!(
            "{},/c/,,bob,Hit,{},{n},ambiguous,alice;carol",
            t("21"),
            t("21")
        ),
        format!(
            "{},/c/,,dave,Hit,{},{n},ambiguous,alice;carol",
            t("22"),
            t("21")
        ),
        // (d) an anonymous origin and alice's at :30: two candidate pages, one of them
        // nobody's, so ambiguous with alice alone listed.
        format!("{},/d/,,,Miss,{},{n},origin,", t("30"), t("30")),
        format!("{},/d/,alice,alice,Miss,{},{n},origin,", t("30"), t("30")),
        format!("{},/d/,,bob,Hit,{},{n},ambiguous,alice", t("30"), t("30")),
        // An anonymous origin alone: the hit carried nobody's page (cached, no owner).
        format!("{},/d2/,,,Miss,{},{n},origin,", t("40"), t("40")),
        format!("{},/d2/,,bob,RefreshHit,{},{n},cached,", t("41"), t("40")),
        // (e) dave's hit on KIX gets carol's page either way.
        format!("{},/e/,alice,alice,Miss,{},{n},origin,", t("50"), t("50")),
        format!("{},/e/,carol,carol,Miss,{},{k},origin,", t("52"), t("52")),
        e,
        format!("{},/e/,carol,dave,Hit,{},{k},cached,", t("55"), t("52")),
        // (f) a 503 Error carried no page, so it is no origin: the hit after it has none.
        format!("{},/f/,,alice,Error,,{n},no_page,", t("58")),
        format!("{},/f/,,bob,Hit,,{n},unattributed,", t("59")),
    ];
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    expected(&rows)
}

/// The flags every CloudFront run here takes: the clock's rule alone, so each edge
/// location fetches from the origin (no regional edge cache) and keys on the path.
pub const CLOUDFRONT: [&str; 8] = [
    "--log-format",
    "cloudfront",
    "--viewer",
    "cookie:session",
    "--cache-topology",
    "edge",
    "--cache-key",
    "path",
];

#[test]
fn cloudfront_gzip_with_the_coarse_clock_in_one_cache() {
    // (g) `--cache-node none`: the cases (a) to (f) in one cache. Per node, see
    // delivered_errors::cloudfront_caches_are_per_edge_location.
    let dir = tempfile::tempdir().unwrap();
    let folder = cloudfront_folder(dir.path());
    let args = [&CLOUDFRONT[..], &["--cache-node", "none"]].concat();
    let (csv, stdout, stderr) = derive(dir.path(), &folder, &args);
    assert_eq!(csv, cloudfront_expected(false));
    // 20 responses: origins a1 b2 c2 d2 d2'1 e2 = 10, one Error, 9 cached of which b, c
    // (two) and d are ambiguous and f unattributed: 4 attributed.
    assert!(
        stdout.contains(
            "20 responses: 10 from the origin, 9 from the cache (4 attributed, 4 ambiguous, 1 unattributed), 1 without a page"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "assumed: cloudfront log, cache topology edge, cache key path, times to 1.002 s"
        ),
        "{stdout}"
    );
    assert_eq!(
        stderr.lines().next(),
        Some("1 cached responses could not be attributed (kept with an empty owner_id); 4 had several possible owners (attribution ambiguous, owner_candidates listed); 1 responses carried no page (errors, redirects, internal requests) and were not attributed")
    );
    assert!(
        stderr.contains("hint: 4 ambiguous by the clock (1.002 s resolution)"),
        "{stderr}"
    );
}

#[test]
fn nginx_msec_request_line_and_cookie_variable() {
    let dir = tempfile::tempdir().unwrap();
    let log = write(
        dir.path(),
        "access.log",
        "10.0.0.1 1498111500.100 \"GET /my/?tab=1 HTTP/1.1\" 200 MISS alice\n\
         10.0.0.2 1498111500.250 \"GET /my/ HTTP/1.1\" 200 HIT bob\n\
         10.0.0.3 1498111500.300 \"GET /my/ HTTP/1.1\" 200 - carol\n\
         10.0.0.4 1498111500.400 \"GET /my/ HTTP/2.0\" 302 MISS dave\n\
         10.0.0.5 1498111500.500 \"GET /my/?x=2 HTTP/1.1\" 200 HIT -\n\
         10.0.0.6 1498111501.000 \"GET /my/ HTTP/1.1\" 200 MISS erin\n\
         10.0.0.7 1498111501.000 \"GET /my/ HTTP/1.1\" 200 HIT frank\n",
    );
    let (csv, _, _) = derive(
        dir.path(),
        &log,
        &[
            "--log-format",
            "nginx:$remote_addr $msec \"$request\" $status $upstream_cache_status $cookie_session",
            "--viewer",
            "cookie:session",
            "--cache-key",
            "path",
        ],
    );
    let t = |ms: &str| format!("2017-06-22T06:05:{ms}+00:00");
    assert_eq!(
        csv,
        expected(&[
            // $msec is 1 ms: alice's origin at .100 is before bob's hit at .250.
            &format!(
                "{},/my/?tab=1,alice,alice,MISS,{},,origin,",
                t("00.100"),
                t("00.100")
            ),
            &format!(
                "{},/my/,alice,bob,HIT,{},,cached,",
                t("00.250"),
                t("00.100")
            ),
            // `-`: no cache on the way (not proxied, caching off, a method not cached): the
            // origin rendered carol's own page and nothing was stored. (The CSV writes a
            // cell starting with `-` as `'-`, against spreadsheet formulas.)
            &format!(
                "{},/my/,carol,carol,'-,{},,origin,",
                t("00.300"),
                t("00.300")
            ),
            // A 302 carried no page, and is no origin for what follows.
            &format!("{},/my/,,dave,MISS,,,no_page,", t("00.400")),
            // `-` for the cookie: an unidentified viewer got alice's page (carol's was
            // not stored).
            &format!(
                "{},/my/?x=2,alice,,HIT,{},,cached,",
                t("00.500"),
                t("00.100")
            ),
            // Same millisecond: erin's origin, or the stored one before (alice's .100).
            &format!("{},/my/,erin,erin,MISS,{},,origin,", t("01"), t("01")),
            &format!(
                "{},/my/,,frank,HIT,{},,ambiguous,alice;erin",
                t("01"),
                t("01")
            ),
        ])
    );
}

#[test]
fn nginx_time_local_is_one_second_and_the_cookie_header_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let line = |time: &str, status: &str, cookie: &str| {
        format!("10.0.0.1 - [22/Jun/2017:15:05:{time} +0900] \"GET /my/ HTTP/1.1\" 200 {status} \"{cookie}\"\n")
    };
    let text = [
        line("00", "MISS", "theme=dark; session=alice"),
        line("00", "MISS", "session=carol"),
        line("00", "HIT", "session=bob"),
        line("01", "HIT", "-"),
        line("02", "EXPIRED", "session=dave"),
        line("03", "STALE", "session=erin"),
    ]
    .concat();
    let log = write(dir.path(), "access.log", &text);
    let (csv, _, _) = derive(
        dir.path(),
        &log,
        &[
            "--log-format",
            "nginx:$remote_addr - [$time_local] \"$request\" $status $upstream_cache_status \"$http_cookie\"",
            "--viewer",
            "cookie:session",
        ],
    );
    // 15:05 +0900 is 06:05 UTC. Two origins in the second :00: the hits at :00 and :01
    // may have either page. EXPIRED went to the origin (dave's page); STALE served a page
    // stored before, which a miss does not rule out.
    let t = |s: &str| format!("2017-06-22T06:05:{s}+00:00");
    assert_eq!(
        csv,
        expected(&[
            &format!("{T00},/my/,alice,alice,MISS,{T00},,origin,"),
            &format!("{T00},/my/,carol,carol,MISS,{T00},,origin,"),
            &format!("{T00},/my/,,bob,HIT,{T00},,ambiguous,alice;carol"),
            &format!("{},/my/,,,HIT,{T00},,ambiguous,alice;carol", t("01")),
            &format!("{},/my/,dave,dave,EXPIRED,{},,origin,", t("02"), t("02")),
            // STALE: a copy kept past its time, any page stored before.
            &format!(
                "{},/my/,,erin,STALE,{},,ambiguous,alice;carol;dave",
                t("03"),
                t("02")
            ),
        ])
    );
}

const APACHE_LINES: [(&str, &str, &str, &str, &str); 5] = [
    (
        "/my/",
        "200",
        "cache miss: attempting entity save",
        "session=alice",
        "10.0.0.1",
    ),
    (
        "/my/?tab=2",
        "200",
        "cache hit",
        "theme=dark; session=bob",
        "10.0.0.2",
    ),
    ("/other/", "200", "-", "-", "10.0.0.3"),
    (
        "/other/",
        "404",
        "cache miss: attempting entity save",
        "session=dave",
        "10.0.0.4",
    ),
    ("/other/", "200", "cache hit", "session=erin", "10.0.0.5"),
];

#[test]
fn apache_mod_cache_texts_and_the_cookie_header() {
    let dir = tempfile::tempdir().unwrap();
    let text: String = APACHE_LINES
        .iter()
        .enumerate()
        .map(|(i, (uri, code, cache, cookie, ip))| {
            format!("{ip} [22/Jun/2017:15:05:0{i} +0900] \"GET {uri} HTTP/1.1\" {code} \"{cache}\" \"{cookie}\"\n")
        })
        .collect();
    let log = write(dir.path(), "access_log", &text);
    let (csv, _, _) = derive(
        dir.path(),
        &log,
        &[
            "--log-format",
            r#"apache:%h %t \"%r\" %>s \"%{cache-status}e\" \"%{Cookie}i\""#,
            "--viewer",
            "cookie:session",
            "--cache-key",
            "path",
        ],
    );
    let t = |s: &str| format!("2017-06-22T06:05:0{s}+00:00");
    let miss = "cache miss: attempting entity save";
    assert_eq!(
        csv,
        expected(&[
            // mod_cache's texts by their leading words: a miss is alice's own page, the
            // hit a second later is hers too.
            &format!("{T00},/my/,alice,alice,{miss},{T00},,origin,"),
            &format!("{},/my/?tab=2,alice,bob,cache hit,{T00},,cached,", t("1")),
            // `-`: mod_cache was not involved, an origin, to an unidentified visitor, and
            // nothing stored. (`'-`: the CSV's guard against spreadsheet formulas.)
            &format!("{},/other/,,,'-,{},,origin,", t("2"), t("2")),
            // A 404 carried no page.
            &format!("{},/other/,,dave,{miss},,,no_page,", t("3")),
            // The hit has no stored page before it in the log.
            &format!("{},/other/,,erin,cache hit,,,unattributed,", t("4")),
        ])
    );
}

#[test]
fn apache_msec_is_one_millisecond() {
    let dir = tempfile::tempdir().unwrap();
    let rows = [
        ("123", "cache miss: attempting entity save", "alice"),
        ("123", "cache hit", "bob"),
        ("124", "cache miss: attempting entity save", "carol"),
        ("124", "cache hit", "dave"),
        ("125", "cache hit", "erin"),
    ];
    let text: String = rows
        .iter()
        .map(|(ms, cache, who)| {
            format!(
                "10.0.0.1 1498111500{ms} \"GET /my/ HTTP/1.1\" 200 \"{cache}\" \"session={who}\"\n"
            )
        })
        .collect();
    let log = write(dir.path(), "access_log", &text);
    let (csv, _, _) = derive(
        dir.path(),
        &log,
        &[
            "--log-format",
            r#"apache:%h %{msec}t \"%r\" %>s \"%{cache-status}e\" \"%{Cookie}i\""#,
            "--viewer",
            "cookie:session",
        ],
    );
    // .123: alice alone (no earlier origin). .124: carol's origin, or alice's from the
    // millisecond before. .125: after .124, carol's.
    assert_eq!(
        triples(&csv),
        [
            "alice|origin|",
            "alice|cached|",
            "carol|origin|",
            "|ambiguous|alice;carol",
            "carol|cached|"
        ]
    );
    assert!(csv.contains("\n2017-06-22T06:05:00.125+00:00,/my/,carol,erin,cache hit,2017-06-22T06:05:00.124+00:00,,cached,\n"), "{csv}");
}

/// One Cloudflare Logpush `http_requests` line: `ts` as written (a number, or a quoted
/// RFC 3339 string), `cookies` the `Cookies` object of the custom fields.
fn cloudflare_line(ts: &str, row: &(&str, u16, &str, &str, &str)) -> String {
    let (uri, status, cache, colo, cookies) = row;
    format!(
        r#"{{"ClientIP":"192.0.2.1","ClientRequestHost":"www.example.com","ClientRequestURI":"{uri}","EdgeStartTimestamp":{ts},"EdgeResponseStatus":{status},"CacheCacheStatus":"{cache}","EdgeColoCode":"{colo}","Cookies":{cookies}}}"#
    )
}

#[test]
fn cloudflare_three_timestamp_forms() {
    // (uri, status, CacheCacheStatus, colo, Cookies), at :00.100 :00.200 :00.300 :01 :02
    // :03 :04 :05 :06.
    let rows: [(&str, u16, &str, &str, &str); 9] = [
        ("/my/", 200, "miss", "NRT", r#"{"session":"alice"}"#),
        ("/my/", 200, "miss", "NRT", r#"{"session":"carol"}"#),
        ("/my/?tab=1", 200, "hit", "NRT", r#"{"session":"bob"}"#),
        ("/my/", 200, "revalidated", "NRT", r#"{"session":"dave"}"#),
        ("/my/", 200, "expired", "NRT", r#"{"session":"erin"}"#),
        ("/other/", 200, "hit", "KIX", r#"{"session":"frank"}"#),
        ("/my/", 200, "dynamic", "KIX", r#"{"session":"grace"}"#),
        ("/my/", 200, "hit", "KIX", r#"{"theme":"dark"}"#),
        ("/my/", 403, "hit", "NRT", r#"{"session":"heidi"}"#),
    ];
    let at = [
        "00.100", "00.200", "00.300", "01", "02", "03", "04", "05", "06",
    ];
    let nanos = |i: usize| {
        let (s, ms) = at[i].split_once('.').unwrap_or((at[i], "000"));
        format!("14981115{s}{ms}000000")
    };
    let seconds = |i: usize| format!("14981115{}", &at[i][..2]);
    let rfc3339 = |i: usize| format!("\"2017-06-22T06:05:{}Z\"", &at[i][..2]);
    let forms: [(&str, &dyn Fn(usize) -> String); 3] = [
        ("unixnano", &nanos),
        ("unix", &seconds),
        ("rfc3339", &rfc3339),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (name, ts) in forms {
        let text: String = (0..rows.len())
            .map(|i| cloudflare_line(&ts(i), &rows[i]) + "\n")
            .collect();
        let log = write(dir.path(), &format!("{name}.json"), &text);
        // Caches per colo: see delivered_errors::vendor_nodes_are_per_node.
        let (csv, _, _) = derive(
            dir.path(),
            &log,
            &[
                "--log-format",
                "cloudflare",
                "--viewer",
                "cookie:session",
                "--cache-node",
                "none",
                "--cache-topology",
                "edge",
                "--cache-key",
                "path",
            ],
        );
        // miss, expired and dynamic went to the origin, but dynamic ("not eligible for
        // cache") was not stored: the hit after grace's carries erin's page. hit and
        // revalidated came from the cache; /other/ had no origin; the 403 carried no page.
        // In nanoseconds bob's hit at .300 follows carol's .200 origin; in whole seconds
        // all three are at :00, and dave's at :01 has both :00 origins as candidates.
        let (bob, dave) = if name == "unixnano" {
            ("carol|cached|", "carol|cached|")
        } else {
            ("|ambiguous|alice;carol", "|ambiguous|alice;carol")
        };
        assert_eq!(
            triples(&csv),
            [
                "alice|origin|",
                "carol|origin|",
                bob,
                dave,
                "erin|origin|",
                "|unattributed|",
                "grace|origin|",
                "erin|cached|",
                "|no_page|"
            ],
            "{name}: {csv}"
        );
        if name == "unixnano" {
            assert!(csv.contains("\n2017-06-22T06:05:00.300+00:00,/my/?tab=1,carol,bob,hit,2017-06-22T06:05:00.200+00:00,,cached,\n"), "{csv}");
        }
        // A Cookies object without the session cookie: an unidentified viewer.
        assert!(csv.contains("+00:00,/my/,erin,,hit,"), "{name}: {csv}");
    }
}

#[test]
fn akamai_datastream_strings_and_escaped_cookies() {
    let dir = tempfile::tempdir().unwrap();
    // Every value a string, as DataStream 2 sends them; `cookie` RFC 1738-escaped; a value
    // that is `-` or null is left out (no `cookie` key, no `queryStr` key).
    let text = [
        r#"{"version":"1","cp":"123456","reqTimeSec":"1498111500.123","reqPath":"/my/","queryStr":"tab=1","statusCode":"200","cacheStatus":"0","cookie":"theme=dark%20blue;session=alice","cliIP":"192.0.2.1","UA":"Mozilla%2F5.0"}"#,
        r#"{"version":"1","cp":"123456","reqTimeSec":"1498111500.123","reqPath":"/my/","statusCode":"200","cacheStatus":"1","cookie":"session%3Dbob","cliIP":"192.0.2.2","UA":"curl%2F8.0"}"#,
        r#"{"version":"1","cp":"123456","reqTimeSec":"1498111501.000","reqPath":"/my/","statusCode":"200","cacheStatus":"1","cliIP":"192.0.2.3"}"#,
        r#"{"version":"1","cp":"123456","reqTimeSec":"1498111502.000","reqPath":"/my/","statusCode":"404","cacheStatus":"0","cookie":"session=carol","cliIP":"192.0.2.4"}"#,
        r#"{"version":"1","cp":"123456","reqTimeSec":"1498111503.000","reqPath":"/my/","statusCode":"200","cacheStatus":"1","cookie":"session=dave","cliIP":"192.0.2.5"}"#,
    ]
    .map(|l| format!("{l}\n"))
    .concat();
    let log = write(dir.path(), "ds2.json", &text);
    let (csv, _, _) = derive(
        dir.path(),
        &log,
        &[
            "--log-format",
            "akamai",
            "--viewer",
            "cookie:session",
            "--cache-topology",
            "edge",
            "--cache-key",
            "path",
        ],
    );
    let t = |s: &str| format!("2017-06-22T06:05:{s}+00:00");
    assert_eq!(
        csv,
        expected(&[
            // 1 ms resolution (.123): bob's hit in alice's millisecond, with no earlier
            // origin, is alice's page; `session%3Dbob` is session=bob.
            &format!(
                "{},/my/?tab=1,alice,alice,0,{},,origin,",
                t("00.123"),
                t("00.123")
            ),
            &format!("{},/my/,alice,bob,1,{},,cached,", t("00.123"), t("00.123")),
            // No cookie key: an unidentified viewer, still shown alice's page.
            &format!("{},/my/,alice,,1,{},,cached,", t("01"), t("00.123")),
            // A 404 carried no page and is no origin.
            &format!("{},/my/,,carol,0,,,no_page,", t("02")),
            &format!("{},/my/,alice,dave,1,{},,cached,", t("03"), t("00.123")),
        ])
    );
}

#[test]
fn fastly_states_with_suffixes() {
    let dir = tempfile::tempdir().unwrap();
    let rows = [
        ("100", "/my/?tab=1", "MISS-CLUSTER", "session=alice"),
        ("200", "/my/", "HIT-CLUSTER", "session=bob"),
        ("300", "/my/", "MISS-WAIT", "session=carol"),
        ("400", "/my/", "HIT-SYNTH", "session=dave"),
        ("500", "/my/", "HIT", "theme=dark; session=erin"),
        ("600", "/my/", "HIT-STALE-CLUSTER", ""),
    ];
    let text: String = rows
        .iter()
        .map(|(ms, url, state, cookie)| {
            format!(
                r#"{{"ts":"2017-06-22T06:05:00.{ms}Z","url":"{url}","status":200,"cache_state":"{state}","pop":"NRT","cookie":"{cookie}","client_ip":"192.0.2.1","user_agent":"curl/8.0"}}"#
            ) + "\n"
        })
        .collect();
    let log = write(dir.path(), "fastly.json", &text);
    // One cache: per pop, see delivered_errors::vendor_nodes_are_per_node.
    let (csv, _, _) = derive(
        dir.path(),
        &log,
        &[
            "--log-format",
            "fastly",
            "--viewer",
            "cookie:session",
            "--cache-node",
            "none",
            "--cache-topology",
            "edge",
            "--cache-key",
            "path",
        ],
    );
    let t = |ms: &str| format!("2017-06-22T06:05:00.{ms}+00:00");
    assert_eq!(
        csv,
        expected(&[
            // Suffixes qualify without changing the state: MISS-CLUSTER and MISS-WAIT
            // went to the origin, HIT-CLUSTER and HIT-STALE-CLUSTER came from the cache;
            // a stale copy is any page stored before (alice's or carol's).
            &format!(
                "{},/my/?tab=1,alice,alice,MISS-CLUSTER,{},,origin,",
                t("100"),
                t("100")
            ),
            &format!(
                "{},/my/,alice,bob,HIT-CLUSTER,{},,cached,",
                t("200"),
                t("100")
            ),
            &format!(
                "{},/my/,carol,carol,MISS-WAIT,{},,origin,",
                t("300"),
                t("300")
            ),
            // HIT-SYNTH: a synthetic response from vcl_error, no page.
            &format!("{},/my/,,dave,HIT-SYNTH,,,no_page,", t("400")),
            &format!("{},/my/,carol,erin,HIT,{},,cached,", t("500"), t("300")),
            // An empty Cookie: an unidentified viewer.
            &format!(
                "{},/my/,,,HIT-STALE-CLUSTER,{},,ambiguous,alice;carol",
                t("600"),
                t("300")
            ),
        ])
    );
}
