//! The warnings about the figures themselves, wherever the headline figures are: the
//! blind spots (owners of cross-user responses on pages the inventory does not cover) and
//! exposures at the edge of the log window, in `report summary`, `notices/summary.md`,
//! the report to the regulator and the TUI overview.

use std::path::{Path, PathBuf};

use pii_audit::load::{self, Inputs};
use pii_audit::tui::data::compute;
use pii_audit::tui::model::{Model, Title};

use crate::{fixture, pii, stdout_of, write};

const WINDOW: [&str; 6] = [
    "--from",
    "2017-06-22T10:00:00+09:00",
    "--to",
    "2017-06-22T11:00:00+09:00",
    "--tz",
    "Asia/Tokyo",
];

/// A log whose only exposure is `seconds_before_to` before --to (and an own view earlier).
fn edge_log(dir: &Path, seconds_before_to: u32) -> PathBuf {
    let at = 3600 - seconds_before_to;
    let text = format!(
        "ts,path,owner_id,viewer_id\n2017-06-22T10:30:00+09:00,/my/,u1,u1\n2017-06-22T10:{:02}:{:02}+09:00,/my/,u1,v1\n",
        at / 60,
        at % 60
    );
    write(dir, &format!("edge-{seconds_before_to}.csv"), &text)
}

/// `report KIND` on the regulator fixture's inventory and `log`.
fn run(kind: &str, log: &Path, extra: &[&str]) -> String {
    let mut command = pii();
    command
        .args(["report", kind, "-i"])
        .arg(fixture("regulator/inventory.yaml"))
        .arg("-e")
        .arg(log)
        .args(WINDOW)
        .args(extra);
    stdout_of(&mut command)
}

/// The TUI's overview of `log` on an 80x24 terminal.
fn overview(log: &Path) -> String {
    let options = load::Options {
        inventory: fixture("regulator/inventory.yaml"),
        log: vec![log.display().to_string()],
        registered: None,
        relations: None,
        from: Some(WINDOW[1].into()),
        to: Some(WINDOW[3].into()),
        tz: WINDOW[5].into(),
        derive: None,
        columns: Vec::new(),
        ts_format: None,
        streaming: Default::default(),
    };
    let inputs = Inputs::load_quiet(&options).unwrap();
    let (data, _session) = compute(&inputs, &mut |_| {}).unwrap();
    let title = Title {
        text: "edge".into(),
        sample: false,
        unpacked: None,
    };
    crate::tui::screen(&Model::loaded(title, (80, 24), data))
}

#[test]
fn an_exposure_within_a_minute_of_the_window_s_end_warns_a_minute_and_a_second_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let at_60 = edge_log(dir.path(), 60);
    let summary = run("summary", &at_60, &[]);
    assert!(
        summary.contains("warning_window_edge,the last exposure (2017-06-22T10:59:00+09:00) lies within a minute of --to (2017-06-22T11:00:00+09:00): the window may cut the incident short"),
        "{summary}"
    );
    let report = run("regulator", &at_60, &["--jurisdiction", "appi"]);
    assert!(report.contains("The last exposure (2017-06-22T10:59:00+09:00) lies within a minute of the end of the log window (2017-06-22T11:00:00+09:00)"));
    let ja = run(
        "regulator",
        &at_60,
        &["--jurisdiction", "appi", "--lang", "ja"],
    );
    assert!(ja.contains("本人以外への最後の表示（2017年6月22日 10時59分）は、調査に用いたログの期間の終わり（2017年6月22日 11時00分）の1分前以降にある。"));
    let screen = overview(&at_60);
    assert!(screen.contains("! exposures reach --to:"), "{screen}");
    assert!(screen.contains("! the incident may be cut short"));

    let at_61 = edge_log(dir.path(), 61);
    assert!(!run("summary", &at_61, &[]).contains("warning_window_edge"));
    let report = run("regulator", &at_61, &["--jurisdiction", "appi"]);
    assert!(!report.contains("lies within a minute"));
    assert!(report.contains("- Last exposure: 2017-06-22T10:58:59+09:00\n"));
    assert!(!overview(&at_61).contains("exposures reach"));
}

#[test]
fn notices_summary_opens_with_the_warnings() {
    // The filed fixture (tests/it/regulator.rs): 2 blind-spot owners, 1 not counted among
    // the 5 exposed; the last exposure 30 s before --to.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("notices");
    pii()
        .args(["notices", "-i"])
        .arg(fixture("regulator/filed/inventory.yaml"))
        .arg("-e")
        .arg(fixture("regulator/filed/log.csv"))
        .arg("-r")
        .arg(fixture("regulator/filed/registered.csv"))
        .args(WINDOW)
        .arg("--out-dir")
        .arg(&out)
        .assert()
        .success();
    let summary = std::fs::read_to_string(out.join("summary.md")).unwrap();
    let warnings = summary
        .split("## Warnings\n\n")
        .nth(1)
        .expect("a warnings section")
        .split("\n## ")
        .next()
        .unwrap();
    assert!(summary.find("## Warnings") < summary.find("## Headline figures"));
    assert_eq!(
        warnings.lines().filter(|l| l.starts_with("- ")).collect::<Vec<_>>(),
        [
            "- blind spots: 2 cross-user responses on pages the inventory does not cover (report unmapped) carried the data of 2 people, 1 of them not among the 5 counted as exposed; which of their fields were seen is unknown, so the people affected may be more than counted",
            "- the last exposure (2017-06-22T10:59:30+09:00) lies within a minute of --to (2017-06-22T11:00:00+09:00): the window may cut the incident short; widen it to see where the exposures begin and end",
        ]
    );
    assert!(summary.contains("| unmapped_cross_user_owners | 2 |"));
    assert!(summary.contains("| unmapped_cross_user_owners_not_counted | 1 |"));
}
