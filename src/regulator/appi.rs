//! The report to Japan's Personal Information Protection Commission: who reports (the
//! PPC's form), whether the report is required (PPC Enforcement Rules Art. 7), the
//! deadlines (APPI Art. 26(1), Rules Art. 8), then the nine items of Rules Art. 8(1) in
//! their order, and the annex with the per-minute chart's figures.

use super::facts::Facts;
use super::figures::{self, Marks};
use super::items::{self, Asked};
use super::text::Text;
use super::triggers::triggers;
use super::{Block, Document, Section, Stage};
use crate::inventory::{AppiMark, ControllerLine};
use crate::notice::people_threshold::PEOPLE_THRESHOLD;
use crate::notice::words::{count, persons};

/// The lines of the PPC's form about the business.
const REPORTER: [Asked; 6] = [
    Asked {
        line: ControllerLine::LegalName,
        label: ("Name of the business", "事業者の氏名又は名称"),
        blank: (
            "the business's legal name (the company, not the service)",
            "事業者の氏名又は名称（サービス名ではなく法人名）",
        ),
    },
    Asked {
        line: ControllerLine::Address,
        label: ("Address", "住所"),
        blank: ("the business's registered address", "事業者の住所（本店所在地）"),
    },
    Asked {
        line: ControllerLine::Representative,
        label: ("Representative", "代表者の氏名"),
        blank: (
            "the name of the business's representative",
            "代表者の氏名",
        ),
    },
    Asked {
        line: ControllerLine::Contact,
        label: ("Contact for this report", "報告担当者の連絡先"),
        blank: (
            "who the PPC contacts about this report: name, department, phone, email",
            "報告担当者の氏名、部署、電話番号、メールアドレス",
        ),
    },
    Asked {
        line: ControllerLine::Sector,
        label: ("Sector", "業種"),
        blank: ("the business's line of business", "業種"),
    },
    Asked {
        line: ControllerLine::FilingRoute,
        label: ("Filed with", "報告先"),
        blank: (
            "where the report is filed: the PPC, or the minister the PPC delegated the power to for this sector (APPI Art. 150)",
            "報告先（個人情報保護委員会、又は権限の委任を受けた事業所管大臣（法第150条））",
        ),
    },
];

pub(super) fn document(facts: &Facts, t: &Text, stage: Stage) -> Document {
    let mut sections = vec![
        Section {
            heading: t.pick("Reporting business", "報告者"),
            source: t.pick("the PPC's report form", "個人情報保護委員会の報告様式"),
            blocks: items::reporter(facts, t, &REPORTER),
        },
        required(facts, t),
        Section {
            heading: t.pick("Deadlines", "報告期限"),
            source: t.pick(
                "APPI Art. 26(1); PPC Rules Art. 8(1), 8(2)",
                "個人情報保護法第26条第1項、規則第8条第1項・第2項",
            ),
            blocks: items::deadlines(facts, t, ("Discovered", "発覚日時")),
        },
    ];
    sections.extend(form_items(facts, t));
    sections.extend(items::minutes_annex(
        facts,
        t,
        ("item 1 (Outline)", "「1. 概要」"),
    ));
    let days = match facts.incident.wrongful_purpose {
        Some(true) => 60,
        _ => 30,
    };
    let (title, stage_line) = match stage {
        Stage::Preliminary => (
            t.pick(
                "Report of a personal data leak to the Personal Information Protection Commission (preliminary report)",
                "個人データの漏えい等報告（速報）",
            ),
            t.pick(
                &format!("preliminary report (PPC Rules Art. 8(1)): what is known now; the final report follows within {days} days of discovery"),
                &format!("速報（規則第8条第1項）：現時点で把握している事項。確報は発覚から{days}日以内に提出する"),
            ),
        ),
        Stage::Final => (
            t.pick(
                "Report of a personal data leak to the Personal Information Protection Commission (final report)",
                "個人データの漏えい等報告（確報）",
            ),
            t.pick(
                "final report (PPC Rules Art. 8(2)): every item of Art. 8(1)",
                "確報（規則第8条第2項）：第1項各号の事項をすべて報告する",
            ),
        ),
    };
    super::with_stage(
        Document {
            lang: t.lang,
            title,
            preface: items::preface(
                facts,
                t,
                t.pick(
                    "APPI Art. 26(1); PPC Enforcement Rules Art. 7, 8",
                    "個人情報保護法第26条第1項、個人情報保護法施行規則第7条・第8条",
                ),
                stage_line,
            ),
            sections,
        },
        stage,
        t,
    )
}

/// Whether a report is required: the verdict, then one row per rule of Art. 7.
fn required(facts: &Facts, t: &Text) -> Section {
    let triggers = triggers(facts, t);
    let required: Vec<String> = triggers
        .iter()
        .filter(|tr| tr.required == Some(true))
        .map(|tr| t.pick(tr.rule.0, tr.rule.1))
        .collect();
    let verdict = if required.is_empty() {
        t.pick(
            "No rule is met by the data alone: the rules marked \"officer to decide\" are for the business to decide on the facts given.",
            "データのみから該当する号はない。「事業者が判断」とした号は、記載した事実をもとに事業者が判断する。",
        )
    } else {
        t.pick(
            &format!(
                "A report to the PPC is required: rule {}.",
                required.join(", ")
            ),
            &format!(
                "個人情報保護委員会への報告が必要（規則第7条{}）。",
                required.join("・")
            ),
        )
    };
    Section {
        heading: t.pick("Is a report required?", "報告対象事態への該当性"),
        source: t.pick("PPC Rules Art. 7", "個人情報保護法施行規則第7条"),
        blocks: vec![
            Block::Text(verdict),
            Block::Table {
                header: t.picks(&[
                    ("Rule", "号"),
                    ("Covers", "対象となる事態"),
                    ("Status", "判定"),
                    ("Facts", "根拠となる事実"),
                ]),
                rows: triggers
                    .iter()
                    .map(|tr| {
                        vec![
                            t.pick(tr.rule.0, tr.rule.1),
                            t.pick(tr.covers.0, tr.covers.1),
                            tr.status.clone(),
                            tr.facts.clone(),
                        ]
                    })
                    .collect(),
            },
        ],
    }
}

/// Rules Art. 8(1) items 1 to 9.
fn form_items(facts: &Facts, t: &Text) -> Vec<Section> {
    let item = |n: usize, en: &str, ja: &str, blocks: Vec<Block>| Section {
        heading: t.pick(&format!("{n}. {en}"), &format!("{n}. {ja}")),
        source: t.pick(
            &format!("PPC Rules Art. 8(1)({})", roman(n)),
            &format!("規則第8条第1項第{n}号"),
        ),
        blocks,
    };
    let mut outline = figures::times(facts, t, ("Discovered", "発覚日時"));
    outline.extend([figures::exposure_facts(facts, t), figures::pages(facts, t)]);
    outline.extend(figures::minutes_chart(facts, t));
    outline.push(Block::Blank(t.pick(
        "what happened, in a few sentences: the system, the change that caused it, how it was noticed and stopped",
        "事態の概要（対象のシステム、原因となった変更、発覚と停止の経緯）",
    )));
    let response = vec![
        Block::Facts(vec![
            (
                t.pick(
                    "People to notify first (a field marked for direct notice was seen)",
                    "優先して通知すべき本人の数（優先して通知すべき項目が表示された本人）",
                ),
                t.people(facts.summary.users_direct_tier),
            ),
            (
                t.pick(
                    "Other people to notify (other fields were seen)",
                    "その他の通知対象の本人の数（その他の項目のみが表示された本人）",
                ),
                t.people(facts.summary.users_notice_tier),
            ),
        ]),
        Block::Blank(t.pick(
            "notices to the people concerned: when, how many, by which channel, and what they said",
            "本人への通知の実施状況（日時、人数、方法、内容）",
        )),
    ];
    vec![
        item(1, "Outline", "概要", outline),
        item(
            2,
            "Items of personal data leaked or possibly leaked",
            "漏えい等が発生し、又は発生したおそれがある個人データの項目",
            vec![
                figures::fields_table(facts, t, Marks::Appi),
                figures::fields_chart(facts, t),
            ],
        ),
        item(
            3,
            "Number of people whose personal data leaked or possibly leaked",
            "漏えい等が発生し、又は発生したおそれがある個人データに係る本人の数",
            figures::people(facts, t),
        ),
        item(
            4,
            "Cause",
            "原因",
            vec![Block::Blank(t.pick(
                "the cause, technical and organisational",
                "原因（技術面・組織面）",
            ))],
        ),
        item(
            5,
            "Whether there is secondary damage or a risk of it, and what",
            "二次被害又はそのおそれの有無及びその内容",
            secondary(facts, t),
        ),
        item(
            6,
            "Response to the people concerned",
            "本人への対応の実施状況",
            response,
        ),
        item(
            7,
            "Publication",
            "公表の実施状況",
            vec![Block::Blank(t.pick(
                "whether, when and where the incident was made public",
                "公表の有無、日時、方法",
            ))],
        ),
        item(
            8,
            "Measures against recurrence",
            "再発防止のための措置",
            vec![Block::Blank(t.pick(
                "measures taken and planned",
                "実施済みの措置及び今後の予定",
            ))],
        ),
        item(9, "Other", "その他参考となる事項", other(facts, t)),
    ]
}

/// The facts that bear on secondary damage: marked fields, contact details (phishing) and
/// financial fields seen, and the direct-notice tier.
fn secondary(facts: &Facts, t: &Text) -> Vec<Block> {
    let mut out = Vec::new();
    for (mark, people) in &facts.marked_people {
        if *people > 0 {
            let (en, ja) = match mark {
                AppiMark::Sensitive => (
                    "People with sensitive personal information seen (rule (i))",
                    "要配慮個人情報が表示された本人の数（第1号）",
                ),
                AppiMark::FinancialDamage => (
                    "People with data whose misuse may cause financial damage seen (rule (ii))",
                    "財産的被害が生じるおそれがある個人データが表示された本人の数（第2号）",
                ),
            };
            out.push((t.pick(en, ja), t.people(*people)));
        }
    }
    for (prefix, en, ja) in [
        (
            "user.contact",
            "Contact details seen (risk of phishing)",
            "表示された連絡先の項目（フィッシング等のおそれ）",
        ),
        (
            "user.financial",
            "Financial fields seen",
            "表示された金融に関する項目",
        ),
    ] {
        let seen: Vec<String> = facts
            .exposed_fields()
            .filter(|f| f.category.starts_with(prefix))
            .map(|f| {
                let n = f.reach.exposed();
                t.pick(
                    &format!("{} ({})", f.label, persons(n)),
                    &format!("{}（{}人）", f.label, count(n)),
                )
            })
            .collect();
        if !seen.is_empty() {
            out.push((t.pick(en, ja), t.list(&seen)));
        }
    }
    out.push((
        t.pick(
            "People with a field marked for direct notice seen",
            "優先して通知すべき項目が表示された本人の数",
        ),
        t.people(facts.summary.users_direct_tier),
    ));
    vec![
        Block::Facts(out),
        Block::Blank(t.pick(
            "whether misuse has been seen (fraud, phishing, inquiries), and the risk of it",
            "二次被害の有無（不正利用、フィッシング、問合せ等）とそのおそれ",
        )),
    ]
}

/// Item 9: whom else it was told to, and the basis of the figures.
fn other(facts: &Facts, t: &Text) -> Vec<Block> {
    let mut out = items::also_told(facts, t);
    out.push(figures::assumptions(facts, t));
    out
}

/// "1,001 people > 1,000" in English, 「1,001人（1,000人超）」 in Japanese.
pub(super) fn over(n: u64, t: &Text) -> String {
    t.pick(
        &format!("{} > {}", persons(n), count(PEOPLE_THRESHOLD)),
        &format!("{}人（{}人超）", count(n), count(PEOPLE_THRESHOLD)),
    )
}

/// i, ii, …, ix.
fn roman(n: usize) -> &'static str {
    ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix"]
        .get(n.wrapping_sub(1))
        .copied()
        .unwrap_or("?")
}
