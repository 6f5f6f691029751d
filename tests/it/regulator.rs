//! `report regulator`: the reports to the PPC (APPI) and to a GDPR authority, as text.
//! The HTML and its charts: `regulator_html.rs`.
//!
//! The golden files (tests/fixtures/regulator/filed/*.md) are a web shop's incident with a
//! full `controller:` block, `started_at`/`contained_at`, a `country` column and a blind
//! spot, over 10:00–11:00 JST on 22 June 2017, prepared 23 June 10:00 JST. By hand, from
//! filed/log.csv and filed/registered.csv (which has no column for name, email or
//! nickname: registered for everyone; u6, u7 and u8 are absent: they have every field):
//!
//! - 09:59 u1 by v9: before the window. 10:00:30 u1 by u1: own view.
//! - Exposures (7): 10:01:30 u1 by v1 (name, nickname); 10:05 u2 unidentified (email);
//!   10:06 u2 by v2 (card, registered true); 10:08 and 10:09 u4 by v4, v5 (health note,
//!   registered true); 10:30 u7 by v10 (nickname); 10:59:30 u6 by v8 (name, nickname).
//!   10:07 u3's card page by v3 is none: u3 has no card on file; 10:20 an item page shows
//!   nothing. 11:00 lies at --to, outside.
//! - People: u1, u2, u4, u6 in the direct-notice tier (name, email, health note are
//!   direct), u7 in the notice tier (nickname only): 5 confirmed; u8 only saw their own
//!   page at 10:40 (not counted). Fields: name 2 people (u1, u6; u8 shown only to
//!   themselves), 2 records; email 1, 1; card 1, 1; health note 1 (u4), 2 records; nickname
//!   3 (u1, u6 direct; u7 notice; u8 to themselves), 3 records: 9 records.
//! - Pages: My page 2 shown / 2 people, Payment card 1/1, Email settings 1/1, Health notes
//!   2/1, Profile settings 1/1.
//! - Blind spots: /orders/77/ (u2 by v6) and /orders/78/ (u5 by v7) were served cross-user
//!   (/orders/79/ only to its owner u6): 2 times, 2 owners, u5 not counted: at most 6.
//! - Rule (i): the health note is marked sensitive: required, 1 person. (ii): the card's
//!   last 4 digits are not marked (Q&A 6-12). (iii): wrongful_purpose: false, "not met".
//!   (iv): 5, 6 with the blind spots' owners: not met.
//! - The last exposure (10:59:30) lies 30 s before --to: the window-edge warning; the
//!   first (10:01:30) lies 90 s after --from: none.
//! - Countries of the people exposed: u1 DE, u2 FR, u4 `de` (DE), u6 and u7 not on file:
//!   Germany 2, France 1, outside 0, not known 2. The controller names an EU
//!   representative: every member state's authority (EDPB Guidelines 9/2022 para. 73).
//! - Deadlines from 22 June 15:05 JST: the preliminary report's target (25 June 15:05)
//!   and GDPR's 72 hours are 2d 05h 05m away, the final report (21 July 23:59:59 JST,
//!   day 30: no wrongful purpose) 28d 13h 59m.

use std::path::{Path, PathBuf};

use crate::{bad, fixture, pii, stdout_of, write};

const WINDOW: [&str; 4] = [
    "--from",
    "2017-06-22T10:00:00+09:00",
    "--to",
    "2017-06-22T11:00:00+09:00",
];
const AS_OF: [&str; 4] = ["--as-of", "2017-06-23T10:00:00+09:00", "--tz", "Asia/Tokyo"];

/// `report regulator` on `inventory`, `log` and `registered` over the window.
fn report(inventory: &Path, log: &Path, registered: &Path, extra: &[&str]) -> String {
    let mut command = pii();
    command
        .args(["report", "regulator", "-i"])
        .arg(inventory)
        .arg("-e")
        .arg(log)
        .arg("-r")
        .arg(registered)
        .args(WINDOW)
        .args(AS_OF)
        .args(extra);
    stdout_of(&mut command)
}

/// The filed fixture's report, its registered table's path as the golden files write it.
fn filed(extra: &[&str]) -> String {
    report(
        &fixture("regulator/filed/inventory.yaml"),
        &fixture("regulator/filed/log.csv"),
        &fixture("regulator/filed/registered.csv"),
        extra,
    )
    .replace(
        &fixture("regulator/filed/registered.csv")
            .display()
            .to_string(),
        "tests/fixtures/regulator/filed/registered.csv",
    )
}

/// The worked example's report (tests/fixtures/worked) with the `incident:` block of
/// tests/fixtures/regulator/inventory.yaml, or `inventory`.
fn worked(inventory: &Path, log: &Path, extra: &[&str]) -> String {
    report(inventory, log, &fixture("worked/registered.csv"), extra)
}

#[test]
fn golden_reports_as_filed_in_english_and_japanese() {
    for (jurisdiction, stage) in [
        ("appi", "preliminary"),
        ("appi", "final"),
        ("gdpr", "initial"),
    ] {
        for lang in ["en", "ja"] {
            let got = filed(&[
                "--jurisdiction",
                jurisdiction,
                "--stage",
                stage,
                "--lang",
                lang,
            ]);
            let name = format!("regulator/filed/{jurisdiction}-{stage}-{lang}.md");
            let want = std::fs::read_to_string(fixture(&name)).unwrap();
            if got != want {
                let diff = similar::TextDiff::from_lines(&want, &got);
                panic!("{name} differs:\n{}", diff.unified_diff());
            }
        }
    }
}

#[test]
fn the_stage_is_in_the_title_and_a_final_report_starts_with_what_is_left() {
    let first = |lines: &str| lines.lines().next().unwrap().to_string();
    assert_eq!(
        first(&filed(&["--jurisdiction", "appi", "--lang", "ja"])),
        "# 個人データの漏えい等報告（速報）"
    );
    assert_eq!(
        first(&filed(&[
            "--jurisdiction",
            "appi",
            "--stage",
            "final",
            "--lang",
            "ja"
        ])),
        "# 個人データの漏えい等報告（確報）"
    );
    let follow_up = filed(&["--jurisdiction", "gdpr", "--stage", "follow-up"]);
    assert_eq!(
        first(&follow_up),
        "# Notification of a personal data breach to the supervisory authority (follow-up notification)"
    );
    // Every blank of the report is listed first, once, under its item.
    let blanks = follow_up.matches("\n> **TO COMPLETE**: ").count();
    let list = follow_up
        .split("## Still to complete before filing: ")
        .nth(1)
        .expect("the list comes first");
    assert!(list.starts_with(&format!("{blanks}\n")), "{list}");
    let section = list.split("\n## ").next().unwrap();
    assert_eq!(
        section
            .lines()
            .filter(|l| l.starts_with("| ") && !l.starts_with("| Item") && !l.starts_with("| ---"))
            .count(),
        blanks
    );
    assert!(section.contains(
        "| (d) Measures taken or proposed, including to mitigate possible adverse effects | measures taken or proposed"
    ));
    // An initial notification has no such list.
    assert!(!filed(&["--jurisdiction", "gdpr"]).contains("Still to complete"));
}

#[test]
fn every_controller_line_missing_is_to_complete() {
    // The worked inventory has no controller: block: every line the form asks is blank.
    let report = worked(
        &fixture("regulator/inventory.yaml"),
        &fixture("worked/log.csv"),
        &["--jurisdiction", "appi"],
    );
    let section = report
        .split("## Reporting business\n")
        .nth(1)
        .unwrap()
        .split("\n## ")
        .next()
        .unwrap();
    for blank in [
        "the business's legal name (the company, not the service)",
        "the business's registered address",
        "the name of the business's representative",
        "who the PPC contacts about this report",
        "the business's line of business",
        "where the report is filed: the PPC, or the minister",
    ] {
        assert!(
            section.contains(&format!("> **TO COMPLETE**: {blank}")),
            "{blank} in\n{section}"
        );
    }
    // The service's name is not taken for the business's.
    assert!(report.contains("- **Service**: Worked example\n"));
    assert!(!section.contains("Worked example"));
}

/// Every ASCII word of the inventory a Japanese reader must not meet: its keys at every
/// level, field and page ids, category codes and mark names.
fn inventory_identifiers(path: &Path) -> Vec<String> {
    fn walk(value: &serde_yaml::Value, out: &mut Vec<String>) {
        match value {
            serde_yaml::Value::Mapping(map) => {
                for (key, value) in map {
                    if let Some(key) = key.as_str() {
                        out.push(key.to_string());
                    }
                    walk(value, out);
                }
            }
            serde_yaml::Value::Sequence(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let text = std::fs::read_to_string(path).unwrap();
    let doc: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let mut out = Vec::new();
    walk(&doc, &mut out);
    for field in doc["fields"].as_mapping().unwrap().values() {
        for key in ["category", "appi", "gdpr"] {
            match &field[key] {
                serde_yaml::Value::String(s) => out.push(s.clone()),
                serde_yaml::Value::Sequence(items) => {
                    out.extend(items.iter().filter_map(|v| v.as_str().map(str::to_string)))
                }
                _ => {}
            }
        }
    }
    for page in doc["pages"].as_sequence().unwrap() {
        out.push(page["id"].as_str().unwrap().to_string());
    }
    out.extend(
        [
            "sensitive",
            "financial_damage",
            "special",
            "criminal",
            "direct",
            "notice",
            "potential",
        ]
        .map(String::from),
    );
    out.sort();
    out.dedup();
    // Language codes are keys of the label maps, and never words of a report.
    out.retain(|k| k != "en" && k != "ja");
    out
}

/// The ASCII words of `text`, leaving out paths and addresses (`/my/email/…`, a file's
/// path, an email address), which are what they are in any language.
fn ascii_words(text: &str) -> Vec<&str> {
    text.split(|c: char| {
        !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '@' | '-' | '*' | '{' | '}'))
    })
    .filter(|w| !w.is_empty() && !w.contains('/') && !w.contains('@'))
    .map(|w| w.trim_matches('.'))
    .filter(|w| !w.is_empty())
    .collect()
}

#[test]
fn japanese_reports_hold_no_identifier_of_the_inventory() {
    let inventory = fixture("regulator/filed/inventory.yaml");
    let identifiers = inventory_identifiers(&inventory);
    assert!(
        [
            "legal_name",
            "started_at",
            "card_last4",
            "user.financial.credit_card",
            "health",
            "wrongful_purpose",
            "financial_damage"
        ]
        .iter()
        .all(|k| identifiers.contains(&k.to_string())),
        "{identifiers:?}"
    );
    let mut checked = 0;
    for (jurisdiction, stage) in [
        ("appi", "preliminary"),
        ("appi", "final"),
        ("gdpr", "initial"),
        ("gdpr", "follow-up"),
    ] {
        for format in ["md", "html"] {
            let mut text = filed(&[
                "--jurisdiction",
                jurisdiction,
                "--stage",
                stage,
                "--lang",
                "ja",
                "--format",
                format,
            ]);
            if format == "html" {
                // The words a reader sees: the page's text, not its markup or charts' code.
                let page = scraper::Html::parse_document(&text);
                let main = scraper::Selector::parse("main").unwrap();
                text = page.select(&main).flat_map(|m| m.text()).collect();
            }
            for word in ascii_words(&text) {
                assert!(
                    !identifiers.iter().any(|k| k == word),
                    "{jurisdiction} {stage} ({format}): the identifier {word:?} in the Japanese report"
                );
            }
            // Nor the tool, nor English left untranslated.
            for word in [
                "pii-audit",
                "TO COMPLETE",
                "direct",
                "fideslang",
                "incident",
            ] {
                assert!(!text.contains(word), "{jurisdiction} {stage}: {word}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 8);
}

/// The row of rule `rule` in the APPI report's table.
fn rule_row<'a>(report: &'a str, rule: &str) -> &'a str {
    report
        .lines()
        .find(|l| l.starts_with(&format!("| {rule} |")))
        .unwrap_or_else(|| panic!("no row {rule} in\n{report}"))
}

/// The worked inventory with a field's mark and `incident_extra` lines in its `incident:`.
fn marked_inventory(dir: &Path, field: &str, mark: &str, incident_extra: &str) -> PathBuf {
    let text = std::fs::read_to_string(fixture("regulator/inventory.yaml")).unwrap();
    let marked = text.replace(
        &format!("  {field}:\n"),
        &format!("  {field}:\n    appi: {mark}\n"),
    );
    assert_ne!(marked, text, "{field} not found");
    let marked = marked.replace(
        "  jurisdictions: [appi, gdpr]\n",
        &format!("  jurisdictions: [appi, gdpr]\n{incident_extra}"),
    );
    write(dir, "inventory.yaml", &marked)
}

#[test]
fn marks_and_the_stated_purpose_decide_rules_i_to_iii() {
    let plain = worked(
        &fixture("regulator/inventory.yaml"),
        &fixture("worked/log.csv"),
        &["--jurisdiction", "appi"],
    );
    let row = rule_row(&plain, "(ii)");
    assert!(
        row.contains("| officer to decide |")
            && row.contains(
                "Card last 4 digits seen, not counted as rule (ii) data: the PPC's Q&A 6-12 says"
            ),
        "{row}"
    );
    // Not stated: the business decides.
    assert!(rule_row(&plain, "(iii)").contains("| officer to decide | not stated: was the leak caused by an act done for a wrongful purpose"));
    assert!(plain.contains("\nNo rule is met by the data alone"));

    let dir = tempfile::tempdir().unwrap();
    let inventory = marked_inventory(dir.path(), "card_last4", "financial_damage", "");
    let marked = worked(
        &inventory,
        &fixture("worked/log.csv"),
        &["--jurisdiction", "appi"],
    );
    assert!(
        rule_row(&marked, "(ii)").ends_with("| required: 1 person | Card last 4 digits, which the business counts under rule (ii), seen for 1 person |"),
        "{}",
        rule_row(&marked, "(ii)")
    );
    assert!(marked.contains("\nA report to the PPC is required: rule (ii).\n"));
    assert!(marked.contains(
        "| Card last 4 digits | Financial Data | rule (ii): possible financial damage | 1 | 1 | 0 | 0 | 1 |"
    ));

    // Sensitive (rule (i)) on the email, seen for u2 only; and a wrongful purpose.
    let inventory = marked_inventory(
        dir.path(),
        "email",
        "[sensitive]",
        "  wrongful_purpose: true\n",
    );
    let both = worked(
        &inventory,
        &fixture("worked/log.csv"),
        &["--jurisdiction", "appi"],
    );
    assert!(rule_row(&both, "(i)").contains("| required: 1 person |"));
    assert!(rule_row(&both, "(iii)")
        .contains("| required | the business states that the leak may have been caused"));
    assert!(both.contains("\nA report to the PPC is required: rule (i), (iii).\n"));
    // A wrongful purpose gives the final report 60 days: 20 August 23:59:59 JST.
    assert!(both.contains("| final report to the PPC | 2017-08-20T23:59:59+09:00 |"));
    let ja = worked(
        &inventory,
        &fixture("worked/log.csv"),
        &["--jurisdiction", "appi", "--lang", "ja"],
    );
    assert!(ja.contains("個人情報保護委員会への報告が必要（規則第7条第1号・第3号）。"));
    assert!(ja.contains("| 個人情報保護委員会への確報 | 2017年8月20日 23時59分59秒 |"));

    // `wrongful_purpose: false` is a statement: "no", not "not set".
    let inventory = marked_inventory(dir.path(), "name", "[]", "  wrongful_purpose: false\n");
    let no = worked(
        &inventory,
        &fixture("worked/log.csv"),
        &["--jurisdiction", "appi"],
    );
    assert!(rule_row(&no, "(iii)").contains("| not met (stated by the business) | the business states that no act done for a wrongful purpose caused the leak |"));
    let ja = worked(
        &inventory,
        &fixture("worked/log.csv"),
        &["--jurisdiction", "appi", "--lang", "ja"],
    );
    assert!(rule_row(&ja, "第3号").contains("| 該当しない（事業者の判断） | 事業者は、不正の目的をもって行われた行為によるものではないとしている |"));
    // The 2024 amendment: personal information being acquired.
    assert!(rule_row(&ja, "第3号").contains("取得し、又は取得しようとしている個人情報"));
}

/// A log where `people` users each had their name seen once by someone else, and
/// `blind_owners` more users' pages on a route the inventory does not cover were served
/// to someone else.
fn crowd_log(dir: &Path, people: usize, blind_owners: usize) -> PathBuf {
    let mut text = String::from("ts,path,owner_id,viewer_id\n");
    let at = |i: usize| format!("2017-06-22T10:{:02}:{:02}+09:00", i / 60 % 60, i % 60);
    for i in 0..people {
        text.push_str(&format!("{},/my/,u{i},v{i}\n", at(i)));
    }
    for i in 0..blind_owners {
        text.push_str(&format!("{},/orders/{i}/,w{i},x{i}\n", at(i)));
    }
    write(dir, &format!("crowd-{people}-{blind_owners}.csv"), &text)
}

#[test]
fn rule_iv_is_over_1000_people_and_never_not_met_while_blind_spots_could_carry_it() {
    let dir = tempfile::tempdir().unwrap();
    let inventory = fixture("regulator/inventory.yaml");
    let appi = |log: &Path, lang: &str| {
        worked(&inventory, log, &["--jurisdiction", "appi", "--lang", lang])
    };

    let at = appi(&crowd_log(dir.path(), 1000, 0), "en");
    assert!(
        rule_row(&at, "(iv)").contains("| not met: 1,000 people, not over 1,000 | 1,000 people whose data someone else saw (confirmed); no blind spots: every page shown to someone else is in the inventory; 0 people whose pages were seen by no one else not counted |"),
        "{}",
        rule_row(&at, "(iv)")
    );
    let over = appi(&crowd_log(dir.path(), 1001, 0), "en");
    assert!(rule_row(&over, "(iv)").contains("| required: 1,001 people > 1,000 |"));
    assert!(over.contains("\nA report to the PPC is required: rule (iv).\n"));
    let ja = appi(&crowd_log(dir.path(), 1001, 0), "ja");
    assert!(rule_row(&ja, "第4号").contains("| 報告対象：1,001人（1,000人超） |"));

    // 900 confirmed and 200 more owners on an uncovered route: officer to decide, with
    // the three figures.
    let blind = crowd_log(dir.path(), 900, 200);
    let en = appi(&blind, "en");
    let row = rule_row(&en, "(iv)");
    assert!(
        row.contains("| officer to decide: 900 confirmed, 0 possibly shown and 200 blind-spot owners not counted could be over 1,000 |")
            && row.contains("blind spots: pages the inventory does not cover were shown to others 200 times, with the data of 200 people, 200 of them not counted above"),
        "{row}"
    );
    assert!(en.contains("- of whom not counted above: 200 people\n"));
    assert!(en.contains("at least 900 (confirmed) and may be up to 1,100 with the blind spots' owners not counted above"));
    let ja = appi(&blind, "ja");
    assert!(
        rule_row(&ja, "第4号").contains("| 事業者が判断：確定900人、表示されたおそれ0人、表示項目を確認していないページの本人200人を合わせると1,000人を超えるおそれがある |"),
        "{}",
        rule_row(&ja, "第4号")
    );
    assert!(ja.contains("本人の数は、確定分の900人以上であり、表示項目を確認していないページの本人（上記に含まれない者）を含めると最大1,100人となる。"));
    // The GDPR notification states the same three figures apart.
    let gdpr = worked(&inventory, &blind, &["--jurisdiction", "gdpr"]);
    for line in [
        "- People whose data someone else saw (confirmed): 900 people\n",
        "- Blind spots: times pages the inventory does not cover were shown to someone other than their owner: 200\n",
        "- People whose such pages were shown (which of their data is not known): 200 people\n",
    ] {
        assert!(gdpr.contains(line), "{line}");
    }
    // `report summary` says it too.
    let mut summary = pii();
    summary
        .args(["report", "summary", "-i"])
        .arg(&inventory)
        .arg("-e")
        .arg(&blind)
        .args(WINDOW);
    let summary = stdout_of(&mut summary);
    assert!(summary.contains("unmapped_cross_user_owners,200\n"));
    assert!(summary.contains("unmapped_cross_user_owners_not_counted,200\n"));
    assert!(summary.contains("warning_blind_spots,\"blind spots: 200 cross-user responses on pages the inventory does not cover (report unmapped) carried the data of 200 people, 200 of them not among the 900 counted as exposed; which of their fields were seen is unknown, so the people affected may be more than counted; with them the count could exceed 1,000 (APPI rule (iv): 900 confirmed, 0 possibly shown, 200 blind-spot owners not counted): officer to decide\"\n"), "{summary}");
}

#[test]
fn the_jurisdiction_defaults_to_the_only_one_and_bad_flags_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("regulator/inventory.yaml")).unwrap();
    let only_gdpr = write(
        dir.path(),
        "gdpr.yaml",
        &text.replace("[appi, gdpr]", "[gdpr]"),
    );
    let report = worked(&only_gdpr, &fixture("worked/log.csv"), &[]);
    assert!(report.starts_with(
        "# Notification of a personal data breach to the supervisory authority (initial notification)\n"
    ));
    let run = |inventory: &Path, extra: &[&str]| {
        pii()
            .args(["report", "regulator", "-i"])
            .arg(inventory)
            .arg("-e")
            .arg(fixture("worked/log.csv"))
            .args(extra)
            .assert()
    };
    bad(
        run(&fixture("regulator/inventory.yaml"), &[]),
        &["--jurisdiction appi or gdpr", "names several"],
    );
    bad(
        run(&fixture("worked/inventory.yaml"), &[]),
        &["--jurisdiction appi or gdpr", "names none"],
    );
    bad(
        run(&only_gdpr, &["--format", "csv"]),
        &[
            "invalid value 'csv' for '--format <FORMAT>'",
            "[possible values: md, html]",
        ],
    );
    bad(
        run(&only_gdpr, &["--as-of", "yesterday"]),
        &["--as-of \"yesterday\" is not a time"],
    );
    bad(
        run(&only_gdpr, &["--stage", "draft"]),
        &["--stage", "draft"],
    );
    let bad_mark = write(
        dir.path(),
        "mark.yaml",
        &text.replace(
            "    category: user.name\n",
            "    category: user.name\n    appi: secret\n",
        ),
    );
    bad(
        run(&bad_mark, &[]),
        &[
            "mark.yaml:8:",
            "fields.name.appi",
            "\"secret\" is not an APPI mark",
        ],
    );
}

#[test]
fn bad_input_names_the_file_the_line_or_row_and_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("regulator/filed/inventory.yaml")).unwrap();
    let run = |inventory: &Path, registered: &Path, extra: &[&str]| {
        pii()
            .args(["report", "regulator", "--jurisdiction", "gdpr", "-i"])
            .arg(inventory)
            .arg("-e")
            .arg(fixture("regulator/filed/log.csv"))
            .arg("-r")
            .arg(registered)
            .args(extra)
            .assert()
    };
    let registered = fixture("regulator/filed/registered.csv");

    // An unknown controller: key, at its line.
    let unknown = write(
        dir.path(),
        "unknown.yaml",
        &text.replace("  sector: {", "  ceo: Taro Yamada\n  sector: {"),
    );
    let line = text
        .lines()
        .position(|l| l.starts_with("  sector: {"))
        .unwrap()
        + 1;
    bad(
        run(&unknown, &registered, &[]),
        &[&format!(
            "unknown.yaml:{line}:3: controller.ceo: unknown key \"ceo\" in controller"
        )],
    );

    // contained_at before started_at.
    let early = write(
        dir.path(),
        "early.yaml",
        &text.replace(
            "contained_at: 2017-06-22T11:30:00+09:00",
            "contained_at: 2017-06-22T09:57:59+09:00",
        ),
    );
    let line = text
        .lines()
        .position(|l| l.starts_with("  contained_at:"))
        .unwrap()
        + 1;
    bad(
        run(&early, &registered, &[]),
        &[&format!(
            "early.yaml:{line}:17: incident.contained_at: is before incident.started_at"
        )],
    );

    // A country that is not an ISO 3166-1 alpha-2 code (the EU's EL for Greece), at its
    // row and column; the value is not quoted (where someone lives is personal).
    let greek = write(
        dir.path(),
        "registered.csv",
        &std::fs::read_to_string(&registered)
            .unwrap()
            .replace("u2,true,false,FR", "u2,true,false,EL"),
    );
    let out = run(&fixture("regulator/filed/inventory.yaml"), &greek, &[])
        .get_output()
        .clone();
    bad(
        run(&fixture("regulator/filed/inventory.yaml"), &greek, &[]),
        &["registered.csv:3: row 2: country: not an ISO 3166-1 alpha-2 country code"],
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("EL"));

    // --stage belongs to `report regulator`.
    bad(
        pii()
            .args(["report", "summary", "-i"])
            .arg(fixture("regulator/filed/inventory.yaml"))
            .arg("-e")
            .arg(fixture("regulator/filed/log.csv"))
            .args(["--stage", "final"])
            .assert(),
        &["unexpected argument '--stage' found"],
    );
}
