//! The notification to a supervisory authority under the GDPR: the controller, whether
//! Art. 33 and Art. 34 apply (the controller's call; the facts that bear on it), which
//! authority (guidance, with people per member state), the deadlines, then the four items
//! of Art. 33(3) in their order, whom else it was told to, and how the figures were counted.
//! Japanese follows the PPC's translation of the regulation.

use super::facts::Facts;
use super::figures::{self, gdpr_marks, Marks};
use super::items::{self, Asked};
use super::member_states::member_state;
use super::text::Text;
use super::{Block, Document, Section, Stage};
use crate::inventory::ControllerLine;
use crate::notice::deadline::Due;
use crate::notice::words::{count, persons};

/// The controller's lines a notification gives.
const CONTROLLER: [Asked; 7] = [
    Asked {
        line: ControllerLine::LegalName,
        label: ("Controller", "管理者の名称"),
        blank: (
            "the controller's legal name (the company, not the service)",
            "管理者の名称（サービス名ではなく法人名）",
        ),
    },
    Asked {
        line: ControllerLine::Address,
        label: ("Address", "所在地"),
        blank: ("the controller's address", "管理者の所在地"),
    },
    Asked {
        line: ControllerLine::Representative,
        label: ("Legal representative", "代表者"),
        blank: ("the controller's legal representative", "管理者の代表者"),
    },
    Asked {
        line: ControllerLine::Contact,
        label: ("Contact for this notification", "本通知の担当者の連絡先"),
        blank: (
            "who the authority contacts about this notification: name, phone, email",
            "本通知の担当者の氏名、電話番号、メールアドレス",
        ),
    },
    Asked {
        line: ControllerLine::Sector,
        label: ("Sector", "業種"),
        blank: ("the controller's sector", "管理者の業種"),
    },
    Asked {
        line: ControllerLine::Dpo,
        label: ("Data protection officer (Art. 37)", "データ保護オフィサー（第37条）"),
        blank: (
            "the data protection officer's name and contact details, or that none is designated",
            "データ保護オフィサーの名前及び連絡先、又は指名していない旨",
        ),
    },
    Asked {
        line: ControllerLine::EuRepresentative,
        label: ("Representative in the Union (Art. 27)", "EU域内の代理人（第27条）"),
        blank: (
            "the representative in the Union (Art. 27) of a controller not established there; for a controller established in the Union, where its main establishment is",
            "EU域内に拠点のない管理者はEU域内の代理人（第27条）、EU域内に拠点のある管理者は主たる拠点の所在地",
        ),
    },
];

pub(super) fn document(facts: &Facts, t: &Text, stage: Stage) -> Document {
    let aware = ("Became aware", "個人データ侵害に気づいた日時");
    let mut sections = vec![
        Section {
            heading: t.pick("Controller", "管理者"),
            source: t.pick(
                "GDPR Art. 27, 33(3)(b), 37",
                "GDPR第27条、第33条第3項(b)、第37条",
            ),
            blocks: items::reporter(facts, t, &CONTROLLER),
        },
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
        authorities(facts, t),
        Section {
            heading: t.pick("Deadlines", "期限"),
            source: t.pick("GDPR Art. 33(1), 34(1)", "GDPR第33条第1項、第34条第1項"),
            blocks: deadline_blocks(facts, t, aware),
        },
    ];
    sections.extend(article_33_3(facts, t, aware));
    sections.extend([
        Section {
            heading: t.pick("Others told", "他の機関等への報告・連絡"),
            source: t.pick("for the authority's information", "参考情報"),
            blocks: items::also_told(facts, t),
        },
        Section {
            heading: t.pick("How the figures were counted", "数値の算出方法と前提"),
            source: t.pick(
                "the basis of the approximate numbers in (a)",
                "(a)のおおよその数の根拠",
            ),
            blocks: vec![figures::assumptions(facts, t)],
        },
    ]);
    sections.extend(items::minutes_annex(facts, t, ("(a)", "「(a)」")));
    let (title, stage_line) = match stage {
        Stage::Preliminary => (
            t.pick(
                "Notification of a personal data breach to the supervisory authority (initial notification)",
                "監督機関に対する個人データ侵害の通知（初回）",
            ),
            t.pick(
                "initial notification: what is known now; the rest follows in phases without undue further delay (Art. 33(4))",
                "初回の通知：現時点で把握している情報。その他の情報は、更なる不当な遅滞なく段階的に提供する（第33条第4項）",
            ),
        ),
        Stage::Final => (
            t.pick(
                "Notification of a personal data breach to the supervisory authority (follow-up notification)",
                "監督機関に対する個人データ侵害の通知（追加の通知）",
            ),
            t.pick(
                "follow-up notification: the information the initial notification left to follow (Art. 33(4))",
                "追加の通知：初回の通知で追って提供するとした情報（第33条第4項）",
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
                t.pick("GDPR Art. 33, 34", "GDPR第33条・第34条"),
                stage_line,
            ),
            sections,
        },
        stage,
        t,
    )
}

/// Art. 33(3) (a) to (d).
fn article_33_3(facts: &Facts, t: &Text, aware: (&str, &str)) -> Vec<Section> {
    let item = |letter: &str, en: &str, ja: &str, blocks: Vec<Block>| Section {
        heading: t.pick(&format!("({letter}) {en}"), &format!("({letter}) {ja}")),
        source: t.pick(
            &format!("GDPR Art. 33(3)({letter})"),
            &format!("GDPR第33条第3項({letter})"),
        ),
        blocks,
    };
    vec![
        item(
            "a",
            "Nature of the breach, with the categories and approximate numbers of data subjects and of personal data records concerned",
            "個人データ侵害の性質（関係するデータ主体の類型及びおおよその数、並びに、関係する個人データ記録の種類及びおおよその数を含む）",
            nature(facts, t, aware),
        ),
        item(
            "b",
            "Data protection officer or other contact point",
            "データ保護オフィサーの名前及び連絡先、又は、より多くの情報を入手することができる他の連絡先",
            vec![contact_point(facts, t)],
        ),
        item(
            "c",
            "Likely consequences",
            "個人データ侵害の結果として発生する可能性のあるもの",
            vec![
                consequences(facts, t),
                Block::Blank(t.pick(
                    "the likely consequences for the people concerned",
                    "データ主体に発生する可能性のある結果",
                )),
            ],
        ),
        item(
            "d",
            "Measures taken or proposed, including to mitigate possible adverse effects",
            "個人データ侵害に対処するために管理者によって講じられた措置又は講ずるように提案された措置（起こり得る悪影響を低減させるための措置を含む）",
            vec![Block::Blank(t.pick(
                "measures taken or proposed to address the breach and mitigate its possible adverse effects",
                "侵害への対処及び悪影響の低減のために講じた措置又は講じる予定の措置",
            ))],
        ),
    ]
}

/// (a): the type of breach, its times, the exposures and pages, the categories of data and
/// of people, the people and records, the fields, the charts.
fn nature(facts: &Facts, t: &Text, aware: (&str, &str)) -> Vec<Block> {
    let mut out = vec![Block::Facts(vec![(
        t.pick("Type of breach", "侵害の種類"),
        t.pick(
            "confidentiality breach: personal data shown to people not entitled to see it (pages served to the wrong users); the log shows no loss of availability or integrity",
            "機密性の侵害（個人データが、閲覧する権限のない者に表示された。他の利用者のページが配信されたもの）。可用性・完全性の侵害はログからは認められない",
        ),
    )])];
    out.extend(figures::times(facts, t, aware));
    out.extend([figures::exposure_facts(facts, t), figures::pages(facts, t)]);
    out.push(categories(facts, t));
    out.push(match &facts.incident.data_subjects {
        Some(who) => Block::Facts(vec![(
            t.pick("Categories of data subjects", "データ主体の類型"),
            who.clone(),
        )]),
        None => Block::Blank(t.pick(
            "the categories of data subjects (customers, employees …)",
            "データ主体の類型（顧客、従業員等）",
        )),
    });
    out.extend(figures::people(facts, t));
    out.push(Block::Facts(vec![(
        t.pick(
            "Approximate number of personal data records",
            "個人データ記録のおおよその数",
        ),
        t.pick(
            &format!(
                "{} (a record: one field of one person shown to someone else once; pages were shown {} times)",
                count(facts.records()),
                count(facts.summary.exposures)
            ),
            &format!(
                "{}件（本人の1項目が本人以外に1回表示されたものを1件とする。ページの延べ表示回数は{}回）",
                count(facts.records()),
                count(facts.summary.exposures)
            ),
        ),
    )]));
    out.extend([
        figures::fields_table(facts, t, Marks::Gdpr),
        figures::fields_chart(facts, t),
    ]);
    out.extend(figures::minutes_chart(facts, t));
    out.push(Block::Blank(t.pick(
        "the nature of the breach in a few sentences: the system, the change that caused it, how it was noticed and stopped",
        "侵害の性質（対象のシステム、原因となった変更、発見と停止の経緯）",
    )));
    out
}

/// Per category of personal data: its exposed fields, their Art. 9/10 marks, the people.
fn categories(facts: &Facts, t: &Text) -> Block {
    Block::Table {
        header: t.picks(&[
            ("Category of personal data", "個人データの種類"),
            ("Fields", "項目"),
            ("Art. 9, 10", "第9条・第10条"),
            ("Data subjects", "データ主体の数（人）"),
        ]),
        rows: facts
            .categories
            .iter()
            .map(|c| {
                vec![
                    c.name.clone(),
                    t.list(&c.fields),
                    gdpr_marks(&c.gdpr, t),
                    count(c.people),
                ]
            })
            .collect(),
    }
}

/// Art. 33 and Art. 34, each the controller's call, with the facts that bear on it.
fn duties(facts: &Facts, t: &Text) -> Vec<Vec<String>> {
    let categories: Vec<String> = facts.categories.iter().map(|c| c.name.clone()).collect();
    let mut risk = t.pick(
        &format!(
            "the data of {} was seen by someone else; categories: {}",
            persons(facts.people_exposed()),
            t.list(&categories)
        ),
        &format!(
            "{}人の個人データが本人以外に表示された。種類：{}",
            count(facts.people_exposed()),
            t.list(&categories)
        ),
    );
    let special: Vec<String> = facts
        .exposed_fields()
        .filter(|f| !f.gdpr.is_empty())
        .map(|f| {
            let marks = gdpr_marks(&f.gdpr, t);
            t.raw(
                &format!("{} ({marks})", f.label),
                &format!("{}：{marks}", f.label),
            )
        })
        .collect();
    if !special.is_empty() {
        risk.push_str(&t.raw(
            &format!(
                "; of the kinds Art. 9 and 10 protect further: {}",
                t.list(&special)
            ),
            &format!("。第9条・第10条の個人データ：{}", t.list(&special)),
        ));
    }
    let blind = facts.summary.blind_spots;
    if blind.owners > 0 {
        risk.push_str(&t.pick(
            &format!(
                "; blind spots: pages not examined were shown to others with the data of {}",
                persons(blind.owners)
            ),
            &format!(
                "。このほか、表示項目を確認していないページが本人以外に表示された本人が{}人いる",
                count(blind.owners)
            ),
        ));
    }
    let direct: Vec<String> = facts
        .exposed_fields()
        .filter(|f| f.direct_notice)
        .map(|f| f.label.clone())
        .collect();
    let high_risk = t.raw(
        &format!(
            "{} with a field marked for direct notice seen ({})",
            persons(facts.summary.users_direct_tier),
            t.list(&direct)
        ),
        &format!(
            "優先して通知すべき項目（{}）が{}人のデータ主体について表示された",
            t.list(&direct),
            count(facts.summary.users_direct_tier)
        ),
    );
    let decide = t.pick("controller to decide", "管理者が判断");
    vec![
        vec![
            t.pick(
                "Art. 33: notify the supervisory authority, unless the breach is unlikely to result in a risk to the rights and freedoms of natural persons",
                "第33条：監督機関への通知（個人データ侵害が自然人の権利及び自由に対するリスクを発生させるおそれがない場合を除く）",
            ),
            decide.clone(),
            risk,
        ],
        vec![
            t.pick(
                "Art. 34: communicate the breach to the data subjects when it is likely to result in a high risk to their rights and freedoms",
                "第34条：自然人の権利及び自由に対する高いリスクを発生させる可能性がある場合、データ主体への連絡",
            ),
            decide,
            high_risk,
        ],
    ]
}

/// Which authority to notify, as guidance with its source, and the people per member
/// state when the registered table says where people live.
fn authorities(facts: &Facts, t: &Text) -> Section {
    let outside = facts
        .controller
        .get(ControllerLine::EuRepresentative)
        .is_some();
    let guidance = match outside {
        true => t.pick(
            "The controller names a representative in the Union (Art. 27), so it is not established there. A representative does not make the one-stop-shop apply: the breach is notified to the supervisory authority of every member state where affected people live (EDPB Guidelines 9/2022 on personal data breach notification, para. 73). This is guidance; the controller decides.",
            "管理者はEU域内の代理人（第27条）を指名しており、EU域内に拠点を有しない。代理人の存在によってワンストップショップの仕組みは適用されないため、影響を受けたデータ主体が居住する全ての加盟国の監督機関に通知する（EDPB「GDPRに基づく個人データ侵害通知に関するガイドライン9/2022」第73段落）。これは参考であり、通知先は管理者が判断する。",
        ),
        false => t.pick(
            "If the controller's main establishment is in the Union and the processing is cross-border, the breach is notified to the lead supervisory authority, that of the main establishment (Art. 56(1); EDPB Guidelines 9/2022, section on cross-border breaches). A controller not established in the Union notifies the supervisory authority of every member state where affected people live (para. 73). This is guidance; the controller decides.",
            "管理者の主たる拠点がEU域内にあり、処理が越境的である場合は、主たる拠点の監督機関（主監督機関）に通知する（第56条第1項、EDPB「GDPRに基づく個人データ侵害通知に関するガイドライン9/2022」の越境的な侵害に関する節）。EU域内に拠点を有しない管理者は、影響を受けたデータ主体が居住する全ての加盟国の監督機関に通知する（同ガイドライン第73段落）。これは参考であり、通知先は管理者が判断する。",
        ),
    };
    let mut blocks = vec![Block::Text(guidance)];
    blocks.push(match &facts.countries {
        Some(countries) => member_state_table(countries, t),
        None => Block::Blank(t.pick(
            "people per member state: the registered-fields table has no country column",
            "加盟国ごとのデータ主体の数（本人ごとの登録項目の一覧に居住国の列がない）",
        )),
    });
    blocks.push(Block::Blank(t.pick(
        "the supervisory authority or authorities this notification is filed with",
        "本通知の提出先の監督機関",
    )));
    Section {
        heading: t.pick("Which supervisory authority", "通知先の監督機関"),
        source: t.pick(
            "GDPR Art. 55, 56; EDPB Guidelines 9/2022 (guidance)",
            "GDPR第55条・第56条、EDPBガイドライン9/2022（参考）",
        ),
        blocks,
    }
}

/// People exposed per member state (most first), then those outside the EU/EEA and those
/// whose country is not on file.
fn member_state_table(countries: &[(Option<String>, u64)], t: &Text) -> Block {
    let mut rows = Vec::new();
    let (mut outside, mut unknown) = (0, 0);
    for (code, people) in countries {
        match code.as_deref().map(|c| (c, member_state(c))) {
            Some((_, Some(state))) => rows.push(vec![
                t.raw(state.en, state.ja),
                t.raw(state.authority, state.authority_ja),
                count(*people),
            ]),
            Some((_, None)) => outside += people,
            None => unknown += people,
        }
    }
    rows.push(vec![
        t.pick("outside the EU/EEA", "EU・EEA域外"),
        "–".to_string(),
        count(outside),
    ]);
    rows.push(vec![
        t.pick("not known (no country on file)", "不明（居住国の記録なし）"),
        "–".to_string(),
        count(unknown),
    ]);
    Block::Table {
        header: t.picks(&[
            ("Member state", "加盟国"),
            ("Supervisory authority", "監督機関"),
            ("Data subjects", "データ主体の数（人）"),
        ]),
        rows,
    }
}

/// The deadlines; past the 72 hours, a blank for the reasons of the delay (Art. 33(1)).
fn deadline_blocks(facts: &Facts, t: &Text, aware: (&str, &str)) -> Vec<Block> {
    let mut blocks = items::deadlines(facts, t, aware);
    let late = facts.deadlines.iter().any(|d| {
        d.figure == "deadline_gdpr_authority" && matches!(d.due, Due::By(at) if at < facts.as_of)
    });
    if late {
        blocks.push(Block::Blank(t.pick(
            "the reasons for the delay: this notification comes later than 72 hours after becoming aware (Art. 33(1))",
            "遅延の理由：本通知は、侵害に気づいた時から72時間を経過している（第33条第1項）",
        )));
    }
    blocks
}

/// (b): the data protection officer, else the controller's contact, else `notice.contact`.
fn contact_point(facts: &Facts, t: &Text) -> Block {
    let line = |l: ControllerLine| facts.controller.get(l).and_then(|text| t.localised(text));
    if let Some(dpo) = line(ControllerLine::Dpo) {
        return Block::Facts(vec![(
            t.pick("Data protection officer", "データ保護オフィサー"),
            dpo,
        )]);
    }
    if let Some(contact) = line(ControllerLine::Contact).or_else(|| facts.contact.clone()) {
        return Block::Facts(vec![(t.pick("Contact point", "連絡先"), contact)]);
    }
    Block::Blank(t.pick(
        "the name and contact details of the data protection officer or another contact point",
        "データ保護オフィサーの名前及び連絡先、又はその他の連絡先",
    ))
}

/// What bears on the consequences: the direct-notice tier, financial and Art. 9/10 fields.
fn consequences(facts: &Facts, t: &Text) -> Block {
    let listed = |keep: &dyn Fn(&super::facts::FieldFacts) -> bool| -> Vec<String> {
        facts
            .exposed_fields()
            .filter(|f| keep(f))
            .map(|f| {
                let n = f.reach.exposed();
                t.raw(
                    &format!("{} ({})", f.label, persons(n)),
                    &format!("{}（{}人）", f.label, count(n)),
                )
            })
            .collect()
    };
    let mut out = vec![(
        t.pick(
            "People with a field marked for direct notice seen",
            "優先して通知すべき項目が表示された本人の数",
        ),
        t.people(facts.summary.users_direct_tier),
    )];
    let financial = listed(&|f| f.category.starts_with("user.financial"));
    if !financial.is_empty() {
        out.push((
            t.pick("Financial fields seen", "表示された金融に関する項目"),
            t.list(&financial),
        ));
    }
    let special = listed(&|f| !f.gdpr.is_empty());
    if !special.is_empty() {
        out.push((
            t.pick(
                "Art. 9 and 10 data seen",
                "表示された第9条・第10条の個人データ",
            ),
            t.list(&special),
        ));
    }
    Block::Facts(out)
}
