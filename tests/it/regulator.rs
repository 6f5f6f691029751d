//! `report regulator`: the reports to the PPC (APPI) and to a GDPR authority.
//!
//! The golden files (tests/fixtures/regulator/*.md) are the contract's worked example with
//! an `incident:` block, checked by hand: u1's name seen once by u3 and u2's email twice
//! and card once (4 exposures, 2 people, both in the direct tier); u3 only viewable (1);
//! pages mypage 1/1, card 1/1, mail 2/1; first exposure 10:01, last 10:04. Discovered
//! 22 June 15:05 JST, prepared 23 June 10:00 JST: the PPC's preliminary target (25 June
//! 15:05) and GDPR's 72 hours are 2d 05h 05m away, the final report (21 July 23:59:59
//! JST, day 30) 28d 13h 59m.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use pii_audit::notice::regulator::chart;
use scraper::{ElementRef, Html, Selector};

use crate::{bad, first_tool_present, fixture, pii, sample_args, stdout_of, write};

const WORKED_WINDOW: [&str; 4] = [
    "--from",
    "2017-06-22T10:00:00+09:00",
    "--to",
    "2017-06-22T11:00:00+09:00",
];
const AS_OF: [&str; 4] = ["--as-of", "2017-06-23T10:00:00+09:00", "--tz", "Asia/Tokyo"];

fn worked(inventory: &Path, log: &Path, extra: &[&str]) -> String {
    let mut command = pii();
    command
        .args(["report", "regulator", "-i"])
        .arg(inventory)
        .arg("-e")
        .arg(log)
        .arg("-r")
        .arg(fixture("worked/registered.csv"))
        .args(WORKED_WINDOW)
        .args(AS_OF)
        .args(extra);
    stdout_of(&mut command)
}

#[test]
fn golden_reports_in_english_and_japanese() {
    for jurisdiction in ["appi", "gdpr"] {
        for lang in ["en", "ja"] {
            let got = worked(
                &fixture("regulator/inventory.yaml"),
                &fixture("worked/log.csv"),
                &["--jurisdiction", jurisdiction, "--lang", lang],
            )
            // The registered table's path as the golden files write it.
            .replace(
                &fixture("worked/registered.csv").display().to_string(),
                "tests/fixtures/worked/registered.csv",
            );
            let name = format!("regulator/{jurisdiction}-{lang}.md");
            let want = std::fs::read_to_string(fixture(&name)).unwrap();
            if got != want {
                let diff = similar::TextDiff::from_lines(&want, &got);
                panic!("{name} differs:\n{}", diff.unified_diff());
            }
        }
    }
}

/// The worked inventory with `extra` lines appended to its `incident:` block, and a
/// field's mark.
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

/// The row of rule `rule` in the APPI report's table.
fn rule_row<'a>(report: &'a str, rule: &str) -> &'a str {
    report
        .lines()
        .find(|l| l.starts_with(&format!("| {rule} |")))
        .unwrap_or_else(|| panic!("no row {rule} in\n{report}"))
}

#[test]
fn card_last_4_is_not_rule_ii_unless_the_inventory_marks_it() {
    let plain = worked(
        &fixture("regulator/inventory.yaml"),
        &fixture("worked/log.csv"),
        &["--jurisdiction", "appi"],
    );
    let row = rule_row(&plain, "(ii)");
    assert!(
        row.starts_with("| (ii) | officer to decide |")
            && row.contains("Card last 4 digits exposed but not marked: per the PPC's Q&A 6-12, a card's last 4 digits and expiry date alone are not such data"),
        "{row}"
    );
    assert!(plain.contains("\nNo rule is met by the data alone"));

    let dir = tempfile::tempdir().unwrap();
    let inventory = marked_inventory(dir.path(), "card_last4", "financial_damage", "");
    let marked = worked(
        &inventory,
        &fixture("worked/log.csv"),
        &["--jurisdiction", "appi"],
    );
    assert_eq!(
        rule_row(&marked, "(ii)"),
        "| (ii) | required: rule (ii), 1 person | Card last 4 digits marked appi: financial_damage (data whose misuse may cause financial damage) exposed for 1 person |"
    );
    assert!(marked.contains("\nA report to the PPC is required: rule (ii).\n"));
    assert!(marked.contains(
        "| Card last 4 digits | user.financial.credit_card | financial_damage (ii) | 1 | 1 |"
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
    assert!(rule_row(&both, "(i)").starts_with("| (i) | required: rule (i), 1 person |"));
    assert!(rule_row(&both, "(iii)").starts_with("| (iii) | required: rule (iii) |"));
    assert!(both.contains("\nA report to the PPC is required: rule (i), (iii).\n"));
    // A wrongful purpose gives the final report 60 days: 20 August 23:59:59 JST.
    assert!(both.contains("| final report to the PPC | 2017-08-20T23:59:59+09:00 |"));
    let ja = worked(
        &inventory,
        &fixture("worked/log.csv"),
        &["--jurisdiction", "appi", "--lang", "ja"],
    );
    assert!(ja.contains("個人情報保護委員会への報告が必要（規則第7条第1号・第3号）。"));
}

/// A log where `people` users each had their name seen once by someone else.
fn crowd_log(dir: &Path, people: usize) -> PathBuf {
    let mut text = String::from("ts,path,owner_id,viewer_id\n");
    for i in 0..people {
        text.push_str(&format!(
            "2017-06-22T10:{:02}:{:02}+09:00,/my/,u{i},v{i}\n",
            i / 60 % 60,
            i % 60
        ));
    }
    write(dir, &format!("crowd-{people}.csv"), &text)
}

#[test]
fn rule_iv_is_over_1000_people_not_at_1000() {
    let dir = tempfile::tempdir().unwrap();
    let inventory = fixture("regulator/inventory.yaml");
    let at = worked(
        &inventory,
        &crowd_log(dir.path(), 1000),
        &["--jurisdiction", "appi"],
    );
    assert_eq!(
        rule_row(&at, "(iv)"),
        "| (iv) | not met: 1,000 people, not over 1,000 | 1,000 people whose data someone else saw (confirmed exposures); 0 people whose pages were seen by no one else not counted |"
    );
    let over = worked(
        &inventory,
        &crowd_log(dir.path(), 1001),
        &["--jurisdiction", "appi"],
    );
    assert!(
        rule_row(&over, "(iv)").starts_with("| (iv) | required: rule (iv), 1,001 people > 1,000 |")
    );
    assert!(over.contains("\nA report to the PPC is required: rule (iv).\n"));
    let ja = worked(
        &inventory,
        &crowd_log(dir.path(), 1001),
        &["--jurisdiction", "appi", "--lang", "ja"],
    );
    assert!(rule_row(&ja, "第4号").starts_with("| 第4号 | 報告対象：第4号、1,001人 > 1,000人 |"));
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
    assert!(report
        .starts_with("# Notification of a personal data breach to the supervisory authority\n"));
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
        &["report regulator is written as --format md or html"],
    );
    bad(
        run(&only_gdpr, &["--as-of", "yesterday"]),
        &["--as-of \"yesterday\" is not a time"],
    );
    bad(
        pii()
            .args(["report", "users", "-i"])
            .arg(fixture("worked/inventory.yaml"))
            .arg("-e")
            .arg(fixture("worked/log.csv"))
            .args(["--jurisdiction", "appi"])
            .assert(),
        &["flags of `report regulator`"],
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

/// The bundled sample's report as HTML, and the sample's own reports as CSV.
fn sample_report(dir: &Path, jurisdiction: &str, lang: &str) -> PathBuf {
    let file = dir.join(format!("{jurisdiction}-{lang}.html"));
    let mut command = pii();
    command
        .args(["report", "regulator"])
        .args(sample_args())
        .args(["--jurisdiction", jurisdiction, "--lang", lang])
        .args(["--as-of", "2017-06-23T12:00:00+09:00", "-o"])
        .arg(&file);
    stdout_of(&mut command);
    file
}

fn sample_csv(kind: &str) -> Vec<BTreeMap<String, String>> {
    let mut command = pii();
    command
        .args(["report", kind])
        .args(sample_args())
        .args(["--format", "csv"]);
    let text = stdout_of(&mut command);
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            header
                .iter()
                .zip(l.split(','))
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn select<'a>(root: ElementRef<'a>, css: &str) -> Vec<ElementRef<'a>> {
    root.select(&Selector::parse(css).unwrap()).collect()
}

fn attr(e: &ElementRef, name: &str) -> f64 {
    e.value()
        .attr(name)
        .unwrap_or_else(|| panic!("no {name}"))
        .parse()
        .unwrap()
}

/// The bars of `color` in `svg`: (x, y, width, height), in drawing order.
fn bars(svg: ElementRef, color: plotters::style::RGBColor) -> Vec<(f64, f64, f64, f64)> {
    let fill = chart::hex(color);
    select(svg, "rect")
        .into_iter()
        .filter(|r| r.value().attr("fill") == Some(fill.as_str()))
        .map(|r| {
            (
                attr(&r, "x"),
                attr(&r, "y"),
                attr(&r, "width"),
                attr(&r, "height"),
            )
        })
        .collect()
}

/// `pixels` is `value` times one scale for every pair, give or take a pixel of rounding.
fn proportional(pairs: &[(f64, u64)]) {
    let (top_px, top) = pairs
        .iter()
        .copied()
        .max_by_key(|p| p.1)
        .expect("some bars");
    let scale = top_px / top as f64;
    for &(px, value) in pairs {
        assert!(
            (px - value as f64 * scale).abs() <= 1.0,
            "{px} px for {value}: scale {scale} from {top} at {top_px} px"
        );
    }
}

fn figure<'a>(page: &'a Html, name: &str) -> ElementRef<'a> {
    let found = select(
        page.root_element(),
        &format!("figure.chart[data-chart={name:?}]"),
    );
    assert_eq!(found.len(), 1, "one {name} chart");
    let svgs = select(found[0], "svg");
    assert_eq!(svgs.len(), 1, "{name} is drawn as one <svg>");
    svgs[0]
}

#[test]
fn the_html_is_self_contained_and_its_charts_plot_the_reports() {
    let dir = tempfile::tempdir().unwrap();
    let file = sample_report(dir.path(), "appi", "en");
    let text = std::fs::read_to_string(&file).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let page = Html::parse_document(&text);
    let root = page.root_element();
    // Nothing fetched, nothing run: no script, no link, no src or href, no CSS url().
    assert!(select(root, "script, link, iframe, object, embed, img").is_empty());
    for e in select(root, "*") {
        for (name, _) in e.value().attrs() {
            assert!(
                !matches!(name, "src" | "href" | "xlink:href" | "srcset" | "action")
                    && !name.starts_with("on"),
                "<{}> has {name}",
                e.value().name()
            );
        }
    }
    assert!(!text.contains("url(") && !text.contains("@import"));

    // Exposures per minute: one bar per minute with exposures, heights in proportion.
    let minutes: Vec<u64> = sample_csv("timeline")
        .iter()
        .map(|r| r["exposures"].parse().unwrap())
        .filter(|&n| n > 0)
        .collect();
    let drawn = bars(figure(&page, "exposures-per-minute"), chart::EXPOSURE);
    assert_eq!(drawn.len(), minutes.len());
    assert!(drawn.windows(2).all(|w| w[0].0 < w[1].0), "in minute order");
    let heights: Vec<(f64, u64)> = drawn.iter().map(|b| b.3).zip(minutes).collect();
    proportional(&heights);

    // People per field: per row, the direct and notice bars make users_exposed and all
    // three users_potential, on one scale.
    let fields: Vec<(u64, u64)> = sample_csv("fields")
        .iter()
        .map(|r| {
            (
                r["users_exposed"].parse().unwrap(),
                r["users_potential"].parse().unwrap(),
            )
        })
        .filter(|f| f.0 > 0)
        .collect();
    let svg = figure(&page, "people-by-field");
    let mut rows: BTreeMap<i64, [f64; 3]> = BTreeMap::new();
    for (tier, color) in chart::TIERS.into_iter().enumerate() {
        for (_, y, width, _) in bars(svg, color) {
            rows.entry(y as i64).or_default()[tier] += width;
        }
    }
    assert_eq!(rows.len(), fields.len(), "one row per exposed field");
    let mut pairs = Vec::new();
    for (widths, (exposed, potential)) in rows.values().zip(&fields) {
        pairs.push((widths[0] + widths[1], *exposed));
        pairs.push((widths[0] + widths[1] + widths[2], *potential));
    }
    proportional(&pairs);

    // Deadlines: a bar for each dated APPI deadline (preliminary, final) and a line at now.
    let svg = figure(&page, "deadlines");
    assert_eq!(bars(svg, chart::DEADLINE).len(), 2);
    let now = chart::hex(chart::NOW);
    assert_eq!(
        select(svg, "polyline")
            .iter()
            .filter(|p| p.value().attr("stroke") == Some(now.as_str()))
            .count(),
        1
    );
    // Blanks for the officer are marked; the figures are there.
    assert_eq!(select(root, "div.blank").len(), 6);
    assert!(text.contains("A report to the PPC is required: rule (ii)."));
}

#[test]
fn chromium_renders_the_html_to_a_page_that_is_not_blank() {
    // Debian and Ubuntu package it as chromium or chromium-browser, Google as google-chrome.
    let names = [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ];
    let Some(chromium) = first_tool_present(&names, "--version") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for (jurisdiction, lang) in [("appi", "en"), ("gdpr", "ja")] {
        let html = sample_report(dir.path(), jurisdiction, lang);
        let png = dir.path().join(format!("{jurisdiction}-{lang}.png"));
        let out = std::process::Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
            ])
            .args([
                "--no-first-run",
                "--disable-extensions",
                "--window-size=1000,4000",
            ])
            .arg(format!(
                "--user-data-dir={}",
                dir.path().join("profile").display()
            ))
            .arg(format!("--screenshot={}", png.display()))
            .arg(format!("file://{}", html.display()))
            .output()
            .unwrap();
        assert!(png.exists(), "{}", String::from_utf8_lossy(&out.stderr));
        let decoder =
            png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png).unwrap()));
        let mut reader = decoder.read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut pixels).unwrap();
        let channels = info.color_type.samples();
        let rgb: Vec<&[u8]> = pixels[..info.buffer_size()]
            .chunks(channels)
            .map(|p| &p[..3])
            .collect();
        let ink = rgb.iter().filter(|p| p.iter().any(|&c| c < 200)).count();
        let blue = [0x1F_u8, 0x5F, 0xA8];
        let bars = rgb.iter().filter(|p| **p == blue).count();
        assert!(
            ink * 50 > rgb.len() && bars > 200,
            "{jurisdiction}-{lang}: {ink} dark pixels and {bars} chart-blue ones of {}",
            rgb.len()
        );
    }
}
