//! Notice deadlines around their boundaries: GDPR's 72 hours as elapsed time from the
//! offset written, APPI's reports in Japanese days, an incident without jurisdictions.

use chrono::{DateTime, TimeDelta, Utc};

use pii_audit::inventory::Inventory;
use pii_audit::notice::deadline::{deadlines, Due};

const DEADLINE_INVENTORY: &str = "version: 1\nfields:\n  name: {label: Name, category: user.name}\npages:\n  - id: home\n    route: /my/\n    fields: [name]\nincident:\n  discovered_at: AT\n  jurisdictions: [gdpr, appi]\n";

fn due(at: &str, extra: &str, figure: &str) -> DateTime<Utc> {
    let text = DEADLINE_INVENTORY.replace("AT", at) + extra;
    let inventory = Inventory::parse(&text, "inv.yaml").unwrap();
    let deadline = deadlines(inventory.incident.as_ref().unwrap())
        .into_iter()
        .find(|d| d.figure == figure)
        .unwrap();
    match deadline.due {
        Due::By(t) | Due::Target(t) => t,
        Due::NoFixedTime => panic!("{figure} has no fixed time"),
    }
}

pub fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

#[test]
fn gdpr_72_hours_are_elapsed_time_from_the_written_offset() {
    // 18:00 in Tokyo is 09:00 UTC; 72 h later is 09:00 UTC three days on.
    let t = due("2017-06-22T18:00:00+09:00", "", "deadline_gdpr_authority");
    assert_eq!(t, utc("2017-06-25T09:00:00Z"));
    // Across the spring-forward night in Berlin (28 March 2021): 72 elapsed hours end at
    // 13:00 local summer time, not 12:00.
    let t = due("2021-03-26T12:00:00+01:00", "", "deadline_gdpr_authority");
    let berlin: pii_audit::ingest::Zone = "Europe/Berlin".parse().unwrap();
    assert_eq!(berlin.format(t), "2021-03-29T13:00:00+02:00");
}

#[test]
fn time_left_at_exactly_72_hours() {
    let inventory = Inventory::parse(
        &DEADLINE_INVENTORY.replace("AT", "2017-06-22T18:00:00+09:00"),
        "inv.yaml",
    )
    .unwrap();
    let gdpr = &deadlines(inventory.incident.as_ref().unwrap())[0];
    let aware = utc("2017-06-22T09:00:00Z");
    let hours = |h: i64| aware + TimeDelta::hours(h);
    assert_eq!(gdpr.left_text(hours(0)), "3d 00h 00m left");
    assert_eq!(gdpr.left_text(hours(72) - TimeDelta::seconds(1)), "1s left");
    assert_eq!(gdpr.left_text(hours(72)), "due now");
    assert_eq!(
        gdpr.left_text(hours(72) + TimeDelta::seconds(1)),
        "overdue by 1s"
    );
    assert_eq!(gdpr.left_text(hours(97)), "overdue by 1d 01h 00m");
    // The same in the Japanese report to the regulator.
    use pii_audit::inventory::Lang;
    assert_eq!(gdpr.left_text_in(hours(0), Lang::Ja), "残り3日00時間00分");
    assert_eq!(
        gdpr.left_text_in(hours(72) - TimeDelta::seconds(1), Lang::Ja),
        "残り1秒"
    );
    assert_eq!(gdpr.left_text_in(hours(72), Lang::Ja), "期限到来");
    assert_eq!(
        gdpr.left_text_in(hours(97), Lang::Ja),
        "期限（72時間）を経過（1日01時間00分）"
    );
}

#[test]
fn appi_final_report_counts_japanese_days_from_day_one() {
    // 23:59:59 JST on 22 June: day 1 is 22 June, day 30 is 21 July.
    let t = due("2017-06-22T14:59:59Z", "", "deadline_appi_final_report");
    assert_eq!(t, utc("2017-07-21T23:59:59+09:00"));
    // One second later it is 23 June in Japan (still 22 June in UTC): day 30 is 22 July.
    let t = due("2017-06-22T15:00:00Z", "", "deadline_appi_final_report");
    assert_eq!(t, utc("2017-07-22T23:59:59+09:00"));
    // Wrongful purpose: 60 days; day 60 from 22 June is 20 August (8 + 31 + 20 = 59 days on).
    let t = due(
        "2017-06-22T18:00:00+09:00",
        "  wrongful_purpose: true\n",
        "deadline_appi_final_report",
    );
    assert_eq!(t, utc("2017-08-20T23:59:59+09:00"));
    // The preliminary report's target: 3 days (72 h) after becoming aware.
    let t = due(
        "2017-06-22T18:00:00+09:00",
        "",
        "deadline_appi_preliminary_report",
    );
    assert_eq!(t, utc("2017-06-25T18:00:00+09:00"));
    // Past it, the Japanese report says the target was passed, and by how much.
    let text = DEADLINE_INVENTORY.replace("AT", "2017-06-22T18:00:00+09:00");
    let inventory = Inventory::parse(&text, "inv.yaml").unwrap();
    let preliminary = deadlines(inventory.incident.as_ref().unwrap())
        .into_iter()
        .find(|d| d.figure == "deadline_appi_preliminary_report")
        .unwrap();
    use pii_audit::inventory::Lang;
    assert_eq!(
        preliminary.left_text_in(utc("2017-06-26T20:00:00+09:00"), Lang::Ja),
        "目安（3日）を経過（1日02時間00分）"
    );
    assert_eq!(
        preliminary.left_text_in(utc("2017-06-25T17:00:00+09:00"), Lang::Ja),
        "残り0日01時間00分"
    );
}

#[test]
fn an_incident_without_jurisdictions_has_no_deadlines_and_warns() {
    let text = DEADLINE_INVENTORY
        .replace("AT", "2017-06-22T18:00:00+09:00")
        .replace("  jurisdictions: [gdpr, appi]\n", "");
    let inventory = Inventory::parse(&text, "inv.yaml").unwrap();
    assert!(deadlines(inventory.incident.as_ref().unwrap()).is_empty());
    assert!(inventory
        .warnings
        .iter()
        .any(|w| w.contains("no jurisdictions")));
}
