//! `generate --cdn` in every vendor format, each node with a leak window of its own,
//! read back by `report window` and held to the generator's truth; a window that starts
//! thirty minutes late warns, and `--from auto` gives the true window's figures.

use std::path::Path;

use pii_audit::generate::{APACHE_LOG_FORMAT, NGINX_LOG_FORMAT};
use pii_audit::inventory::{normalise_path, Inventory};
use polars::prelude::*;

use crate::roundtrip::parquet;
use crate::{pii, stdout_of};

/// The generated incident's leak, per node (the generator's `NODE_LEAK_MINUTES`): the
/// change reached the first node at 09:00 JST, the second at 09:07 and the third at
/// 09:13; the rollback left them at 14:51, 14:59 and 14:56. A one-node format is the
/// first node. In µs since the epoch.
const NODE_LEAKS: [(i64, i64); 3] = [
    (at(9, 0), at(14, 51)),
    (at(9, 7), at(14, 59)),
    (at(9, 13), at(14, 56)),
];

/// 2017-06-22 `h`:`m` JST (UTC+9), in µs.
const fn at(h: i64, m: i64) -> i64 {
    // 2017-06-22T00:00:00+09:00 is 1498057200 s.
    (1_498_057_200 + h * 3600 + m * 60) * 1_000_000
}

/// A vendor format as `generate --log-format` names it, its nodes (the generator's, in
/// order; empty: one cache), its clock's resolution (µs), and whether its line tells a
/// shared tier's copy from a miss (Fastly's edge logs a shield's copy as `MISS`, as it
/// logs the origin's: such a line cannot say a cache served it, so it is not counted).
struct Vendor {
    name: &'static str,
    nodes: &'static [&'static str],
    resolution: i64,
    shows_tier: bool,
}

const VENDORS: [Vendor; 7] = [
    Vendor {
        name: "cloudfront",
        nodes: &["NRT57-C1", "KIX50-C1", "NRT12-C2"],
        resolution: 1_000_000,
        shows_tier: true,
    },
    Vendor {
        name: "cloudflare",
        nodes: &["NRT", "KIX", "FUK"],
        resolution: 1_000,
        shows_tier: true,
    },
    Vendor {
        name: "akamai",
        nodes: &["23.33.41.20", "23.33.41.21", "23.52.10.4"],
        resolution: 1_000,
        shows_tier: true,
    },
    Vendor {
        name: "fastly",
        nodes: &["NRT", "HND", "ITM"],
        resolution: 1_000,
        shows_tier: false,
    },
    Vendor {
        name: "nginx",
        nodes: &[],
        resolution: 1_000,
        shows_tier: true,
    },
    Vendor {
        name: "apache",
        nodes: &[],
        resolution: 1_000,
        shows_tier: true,
    },
    Vendor {
        name: "w3c",
        nodes: &[],
        resolution: 1_000_000,
        shows_tier: true,
    },
];

/// `--derive-owners` and the flags the generated README gives for `format`.
fn vendor_flags(format: &str) -> Vec<String> {
    let log_format = match format {
        "nginx" => format!("nginx:{NGINX_LOG_FORMAT}"),
        "apache" => format!("apache:{APACHE_LOG_FORMAT}"),
        other => other.to_string(),
    };
    let mut flags: Vec<String> = [
        "--derive-owners",
        "--log-format",
        &log_format,
        "--viewer",
        "cookie:session",
        "--max-age",
        "70s",
        "--tz",
        "Asia/Tokyo",
    ]
    .map(String::from)
    .to_vec();
    match format {
        "w3c" => flags.extend(["--column", "cache_status=x-cache-status"].map(String::from)),
        "nginx" | "apache" => {}
        _ => flags.extend(["--cache-key", "path"].map(String::from)),
    }
    flags
}

/// `generate --users 600 --rows 60000 --cdn --log-format FORMAT` into `dir`: enough
/// traffic that each node's first and last cached personal response fall within minutes
/// of its own leak's start and end.
fn generate(dir: &Path, format: &str) {
    pii()
        .args(["generate", "--users", "600", "--rows", "60000", "--cdn"])
        .args(["--log-format", format, "--out-dir"])
        .arg(dir)
        .assert()
        .success();
}

fn texts(df: &DataFrame, name: &str) -> Vec<String> {
    let column = df.column(name).expect("column").str().expect("text");
    column.iter().map(|v| v.unwrap_or("").to_string()).collect()
}

fn micros(df: &DataFrame, name: &str) -> Vec<Option<i64>> {
    let column = df.column(name).expect("column");
    let column = column.cast(&DataType::Int64).expect("a time");
    column.i64().expect("µs").iter().collect()
}

fn flags(df: &DataFrame, name: &str) -> Vec<bool> {
    let column = df.column(name).expect("column").bool().expect("booleans");
    column.iter().map(|v| v.unwrap()).collect()
}

fn counts(df: &DataFrame, name: &str) -> Vec<u64> {
    let column = df.column(name).expect("column");
    let column = column.cast(&DataType::UInt64).expect("a count");
    column
        .u64()
        .expect("u64")
        .iter()
        .map(|v| v.unwrap())
        .collect()
}

/// A node's leak as the generator's truth has it: its cached responses of pages with
/// personal fields (HIT: the node's copy; TIER: the shared tier's), the first and last
/// at the time the log gives (floored to `resolution`), how many, and how many carried
/// someone else's page.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Truth {
    first: Option<i64>,
    last: Option<i64>,
    responses: u64,
    cross: u64,
}

/// The truth per node name (`""`: one cache), from `exposure.parquet`, as `vendor`'s log
/// can show it.
fn truth_by_node(dir: &Path, vendor: &Vendor) -> std::collections::BTreeMap<String, Truth> {
    let resolution = vendor.resolution;
    let inventory = Inventory::load(&dir.join("inventory.yaml")).unwrap();
    let personal = |path: &str| {
        inventory
            .match_path(&normalise_path(path))
            .is_some_and(|p| !inventory.pages[p].fields.is_empty())
    };
    let truth = parquet(&dir.join("exposure.parquet"));
    let logged = micros(&truth, "logged_arrival");
    let (paths, nodes) = (texts(&truth, "path"), texts(&truth, "cache_node"));
    let (statuses, owners) = (texts(&truth, "cache_status"), texts(&truth, "owner_id"));
    let viewers = texts(&truth, "viewer_id");
    let hung_up = flags(&truth, "hung_up");
    let mut by_node = std::collections::BTreeMap::<String, Truth>::new();
    for i in 0..truth.height() {
        let cached = match statuses[i].as_str() {
            "HIT" => true,
            // CloudFront logs a viewer who hung up as `Error`: a tier's copy is then
            // `Miss` in x-edge-response-result-type, which may be the origin's.
            "TIER" => vendor.shows_tier && !(hung_up[i] && vendor.name == "cloudfront"),
            _ => false,
        };
        if !cached || !personal(&paths[i]) {
            continue;
        }
        let t = logged[i].unwrap();
        let t = t - t.rem_euclid(resolution);
        let node = by_node.entry(nodes[i].clone()).or_default();
        node.first = Some(node.first.map_or(t, |f| f.min(t)));
        node.last = Some(node.last.map_or(t, |l| l.max(t)));
        node.responses += 1;
        node.cross += u64::from(!owners[i].is_empty() && owners[i] != viewers[i]);
    }
    by_node
}

/// `report window` over `dir`'s generated `format` (Parquet: typed times and counts).
fn window_of(dir: &Path, format: &str) -> DataFrame {
    let out = dir.join("window.parquet");
    pii()
        .args(["report", "window", "-i"])
        .arg(dir.join("inventory.yaml"))
        .arg("-e")
        .arg(dir.join("cdn"))
        .args(vendor_flags(format))
        .args(["--format", "parquet", "-o"])
        .arg(&out)
        .assert()
        .success();
    parquet(&out)
}

/// Generates `vendor`'s log and holds `report window` to the truth, node by node: the
/// first and last cached personal response to the log's resolution, how many, and at
/// most as many confirmed to someone else as the truth has; each node's within the leak
/// the generator gave it.
fn round_trip(vendor: &Vendor) {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), vendor.name);
    let window = window_of(dir.path(), vendor.name);
    let truth = truth_by_node(dir.path(), vendor);
    let names = texts(&window, "cache_node");
    let (first, last) = (
        micros(&window, "first_cached"),
        micros(&window, "last_cached"),
    );
    let responses = counts(&window, "cached_responses");
    let confirmed = counts(&window, "confirmed_to_others");
    let mut expected: Vec<String> = vendor.nodes.iter().map(|n| n.to_string()).collect();
    expected.sort();
    expected.push("(all)".into());
    assert_eq!(
        names, expected,
        "{}: a row per node, then the whole log",
        vendor.name
    );
    let all = Truth {
        first: truth.values().filter_map(|t| t.first).min(),
        last: truth.values().filter_map(|t| t.last).max(),
        responses: truth.values().map(|t| t.responses).sum(),
        cross: truth.values().map(|t| t.cross).sum(),
    };
    for (row, name) in names.iter().enumerate() {
        let t = match name.as_str() {
            "(all)" => all,
            node => truth[node],
        };
        let what = format!("{} {name}", vendor.name);
        assert!(t.responses > 0, "{what}: the leak reached every node");
        assert_eq!(
            (first[row], last[row]),
            (t.first, t.last),
            "{what}: first, last"
        );
        assert_eq!(responses[row], t.responses, "{what}: responses");
        assert!(
            confirmed[row] <= t.cross && t.cross <= t.responses,
            "{what}"
        );
        if name == "(all)" {
            continue;
        }
        let index = vendor.nodes.iter().position(|n| n == name).unwrap();
        let (start, end) = NODE_LEAKS[index];
        // A request that arrives while a page is being fetched is answered with it when
        // it is ready, whatever the configuration says by then: up to 430 ms past the end.
        let (first, last) = (t.first.unwrap(), t.last.unwrap());
        assert!(
            first >= start - vendor.resolution && last < end + 1_000_000,
            "{what}"
        );
    }
    // The nodes' leaks start and end in the order the generator gave them: the first
    // node's first (09:00), then the second's (09:07), then the third's (09:13); the
    // rollback leaves the first (14:51), the third (14:56), then the second (14:59).
    if let [a, b, c] = vendor.nodes {
        let node = |name: &str| truth[name];
        let (a, b, c) = (node(a), node(b), node(c));
        assert!(
            a.first < b.first && b.first < c.first,
            "{}: starts",
            vendor.name
        );
        assert!(a.last < c.last && c.last < b.last, "{}: ends", vendor.name);
    }
    if vendor.nodes.is_empty() {
        let (start, end) = NODE_LEAKS[0];
        assert!(all.first.unwrap() >= start - vendor.resolution);
        assert!(all.last.unwrap() < end + 1_000_000);
    }
}

#[test]
fn cloudfront_nodes_windows() {
    round_trip(&VENDORS[0]);
}

#[test]
fn cloudflare_nodes_windows() {
    round_trip(&VENDORS[1]);
}

#[test]
fn akamai_nodes_windows() {
    round_trip(&VENDORS[2]);
}

#[test]
fn fastly_nodes_windows() {
    round_trip(&VENDORS[3]);
}

#[test]
fn nginx_window() {
    round_trip(&VENDORS[4]);
}

#[test]
fn apache_window() {
    round_trip(&VENDORS[5]);
}

#[test]
fn w3c_window() {
    round_trip(&VENDORS[6]);
}

/// `report summary` of `dir`'s generated `format` with its registered table, over
/// `window`; its CSV.
fn vendor_summary(dir: &Path, format: &str, window: &[&str]) -> String {
    let mut command = pii();
    command
        .args(["report", "summary", "-i"])
        .arg(dir.join("inventory.yaml"))
        .arg("-e")
        .arg(dir.join("cdn"))
        .arg("-r")
        .arg(dir.join("registered.csv"))
        .args(vendor_flags(format))
        .args(["--format", "csv"])
        .args(window);
    stdout_of(&mut command)
}

/// The figures of a summary that count exposures: the same over any window that holds
/// every response served from the cache (an exposure is one of them). The others count
/// the owners' own views and unmapped traffic too, which a wider window holds more of.
fn exposure_figures(summary: &str) -> Vec<&str> {
    let names = [
        "users_exposed,",
        "users_only_possibly_exposed,",
        "users_direct_tier,",
        "users_notice_tier,",
        "exposures,",
        "exposures_possible,",
    ];
    let figures: Vec<&str> = summary
        .lines()
        .filter(|l| names.iter().any(|n| l.starts_with(n)))
        .collect();
    assert_eq!(figures.len(), names.len(), "{summary}");
    figures
}

#[test]
fn a_from_thirty_minutes_late_warns_and_from_auto_gives_the_true_window_s_figures() {
    // Akamai: breadcrumbs show which cache served each page; times to the millisecond.
    let vendor = &VENDORS[2];
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), vendor.name);
    let late = vendor_summary(
        dir.path(),
        vendor.name,
        &[
            "--from",
            "2017-06-22T09:30:00+09:00",
            "--to",
            "2017-06-22T15:00:00+09:00",
        ],
    );
    // From the truth: the cached personal responses that arrived (as the log says) before
    // 09:30, and the nodes that served them; the window the log suggests is the first and
    // the last of them all, a millisecond (the clock's resolution) wider either side.
    let inventory = Inventory::load(&dir.path().join("inventory.yaml")).unwrap();
    let truth = parquet(&dir.path().join("exposure.parquet"));
    let logged = micros(&truth, "logged_arrival");
    let (paths, nodes) = (texts(&truth, "path"), texts(&truth, "cache_node"));
    let statuses = texts(&truth, "cache_status");
    let (mut before, mut on) = (0, std::collections::BTreeSet::new());
    for i in 0..truth.height() {
        let personal = inventory
            .match_path(&normalise_path(&paths[i]))
            .is_some_and(|p| !inventory.pages[p].fields.is_empty());
        if personal && matches!(statuses[i].as_str(), "HIT" | "TIER") && logged[i] < Some(at(9, 30))
        {
            before += 1;
            on.insert(nodes[i].clone());
        }
    }
    assert!(before > 0 && on.len() == 3, "{before} on {on:?}");
    let on: Vec<String> = on.into_iter().collect();
    let all = truth_by_node(dir.path(), vendor);
    let first = all.values().filter_map(|t| t.first).min().unwrap();
    let last = all.values().filter_map(|t| t.last).max().unwrap();
    let zone: pii_audit::ingest::Zone = "Asia/Tokyo".parse().unwrap();
    let warning = late
        .lines()
        .find(|l| l.starts_with("warning_window_cache,"))
        .expect("the window warning");
    let expected = format!(
        "{before} responses of pages with personal fields were served from the cache outside --from/--to ({before} before --from, 0 at or after --to; "
    );
    assert!(warning.contains(&expected), "{warning}");
    assert!(warning.contains(&format!(" on {}, so the figures", on.join(", "))));
    let suggested = format!(
        "the log suggests --from {} --to {} ",
        zone.format_micros(first - 1_000),
        zone.format_micros(last + 1_000)
    );
    assert!(warning.contains(&suggested), "{warning}");

    let window = [
        "--from",
        "2017-06-22T09:00:00+09:00",
        "--to",
        "2017-06-22T15:00:00+09:00",
    ];
    let true_window = vendor_summary(dir.path(), vendor.name, &window);
    let auto = vendor_summary(dir.path(), vendor.name, &["--from", "auto", "--to", "auto"]);
    assert_eq!(exposure_figures(&auto), exposure_figures(&true_window));
    assert!(!exposure_figures(&auto).contains(&"exposures,0"));
    assert!(!true_window.contains("outside --from/--to") && !auto.contains("outside --from/--to"));
    assert!(auto.contains(&format!(
        "\nwindow_from,{} (auto: the window the CDN log suggests)\n",
        zone.format_micros(first - 1_000)
    )));
}
