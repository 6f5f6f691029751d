//! The report to Japan's Personal Information Protection Commission: whether it is
//! required (PPC Enforcement Rules Art. 7), the deadlines (APPI Art. 26(1), Rules Art. 8),
//! then the nine items of Rules Art. 8(1) in their order.

use super::facts::Facts;
use super::items::{self, list};
use super::{count, persons, Block, Document, Section, Text};
use crate::audit::Summary;
use crate::inventory::AppiMark;

/// Over this many people a leak is reportable (Rules Art. 7(iv); 100 for public bodies,
/// Art. 43, which this report is not for).
pub const PEOPLE_THRESHOLD: u64 = 1_000;

/// Rule (iv) as far as the figures decide it. The rule covers leaks that may have
/// occurred, so people possibly exposed count, and the blind spots' owners not counted
/// (pages the inventory does not cover) may carry the count over: never "not met" then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeopleVerdict {
    /// Over 1,000 confirmed.
    Required,
    /// Over 1,000 with the people possibly exposed.
    RequiredWithPossible,
    /// 1,000 or fewer as counted, over 1,000 with the blind spots' owners not counted.
    OfficerToDecide,
    /// 1,000 or fewer, even with the blind spots' owners.
    NotMet,
}

/// Rule (iv) on `s`.
pub fn people_verdict(s: &Summary) -> PeopleVerdict {
    let total = s.users_exposed;
    let confirmed = total - s.possible.map_or(0, |(_, only)| only);
    if confirmed > PEOPLE_THRESHOLD {
        PeopleVerdict::Required
    } else if total > PEOPLE_THRESHOLD {
        PeopleVerdict::RequiredWithPossible
    } else if total + s.blind_spots.owners_not_counted > PEOPLE_THRESHOLD {
        PeopleVerdict::OfficerToDecide
    } else {
        PeopleVerdict::NotMet
    }
}

/// One rule of Art. 7 and what the data says about it.
struct Trigger {
    rule: &'static str,
    /// Some(true): required by this rule; Some(false): the data shows it is not met;
    /// None: the officer decides.
    required: Option<bool>,
    status: String,
    facts: String,
}

pub(super) fn document(facts: &Facts, t: &Text) -> Document {
    let triggers = triggers(facts, t);
    let required: Vec<&str> = triggers
        .iter()
        .filter(|tr| tr.required == Some(true))
        .map(|tr| tr.rule)
        .collect();
    let required: Vec<String> = required.into_iter().map(|r| rule_name(r, t)).collect();
    let verdict = if required.is_empty() {
        t.pick(
            "No rule is met by the data alone: rules (i) to (iii) are for the officer to decide on the facts below.",
            "データだけでは該当する号はない。第1号から第3号は下記の事実をもとに担当者が判断する。",
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
    let mut sections = vec![
        Section {
            heading: t.pick("Is a report required?", "報告対象事態への該当性"),
            source: t.pick("PPC Rules Art. 7", "個人情報保護法施行規則第7条"),
            blocks: vec![
                Block::Text(verdict),
                Block::Table {
                    header: t.picks(&[
                        ("Rule", "号"),
                        ("Status", "判定"),
                        ("Facts", "根拠となる事実"),
                    ]),
                    rows: triggers
                        .iter()
                        .map(|tr| vec![rule_name(tr.rule, t), tr.status.clone(), tr.facts.clone()])
                        .collect(),
                },
            ],
        },
        Section {
            heading: t.pick("Deadlines", "報告期限"),
            source: t.pick(
                "APPI Art. 26(1); PPC Rules Art. 8(1), 8(2)",
                "個人情報保護法第26条第1項、規則第8条第1項・第2項",
            ),
            blocks: items::deadlines(facts, t),
        },
    ];
    sections.extend(form_items(facts, t));
    Document {
        lang: t.lang,
        title: t.pick(
            "Report of a personal data leak to the Personal Information Protection Commission",
            "個人データの漏えい等に関する報告（個人情報保護委員会）",
        ),
        preface: items::preface(
            facts,
            t,
            t.pick(
                "APPI Art. 26(1); PPC Enforcement Rules Art. 7, 8",
                "個人情報保護法第26条第1項、同法施行規則第7条・第8条",
            ),
        ),
        sections,
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
    let mut outline = vec![items::exposure_facts(facts, t), items::pages(facts, t)];
    outline.extend(items::minutes_chart(facts, t));
    outline.push(Block::Blank(t.pick(
        "what happened, in a few sentences: the system, the change that caused it, how it was noticed and stopped",
        "事態の概要（対象システム、原因となった変更、発覚と停止の経緯）",
    )));
    let response =
        vec![
            Block::Facts(vec![
            (
                t.pick("People to notify first (direct tier)", "優先して通知する人数（direct）"),
                count(facts.summary.users_direct_tier),
            ),
            (
                t.pick("Then (notice tier)", "次に通知する人数（notice）"),
                count(facts.summary.users_notice_tier),
            ),
            (
                t.pick("Letters", "通知文"),
                t.pick(
                    "pii-audit notices writes one per person, naming the fields each one had seen",
                    "pii-audit notices が一人ずつ、表示された項目を記載して作成する",
                ),
            ),
        ]),
            Block::Blank(t.pick(
                "letters sent: when, how many, by which channel",
                "通知の実施状況（日時・人数・方法）",
            )),
        ];
    vec![
        item(1, "Outline", "概要", outline),
        item(
            2,
            "Items of personal data leaked or possibly leaked",
            "漏えい等が発生し、又は発生したおそれがある個人データの項目",
            vec![
                items::fields_table(facts, t, true),
                items::fields_chart(facts, t),
            ],
        ),
        item(
            3,
            "Number of people",
            "漏えい等が発生し、又は発生したおそれがある個人データに係る本人の数",
            vec![items::people(facts, t)],
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
            "Secondary damage or its risk",
            "二次被害又はそのおそれの有無及びその内容",
            vec![
                secondary(facts, t),
                Block::Blank(t.pick(
                    "whether misuse has been seen (fraud, phishing, inquiries) and the risk of it",
                    "二次被害の有無（不正利用、フィッシング、問合せ等）とそのおそれ",
                )),
            ],
        ),
        item(
            6,
            "Response to the individuals",
            "本人への対応の実施状況",
            response,
        ),
        item(
            7,
            "Publication",
            "公表の実施状況",
            vec![Block::Blank(t.pick(
                "whether and when the incident was published, and where",
                "公表の有無、日時、方法",
            ))],
        ),
        item(
            8,
            "Measures against recurrence",
            "再発防止のための措置",
            vec![Block::Blank(t.pick(
                "measures taken and planned",
                "実施済み及び予定の措置",
            ))],
        ),
        item(
            9,
            "Other",
            "その他参考となる事項",
            vec![items::assumptions(facts, t)],
        ),
    ]
}

/// The facts that bear on secondary damage: marked fields and directly identifying ones.
fn secondary(facts: &Facts, t: &Text) -> Block {
    let mut out = Vec::new();
    for (mark, people) in &facts.marked_people {
        if *people > 0 {
            out.push((
                t.pick(
                    &format!("People with a field marked {} exposed", mark.name()),
                    &format!("{} の項目が表示された人数", mark.name()),
                ),
                count(*people),
            ));
        }
    }
    out.push((
        t.pick(
            "People with a directly identifying field exposed",
            "直接識別できる項目が表示された人数",
        ),
        count(facts.summary.users_direct_tier),
    ));
    Block::Facts(out)
}

/// Rules Art. 7 (i) to (iv), as far as the data decides them.
fn triggers(facts: &Facts, t: &Text) -> Vec<Trigger> {
    let exposed: Vec<String> = facts.exposed_fields().map(|f| f.label.clone()).collect();
    let exposed_text = match exposed.is_empty() {
        true => t.pick("no field was exposed", "表示された項目はない"),
        false => t.pick(
            &format!("exposed fields: {}", list(&exposed, t)),
            &format!("表示された項目：{}", list(&exposed, t)),
        ),
    };
    let mut out = vec![
        marked(facts, t, AppiMark::Sensitive, &exposed_text),
        marked(facts, t, AppiMark::FinancialDamage, &exposed_text),
    ];
    out.push(match facts.wrongful_purpose {
        true => Trigger {
            rule: "(iii)",
            required: Some(true),
            status: t.pick("required: rule (iii)", "報告対象：第3号"),
            facts: t.pick(
                "the inventory sets incident.wrongful_purpose: the leak may have been done for a wrongful purpose",
                "インベントリの incident.wrongful_purpose：不正の目的をもって行われたおそれがある",
            ),
        },
        false => Trigger {
            rule: "(iii)",
            required: None,
            status: t.pick("officer to decide", "担当者が判断"),
            facts: t.pick(
                "incident.wrongful_purpose is not set: was the leak caused by an act with a wrongful purpose (unauthorised access, theft)?",
                "incident.wrongful_purpose は未設定：不正アクセス等、不正の目的による行為が原因か",
            ),
        },
    });
    out.push(people_rule(facts, t));
    out
}

/// Rule (i) or (ii) from the fields marked `appi: sensitive` or `financial_damage`.
fn marked(facts: &Facts, t: &Text, mark: AppiMark, exposed_text: &str) -> Trigger {
    let people = facts
        .marked_people
        .iter()
        .find(|(m, _)| *m == mark)
        .map_or(0, |(_, n)| *n);
    let labels: Vec<String> = facts
        .exposed_fields()
        .filter(|f| f.appi.contains(&mark))
        .map(|f| f.label.clone())
        .collect();
    let (n, what_en, what_ja) = match mark {
        AppiMark::Sensitive => (1, "sensitive personal information", "要配慮個人情報"),
        AppiMark::FinancialDamage => (
            2,
            "data whose misuse may cause financial damage",
            "不正に利用されることにより財産的被害が生じるおそれがある個人データ",
        ),
    };
    if people > 0 {
        return Trigger {
            rule: mark.rule(),
            required: Some(true),
            status: t.pick(
                &format!("required: rule {}, {}", mark.rule(), persons(people)),
                &format!("報告対象：第{n}号、{}人", count(people)),
            ),
            facts: t.pick(
                &format!(
                    "{} marked appi: {} ({what_en}) exposed for {}",
                    list(&labels, t),
                    mark.name(),
                    persons(people)
                ),
                &format!(
                    "{}（appi: {}、{what_ja}）が{}人について表示された",
                    list(&labels, t),
                    mark.name(),
                    count(people)
                ),
            ),
        };
    }
    let mut text = t.pick(
        &format!(
            "no exposed field is marked appi: {}; {exposed_text}",
            mark.name()
        ),
        &format!(
            "appi: {} の項目は表示されていない。{exposed_text}",
            mark.name()
        ),
    );
    if mark == AppiMark::FinancialDamage {
        let financial: Vec<String> = facts
            .exposed_fields()
            .filter(|f| f.category.starts_with("user.financial"))
            .map(|f| f.label.clone())
            .collect();
        if !financial.is_empty() {
            text.push_str(&t.pick(
                &format!(
                    ". {} exposed but not marked: per the PPC's Q&A 6-12, a card's last 4 digits and expiry date alone are not such data; a full card number is",
                    list(&financial, t)
                ),
                &format!(
                    "。{}は表示されたが区分なし：個人情報保護委員会Q&A 6-12 によれば、クレジットカード番号の下4桁と有効期限のみでは該当しない（カード番号全体は該当する）",
                    list(&financial, t)
                ),
            ));
        }
    }
    Trigger {
        rule: mark.rule(),
        required: None,
        status: t.pick("officer to decide", "担当者が判断"),
        facts: text,
    }
}

/// Rule (iv): more than 1,000 people. Leaks that may have occurred count, so people
/// possibly exposed (ambiguous CDN responses) are added and said separately.
fn people_rule(facts: &Facts, t: &Text) -> Trigger {
    let confirmed = facts.people_confirmed();
    let possibly = facts.people_only_possibly();
    let total = facts.people_exposed();
    let over = |n: u64| n > PEOPLE_THRESHOLD;
    let limit = count(PEOPLE_THRESHOLD);
    let mut basis = t.pick(
        &format!(
            "{} whose data someone else saw (confirmed exposures)",
            persons(confirmed)
        ),
        &format!("本人以外に表示された人数（確定）{}人", count(confirmed)),
    );
    if let Some(p) = possibly {
        basis.push_str(&t.pick(
            &format!(
                "; {} more possibly exposed (the rule covers leaks that may have occurred)",
                count(p)
            ),
            &format!(
                "。ほかに可能性のある人数 {}人（発生したおそれがある事態も対象）",
                count(p)
            ),
        ));
    }
    basis.push_str(&t.pick(
        &format!(
            "; {} whose pages were seen by no one else not counted",
            persons(facts.summary.users_potential_tier)
        ),
        &format!(
            "。本人以外に表示されていない {}人は計上しない",
            count(facts.summary.users_potential_tier)
        ),
    ));
    let (required, status) = if over(confirmed) {
        (
            true,
            t.pick(
                &format!("required: rule (iv), {} > {limit}", persons(confirmed)),
                &format!("報告対象：第4号、{}人 > {limit}人", count(confirmed)),
            ),
        )
    } else if over(total) {
        (
            true,
            t.pick(
                &format!(
                    "required: rule (iv), {} with those possibly exposed > {limit}",
                    persons(total)
                ),
                &format!(
                    "報告対象：第4号、可能性を含め{}人 > {limit}人",
                    count(total)
                ),
            ),
        )
    } else {
        (
            false,
            t.pick(
                &format!("not met: {}, not over {limit}", persons(total)),
                &format!("該当せず：{}人（{limit}人以下）", count(total)),
            ),
        )
    };
    Trigger {
        rule: "(iv)",
        required: Some(required),
        status,
        facts: basis,
    }
}

/// "(iv)" in English, "第4号" in Japanese.
fn rule_name(rule: &str, t: &Text) -> String {
    let n = ["(i)", "(ii)", "(iii)", "(iv)"]
        .iter()
        .position(|r| *r == rule)
        .map_or(0, |i| i + 1);
    t.pick(rule, &format!("第{n}号"))
}

/// i, ii, …, ix.
fn roman(n: usize) -> &'static str {
    ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix"]
        .get(n.wrapping_sub(1))
        .copied()
        .unwrap_or("?")
}
