//! The parts both reports share: the preface, the deadlines, the pages and fields tables,
//! the people counts and the charts, in the report's language.

use super::facts::{Facts, FieldFacts};
use super::{count, Block, Chart, Text};
use crate::notice::deadline::Due;

/// Who reports, when the report was prepared, over which window, and how to read it.
pub(super) fn preface(facts: &Facts, t: &Text, law: String) -> Vec<(String, String)> {
    let bound =
        |b: Option<i64>| b.map_or_else(|| t.pick("(every row)", "（全行）"), |m| t.micros(m));
    vec![
        (t.pick("Reported by", "報告者"), facts.organisation.clone()),
        (t.pick("Prepared", "作成日時"), t.time(facts.as_of)),
        (t.pick("Law", "根拠"), law),
        (
            t.pick("Log window", "ログの対象期間"),
            format!("{} – {}", bound(facts.window.0), bound(facts.window.1)),
        ),
        (
            t.pick("How to read", "記載について"),
            t.pick(
                "figures are computed by pii-audit from the exposure log; items marked TO COMPLETE are for the officer",
                "数値は pii-audit が閲覧ログから算出したもの。「要記入」の項目は担当者が記入する",
            ),
        ),
    ]
}

/// The deadline table (duty, due, time left at `as_of`, rule) and its chart; a blank
/// saying what is missing without an `incident:` block naming the jurisdiction.
pub(super) fn deadlines(facts: &Facts, t: &Text) -> Vec<Block> {
    let Some(discovered) = facts.discovered_at else {
        return vec![Block::Blank(t.pick(
            "when the incident was discovered: the inventory has no incident: block (incident.discovered_at), so no deadline is computed",
            "事態を知った日時：インベントリに incident: ブロック（incident.discovered_at）がないため期限を算出できない",
        ))];
    };
    if facts.deadlines.is_empty() {
        return vec![Block::Blank(t.pick(
            "whether this law applies: incident.jurisdictions does not name it, so no deadline is computed",
            "適用の有無：incident.jurisdictions に含まれていないため期限を算出していない",
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
        Block::Facts(vec![(
            t.pick("Discovered", "事態を知った日時"),
            t.time(discovered),
        )]),
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

/// The pages served to someone other than their owner.
pub(super) fn pages(facts: &Facts, t: &Text) -> Block {
    Block::Table {
        header: t.picks(&[
            ("Page", "ページ"),
            ("Route", "URL"),
            ("Shown to others", "他人への表示"),
            ("People whose page it was", "表示された本人"),
        ]),
        rows: facts
            .pages
            .iter()
            .map(|p| {
                vec![
                    p.name.clone(),
                    p.route.clone(),
                    count(p.exposures),
                    count(p.owners_exposed),
                ]
            })
            .collect(),
    }
}

/// The window's figures: first and last exposure, how many responses showed data.
pub(super) fn exposure_facts(facts: &Facts, t: &Text) -> Block {
    let mut out = Vec::new();
    if let Some((first, last)) = facts.exposed_between {
        out.push((t.pick("First exposure", "最初の表示"), t.micros(first)));
        out.push((t.pick("Last exposure", "最後の表示"), t.micros(last)));
    }
    out.push((
        t.pick(
            "Responses that showed a person's data to someone else",
            "本人以外に個人データを表示した応答",
        ),
        count(facts.summary.exposures),
    ));
    if let Some((possible, _)) = facts.summary.possible {
        out.push((
            t.pick(
                "of which possible (the CDN's clock cannot tell whose page)",
                "うち可能性のみ（CDNの時刻精度では誰のページか特定できない）",
            ),
            count(possible),
        ));
    }
    Block::Facts(out)
}

/// Exposures per minute, when the log keeps the minute.
pub(super) fn minutes_chart(facts: &Facts, t: &Text) -> Option<Block> {
    let minutes = facts.minutes.clone()?;
    let first = minutes.first()?.0;
    let last = minutes.last()?.0 + 60_000_000;
    let span = (
        facts.window.0.unwrap_or(first).min(first),
        facts.window.1.unwrap_or(last).max(last),
    );
    Some(Block::Chart(Chart::ExposuresPerMinute {
        title: t.pick("Exposures per minute", "1分ごとの表示件数"),
        minutes,
        span,
        zone: t.zone,
    }))
}

/// The exposed fields: label, category, marks, people and records.
pub(super) fn fields_table(facts: &Facts, t: &Text, marks: bool) -> Block {
    let mut header = vec![
        t.pick("Field", "項目"),
        t.pick("Category (fideslang)", "分類（fideslang）"),
    ];
    if marks {
        header.push(t.pick("APPI mark", "規則第7条の区分"));
    }
    header.extend([
        t.pick("People", "人数"),
        t.pick("Records (responses)", "件数（応答）"),
    ]);
    let rows = facts
        .exposed_fields()
        .map(|f| {
            let mut row = vec![f.label.clone(), f.category.clone()];
            if marks {
                row.push(mark_text(f));
            }
            row.extend([count(f.reach.exposed()), count(f.records)]);
            row
        })
        .collect();
    Block::Table { header, rows }
}

/// "financial_damage (ii)", or a dash for an unmarked field.
fn mark_text(f: &FieldFacts) -> String {
    if f.appi.is_empty() {
        return "–".to_string();
    }
    f.appi
        .iter()
        .map(|m| format!("{} {}", m.name(), m.rule()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// People per exposed field, by tier.
pub(super) fn fields_chart(facts: &Facts, t: &Text) -> Block {
    Block::Chart(Chart::PeopleByField {
        title: t.pick(
            "People exposed per field, by tier",
            "項目ごとの人数（通知区分別）",
        ),
        series: [
            t.pick("direct tier", "direct（直接通知）"),
            t.pick("notice tier", "notice（通知）"),
            t.pick("viewable only", "閲覧可能のみ"),
        ],
        fields: facts
            .exposed_fields()
            .map(|f| (f.label.clone(), f.reach))
            .collect(),
    })
}

/// How many people: exposed (confirmed, possibly), by tier, and those not counted.
pub(super) fn people(facts: &Facts, t: &Text) -> Block {
    let s = &facts.summary;
    let mut out = vec![(
        t.pick(
            "People whose data someone else saw",
            "個人データが本人以外に表示された人数",
        ),
        count(facts.people_exposed()),
    )];
    if let Some(only) = facts.people_only_possibly() {
        out.push((
            t.pick("of which confirmed", "うち確定"),
            count(facts.people_confirmed()),
        ));
        out.push((
            t.pick(
                "of which only possibly (ambiguous CDN responses)",
                "うち可能性のみ（CDN応答の帰属が曖昧）",
            ),
            count(only),
        ));
    }
    out.extend([
        (
            t.pick(
                "with a directly identifying field seen (direct tier)",
                "直接識別できる項目が表示された人数（direct）",
            ),
            count(s.users_direct_tier),
        ),
        (
            t.pick(
                "with other fields seen (notice tier)",
                "その他の項目が表示された人数（notice）",
            ),
            count(s.users_notice_tier),
        ),
        (
            t.pick(
                "whose pages were served in the window but seen by no one else (not counted)",
                "対象期間にページが配信されたが本人以外には表示されていない人数（計上しない）",
            ),
            count(s.users_potential_tier),
        ),
    ]);
    Block::Facts(out)
}

/// The assumptions behind the figures (the registered-fields table) and the method.
pub(super) fn assumptions(facts: &Facts, t: &Text) -> Block {
    let mut out = match &facts.registered {
        None => vec![(
            t.pick("Assumption", "前提"),
            t.pick(
                "no registered-fields table: everyone is assumed to have every field",
                "登録項目表がないため、全員が全項目を登録しているとみなした",
            ),
        )],
        Some((file, without_column, empty)) => vec![
            (
                t.pick("Registered-fields table", "登録項目表"),
                file.clone(),
            ),
            (
                t.pick(
                    "People absent from it (assumed to have every field)",
                    "登録項目表にない人数（全項目を登録とみなす）",
                ),
                count(facts.summary.users_assumed_registered),
            ),
            (
                t.pick(
                    "Fields it has no column for (assumed registered)",
                    "列のない項目（登録とみなす）",
                ),
                match without_column.is_empty() {
                    true => t.pick("none", "なし"),
                    false => list(without_column, t),
                },
            ),
            (
                t.pick(
                    "Empty cells (assumed registered)",
                    "空欄の数（登録とみなす）",
                ),
                count(*empty as u64),
            ),
        ],
    };
    out.push((
        t.pick("Method", "算出方法"),
        t.pick(
            "every response in the window that showed a page with a person's registered fields to someone other than that person (pii-audit's README, \"Report to the regulator\")",
            "対象期間に、本人が登録した項目を含むページを本人以外に表示した応答をすべて数えた（pii-audit README「Report to the regulator」）",
        ),
    ));
    Block::Facts(out)
}

/// A comma-separated list in the report's language.
pub(super) fn list(items: &[String], t: &Text) -> String {
    items.join(&t.pick(", ", "、"))
}
