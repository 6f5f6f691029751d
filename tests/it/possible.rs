//! Possible exposures: a CloudFront log (1-second clock) whose ambiguous responses make
//! each candidate owner possibly exposed. Every figure below is computed by hand from the
//! seventeen lines of `log()`.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::{pii, stdout_of, write};

const FIELDS: &str = "date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end";

/// (time, edge location, path, status, session cookie, result type), 2017-06-22 UTC.
type Row = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
);
const ROWS: &[Row] = &[
    // /s1/: an origin and a hit in the same second, nothing before: cached, alice's.
    ("06:00:00", "NRT57-C1", "/s1/", "200", Some("alice"), "Miss"),
    ("06:00:00", "NRT57-C1", "/s1/", "200", Some("bob"), "Hit"),
    // /s2/: two origins in one second and a hit: ambiguous, carol or dave.
    ("06:00:10", "NRT57-C1", "/s2/", "200", Some("carol"), "Miss"),
    ("06:00:10", "NRT57-C1", "/s2/", "200", Some("dave"), "Miss"),
    ("06:00:10", "NRT57-C1", "/s2/", "200", Some("erin"), "Hit"),
    // /s3/: origins at :19 and :20; a hit at :20 may come from either (ambiguous); one at
    // :21 from the :20 origin (cached, grace's).
    ("06:00:19", "NRT57-C1", "/s3/", "200", Some("frank"), "Miss"),
    ("06:00:20", "NRT57-C1", "/s3/", "200", Some("grace"), "Miss"),
    ("06:00:20", "NRT57-C1", "/s3/", "200", Some("heidi"), "Hit"),
    ("06:00:21", "NRT57-C1", "/s3/", "200", Some("ivan"), "Hit"),
    // /s4/: an unidentified visitor's origin (nobody's page) and judy's, then a hit:
    // ambiguous between nobody and judy; only judy is listed.
    ("06:00:30", "NRT57-C1", "/s4/", "200", None, "Miss"),
    ("06:00:30", "NRT57-C1", "/s4/", "200", Some("judy"), "Miss"),
    ("06:00:30", "NRT57-C1", "/s4/", "200", Some("ken"), "Hit"),
    // /s5/: the same URL on two edge locations: olivia's hit in Tokyo is mallory's page,
    // not niaj's (Osaka, later).
    (
        "06:00:40",
        "NRT57-C1",
        "/s5/",
        "200",
        Some("mallory"),
        "Miss",
    ),
    ("06:00:41", "KIX50-C1", "/s5/", "200", Some("niaj"), "Miss"),
    ("06:00:42", "NRT57-C1", "/s5/", "200", Some("olivia"), "Hit"),
    // /s6/: an error carried no page; a hit with no origin is unattributed.
    (
        "06:00:50",
        "NRT57-C1",
        "/s6/",
        "503",
        Some("peggy"),
        "Error",
    ),
    ("06:00:51", "NRT57-C1", "/s6/", "200", Some("rupert"), "Hit"),
];

const INVENTORY: &str = "version: 1\nnotice:\n  labels:\n    ja: {name: 氏名}\nfields:\n  name: {label: Name, category: user.name, direct_notice: true}\npages:\n  - {id: s1, route: /s1/, fields: [name]}\n  - {id: s2, route: /s2/, fields: [name]}\n  - {id: s3, route: /s3/, fields: [name]}\n  - {id: s4, route: /s4/, fields: [name]}\n  - {id: s5, route: /s5/, fields: [name]}\n  - {id: s6, route: /s6/, fields: [name]}\n";

/// The log as AWS delivers it: a gzip file named for its hour, in a folder.
fn log(dir: &Path) -> PathBuf {
    let folder = dir.join("logs");
    std::fs::create_dir_all(&folder).unwrap();
    let fields: Vec<&str> = FIELDS.split(' ').collect();
    let mut text = format!("#Version: 1.0\n#Fields: {FIELDS}\n");
    for (i, (time, edge, path, status, session, result)) in ROWS.iter().enumerate() {
        let cookie = session.map_or("-".to_string(), |s| format!("theme=dark;%20session={s}"));
        let value = |field: &str| -> String {
            match field {
                "date" => "2017-06-22".into(),
                "time" => time.to_string(),
                "x-edge-location" => edge.to_string(),
                "c-ip" => format!("192.0.2.{}", i + 1),
                "cs-method" => "GET".into(),
                "cs-uri-stem" => path.to_string(),
                "sc-status" => status.to_string(),
                "cs(User-Agent)" => "Mozilla/5.0%20(X11;%20Linux%20x86_64)".into(),
                "cs(Cookie)" => cookie.clone(),
                "x-edge-result-type" | "x-edge-response-result-type" => result.to_string(),
                "x-edge-request-id" => format!("req{i}"),
                _ => "-".into(),
            }
        };
        let line: Vec<String> = fields.iter().map(|f| value(f)).collect();
        text.push_str(&line.join("\t"));
        text.push('\n');
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes()).unwrap();
    std::fs::write(
        folder.join("E2EXAMPLE.2017-06-22-06.a1b2c3d4.gz"),
        gz.finish().unwrap(),
    )
    .unwrap();
    folder
}

/// Each edge location fetches from the origin (the clock's rule alone; a shared tier is in
/// tests/it/tiers.rs).
const TOPOLOGY: [&str; 2] = ["--cache-topology", "edge"];

fn run(dir: &Path, args: &[&str]) -> String {
    let inv = write(dir, "inv.yaml", INVENTORY);
    let logs = log(dir);
    let mut command = pii();
    command
        .args(args)
        .arg("-i")
        .arg(&inv)
        .arg("-e")
        .arg(&logs)
        .args(["--derive-owners", "--log-format", "cloudfront"])
        .args(TOPOLOGY)
        .args(["--viewer", "cookie:session"]);
    stdout_of(&mut command)
}

#[test]
fn users_split_confirmed_and_possible_exposures() {
    let dir = tempfile::tempdir().unwrap();
    let users = run(dir.path(), &["report", "users"]);
    // Confirmed: alice (bob), grace (ivan), mallory (olivia). Possible: carol and dave
    // (erin), frank and grace (heidi), judy (ken). niaj: only her own view (potential).
    // Everyone possibly exposed is in the direct tier, like the confirmed.
    assert_eq!(
        users,
        "user_id,tier,exposed_fields,potential_fields,exposures,distinct_viewers,possible_exposures,possible_viewers,first_exposed,last_exposed,pages\n\
         alice,direct,name,name,1,1,0,0,2017-06-22T06:00:00+00:00,2017-06-22T06:00:00+00:00,s1\n\
         grace,direct,name,name,1,1,1,1,2017-06-22T06:00:20+00:00,2017-06-22T06:00:21+00:00,s3\n\
         mallory,direct,name,name,1,1,0,0,2017-06-22T06:00:42+00:00,2017-06-22T06:00:42+00:00,s5\n\
         carol,direct,name,name,0,0,1,1,2017-06-22T06:00:10+00:00,2017-06-22T06:00:10+00:00,s2\n\
         dave,direct,name,name,0,0,1,1,2017-06-22T06:00:10+00:00,2017-06-22T06:00:10+00:00,s2\n\
         frank,direct,name,name,0,0,1,1,2017-06-22T06:00:20+00:00,2017-06-22T06:00:20+00:00,s3\n\
         judy,direct,name,name,0,0,1,1,2017-06-22T06:00:30+00:00,2017-06-22T06:00:30+00:00,s4\n\
         niaj,potential,,name,0,0,0,0,,,\n"
    );
}

#[test]
fn the_summary_counts_possible_exposures_and_who_has_only_those() {
    let dir = tempfile::tempdir().unwrap();
    let summary = run(dir.path(), &["report", "summary"]);
    let figure = |name: &str| {
        summary
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name},")))
            .unwrap_or_else(|| panic!("{name} in {summary}"))
            .to_string()
    };
    // Exposed: 7 (3 confirmed owners + carol, dave, frank, judy); only possibly: 4.
    assert_eq!(figure("users_exposed"), "7");
    assert_eq!(figure("users_only_possibly_exposed"), "4");
    // Exposures: 3 confirmed + 5 possible (erin's hit twice, heidi's twice, ken's once).
    assert_eq!(figure("exposures"), "8");
    assert_eq!(figure("exposures_possible"), "5");
    assert_eq!(figure("cdn_responses_in_window"), "17");
    assert_eq!(figure("cdn_origin_responses"), "9");
    // Quoted in CSV: the explanations hold commas.
    let ambiguous = figure("cached_responses_ambiguous");
    assert!(ambiguous.starts_with("\"3 "), "{ambiguous}");
    assert!(
        ambiguous.contains("by the clock 3, a shared tier 0"),
        "{ambiguous}"
    );
    assert!(figure("cached_responses_unattributed").starts_with("\"1 "));
    assert!(figure("responses_without_page").starts_with("\"1 "));
    assert!(
        figure("cdn_assumed")
            .contains("cloudfront log; cache topology edge; cache key path; times to 1 s"),
        "{summary}"
    );
    // Per edge location, and the fact that would narrow the ambiguity.
    assert_eq!(
        figure("cdn_node NRT57-C1"),
        "\"origin 8, cached 3, ambiguous 3, unattributed 1, no page 1\""
    );
    assert_eq!(
        figure("cdn_node KIX50-C1"),
        "\"origin 1, cached 0, ambiguous 0, unattributed 0, no page 0\""
    );
    assert!(figure("cdn_hint_1").contains("3 ambiguous by the clock (1 s resolution)"));
    // The fixture logs no time-taken: each end time is taken as the arrival, and said so.
    assert!(
        figure("cdn_hint_3").starts_with("\"17 responses logged at their end without a duration")
    );
}

#[test]
fn letters_say_was_shown_and_may_have_been_shown() {
    let dir = tempfile::tempdir().unwrap();
    let grace = run(dir.path(), &["check", "grace"]);
    assert!(
        grace.contains("pages with your personal data were shown to other people")
            && grace.contains("Seen by someone else: Name.")
            && grace.contains("In all, your data was shown once, to one visitor.\nIt may also have been shown once more."),
        "{grace}"
    );
    let carol = run(dir.path(), &["check", "carol"]);
    assert!(
        carol.contains("pages with your personal data may have been shown to other people on 2017-06-22 06:00:10 +00:00.")
            && carol.contains("May have been seen by someone else")
            && !carol.contains("Seen by someone else")
            && carol.contains("In all, your data may have been shown once."),
        "{carol}"
    );
    let ja = run(dir.path(), &["check", "carol", "--lang", "ja"]);
    assert!(
        ja.contains("他の方に表示された可能性があります。")
            && ja.contains("他の方に表示された可能性がある情報")
            && ja.contains("氏名")
            && ja.contains("1回、表示された可能性があります。"),
        "{ja}"
    );
}

/// The two-step way, `derive-owners` then the reports on its output: the ambiguous rows
/// come back as possible exposures from the written log (CSV, `;`-joined candidates, and
/// Parquet, a list), so the reports are those of `--derive-owners`.
#[test]
fn a_derived_log_keeps_its_possible_exposures() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let direct = run(d, &["report", "users"]);
    let summary = run(d, &["report", "summary"]);
    let inv = d.join("inv.yaml");
    for name in ["derived.csv", "derived.parquet"] {
        let out = d.join(name);
        crate::pii()
            .args(["derive-owners", "-e"])
            .arg(d.join("logs"))
            .args([
                "--log-format",
                "cloudfront",
                "--viewer",
                "cookie:session",
                "--cache-topology",
                "edge",
                "-o",
            ])
            .arg(&out)
            .assert()
            .success();
        let report = |kind: &str| {
            stdout_of(
                crate::pii()
                    .args(["report", kind, "-i"])
                    .arg(&inv)
                    .arg("-e")
                    .arg(&out),
            )
        };
        assert_eq!(report("users"), direct, "{name}");
        // The summary without the derivation's own figures (cdn_*, cached_*, no page, and
        // when the caches served personal pages: the window they suggest, its warning).
        let derivation = [
            "cdn_",
            "cached_",
            "responses_without_page",
            "responses_unidentified_viewer",
            "window_suggested_",
            "warning_window_cache,",
        ];
        let own: Vec<&str> = summary
            .lines()
            .filter(|l| !derivation.iter().any(|p| l.starts_with(p)))
            .collect();
        assert_eq!(report("summary").lines().collect::<Vec<_>>(), own, "{name}");
    }
}

/// The TUI opens a delivered log with possible exposures: the same users as the report.
#[test]
fn the_tui_opens_a_delivered_log() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let inv = crate::write(d, "inv.yaml", INVENTORY);
    let mut options = pii_audit::load::Options::new(inv, &log(d));
    options.derive = Some(pii_audit::cdn::Options {
        format: pii_audit::cdn::LogFormat::CloudFront,
        viewer: Some(pii_audit::cdn::Viewer::Cookie("session".into())),
        ..Default::default()
    });
    let inputs = pii_audit::load::Inputs::load_quiet(&options).unwrap();
    let (data, _) = pii_audit::tui::data::compute(&inputs, &mut |_| {}).unwrap();
    // alice, grace, mallory, carol, dave, frank, judy and niaj (potential).
    assert_eq!(data.users.len(), 8);
}

/// The TUI says how sure each figure is: the Overview counts the people only possibly
/// exposed and the possible exposures apart; a user's view marks a field possibly seen
/// (◐) apart from one seen (●), and its header and page list count the same thing.
#[test]
fn the_tui_shows_possible_exposures_apart() {
    use pii_audit::tui::model::{Model, Title};
    use pii_audit::tui::vocab::{Action, Tab};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let inv = crate::write(d, "inv.yaml", INVENTORY);
    let mut options = pii_audit::load::Options::new(inv, &log(d));
    options.derive = Some(pii_audit::cdn::Options {
        format: pii_audit::cdn::LogFormat::CloudFront,
        viewer: Some(pii_audit::cdn::Viewer::Cookie("session".into())),
        topology: Some(pii_audit::cdn::Topology::Edge),
        ..Default::default()
    });
    let inputs = pii_audit::load::Inputs::load_quiet(&options).unwrap();
    let (data, session) = pii_audit::tui::data::compute(&inputs, &mut |_| {}).unwrap();
    let title = Title {
        text: "possible".into(),
        sample: false,
        unpacked: None,
    };
    let mut model = Model::loaded(title, (120, 40), data);
    let overview = crate::tui::screen(&model);
    // 7 exposed, 4 of them only possibly; 8 exposures, 5 of them possible (by hand, in
    // the_summary_counts_possible_exposures_and_who_has_only_those).
    for line in [
        " 7 users with a confirmed exposure",
        " 4   of them only possibly exposed",
        " 8 exposures",
        " 5   of them possible",
    ] {
        assert!(overview.contains(line), "{line:?} in\n{overview}");
    }
    // grace: 1 confirmed exposure (ivan's hit at :21), 1 possible (heidi's at :20).
    crate::tui::apply(&mut model, &session, &[Action::GoTab(Tab::Users)]);
    let row = {
        let table = model.top().unwrap().table.as_ref().unwrap();
        table
            .rows
            .iter()
            .position(|&r| table.grid.cell(r, "user_id") == "grace")
            .unwrap()
    };
    let mut actions = vec![Action::Top];
    actions.extend(std::iter::repeat_n(Action::Down, row));
    actions.push(Action::Open);
    crate::tui::apply(&mut model, &session, &actions);
    let user = crate::tui::screen(&model);
    assert!(
        user.contains("confirmed exposures 1 · viewers 1 · possible exposures 1 · viewers 1"),
        "{user}"
    );
    assert!(user.contains("● Name"), "{user}");
    assert!(
        user.contains(
            "s3             requests    3 · exposures    1 · viewers    1 · possible    1"
        ),
        "{user}"
    );
    // carol: only possibly shown: her name is marked ◐, not ●.
    crate::tui::apply(&mut model, &session, &[Action::Back, Action::Top]);
    let row = {
        let table = model.top().unwrap().table.as_ref().unwrap();
        table
            .rows
            .iter()
            .position(|&r| table.grid.cell(r, "user_id") == "carol")
            .unwrap()
    };
    let mut actions: Vec<Action> = std::iter::repeat_n(Action::Down, row).collect();
    actions.push(Action::Open);
    crate::tui::apply(&mut model, &session, &actions);
    let user = crate::tui::screen(&model);
    assert!(user.contains("◐ Name"), "{user}");
    assert!(!user.contains("● Name"), "{user}");
    assert!(user.contains("possibly seen (◐"), "{user}");
}

#[test]
fn the_regulator_report_counts_people_possibly_exposed_apart() {
    // Rule (iv) counts leaks that may have occurred: 3 people confirmed (alice, grace,
    // mallory) and 4 only possibly (carol, dave, frank, judy); niaj saw only her own page.
    let dir = tempfile::tempdir().unwrap();
    let report = run(
        dir.path(),
        &["report", "regulator", "--jurisdiction", "appi"],
    );
    let row = report
        .lines()
        .find(|l| l.starts_with("| (iv) |"))
        .unwrap_or_else(|| panic!("{report}"));
    assert_eq!(
        row,
        "| (iv) | more than 1,000 people | not met: 7 people, not over 1,000 | 3 people whose data someone else saw (confirmed); 4 more possibly shown (the rule covers leaks that may have occurred); no blind spots: every page shown to someone else is in the inventory; 1 person whose pages were seen by no one else not counted |"
    );
    for line in [
        "- People whose data someone else saw (confirmed): 3 people\n- People whose data may have been shown (the CDN's records cannot tell whose page it was): 4 people\n",
        "- of which possible (the CDN's records cannot tell whose page it was): 5\n",
        "The number of people concerned is at least 3 (confirmed) and may be up to 7 with the people possibly shown.",
    ] {
        assert!(report.contains(line), "{line:?} in\n{report}");
    }
}
