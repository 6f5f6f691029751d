//! PPC Enforcement Rules Art. 7, rule by rule, as far as the data and the inventory decide
//! it: (i) and (ii) from the fields the business marked, (iii) from what it states about a
//! wrongful purpose, (iv) from the people counted, possibly shown, and in the blind spots.

use super::appi::over;
use super::facts::Facts;
use super::text::Text;
use crate::inventory::AppiMark;
use crate::notice::people_threshold::{people_verdict, PeopleVerdict, PEOPLE_THRESHOLD};
use crate::notice::words::{count, persons};

/// One rule of Art. 7 and what the data says about it.
pub(super) struct Trigger {
    /// "(iv)", 第4号
    pub rule: (&'static str, &'static str),
    /// What the rule covers.
    pub covers: (&'static str, &'static str),
    /// Some(true): required by this rule; Some(false): the facts show it is not met;
    /// None: the business decides.
    pub required: Option<bool>,
    pub status: String,
    pub facts: String,
}

/// Rules (i) to (iv).
pub(super) fn triggers(facts: &Facts, t: &Text) -> Vec<Trigger> {
    let exposed: Vec<String> = facts.exposed_fields().map(|f| f.label.clone()).collect();
    let exposed_text = match exposed.is_empty() {
        true => t.pick("no field was seen", "表示された項目はない"),
        false => t.pick(
            &format!("fields seen: {}", t.list(&exposed)),
            &format!("表示された項目：{}", t.list(&exposed)),
        ),
    };
    vec![
        marked(facts, t, AppiMark::Sensitive, &exposed_text),
        marked(facts, t, AppiMark::FinancialDamage, &exposed_text),
        wrongful(facts, t),
        people(facts, t),
    ]
}

fn decide(t: &Text) -> String {
    t.pick("officer to decide", "事業者が判断")
}

/// Rule (i) or (ii) from the fields marked `appi: sensitive` or `financial_damage`.
fn marked(facts: &Facts, t: &Text, mark: AppiMark, exposed_text: &str) -> Trigger {
    let people = facts
        .marked_people
        .iter()
        .find(|(m, _)| *m == mark)
        .map_or(0, |(_, n)| *n);
    let (rule, covers) = match mark {
        AppiMark::Sensitive => (
            ("(i)", "第1号"),
            (
                "personal data including sensitive personal information",
                "要配慮個人情報が含まれる個人データの漏えい等",
            ),
        ),
        AppiMark::FinancialDamage => (
            ("(ii)", "第2号"),
            (
                "personal data whose misuse may cause financial damage",
                "不正に利用されることにより財産的被害が生じるおそれがある個人データの漏えい等",
            ),
        ),
    };
    let rule_name = t.pick(&format!("rule {}", rule.0), rule.1);
    if people > 0 {
        let labels: Vec<String> = facts
            .exposed_fields()
            .filter(|f| f.appi.contains(&mark))
            .map(|f| f.label.clone())
            .collect();
        return Trigger {
            rule,
            covers,
            required: Some(true),
            status: t.pick(
                &format!("required: {}", persons(people)),
                &format!("報告対象：{}人", count(people)),
            ),
            facts: t.pick(
                &format!(
                    "{}, which the business counts under {rule_name}, seen for {}",
                    t.list(&labels),
                    persons(people)
                ),
                &format!(
                    "事業者が{rule_name}に当たるとした項目（{}）が{}人について表示された",
                    t.list(&labels),
                    count(people)
                ),
            ),
        };
    }
    let mut text = t.pick(
        &format!("no field the business counts under {rule_name} was seen; {exposed_text}"),
        &format!("事業者が{rule_name}に当たるとした項目は表示されていない。{exposed_text}"),
    );
    if mark == AppiMark::FinancialDamage {
        text.push_str(&unmarked_financial(facts, t));
    }
    Trigger {
        rule,
        covers,
        required: None,
        status: decide(t),
        facts: text,
    }
}

/// What the PPC says of the financial fields seen but not marked: card numbers (Q&A 6-12),
/// bank account numbers (Q&A 14-8), others for the business to decide.
fn unmarked_financial(facts: &Facts, t: &Text) -> String {
    let unmarked = |prefix: &str, exclude: &[&str]| -> Vec<String> {
        facts
            .exposed_fields()
            .filter(|f| {
                f.category.starts_with(prefix) && !f.appi.contains(&AppiMark::FinancialDamage)
            })
            .filter(|f| !exclude.iter().any(|e| f.category.starts_with(e)))
            .map(|f| f.label.clone())
            .collect()
    };
    let card = unmarked("user.financial.credit_card", &[]);
    let bank = unmarked("user.financial.bank_account", &[]);
    let other = unmarked(
        "user.financial",
        &["user.financial.credit_card", "user.financial.bank_account"],
    );
    let mut out = String::new();
    if !card.is_empty() {
        out.push_str(&t.pick(
            &format!(
                ". {} seen, not counted as rule (ii) data: the PPC's Q&A 6-12 says a card number alone is such data, but the last 4 digits with the expiry date are not in themselves",
                t.list(&card)
            ),
            &format!(
                "。{}は表示されたが、第2号に当たるとはしていない：個人情報保護委員会のQ&A 6-12によれば、クレジットカード番号のみでも該当するが、下4桁と有効期限の組合せのみでは直ちに該当するものではない",
                t.list(&card)
            ),
        ));
    }
    if !bank.is_empty() {
        out.push_str(&t.pick(
            &format!(
                ". {} seen, not counted as rule (ii) data: the PPC's Q&A 14-8 (on pseudonymised information) says an account number in itself is not a description whose misuse would directly cause financial damage; shown with the holder's name, the bank or login details, the business decides",
                t.list(&bank)
            ),
            &format!(
                "。{}は表示されたが、第2号に当たるとはしていない：個人情報保護委員会のQ&A 14-8（仮名加工情報）は、口座番号それ自体は不正に利用されることにより直ちに財産的被害が生じるおそれがあるとはいえないとする。口座名義、金融機関名、ログイン情報等と併せて表示された場合は事業者が判断する",
                t.list(&bank)
            ),
        ));
    }
    if !other.is_empty() {
        out.push_str(&t.pick(
            &format!(
                ". {} seen, not counted as rule (ii) data: whether their misuse may cause financial damage is for the business to decide",
                t.list(&other)
            ),
            &format!(
                "。{}は表示されたが、第2号に当たるとはしていない：不正利用により財産的被害が生じるおそれの有無は事業者が判断する",
                t.list(&other)
            ),
        ));
    }
    out
}

/// Rule (iii) from what the business states (yes, no, or nothing).
fn wrongful(facts: &Facts, t: &Text) -> Trigger {
    let rule = ("(iii)", "第3号");
    let covers = (
        "a leak by an act done for a wrongful purpose against the business, of personal data or (since 1 April 2024) of personal information it is acquiring or about to acquire and intends to handle as personal data",
        "不正の目的をもって行われたおそれがある当該事業者に対する行為による個人データの漏えい等（2024年4月1日施行の改正により、事業者が取得し、又は取得しようとしている個人情報であって、個人データとして取り扱われることが予定されているものを含む）",
    );
    let (required, status, text) = match facts.incident.wrongful_purpose {
        Some(true) => (
            Some(true),
            t.pick("required", "報告対象"),
            t.pick(
                "the business states that the leak may have been caused by an act done for a wrongful purpose",
                "事業者は、不正の目的をもって行われた行為による漏えい等のおそれがあるとしている",
            ),
        ),
        Some(false) => (
            Some(false),
            t.pick("not met (stated by the business)", "該当しない（事業者の判断）"),
            t.pick(
                "the business states that no act done for a wrongful purpose caused the leak",
                "事業者は、不正の目的をもって行われた行為によるものではないとしている",
            ),
        ),
        None => (
            None,
            decide(t),
            t.pick(
                "not stated: was the leak caused by an act done for a wrongful purpose (unauthorised access, theft, a tampered form)?",
                "記載なし：不正アクセス、窃取、入力フォームの改ざん等、不正の目的をもって行われた行為によるものか",
            ),
        ),
    };
    Trigger {
        rule,
        covers,
        required,
        status,
        facts: text,
    }
}

/// Rule (iv): more than 1,000 people, people possibly shown and the blind spots' owners
/// stated apart.
fn people(facts: &Facts, t: &Text) -> Trigger {
    let confirmed = facts.people_confirmed();
    let possibly = facts.people_only_possibly().unwrap_or(0);
    let total = facts.people_exposed();
    let blind = facts.summary.blind_spots;
    let limit = count(PEOPLE_THRESHOLD);
    let (required, status) = match people_verdict(&facts.summary) {
        PeopleVerdict::Required => (
            Some(true),
            t.pick(
                &format!("required: {}", over(confirmed, t)),
                &format!("報告対象：{}", over(confirmed, t)),
            ),
        ),
        PeopleVerdict::RequiredWithPossible => (
            Some(true),
            t.pick(
                &format!("required: with those possibly shown, {}", over(total, t)),
                &format!("報告対象：表示されたおそれがある本人を含め{}", over(total, t)),
            ),
        ),
        PeopleVerdict::OfficerToDecide => (
            None,
            t.pick(
                &format!(
                    "officer to decide: {} confirmed, {} possibly shown and {} blind-spot owners not counted could be over {limit}",
                    count(confirmed),
                    count(possibly),
                    count(blind.owners_not_counted)
                ),
                &format!(
                    "事業者が判断：確定{}人、表示されたおそれ{}人、表示項目を確認していないページの本人{}人を合わせると{limit}人を超えるおそれがある",
                    count(confirmed),
                    count(possibly),
                    count(blind.owners_not_counted)
                ),
            ),
        ),
        PeopleVerdict::NotMet if blind.owners_not_counted > 0 => {
            let with = count(total + blind.owners_not_counted);
            (
                Some(false),
                t.pick(
                    &format!(
                        "not met: {}, {with} with the blind spots' owners, not over {limit}",
                        persons(total)
                    ),
                    &format!(
                        "該当しない：{}人（表示項目を確認していないページの本人を含め{with}人、{limit}人以下）",
                        count(total)
                    ),
                ),
            )
        }
        PeopleVerdict::NotMet => (
            Some(false),
            t.pick(
                &format!("not met: {}, not over {limit}", persons(total)),
                &format!("該当しない：{}人（{limit}人以下）", count(total)),
            ),
        ),
    };
    Trigger {
        rule: ("(iv)", "第4号"),
        covers: (
            "more than 1,000 people",
            "本人の数が1,000人を超える漏えい等",
        ),
        required,
        status,
        facts: people_facts(facts, t, confirmed, possibly),
    }
}

/// The figures behind rule (iv): confirmed, possibly shown, blind spots, not counted.
fn people_facts(facts: &Facts, t: &Text, confirmed: u64, possibly: u64) -> String {
    let s = &facts.summary;
    let blind = s.blind_spots;
    let mut parts = vec![t.pick(
        &format!(
            "{} whose data someone else saw (confirmed)",
            persons(confirmed)
        ),
        &format!(
            "本人以外に個人データが表示された本人{}人（確定）",
            count(confirmed)
        ),
    )];
    if facts.people_only_possibly().is_some() {
        parts.push(t.pick(
            &format!(
                "{} more possibly shown (the rule covers leaks that may have occurred)",
                count(possibly)
            ),
            &format!(
                "表示されたおそれがある本人{}人（発生したおそれがある事態も対象）",
                count(possibly)
            ),
        ));
    }
    parts.push(match s.unmapped_cross_user {
        0 => t.pick(
            "no blind spots: every page shown to someone else is in the inventory",
            "表示項目を確認していないページが本人以外に表示されたことはない",
        ),
        _ => t.pick(
        &format!(
            "blind spots: pages the inventory does not cover were shown to others {} times, with the data of {}, {} of them not counted above",
            count(s.unmapped_cross_user),
            persons(blind.owners),
            count(blind.owners_not_counted)
        ),
        &format!(
            "表示項目を確認していないページが本人以外に{}回表示され、その本人は{}人（うち上記に含まれない者{}人）",
            count(s.unmapped_cross_user),
            count(blind.owners),
            count(blind.owners_not_counted)
        ),
    ),
    });
    parts.push(t.pick(
        &format!(
            "{} whose pages were seen by no one else not counted",
            persons(s.users_potential_tier)
        ),
        &format!(
            "本人以外に表示されていない本人{}人は計上しない",
            count(s.users_potential_tier)
        ),
    ));
    parts.join(&t.pick("; ", "。"))
}
