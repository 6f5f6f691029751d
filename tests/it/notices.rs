//! `pii-audit notices` and `check`: golden letters (en, ja) for a user of every tier, the
//! notice list against `report users`, deadlines around their boundaries, and bad input.
//!
//! The fixture `tests/fixtures/notices` is the contract's worked example plus user u6 and
//! an `incident:`/`notice:` block. By hand, in the window 10:00-11:00 JST:
//! - u2 direct: email seen twice (two unidentified visitors, 10:02, 10:03), card once (u1,
//!   10:04): 3 exposures, 3 viewers, pages card and mail.
//! - u1 direct: name seen once by u3 at 10:01. Their card page went to u3 at 10:00:05, but
//!   u1 has no card on file: the card is never mentioned.
//! - u6 notice: card seen twice by u7 (10:08, 10:09): 2 exposures, 1 viewer; name shown
//!   only to u6 (10:10), so only potential.
//! - u3 potential: name shown only to u3.

use crate::{bad, pii};
use std::path::{Path, PathBuf};

use predicates::prelude::*;

use pii_audit::audit::Tier;
use pii_audit::load;
use pii_audit::load::Inputs;
use pii_audit::notice::write::{notice_list, select_users};
use pii_audit::tables::{render, Format};

use crate::{fixture, write};

pub(crate) const WINDOW: [&str; 6] = [
    "--from",
    "2017-06-22T10:00:00+09:00",
    "--to",
    "2017-06-22T11:00:00+09:00",
    "--tz",
    "Asia/Tokyo",
];

/// `notices` (or any command) over the notices fixture, with `inventory` in its place.
fn run_on(inventory: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    let mut cmd = pii();
    cmd.args(args)
        .arg("-i")
        .arg(inventory)
        .arg("-e")
        .arg(fixture("notices/log.csv"))
        .arg("-r")
        .arg(fixture("notices/registered.csv"))
        .args(WINDOW);
    cmd.assert()
}

fn run(args: &[&str]) -> assert_cmd::assert::Assert {
    run_on(&fixture("notices/inventory.yaml"), args)
}

/// Writes the notices into a fresh folder and returns it.
fn notices(extra: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut args = vec!["notices", "--out-dir", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    run(&args).success();
    (dir, out)
}

pub(crate) fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

const U2_EN: &str = "# Worked example: your personal data and the incident

Dear user u2,

Because of an error in our service, pages with your personal data were shown to other people between 2017-06-22 10:02:00 +09:00 and 2017-06-22 10:04:00 +09:00.

Seen by someone else: Email address and Card last 4 digits.

- on the page /my/card/: Card last 4 digits
- on the page /my/email/…: Email address

In all, your data was shown 3 times, to 3 different visitors.

## What you can do

- Be wary of emails, calls or letters that mention these details and ask for a password, a payment or more personal data. We will never ask for them.
- Check your card and bank statements, and tell your card issuer or bank about any payment you do not recognise.
- Look at the data on your account and tell us if anything was changed without you.
- Ask us anything about this incident: privacy@example.com

We are sorry.

Worked example privacy team
";

const U1_EN: &str = "# Worked example: your personal data and the incident

Dear user u1,

Because of an error in our service, pages with your personal data were shown to other people on 2017-06-22 10:01:00 +09:00.

Seen by someone else: Full name.

- on the page /my/: Full name

In all, your data was shown once, to one visitor.

## What you can do

- Look at the data on your account and tell us if anything was changed without you.
- Ask us anything about this incident: privacy@example.com

We are sorry.

Worked example privacy team
";

pub(crate) const U6_EN: &str = "# Worked example: your personal data and the incident

Dear user u6,

Because of an error in our service, pages with your personal data were shown to other people between 2017-06-22 10:08:00 +09:00 and 2017-06-22 10:09:00 +09:00.

Seen by someone else: Card last 4 digits.

- on the page /my/card/: Card last 4 digits

In all, your data was shown 2 times, to one visitor.

Also on your pages during the incident, but according to our records not seen by anyone else: Full name.

## What you can do

- Check your card and bank statements, and tell your card issuer or bank about any payment you do not recognise.
- Look at the data on your account and tell us if anything was changed without you.
- Ask us anything about this incident: privacy@example.com

We are sorry.

Worked example privacy team
";

const U3_EN: &str = "# Worked example: your personal data and the incident

Dear user u3,

During the incident, pages with your Full name were served, but according to our records only to you: nobody else saw them.

## What you can do

- Nothing: this letter is for your information.
- Ask us anything about this incident: privacy@example.com

We are sorry.

Worked example privacy team
";

const U2_JA: &str = "# Worked example：個人情報の表示に関するお知らせ

u2 様

当社サービスの不具合により、2017-06-22 10:02:00 +09:00から2017-06-22 10:04:00 +09:00までの間、お客様の個人情報を含むページが他の方に表示されました。

他の方に表示された情報：メールアドレス、カード番号の下4桁

- ページ /my/card/：カード番号の下4桁
- ページ /my/email/…：メールアドレス

表示は計3回、表示された相手は3名です。

## お客様にお願いしたいこと

- これらの情報に触れて、パスワード、支払い、追加の個人情報を求めるメール・電話・郵便にご注意ください。当社からこれらをお尋ねすることはありません。
- カードや口座の利用明細をご確認のうえ、身に覚えのない取引があればカード会社または金融機関にご連絡ください。
- アカウントの登録情報をご確認のうえ、ご自身で変更していない箇所があれば当社にお知らせください。
- 本件に関するお問い合わせ：privacy@example.com

ご迷惑とご心配をおかけし、誠に申し訳ございません。

Worked example privacy team
";

const U1_JA: &str = "# Worked example：個人情報の表示に関するお知らせ

u1 様

当社サービスの不具合により、2017-06-22 10:01:00 +09:00に、お客様の個人情報を含むページが他の方に表示されました。

他の方に表示された情報：氏名

- ページ /my/：氏名

表示は計1回、表示された相手は1名です。

## お客様にお願いしたいこと

- アカウントの登録情報をご確認のうえ、ご自身で変更していない箇所があれば当社にお知らせください。
- 本件に関するお問い合わせ：privacy@example.com

ご迷惑とご心配をおかけし、誠に申し訳ございません。

Worked example privacy team
";

const U6_JA: &str = "# Worked example：個人情報の表示に関するお知らせ

u6 様

当社サービスの不具合により、2017-06-22 10:08:00 +09:00から2017-06-22 10:09:00 +09:00までの間、お客様の個人情報を含むページが他の方に表示されました。

他の方に表示された情報：カード番号の下4桁

- ページ /my/card/：カード番号の下4桁

表示は計2回、表示された相手は1名です。

事故の間お客様のページには氏名も表示されていましたが、記録上、他の方には表示されていません。

## お客様にお願いしたいこと

- カードや口座の利用明細をご確認のうえ、身に覚えのない取引があればカード会社または金融機関にご連絡ください。
- アカウントの登録情報をご確認のうえ、ご自身で変更していない箇所があれば当社にお知らせください。
- 本件に関するお問い合わせ：privacy@example.com

ご迷惑とご心配をおかけし、誠に申し訳ございません。

Worked example privacy team
";

const U3_JA: &str = "# Worked example：個人情報の表示に関するお知らせ

u3 様

事故の間、お客様の氏名を含むページが表示されましたが、記録上、表示されたのはお客様ご本人に対してのみで、他の方には表示されていません。

## お客様にお願いしたいこと

- お客様にしていただくことはありません。本状はお知らせです。
- 本件に関するお問い合わせ：privacy@example.com

ご迷惑とご心配をおかけし、誠に申し訳ございません。

Worked example privacy team
";

pub(crate) fn letter_names(out: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(out.join("letters"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    names
}

#[test]
fn golden_letters_in_english_default_tiers() {
    let (_dir, out) = notices(&[]);
    // Default tiers: direct and notice. u3 (potential only) gets no letter.
    assert_eq!(letter_names(&out), ["u1.md", "u2.md", "u6.md"]);
    assert_eq!(read(&out.join("letters/u2.md")), U2_EN);
    assert_eq!(read(&out.join("letters/u1.md")), U1_EN);
    assert_eq!(read(&out.join("letters/u6.md")), U6_EN);
    // u1's unregistered card is nowhere in their letter.
    assert!(!read(&out.join("letters/u1.md")).contains("Card"));
}

#[test]
fn golden_letters_in_japanese_every_tier() {
    let (_dir, out) = notices(&["--lang", "ja", "--tiers", "direct,notice,potential"]);
    assert_eq!(letter_names(&out), ["u1.md", "u2.md", "u3.md", "u6.md"]);
    assert_eq!(read(&out.join("letters/u2.md")), U2_JA);
    assert_eq!(read(&out.join("letters/u1.md")), U1_JA);
    assert_eq!(read(&out.join("letters/u6.md")), U6_JA);
    assert_eq!(read(&out.join("letters/u3.md")), U3_JA);
    assert!(!read(&out.join("letters/u1.md")).contains("カード"));
}

#[test]
fn potential_tier_only_when_asked_for() {
    let (_dir, out) = notices(&["--tiers", "potential"]);
    assert_eq!(letter_names(&out), ["u3.md"]);
    assert_eq!(read(&out.join("letters/u3.md")), U3_EN);
    let list = read(&out.join("notice-list.csv"));
    assert_eq!(list.lines().count(), 2, "{list}");
    assert!(list.lines().nth(1).unwrap().starts_with("u3,potential,"));
}

#[test]
fn files_are_owner_only_and_the_list_has_the_reasons() {
    let (_dir, out) = notices(&[]);
    #[cfg(unix)]
    for file in ["notice-list.csv", "summary.md", "letters/u2.md"] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(out.join(file))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{file}");
    }
    // And the folders it made: only their owner lists or opens them.
    #[cfg(unix)]
    for folder in [".", "letters"] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(out.join(folder))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700, "{folder}");
    }
    assert_eq!(
        read(&out.join("notice-list.csv")),
        "user_id,tier,reason,exposed_fields,exposed_labels,exposures,distinct_viewers,first_exposed,last_exposed,letter\n\
         u2,direct,direct-notice field exposed: Email address,card_last4;email,Card last 4 digits;Email address,3,3,2017-06-22T10:02:00+09:00,2017-06-22T10:04:00+09:00,letters/u2.md\n\
         u1,direct,direct-notice field exposed: Full name,name,Full name,1,1,2017-06-22T10:01:00+09:00,2017-06-22T10:01:00+09:00,letters/u1.md\n\
         u6,notice,\"exposed, but no direct-notice field\",card_last4,Card last 4 digits,2,1,2017-06-22T10:08:00+09:00,2017-06-22T10:09:00+09:00,letters/u6.md\n"
    );
    let summary = read(&out.join("summary.md"));
    for line in [
        "| users_potentially_affected | 4 |",
        "| exposures | 6 |",
        "| direct | 2 | 2 |",
        "| notice | 1 | 1 |",
        "| potential | 1 | not asked for |",
        // card: u2 and u6 exposed, 1 + 2 exposures; name: u1 exposed, u1 u3 u6 potential.
        "| Card last 4 digits | card_last4 | no | 2 | 2 | 3 |",
        "| Full name | name | yes | 1 | 3 | 1 |",
        "| notify the supervisory authority | GDPR Art. 33(1) | 2017-06-25T18:00:00+09:00 | overdue by",
        "| final report to the PPC | APPI Art. 26(1); PPC Rules Art. 8(2) | 2017-07-21T23:59:59+09:00 |",
    ] {
        assert!(summary.contains(line), "summary lacks {line:?}:\n{summary}");
    }
}

#[test]
fn parquet_list_instead_of_csv() {
    let (_dir, out) = notices(&["--format", "parquet"]);
    assert!(out.join("notice-list.parquet").is_file());
    assert!(!out.join("notice-list.csv").exists());
}

#[test]
fn check_prints_the_letter() {
    let o = run(&["check", "u6"]).success();
    assert_eq!(
        String::from_utf8(o.get_output().stdout.clone()).unwrap(),
        U6_EN
    );
    let o = run(&["check", "u2", "--lang", "ja"]).success();
    assert_eq!(
        String::from_utf8(o.get_output().stdout.clone()).unwrap(),
        U2_JA
    );
    // A potential-only user: their letter, and a note for the officer on stderr.
    run(&["check", "u3"])
        .success()
        .stdout(U3_EN)
        .stderr(predicate::str::contains("potential tier"));
}

#[test]
fn report_summary_lists_the_deadlines() {
    let o = run(&["report", "summary", "--format", "csv"]).success();
    let text = String::from_utf8(o.get_output().stdout.clone()).unwrap();
    assert!(
        text.contains("incident_discovered_at,2017-06-22T18:00:00+09:00\n"),
        "{text}"
    );
    assert!(
        text.contains("deadline_gdpr_authority,\"2017-06-25T18:00:00+09:00 (GDPR Art. 33(1):"),
        "{text}"
    );
    assert!(text.contains("deadline_appi_final_report,\"2017-07-21T23:59:59+09:00 (APPI Art. 26(1); PPC Rules Art. 8(2):"), "{text}");
    assert!(
        text.contains("deadline_appi_preliminary_report,\"2017-06-25T18:00:00+09:00 (target;"),
        "{text}"
    );
}

/// The notice list is `report users` restricted to the tiers, row for row, in the same order.
fn list_matches_users(input: &load::Options, tiers: &[Tier]) {
    let inputs = Inputs::load_quiet(input).unwrap();
    let audit = inputs.audit().unwrap();
    let users = audit.users_frame().unwrap();
    let report = audit.users_from(&users).unwrap();
    let list = notice_list(&audit, &select_users(&users, tiers, None).unwrap()).unwrap();
    let zone = inputs.zone;
    let csv = |df: &polars::prelude::DataFrame| {
        String::from_utf8(render(df, Format::Csv, &zone).unwrap()).unwrap()
    };
    let shared = [
        "user_id",
        "tier",
        "exposed_fields",
        "exposures",
        "distinct_viewers",
        "first_exposed",
        "last_exposed",
    ];
    let names: Vec<&str> = tiers.iter().map(|t| t.name()).collect();
    let expected: Vec<String> = csv(&report.df.select(shared).unwrap())
        .lines()
        .enumerate()
        .filter(|(i, line)| *i == 0 || names.contains(&line.split(',').nth(1).unwrap()))
        .map(|(_, l)| l.to_string())
        .collect();
    let got: Vec<String> = csv(&list.df.select(shared).unwrap())
        .lines()
        .map(str::to_string)
        .collect();
    assert!(expected.len() > 1, "no users in {names:?}");
    assert_eq!(got, expected, "tiers {names:?}");
}

#[test]
fn notice_list_is_report_users_restricted_to_the_tiers() {
    let fixture_input = load::Options {
        registered: Some(fixture("notices/registered.csv")),
        from: Some(WINDOW[1].into()),
        to: Some(WINDOW[3].into()),
        tz: "Asia/Tokyo".into(),
        ..load::Options::new(
            fixture("notices/inventory.yaml"),
            &fixture("notices/log.csv"),
        )
    };
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    let sample_input = load::Options {
        registered: Some(sample.join("registered.csv")),
        from: Some("2017-06-22T09:00:00+09:00".into()),
        to: Some("2017-06-22T15:00:00+09:00".into()),
        tz: "Asia/Tokyo".into(),
        ..load::Options::new(sample.join("inventory.yaml"), &sample.join("exposure.csv"))
    };
    for input in [&fixture_input, &sample_input] {
        list_matches_users(input, &[Tier::Direct, Tier::Notice]);
        list_matches_users(input, &[Tier::Notice]);
        list_matches_users(input, &[Tier::Direct, Tier::Notice, Tier::Potential]);
    }
}

// ---- bad input: exit 2, the culprit named, nothing written ----

/// The fixture inventory with `extra` appended (under `notice:`, which comes last).
fn inventory_with(dir: &Path, edit: impl Fn(String) -> String) -> PathBuf {
    let text = edit(read(&fixture("notices/inventory.yaml")));
    write(dir, "inv.yaml", &text)
}

#[test]
fn unknown_placeholder_names_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let inv = inventory_with(dir.path(), |t| {
        t + "  templates:\n    en: |\n      Dear {{ user_id }},\n      we are sorry.\n      {{ sendr }}\n"
    });
    let lines = read(&inv).lines().count();
    let out = dir.path().join("out");
    bad(
        run_on(&inv, &["notices", "--out-dir", out.to_str().unwrap()]),
        &[
            &format!("inv.yaml:{lines}: notice.templates.en"),
            "unknown placeholder \"sendr\"",
            "known: service, sender",
        ],
    );
    assert!(!out.exists(), "nothing is written for a bad template");
    // `check` refuses it the same way.
    bad(
        run_on(&inv, &["check", "u2"]),
        &["unknown placeholder \"sendr\""],
    );
}

#[test]
fn custom_template_is_used_for_its_language() {
    let dir = tempfile::tempdir().unwrap();
    let inv = inventory_with(dir.path(), |t| {
        t + "  templates:\n    en: |\n      {{ user_id }} ({{ tier }}): {{ exposed | list }}; {{ exposures }} times, {{ viewers }} viewers{% for p in pages %} [{{ p.id }} {{ p.route }}]{% endfor %}.\n"
    });
    run_on(&inv, &["check", "u2"])
        .success()
        .stdout("u2 (direct): Email address and Card last 4 digits; 3 times, 3 viewers [card /my/card/] [mail /my/email/{*rest}].\n");
    // Japanese still uses the bundled letter.
    run_on(&inv, &["check", "u6", "--lang", "ja"])
        .success()
        .stdout(U6_JA);
}

#[test]
fn misspelt_attribute_and_syntax_errors_are_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let inv = inventory_with(dir.path(), |t| {
        t + "  templates:\n    en: |\n      {% for p in pages %}{{ p.rout }}{% endfor %}\n"
    });
    bad(
        run_on(&inv, &["check", "u2"]),
        &["notice.templates.en", "undefined value"],
    );
    let inv = inventory_with(dir.path(), |t| {
        t + "  templates:\n    en: \"{{ user_id }\"\n"
    });
    bad(
        run_on(&inv, &["check", "u2"]),
        &["notice.templates.en", "letter template"],
    );
}

#[test]
fn unknown_jurisdiction_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let inv = inventory_with(dir.path(), |t| t.replace("[appi, gdpr]", "[appi, ccpa]"));
    bad(
        run_on(&inv, &["report", "summary"]),
        &[
            "inv.yaml:34:25: incident.jurisdictions[1]",
            "unknown jurisdiction \"ccpa\"; known: appi, gdpr",
        ],
    );
}

#[test]
fn discovery_time_needs_its_offset() {
    let dir = tempfile::tempdir().unwrap();
    let inv = inventory_with(dir.path(), |t| {
        t.replace("2017-06-22T18:00:00+09:00", "2017-06-22 18:00")
    });
    bad(
        run_on(&inv, &["report", "summary"]),
        &["incident.discovered_at", "UTC offset"],
    );
}

#[test]
fn unknown_keys_languages_and_fields_in_the_new_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let inv = inventory_with(dir.path(), |t| t + "  colour: red\n");
    bad(
        run_on(&inv, &["report", "summary"]),
        &["unknown field `colour`"],
    );
    let inv = inventory_with(dir.path(), |t| t + "  templates:\n    fr: Bonjour\n");
    bad(
        run_on(&inv, &["report", "summary"]),
        &["notice.templates.fr", "unknown language \"fr\""],
    );
    let inv = inventory_with(dir.path(), |t| {
        t.replace("      name: 氏名", "      nom: 氏名")
    });
    bad(
        run_on(&inv, &["report", "summary"]),
        &["notice.labels.ja.nom", "not a field declared"],
    );
}

#[test]
fn notices_write_the_report_to_each_regulator_of_the_incident() {
    let (_dir, out) = notices(&[]);
    for (name, title) in [
        (
            "regulator-appi.md",
            "# Report of a personal data leak to the Personal Information Protection Commission (preliminary report)\n",
        ),
        (
            "regulator-gdpr.md",
            "# Notification of a personal data breach to the supervisory authority (initial notification)\n",
        ),
        ("regulator-appi.html", "<!DOCTYPE html>\n<html lang=\"en\">"),
        ("regulator-gdpr.html", "<!DOCTYPE html>\n<html lang=\"en\">"),
    ] {
        assert!(read(&out.join(name)).starts_with(title), "{name}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(out.join(name))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{name}");
        }
    }
    // The same report `report regulator` prints, but for the time it was written at.
    let printed = String::from_utf8(
        run(&["report", "regulator", "--jurisdiction", "gdpr"])
            .success()
            .get_output()
            .stdout
            .clone(),
    )
    .unwrap();
    let timeless = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| {
                !l.starts_with("- **Prepared**")
                    && !l.contains(" left |")
                    && !l.contains("| overdue by")
            })
            .map(String::from)
            .collect()
    };
    assert_eq!(
        timeless(&read(&out.join("regulator-gdpr.md"))),
        timeless(&printed)
    );

    // Under --force, a jurisdiction the incident no longer names loses its old reports.
    let only_appi = inventory_with(out.parent().unwrap(), |t| {
        t.replace("[appi, gdpr]", "[appi]")
    });
    run_on(
        &only_appi,
        &["notices", "--out-dir", out.to_str().unwrap(), "--force"],
    )
    .success()
    .stdout(predicate::str::contains(
        "reports to the regulator: regulator-appi.md, regulator-appi.html",
    ));
    assert!(out.join("regulator-appi.html").exists());
    assert!(!out.join("regulator-gdpr.md").exists() && !out.join("regulator-gdpr.html").exists());
}

#[test]
fn non_empty_out_dir_needs_force_and_force_removes_stale_letters() {
    let (_dir, out) = notices(&[]);
    bad(
        run(&[
            "notices",
            "--out-dir",
            out.to_str().unwrap(),
            "--tiers",
            "direct",
        ]),
        &["not empty", "--force"],
    );
    // The refused run left the earlier letters as they were.
    assert_eq!(letter_names(&out), ["u1.md", "u2.md", "u6.md"]);
    run(&[
        "notices",
        "--out-dir",
        out.to_str().unwrap(),
        "--tiers",
        "direct",
        "--force",
    ])
    .success()
    .stdout(predicate::str::contains(
        "removed 1 letters of an earlier run",
    ));
    assert_eq!(letter_names(&out), ["u1.md", "u2.md"]);
}

#[test]
fn out_dir_that_is_a_file_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "taken", "x");
    bad(
        run(&["notices", "--out-dir", file.to_str().unwrap()]),
        &["is a file"],
    );
}

#[test]
fn user_ids_cannot_escape_the_letters_folder() {
    use pii_audit::notice::write::file_stem;
    assert_eq!(file_stem("u2"), "u2");
    assert_eq!(file_stem("../etc/x"), "%2E.%2Fetc%2Fx");
    assert_eq!(file_stem("a b%"), "a%20b%25");
    assert_eq!(file_stem("ユ"), "%E3%83%A6");
}
