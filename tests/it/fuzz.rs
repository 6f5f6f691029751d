//! Fuzz targets as proptest properties, so they run in CI (256 cases each by default) and
//! for hours locally (`PROPTEST_CASES=1000000`; fuzz/README.md). Each feeds random and
//! mutated input to one reader and asks only that it answers (a value or an input error)
//! without panicking, quickly. Seeds are the files under fuzz/corpus; a failing case is
//! saved in fuzz/regressions and replayed first on every run.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

use pii_audit::error::InputError;
use pii_audit::ingest::{parse_instant, Log, ReadOptions, Zone};
use pii_audit::inventory::{normalise_path, Inventory, Route, RouteTable};

pub fn config(regressions: &'static str) -> ProptestConfig {
    ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(regressions))),
        ..ProptestConfig::default()
    }
}

fn corpus(kind: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fuzz/corpus exists")
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files.iter().map(|f| std::fs::read(f).unwrap()).collect()
}

/// One edit of a byte string, at a position given as a fraction of its length.
#[derive(Debug, Clone)]
enum Edit {
    Insert(u16, Vec<u8>),
    Delete(u16, u8),
    Repeat(u16, u8, u8),
}

fn edit(tokens: &'static [&'static str]) -> impl Strategy<Value = Edit> {
    let token = prop_oneof![
        3 => prop::sample::select(tokens).prop_map(|t| t.as_bytes().to_vec()),
        1 => prop::collection::vec(any::<u8>(), 1..4),
    ];
    prop_oneof![
        3 => (any::<u16>(), token).prop_map(|(at, t)| Edit::Insert(at, t)),
        2 => (any::<u16>(), any::<u8>()).prop_map(|(at, n)| Edit::Delete(at, n)),
        1 => (any::<u16>(), any::<u8>(), 1..20u8).prop_map(|(at, n, k)| Edit::Repeat(at, n, k)),
    ]
}

fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    let at = |fraction: u16, len: usize| (fraction as usize * (len + 1)) / 65_536;
    for e in edits {
        match e {
            Edit::Insert(f, token) => {
                let i = at(*f, bytes.len());
                bytes.splice(i..i, token.iter().copied());
            }
            Edit::Delete(f, n) => {
                let i = at(*f, bytes.len());
                let end = (i + *n as usize).min(bytes.len());
                bytes.drain(i..end);
            }
            Edit::Repeat(f, n, k) => {
                let i = at(*f, bytes.len());
                let end = (i + *n as usize).min(bytes.len());
                let piece = bytes[i..end].to_vec();
                for _ in 0..*k {
                    bytes.splice(end..end, piece.iter().copied());
                }
            }
        }
    }
    bytes
}

/// Input from the corpus, edited, or from scratch out of tokens.
fn input(kind: &'static str, tokens: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    let seeds = corpus(kind);
    let mutated = (
        prop::sample::select(seeds),
        prop::collection::vec(edit(tokens), 0..12),
    )
        .prop_map(|(seed, edits)| apply(seed, &edits));
    let scratch = prop::collection::vec(prop::sample::select(tokens), 0..80)
        .prop_map(|t| t.concat().into_bytes());
    prop_oneof![3 => mutated, 1 => scratch]
}

const YAML_TOKENS: &[&str] = &[
    "\n",
    "\n  ",
    "\n    ",
    "- ",
    ": ",
    ", ",
    "[",
    "]",
    "{",
    "}",
    "&a ",
    "*a",
    "&b ",
    "*b",
    "<<: *a",
    "!!binary ",
    "!tag ",
    "---\n",
    "...\n",
    "'",
    "\"",
    "#",
    "|\n  ",
    ">\n  ",
    "? ",
    "version: 1",
    "version: 2",
    "fields:",
    "pages:",
    "id: p",
    "route: /",
    "/{x}",
    "/{*r}",
    "{{ x }}",
    "label: ",
    "direct_notice: true",
    "incident:",
    "notice:",
    "discovered_at: 2017-06-22T18:00:00+09:00",
    "jurisdictions: [appi, gdpr]",
    "templates:",
    "en: ",
    "~",
    "null",
    "1e400",
    "-0",
    "0x1F",
    "\u{feff}",
    "\t",
    "\r\n",
    "é",
    "漢",
    "\u{0}",
];

const ROUTE_TOKENS: &[&str] = &[
    "/", "/", "/", "a", "b", "my", "{", "}", "*", "x", "_", "1", "{id}", "{*rest}", "?", "#", "%",
    "é", " ", "//", "..", ".",
];

const TIME_TOKENS: &[&str] = &[
    "2017",
    "1969",
    "2100",
    "9999",
    "0000",
    "-",
    "-06-22",
    "-13",
    "-00",
    "-31",
    "-02-29",
    "T",
    " ",
    "t",
    "10",
    ":",
    ":00",
    ":60",
    "24",
    ".",
    ".123",
    ".123456789123",
    "Z",
    "z",
    "+09:00",
    "-05:30",
    "+24:00",
    "+0900",
    "+",
    "\u{0}",
    "é",
];

const LOG_TOKENS: &[&str] = &[
    "ts",
    "path",
    "owner_id",
    "viewer_id",
    ",",
    ",",
    "\n",
    "\r\n",
    "\"",
    "\"\"",
    "'",
    "2017-06-22T10:00:00+09:00",
    "2017-06-22 10:00:00",
    "1969-12-31T23:59:59Z",
    "not a time",
    "/my/",
    "https://shop.example/my/?q=1",
    "u1",
    "u2",
    "",
    "=1+1",
    "\u{feff}",
    ";",
    "\t",
    "\u{0}",
    "é",
];

/// The reader must answer in a time that does not grow without bound.
fn quick(started: Instant, what: &str) -> Result<(), TestCaseError> {
    let limit = Duration::from_secs(5);
    prop_assert!(
        started.elapsed() < limit,
        "{what} took {:?}",
        started.elapsed()
    );
    Ok(())
}

proptest! {
    #![proptest_config(config("fuzz/regressions/inventory.txt"))]
    #[test]
    fn fuzz_inventory_loader(bytes in input("inventory", YAML_TOKENS)) {
        let started = Instant::now();
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(inventory) = Inventory::parse(&text, "fuzz.yaml") {
            // A loaded inventory is usable: every page's route matches a path made from it.
            for page in &inventory.pages {
                let reparsed = Route::parse(&page.route.to_string());
                prop_assert_eq!(reparsed.as_ref().map(Route::shape), Ok(page.route.shape()));
            }
        }
        // The same bytes from a file (UTF-8 checked there) answer the same way or with an
        // input error naming the file.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fuzz.yaml");
        std::fs::write(&path, &bytes).unwrap();
        if let Err(e) = Inventory::load(&path) {
            prop_assert!(e.to_string().contains("fuzz.yaml"), "{}", e);
        }
        quick(started, "loading")?;
    }
}

proptest! {
    #![proptest_config(config("fuzz/regressions/routes.txt"))]
    #[test]
    fn fuzz_route_parser_and_matcher(
        routes in prop::collection::vec(prop::collection::vec(prop::sample::select(ROUTE_TOKENS), 0..12), 0..10),
        paths in prop::collection::vec(prop::collection::vec(prop::sample::select(ROUTE_TOKENS), 0..16), 0..10),
        raw in ".{0,40}",
    ) {
        let mut parsed: Vec<Route> = Vec::new();
        for tokens in &routes {
            if let Ok(route) = Route::parse(&tokens.concat()) {
                // What is shown is what is read back.
                let again = Route::parse(&route.to_string());
                prop_assert_eq!(again.as_ref(), Ok(&route));
                if !parsed.iter().any(|r| r.shape() == route.shape()) {
                    parsed.push(route);
                }
            }
        }
        let table = RouteTable::new(&parsed).expect("distinct shapes");
        let mut all: Vec<String> = paths.iter().map(|t| t.concat()).collect();
        all.push(raw);
        for path in &all {
            let normalised = normalise_path(path);
            prop_assert!(normalised.starts_with('/'), "{:?} -> {:?}", path, normalised);
            prop_assert!(!normalised.contains(['?', '#']), "{:?} -> {:?}", path, normalised);
            prop_assert!(normalised == "/" || !normalised.ends_with('/'), "{:?} -> {:?}", path, normalised);
            let again = normalise_path(&normalised).into_owned();
            prop_assert_eq!(again.as_str(), normalised.as_ref());
            if let Some(page) = table.find(&normalised) {
                prop_assert!(page < parsed.len());
            }
        }
    }
}

fn zones() -> Vec<Zone> {
    [
        "UTC",
        "Asia/Tokyo",
        "America/Los_Angeles",
        "Europe/London",
        "+09:00",
        "-05:30",
        "Australia/Lord_Howe",
    ]
    .iter()
    .map(|z| z.parse().unwrap())
    .collect()
}

proptest! {
    #![proptest_config(config("fuzz/regressions/timestamps.txt"))]
    #[test]
    fn fuzz_timestamp_parser(
        tokens in prop::collection::vec(prop::sample::select(TIME_TOKENS), 0..16),
        raw in "\\PC{0,40}",
        zone in prop::sample::select(zones()),
        zone_text in "[+-]?[A-Za-z/_0-9:+-]{0,20}",
    ) {
        let _ = zone_text.parse::<Zone>();
        for text in [tokens.concat(), raw] {
            if let Some(instant) = parse_instant(&text, &zone) {
                // What is written back (RFC 3339 in the zone) reads as the same instant.
                let shown = zone.format(instant);
                prop_assert_eq!(parse_instant(&shown, &Zone::default()), Some(instant), "{:?} shown as {:?}", text, shown);
            }
        }
    }

    #[test]
    fn valid_timestamps_read_as_the_instant_they_name(
        seconds in 0i64..4_102_444_800,
        millis in 0u32..1000,
        offset_minutes in -(14 * 60)..=(14 * 60i32),
        naive in any::<bool>(),
        zone in prop::sample::select(zones()),
    ) {
        use chrono::{DateTime, FixedOffset, Utc};
        let instant = DateTime::<Utc>::from_timestamp(seconds, millis * 1_000_000).unwrap();
        if naive {
            // A naive local time in the zone reads as exactly the instant it names; where
            // the zone's clock shows that local time twice (the autumn fold), as the
            // earlier of the two, the documented choice.
            use chrono::{LocalResult, TimeZone};
            let (text, expected) = match zone {
                Zone::Named(tz) => {
                    let local = instant.with_timezone(&tz).naive_local();
                    let expected = match tz.from_local_datetime(&local) {
                        LocalResult::Single(t) => t.with_timezone(&Utc),
                        LocalResult::Ambiguous(early, late) => {
                            prop_assert!(early <= late);
                            early.with_timezone(&Utc)
                        }
                        LocalResult::None => unreachable!("{local} happened in {tz}"),
                    };
                    (local.format("%Y-%m-%d %H:%M:%S%.3f").to_string(), expected)
                }
                Zone::Fixed(offset) => {
                    let local = instant.with_timezone(&offset).naive_local();
                    (local.format("%Y-%m-%d %H:%M:%S%.3f").to_string(), instant)
                }
            };
            let read = parse_instant(&text, &zone).expect("a local time that happened");
            prop_assert_eq!(read, expected, "{} in {}", text, zone);
            // Outside a fold the expected instant is the one the text came from.
            if expected != instant {
                prop_assert!(expected < instant, "{} read later than it happened", text);
            }
        } else {
            let offset = FixedOffset::east_opt(offset_minutes * 60).unwrap();
            let text = instant.with_timezone(&offset).to_rfc3339();
            prop_assert_eq!(parse_instant(&text, &zone), Some(instant), "{}", text);
        }
    }
}

proptest! {
    #![proptest_config(config("fuzz/regressions/log.txt"))]
    #[test]
    fn fuzz_log_reader(bytes in input("log", LOG_TOKENS), gz in any::<bool>()) {
        let started = Instant::now();
        let dir = tempfile::tempdir().unwrap();
        let path = if gz {
            use std::io::Write;
            let path = dir.path().join("log.csv.gz");
            let mut z = std::process::Command::new("gzip")
                .arg("-c")
                .stdin(std::process::Stdio::piped())
                .stdout(std::fs::File::create(&path).unwrap())
                .spawn()
                .expect("gzip is installed (.ci/run installs it)");
            z.stdin.take().unwrap().write_all(&bytes).unwrap();
            z.wait().unwrap();
            path
        } else {
            let path = dir.path().join("log.csv");
            std::fs::write(&path, &bytes).unwrap();
            path
        };
        let options = ReadOptions { zone: "Asia/Tokyo".parse().unwrap(), ..Default::default() };
        match Log::read(std::slice::from_ref(&path), &options) {
            Ok(log) => {
                let lines = bytes.iter().filter(|&&b| b == b'\n' || b == b'\r').count() + 1;
                prop_assert!(log.df.height() <= lines);
            }
            // Bad input is an input error (exit 2) naming the file, never an internal one.
            Err(e) => {
                let input = e.downcast_ref::<InputError>();
                prop_assert!(input.is_some(), "not an input error: {:#}", e);
                prop_assert!(e.to_string().contains("log.csv"), "{}", e);
            }
        }
        quick(started, "reading")?;
    }
}
