//! The frame both reports share: the preface, who reports, the deadlines, the items still
//! to complete, whom else the incident was told to, and the annex of exposures per minute,
//! in the report's language.

use super::facts::Facts;
use super::text::Text;
use super::{Block, Chart, Section};
use crate::inventory::ControllerLine;
use crate::notice::deadline::Due;
use crate::notice::words::count;

/// Who reports, when, what stage the report is, over which window, and how to read it.
pub(super) fn preface(
    facts: &Facts,
    t: &Text,
    law: String,
    stage: String,
) -> Vec<(String, String)> {
    let bound =
        |b: Option<i64>| b.map_or_else(|| t.pick("(every row)", "（全期間）"), |m| t.micros(m));
    let mut out = Vec::new();
    if !facts.service.is_empty() {
        out.push((t.pick("Service", "対象サービス"), facts.service.clone()));
    }
    out.extend([
        (t.pick("Stage", "報告の区分"), stage),
        (t.pick("Prepared", "作成日時"), t.time(facts.as_of)),
        (t.pick("Law", "根拠"), law),
        (
            t.pick("Log window examined", "調査に用いたログの期間"),
            format!("{} – {}", bound(facts.window.0), bound(facts.window.1)),
        ),
        (
            t.pick("How to read", "記載について"),
            t.pick(
                "figures are counted from the web service's access log over the window above; what only the business knows is marked TO COMPLETE",
                "数値は、上記期間のウェブサービスのアクセス記録（ログ）から集計した。事業者のみが把握している事項は「要記入」とした",
            ),
        ),
    ]);
    out
}

/// One line of the `controller:` block as a report asks it: the line, its label, and what
/// to write when it is missing, in English and Japanese.
pub(super) struct Asked {
    pub line: ControllerLine,
    pub label: (&'static str, &'static str),
    pub blank: (&'static str, &'static str),
}

/// Who reports: the lines given, then a blank for each line missing.
pub(super) fn reporter(facts: &Facts, t: &Text, asked: &[Asked]) -> Vec<Block> {
    let mut given = Vec::new();
    let mut blanks = Vec::new();
    for a in asked {
        match facts.controller.get(a.line).and_then(|l| t.localised(l)) {
            Some(text) => given.push((t.pick(a.label.0, a.label.1), text)),
            None => blanks.push(Block::Blank(t.pick(a.blank.0, a.blank.1))),
        }
    }
    let mut out = Vec::new();
    if !given.is_empty() {
        out.push(Block::Facts(given));
    }
    out.extend(blanks);
    out
}

/// The deadline table (duty, due, time left at `as_of`, rule) and its chart, after the
/// time of becoming aware (`aware`: its label); a blank saying what is missing without an
/// `incident:` block naming the jurisdiction.
pub(super) fn deadlines(facts: &Facts, t: &Text, aware: (&str, &str)) -> Vec<Block> {
    let Some(discovered) = facts.incident.discovered_at else {
        return vec![Block::Blank(t.pick(
            "when the business became aware of the incident: the inventory does not say (incident.discovered_at), so no deadline is computed",
            "事態を知った日時：記載がないため、報告期限を算出していない",
        ))];
    };
    if facts.deadlines.is_empty() {
        return vec![Block::Blank(t.pick(
            "whether this law applies: the inventory's incident.jurisdictions does not name it, so no deadline is computed",
            "この法令の適用の有無：適用法令として記載されていないため、期限を算出していない",
        ))];
    }
    let rows = facts
        .deadlines
        .iter()
        .map(|d| {
            let due = match d.due {
                Due::By(at) => t.time(at),
                Due::Target(at) => t.time(at) + &t.pick(" (target)", "（目安）"),
                Due::NoFixedTime => t.pick("no fixed time", "期限の定めなし"),
            };
            vec![
                t.pick(d.duty, d.duty_ja),
                due,
                d.left_text_in(facts.as_of, t.lang),
                t.pick(d.source, d.source_ja),
            ]
        })
        .collect();
    let dated = facts
        .deadlines
        .iter()
        .filter_map(|d| match d.due {
            Due::By(at) | Due::Target(at) => Some((t.pick(d.duty, d.duty_ja), at)),
            Due::NoFixedTime => None,
        })
        .collect();
    vec![
        Block::Facts(vec![(t.pick(aware.0, aware.1), t.time(discovered))]),
        Block::Table {
            header: t.picks(&[
                ("Duty", "義務"),
                ("Due", "期限"),
                ("Time left", "残り時間"),
                ("Rule", "根拠"),
            ]),
            rows,
        },
        Block::Chart(Chart::Deadlines {
            title: t.pick("Deadlines and now", "期限と現在"),
            discovered,
            deadlines: dated,
            now: facts.as_of,
            now_label: t.pick("now", "現在"),
            zone: t.zone,
        }),
    ]
}

/// Whom else the incident was reported or told to (the police, another authority), from
/// the inventory, and a blank for the rest.
pub(super) fn also_told(facts: &Facts, t: &Text) -> Vec<Block> {
    let mut out = Vec::new();
    if !facts.incident.also_told.is_empty() {
        out.push(Block::Table {
            header: t.picks(&[("Told", "報告・連絡先"), ("When", "日時")]),
            rows: facts
                .incident
                .also_told
                .iter()
                .map(|(who, at)| {
                    vec![
                        who.clone(),
                        at.map_or_else(|| t.pick("not stated", "記載なし"), |at| t.time(at)),
                    ]
                })
                .collect(),
        });
    }
    out.push(Block::Blank(t.pick(
        "whom else the incident was reported or told to (the police, other authorities, card companies), when, and what they said, where not listed above",
        "上記のほかに報告・相談した先（警察、他の行政機関、カード会社等）、その日時と内容",
    )));
    out
}

/// The chart's figures: exposures per minute with any, as an annex at the end.
pub(super) fn minutes_annex(facts: &Facts, t: &Text, chart_item: (&str, &str)) -> Option<Section> {
    let minutes = facts.minutes.as_ref()?;
    let rows: Vec<Vec<String>> = minutes
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(m, n)| vec![t.micros(*m), count(*n)])
        .collect();
    if rows.is_empty() {
        return None;
    }
    Some(Section {
        heading: t.pick("Annex: exposures per minute", "別紙：1分ごとの延べ表示回数"),
        source: t.pick(
            &format!("the figures of the chart in {}", chart_item.0),
            &format!("{}の図の数値", chart_item.1),
        ),
        blocks: vec![Block::Table {
            header: t.picks(&[
                ("Minute from", "時刻（1分間）"),
                (
                    "Times someone's data was shown to someone else",
                    "本人以外への延べ表示回数",
                ),
            ]),
            rows,
        }],
    })
}

/// Every blank of `sections`, as (where, what): the list a final report starts with.
pub(super) fn still_to_complete(sections: &[Section], t: &Text) -> Option<Section> {
    let rows: Vec<Vec<String>> = sections
        .iter()
        .flat_map(|s| {
            s.blocks.iter().filter_map(move |b| match b {
                Block::Blank(what) => Some(vec![s.heading.clone(), what.clone()]),
                _ => None,
            })
        })
        .collect();
    if rows.is_empty() {
        return None;
    }
    Some(Section {
        heading: t.pick(
            &format!("Still to complete before filing: {}", rows.len()),
            &format!("提出前に記入が必要な事項：{}件", rows.len()),
        ),
        source: t.pick(
            "every item the report asks, with what the business must still fill in",
            "報告事項のうち、事業者が記入する必要があるもの",
        ),
        blocks: vec![Block::Table {
            header: t.picks(&[("Item", "項目"), ("To complete", "記入が必要な事項")]),
            rows,
        }],
    })
}
