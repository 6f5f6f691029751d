//! The notification to a supervisory authority under the GDPR: whether Art. 33 and Art. 34
//! apply (the controller's call; the facts that bear on it), the deadlines, then the four
//! items of Art. 33(3) in their order.

use super::facts::Facts;
use super::items::{self, list};
use super::{count, persons, Block, Document, Section, Text};
use crate::notice::deadline::Due;

pub(super) fn document(facts: &Facts, t: &Text) -> Document {
    let mut sections = vec![
        Section {
            heading: t.pick("Is notification required?", "通知・連絡の要否"),
            source: t.pick("GDPR Art. 33(1), 34(1)", "GDPR第33条第1項、第34条第1項"),
            blocks: vec![Block::Table {
                header: t.picks(&[
                    ("Duty", "義務"),
                    ("Status", "判定"),
                    ("Facts", "根拠となる事実"),
                ]),
                rows: duties(facts, t),
            }],
        },
        Section {
            heading: t.pick("Deadlines", "期限"),
            source: t.pick("GDPR Art. 33(1), 34(1)", "GDPR第33条第1項、第34条第1項"),
            blocks: deadline_blocks(facts, t),
        },
    ];
    let item = |letter: &str, en: &str, ja: &str, blocks: Vec<Block>| Section {
        heading: t.pick(&format!("({letter}) {en}"), &format!("({letter}) {ja}")),
        source: t.pick(
            &format!("GDPR Art. 33(3)({letter})"),
            &format!("GDPR第33条第3項({letter})"),
        ),
        blocks,
    };
    let mut nature = vec![
        items::exposure_facts(facts, t),
        items::pages(facts, t),
        categories(facts, t),
        items::people(facts, t),
        items::fields_table(facts, t, false),
        items::fields_chart(facts, t),
    ];
    nature.extend(items::minutes_chart(facts, t));
    nature.push(Block::Blank(t.pick(
        "the nature of the breach in a few sentences: the system, the change that caused it, how it was noticed and stopped",
        "侵害の性質（対象システム、原因となった変更、発覚と停止の経緯）",
    )));
    let contact = match &facts.contact {
        Some(c) => Block::Facts(vec![(
            t.pick(
                "Contact point (inventory notice.contact)",
                "連絡先（notice.contact）",
            ),
            c.clone(),
        )]),
        None => Block::Blank(t.pick(
            "name and contact details of the data protection officer or other contact point",
            "データ保護責任者又はその他の連絡先の氏名及び連絡先",
        )),
    };
    sections.extend([
        item(
            "a",
            "Nature of the breach, categories and approximate numbers of data subjects and records",
            "侵害の性質（データ主体と記録の種類及びおおよその数を含む）",
            nature,
        ),
        item("b", "Contact point", "連絡先", vec![contact]),
        item(
            "c",
            "Likely consequences",
            "想定される結果",
            vec![
                consequences(facts, t),
                Block::Blank(t.pick(
                    "the likely consequences for the people concerned",
                    "データ主体に想定される結果",
                )),
            ],
        ),
        item(
            "d",
            "Measures taken or proposed",
            "講じた又は講じる予定の措置",
            vec![Block::Blank(t.pick(
                "measures taken or proposed to address the breach, including to mitigate its possible adverse effects",
                "侵害への対処及び悪影響の軽減のための措置",
            ))],
        ),
        Section {
            heading: t.pick("Assumptions and method", "前提と算出方法"),
            source: t.pick("GDPR Art. 33(5)", "GDPR第33条第5項"),
            blocks: vec![items::assumptions(facts, t)],
        },
    ]);
    Document {
        lang: t.lang,
        title: t.pick(
            "Notification of a personal data breach to the supervisory authority",
            "監督機関への個人データ侵害の通知（GDPR）",
        ),
        preface: items::preface(facts, t, t.pick("GDPR Art. 33, 34", "GDPR第33条・第34条")),
        sections,
    }
}

/// Art. 33 and Art. 34, each the controller's call, with the facts that bear on it.
fn duties(facts: &Facts, t: &Text) -> Vec<Vec<String>> {
    let categories: Vec<String> = facts.categories.iter().map(|(c, _, _)| c.clone()).collect();
    let risk = t.pick(
        &format!(
            "{}: data seen by someone else; categories: {}",
            persons(facts.people_exposed()),
            list(&categories, t)
        ),
        &format!(
            "{}人の個人データが本人以外に表示された。分類：{}",
            count(facts.people_exposed()),
            list(&categories, t)
        ),
    );
    let high: Vec<String> = facts
        .exposed_fields()
        .filter(|f| f.direct_notice)
        .map(|f| f.label.clone())
        .collect();
    let high_risk = t.pick(
        &format!(
            "{}: a directly identifying field seen ({})",
            persons(facts.summary.users_direct_tier),
            list(&high, t)
        ),
        &format!(
            "{}人について直接識別できる項目（{}）が表示された",
            count(facts.summary.users_direct_tier),
            list(&high, t)
        ),
    );
    let decide = t.pick("controller to decide", "管理者が判断");
    vec![
        vec![
            t.pick(
                "Art. 33: notify the supervisory authority, unless the breach is unlikely to result in a risk to people's rights and freedoms",
                "第33条：監督機関への通知（自然人の権利及び自由に対するリスクを生じさせるおそれがない場合を除く）",
            ),
            decide.clone(),
            risk,
        ],
        vec![
            t.pick(
                "Art. 34: communicate the breach to the data subjects when it is likely to result in a high risk",
                "第34条：高いリスクを生じさせるおそれがある場合、データ主体への連絡",
            ),
            decide,
            high_risk,
        ],
    ]
}

/// The deadlines; past the 72 hours, a blank for the reasons of the delay (Art. 33(1)).
fn deadline_blocks(facts: &Facts, t: &Text) -> Vec<Block> {
    let mut blocks = items::deadlines(facts, t);
    let late = facts.deadlines.iter().any(|d| {
        d.figure == "deadline_gdpr_authority" && matches!(d.due, Due::By(at) if at < facts.as_of)
    });
    if late {
        blocks.push(Block::Blank(t.pick(
            "the reasons for the delay: this notification is later than 72 hours after becoming aware (Art. 33(1))",
            "遅延の理由：本通知は把握から72時間を過ぎている（第33条第1項）",
        )));
    }
    blocks
}

/// Per category of personal data: its exposed fields and the people concerned.
fn categories(facts: &Facts, t: &Text) -> Block {
    Block::Table {
        header: t.picks(&[
            ("Category (fideslang)", "分類（fideslang）"),
            ("Fields", "項目"),
            ("Data subjects", "データ主体の数"),
        ]),
        rows: facts
            .categories
            .iter()
            .map(|(category, labels, people)| {
                vec![category.clone(), list(labels, t), count(*people)]
            })
            .collect(),
    }
}

/// What bears on the consequences: directly identifying and financial fields seen.
fn consequences(facts: &Facts, t: &Text) -> Block {
    let financial: Vec<String> = facts
        .exposed_fields()
        .filter(|f| f.category.starts_with("user.financial"))
        .map(|f| format!("{} ({})", f.label, count(f.reach.exposed())))
        .collect();
    let mut out = vec![(
        t.pick(
            "People with a directly identifying field seen",
            "直接識別できる項目が表示された人数",
        ),
        count(facts.summary.users_direct_tier),
    )];
    if !financial.is_empty() {
        out.push((
            t.pick(
                "Financial fields seen (people)",
                "表示された金融関連項目（人数）",
            ),
            list(&financial, t),
        ));
    }
    Block::Facts(out)
}
