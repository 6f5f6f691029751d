//! Deadlines that run from the incident's discovery, per jurisdiction. Only rules with a
//! citable source are computed; "without undue delay" and "promptly" stay words, never an
//! invented date. README "Notices" lists the sources.

use chrono::{DateTime, Days, NaiveTime, TimeDelta, TimeZone, Utc};

use crate::frame::OrBug;
use crate::ingest::Zone;
use crate::inventory::{Incident, Jurisdiction, Lang};

/// When something is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// A deadline set by law.
    By(DateTime<Utc>),
    /// A target from the regulator's guidance (the law says "promptly").
    Target(DateTime<Utc>),
    /// No fixed time: the law's words are in `Deadline::when`.
    NoFixedTime,
}

/// One duty, its source and when it is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    /// Short stable name, used as a `report summary` figure: `deadline_gdpr_authority`.
    pub figure: &'static str,
    pub jurisdiction: Jurisdiction,
    /// What must be done, for whom.
    pub duty: &'static str,
    /// The same in a few words, for the TUI overview.
    pub short: &'static str,
    /// The law's words for when.
    pub when: &'static str,
    /// Article(s).
    pub source: &'static str,
    /// `duty` in Japanese (the report to the regulator in `ja`).
    pub duty_ja: &'static str,
    /// `source` in Japanese.
    pub source_ja: &'static str,
    /// What the due time is, in Japanese, for the time past it: 目安（3日）, 期限（72時間）.
    pub limit_ja: &'static str,
    pub due: Due,
}

/// Day counting for the APPI final report happens in Japan's calendar.
const TOKYO: chrono_tz::Tz = chrono_tz::Asia::Tokyo;

/// The end (last second) of day `n` in Tokyo, counting the day of `start` as day 1.
fn end_of_day_n(start: DateTime<Utc>, n: u64) -> DateTime<Utc> {
    let first = start.with_timezone(&TOKYO).date_naive();
    let last = first + Days::new(n - 1);
    let end = last.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or_default());
    // Japan has no DST, so a local time maps to exactly one instant.
    TOKYO
        .from_local_datetime(&end)
        .earliest()
        .map_or(start, |d| d.with_timezone(&Utc))
}

/// The deadlines of `incident`, GDPR first, then APPI, each in the order they fall due.
pub fn deadlines(incident: &Incident) -> Vec<Deadline> {
    let aware = incident.discovered_at.with_timezone(&Utc);
    let mut out = Vec::new();
    for jurisdiction in [Jurisdiction::Gdpr, Jurisdiction::Appi] {
        if !incident.jurisdictions.contains(&jurisdiction) {
            continue;
        }
        match jurisdiction {
            Jurisdiction::Gdpr => {
                out.push(Deadline {
                    figure: "deadline_gdpr_authority",
                    jurisdiction,
                    duty: "notify the supervisory authority",
                    short: "GDPR: supervisory authority",
                    when: "without undue delay and, where feasible, not later than 72 hours after becoming aware (later: with reasons for the delay)",
                    source: "GDPR Art. 33(1)",
                    duty_ja: "監督機関への通知",
                    source_ja: "GDPR第33条第1項",
                    limit_ja: "期限（72時間）",
                    due: Due::By(aware + TimeDelta::hours(72)),
                });
                out.push(Deadline {
                    figure: "deadline_gdpr_data_subjects",
                    jurisdiction,
                    duty: "communicate the breach to the data subjects",
                    short: "GDPR: data subjects",
                    when: "without undue delay, when the breach is likely to result in a high risk to their rights and freedoms",
                    source: "GDPR Art. 34(1)",
                    duty_ja: "データ主体への連絡",
                    source_ja: "GDPR第34条第1項",
                    limit_ja: "期限",
                    due: Due::NoFixedTime,
                });
            }
            Jurisdiction::Appi => {
                out.push(Deadline {
                    figure: "deadline_appi_preliminary_report",
                    jurisdiction,
                    duty: "preliminary report to the PPC",
                    short: "APPI: preliminary report",
                    when: "promptly (PPC guidance: about 3 to 5 days); the date is the earlier end, 3 days after becoming aware",
                    source: "APPI Art. 26(1); PPC Rules Art. 8(1)",
                    duty_ja: "個人情報保護委員会への速報",
                    source_ja: "個人情報保護法第26条第1項、規則第8条第1項",
                    limit_ja: "目安（3日）",
                    due: Due::Target(aware + TimeDelta::days(3)),
                });
                let (days, when, limit_ja) = if incident.wrongful() {
                    (60, "within 60 days of becoming aware (wrongful purpose, e.g. unauthorised access), the day of becoming aware counted as day 1, Japan time", "期限（60日）")
                } else {
                    (30, "within 30 days of becoming aware, the day of becoming aware counted as day 1, Japan time", "期限（30日）")
                };
                out.push(Deadline {
                    figure: "deadline_appi_final_report",
                    jurisdiction,
                    duty: "final report to the PPC",
                    short: "APPI: final report",
                    when,
                    source: "APPI Art. 26(1); PPC Rules Art. 8(2)",
                    duty_ja: "個人情報保護委員会への確報",
                    source_ja: "個人情報保護法第26条第1項、規則第8条第2項",
                    limit_ja,
                    due: Due::By(end_of_day_n(aware, days)),
                });
                out.push(Deadline {
                    figure: "deadline_appi_individuals",
                    jurisdiction,
                    duty: "notify the individuals concerned",
                    short: "APPI: individuals",
                    when: "promptly, as the situation allows",
                    source: "APPI Art. 26(2); PPC Rules Art. 10",
                    duty_ja: "本人への通知",
                    source_ja: "個人情報保護法第26条第2項、規則第10条",
                    limit_ja: "期限",
                    due: Due::NoFixedTime,
                });
            }
        }
    }
    out
}

impl Deadline {
    /// The due time in `zone`, or the law's words when there is none.
    pub fn due_text(&self, zone: &Zone) -> String {
        match self.due {
            Due::By(t) => zone.format(t),
            Due::Target(t) => format!("{} (target)", zone.format(t)),
            Due::NoFixedTime => "no fixed time".to_string(),
        }
    }

    /// Time left at `now`: "2d 03h 10m left", "due now", "overdue by 1d 00h 00m"; for
    /// duties without a fixed time, "as soon as possible".
    pub fn left_text(&self, now: DateTime<Utc>) -> String {
        self.left_text_in(now, Lang::En)
    }

    /// `left_text` in `lang`: in Japanese "残り2日03時間10分", "期限到来",
    /// "目安（3日）を経過（1日00時間00分）", "速やかに".
    pub fn left_text_in(&self, now: DateTime<Utc>, lang: Lang) -> String {
        let due = match self.due {
            Due::By(t) | Due::Target(t) => t,
            Due::NoFixedTime => {
                return match lang {
                    Lang::En => "as soon as possible",
                    Lang::Ja => "速やかに",
                }
                .to_string()
            }
        };
        let left = due - now;
        match (left.cmp(&TimeDelta::zero()), lang) {
            (std::cmp::Ordering::Greater, Lang::En) => format!("{} left", span(left, lang)),
            (std::cmp::Ordering::Greater, Lang::Ja) => format!("残り{}", span(left, lang)),
            (std::cmp::Ordering::Equal, Lang::En) => "due now".to_string(),
            (std::cmp::Ordering::Equal, Lang::Ja) => "期限到来".to_string(),
            (std::cmp::Ordering::Less, Lang::En) => format!("overdue by {}", span(-left, lang)),
            (std::cmp::Ordering::Less, Lang::Ja) => {
                format!("{}を経過（{}）", self.limit_ja, span(-left, lang))
            }
        }
    }
}

/// "3d 04h 05m" (minutes rounded down; under a minute: seconds); in Japanese "3日04時間05分".
fn span(d: TimeDelta, lang: Lang) -> String {
    let secs = d.num_seconds();
    let (days, hours, minutes) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60);
    match (secs < 60, lang) {
        (true, Lang::En) => format!("{secs}s"),
        (true, Lang::Ja) => format!("{secs}秒"),
        (false, Lang::En) => format!("{days}d {hours:02}h {minutes:02}m"),
        (false, Lang::Ja) => format!("{days}日{hours:02}時間{minutes:02}分"),
    }
}

/// Appends the incident's deadlines to a `report summary` (figure, value): the discovery
/// time, then one row per duty with its due time and source. No "time left": a report
/// is the same whenever it is run.
pub fn add_summary_rows(
    report: &mut crate::audit::Report,
    audit: &crate::audit::Audit,
) -> anyhow::Result<()> {
    use polars::prelude::*;
    let Some(incident) = &audit.inventory.incident else {
        return Ok(());
    };
    let zone = &audit.zone;
    let mut names = vec!["incident_discovered_at".to_string()];
    let mut values = vec![zone.format(incident.discovered_at.with_timezone(&Utc))];
    for d in deadlines(incident) {
        names.push(d.figure.to_string());
        let value = match d.due {
            Due::By(t) => format!("{} ({}: {})", zone.format(t), d.source, d.when),
            Due::Target(t) => format!("{} (target; {}: {})", zone.format(t), d.source, d.when),
            Due::NoFixedTime => format!("no fixed time ({}: {})", d.source, d.when),
        };
        values.push(value);
    }
    let rows = DataFrame::new(
        names.len(),
        vec![
            Column::new("figure".into(), names),
            Column::new("value".into(), values),
        ],
    )
    .or_bug()?;
    report.df = report.df.vstack(&rows).or_bug()?;
    Ok(())
}
