//! The inventory's optional `incident:` and `notice:` blocks: when the incident started,
//! was discovered and was contained, which laws apply (deadlines), what the business says
//! about it for the reports to the regulator, and how letters to users are written.
//! Only their YAML shape and plain values are checked here; templates are compiled by
//! `notice::letter`, which names the inventory line of a bad placeholder.

use chrono::{DateTime, FixedOffset};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::localised::{localised, At, Localised, LocalisedDoc};
use crate::error::{InputError, InputResult, Location};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct IncidentDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    started_at: Option<String>,
    discovered_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    contained_at: Option<String>,
    #[serde(default)]
    jurisdictions: Vec<String>,
    /// Yes, no, or left out: not stated (the officer decides).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    wrongful_purpose: Option<bool>,
    /// Who the people concerned are (customers, employees …), for GDPR Art. 33(3)(a).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    data_subjects: Option<LocalisedDoc>,
    /// Whom else the incident was reported or told to (the police, another authority).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    also_told: Vec<ToldDoc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ToldDoc {
    who: LocalisedDoc,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    at: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NoticeDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lang: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sender: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    contact: Option<String>,
    /// Per language: a letter template (minijinja), replacing the bundled one.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    templates: IndexMap<String, String>,
    /// Per language: field id -> the label letters in that language use.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    labels: IndexMap<String, IndexMap<String, String>>,
}

/// A law whose deadlines apply to the incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jurisdiction {
    /// EU General Data Protection Regulation.
    Gdpr,
    /// Japan's Act on the Protection of Personal Information.
    Appi,
}

impl Jurisdiction {
    pub const NAMES: &'static str = "appi, gdpr";

    /// As the inventory and file names write it.
    pub fn code(self) -> &'static str {
        match self {
            Jurisdiction::Gdpr => "gdpr",
            Jurisdiction::Appi => "appi",
        }
    }

    fn parse(text: &str) -> Option<Jurisdiction> {
        match text.to_ascii_lowercase().as_str() {
            "gdpr" => Some(Jurisdiction::Gdpr),
            "appi" => Some(Jurisdiction::Appi),
            _ => None,
        }
    }
}

/// A field's mark under the PPC Enforcement Rules Art. 7: a leak of it is reportable
/// whatever the number of people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AppiMark {
    /// 要配慮個人情報, sensitive personal information: Art. 7(i).
    Sensitive,
    /// Data whose misuse may cause financial damage: Art. 7(ii).
    FinancialDamage,
}

impl AppiMark {
    pub const ALL: [AppiMark; 2] = [AppiMark::Sensitive, AppiMark::FinancialDamage];

    /// As the inventory writes it.
    pub fn name(self) -> &'static str {
        match self {
            AppiMark::Sensitive => "sensitive",
            AppiMark::FinancialDamage => "financial_damage",
        }
    }

    /// The rule the mark triggers: "(i)" or "(ii)".
    pub fn rule(self) -> &'static str {
        match self {
            AppiMark::Sensitive => "(i)",
            AppiMark::FinancialDamage => "(ii)",
        }
    }

    pub(super) fn parse(text: &str) -> Option<AppiMark> {
        AppiMark::ALL.into_iter().find(|m| m.name() == text)
    }
}

/// A field's mark under the GDPR: its data is of a kind the regulation protects further,
/// which bears on the risk a breach carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum GdprMark {
    /// Special categories of personal data (health, religion, ethnic origin …): Art. 9(1).
    Special,
    /// Personal data relating to criminal convictions and offences: Art. 10.
    Criminal,
}

impl GdprMark {
    pub const ALL: [GdprMark; 2] = [GdprMark::Special, GdprMark::Criminal];

    /// As the inventory writes it.
    pub fn name(self) -> &'static str {
        match self {
            GdprMark::Special => "special",
            GdprMark::Criminal => "criminal",
        }
    }

    /// The article that protects it.
    pub fn article(self) -> &'static str {
        match self {
            GdprMark::Special => "Art. 9",
            GdprMark::Criminal => "Art. 10",
        }
    }

    pub(super) fn parse(text: &str) -> Option<GdprMark> {
        GdprMark::ALL.into_iter().find(|m| m.name() == text)
    }
}

/// The language of a letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Ja,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ja];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ja => "ja",
        }
    }

    fn parse(text: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.code() == text)
    }
}

/// The `incident:` block: deadlines run from `discovered_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incident {
    /// When the incident began, as the business established it (not before `discovered_at`).
    pub started_at: Option<DateTime<FixedOffset>>,
    /// When the organisation became aware, with the offset it was written in.
    pub discovered_at: DateTime<FixedOffset>,
    /// When it was stopped (not before `started_at`).
    pub contained_at: Option<DateTime<FixedOffset>>,
    pub jurisdictions: Vec<Jurisdiction>,
    /// APPI: whether the leak may have been done for a wrongful purpose (unauthorised
    /// access, theft): yes makes the final report due in 60 days instead of 30; None: the
    /// inventory does not say.
    pub wrongful_purpose: Option<bool>,
    /// Who the people concerned are (empty: not stated).
    pub data_subjects: Localised,
    /// Whom else the incident was reported or told to, in file order.
    pub also_told: Vec<Told>,
}

impl Incident {
    /// Whether the leak may have been for a wrongful purpose, as the inventory says it.
    pub fn wrongful(&self) -> bool {
        self.wrongful_purpose == Some(true)
    }
}

/// Someone else the incident was reported or told to, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Told {
    pub who: Localised,
    pub at: Option<DateTime<FixedOffset>>,
}

/// A custom letter template and where it is written (for errors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub lang: Lang,
    pub text: String,
    /// `notice.templates.en`
    pub key: String,
    /// Inventory line of the template's first line.
    pub first_line: Option<usize>,
}

/// The `notice:` block (every part optional).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoticeConfig {
    /// The letters' language when `--lang` is not given.
    pub lang: Option<Lang>,
    /// Who signs the letters (default: the inventory's name).
    pub sender: Option<String>,
    /// Where users can ask questions.
    pub contact: Option<String>,
    pub templates: Vec<Template>,
    /// (language, field index, label)
    pub labels: Vec<(Lang, usize, String)>,
}

impl NoticeConfig {
    pub fn template(&self, lang: Lang) -> Option<&Template> {
        self.templates.iter().find(|t| t.lang == lang)
    }

    /// The label of field `index` in `lang`, when the block translates it.
    pub fn label(&self, lang: Lang, index: usize) -> Option<&str> {
        self.labels
            .iter()
            .find(|(l, i, _)| *l == lang && *i == index)
            .map(|(_, _, label)| label.as_str())
    }
}

/// Where things are in the inventory text, for errors.
pub(super) struct Where<'a> {
    pub at_key: &'a dyn Fn(&str) -> Location,
    pub at_value: &'a dyn Fn(&str) -> Location,
    pub text: &'a str,
}

pub(super) fn incident(doc: &IncidentDoc, at: &Where) -> InputResult<Incident> {
    let time = |key: &str, text: &str| instant(text, (at.at_value)(key));
    let discovered_at = time("incident.discovered_at", &doc.discovered_at)?;
    let started_at = match &doc.started_at {
        Some(text) => Some(time("incident.started_at", text)?),
        None => None,
    };
    let contained_at = match &doc.contained_at {
        Some(text) => Some(time("incident.contained_at", text)?),
        None => None,
    };
    if let Some(started) = started_at {
        if discovered_at < started {
            return Err(InputError::at(
                (at.at_value)("incident.started_at"),
                "is after incident.discovered_at: an incident is discovered once it has started",
            ));
        }
        if contained_at.is_some_and(|contained| contained < started) {
            return Err(InputError::at(
                (at.at_value)("incident.contained_at"),
                "is before incident.started_at: an incident is contained after it started",
            ));
        }
    }
    let mut jurisdictions = Vec::new();
    for (i, name) in doc.jurisdictions.iter().enumerate() {
        let Some(j) = Jurisdiction::parse(name) else {
            return Err(InputError::at(
                (at.at_value)(&format!("incident.jurisdictions[{i}]")),
                format!(
                    "unknown jurisdiction {name:?}; known: {}",
                    Jurisdiction::NAMES
                ),
            ));
        };
        if !jurisdictions.contains(&j) {
            jurisdictions.push(j);
        }
    }
    let texts = At {
        key: at.at_key,
        value: at.at_value,
    };
    let data_subjects = match &doc.data_subjects {
        Some(text) => localised(
            text,
            "incident.data_subjects",
            &texts,
            "empty: say who the people are (customers, employees …) or leave the key out",
        )?,
        None => Localised::default(),
    };
    let mut also_told = Vec::with_capacity(doc.also_told.len());
    for (i, told) in doc.also_told.iter().enumerate() {
        let key = format!("incident.also_told[{i}]");
        also_told.push(Told {
            who: localised(
                &told.who,
                &format!("{key}.who"),
                &texts,
                "empty: name who was told (the police, another authority)",
            )?,
            at: match &told.at {
                Some(text) => Some(time(&format!("{key}.at"), text)?),
                None => None,
            },
        });
    }
    Ok(Incident {
        started_at,
        discovered_at,
        contained_at,
        jurisdictions,
        wrongful_purpose: doc.wrongful_purpose,
        data_subjects,
        also_told,
    })
}

/// A time with its UTC offset (RFC 3339, or with a space for the `T`).
fn instant(text: &str, location: Location) -> InputResult<DateTime<FixedOffset>> {
    let text = text.trim();
    DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%:z"))
        .map_err(|_| {
            InputError::at(
                location,
                format!(
                    "{text:?} is not a time with its UTC offset; write it as 2017-06-22T18:00:00+09:00 (deadlines and the incident's times are instants, so the offset is required)"
                ),
            )
        })
}

fn lang(code: &str, location: Location) -> InputResult<Lang> {
    Lang::parse(code).ok_or_else(|| {
        InputError::at(
            location,
            format!("unknown language {code:?}; letters exist in en and ja"),
        )
    })
}

pub(super) fn notice(
    doc: &NoticeDoc,
    field_index: &dyn Fn(&str) -> Option<usize>,
    at: &Where,
) -> InputResult<NoticeConfig> {
    let default_lang = match &doc.lang {
        Some(code) => Some(lang(code, (at.at_value)("notice.lang"))?),
        None => None,
    };
    let mut templates = Vec::new();
    for (code, text) in &doc.templates {
        let key = format!("notice.templates.{code}");
        let lang = lang(code, (at.at_key)(&key))?;
        let first_line = (at.at_value)(&key)
            .line
            .map(|line| first_text_line(at.text, line));
        templates.push(Template {
            lang,
            text: text.clone(),
            key,
            first_line,
        });
    }
    let mut labels = Vec::new();
    for (code, by_field) in &doc.labels {
        let lang = lang(code, (at.at_key)(&format!("notice.labels.{code}")))?;
        for (id, label) in by_field {
            let key = format!("notice.labels.{code}.{id}");
            let Some(index) = field_index(id) else {
                return Err(InputError::at(
                    (at.at_key)(&key),
                    format!("{id:?} is not a field declared under `fields`"),
                ));
            };
            labels.push((lang, index, label.clone()));
        }
    }
    Ok(NoticeConfig {
        lang: default_lang,
        sender: doc.sender.clone(),
        contact: doc.contact.clone(),
        templates,
        labels,
    })
}

/// The line a scalar's text starts on: the next line for a block scalar (`|`, `>`), whose
/// indicator is where the YAML parser places the value.
fn first_text_line(text: &str, value_line: usize) -> usize {
    let line = text.lines().nth(value_line.saturating_sub(1)).unwrap_or("");
    let after_colon = line.split_once(':').map_or(line, |(_, rest)| rest).trim();
    if after_colon.starts_with('|')
        || after_colon.starts_with('>')
        || line.trim_start().starts_with('|')
    {
        value_line + 1
    } else {
        value_line
    }
}

#[cfg(test)]
mod tests {
    use crate::inventory::{GdprMark, Inventory, Lang};

    const BASE: &str = "version: 1\nfields:\n  name: {label: Name, category: user.name}\npages:\n  - id: my\n    route: /my/\n    fields: [name]\nincident:\n  discovered_at: 2017-06-22T15:05:00+09:00\n";

    fn err(text: &str) -> String {
        Inventory::parse(text, "inv.yaml").unwrap_err().to_string()
    }

    #[test]
    fn reads_the_incident_times_what_was_stated_and_who_was_told() {
        let text = format!(
            "{BASE}  started_at: 2017-06-22T09:41:00+09:00\n  contained_at: 2017-06-22T15:05:00+09:00\n  wrongful_purpose: false\n  data_subjects: {{en: customers, ja: 顧客}}\n  also_told:\n    - who: {{en: the police, ja: 警察}}\n      at: 2017-06-23T10:00:00+09:00\n    - who: the card company\n"
        );
        let inv = Inventory::parse(&text, "inv.yaml").unwrap();
        let incident = inv.incident.unwrap();
        assert_eq!(
            incident.started_at.unwrap().to_rfc3339(),
            "2017-06-22T09:41:00+09:00"
        );
        assert!(incident.contained_at.is_some());
        // false is a statement ("no"), not "not set".
        assert_eq!(incident.wrongful_purpose, Some(false));
        assert!(!incident.wrongful());
        assert_eq!(incident.data_subjects.in_lang(Lang::Ja), Some("顧客"));
        assert_eq!(incident.also_told.len(), 2);
        assert_eq!(incident.also_told[0].who.in_lang(Lang::Ja), Some("警察"));
        assert!(incident.also_told[1].at.is_none());
        let unstated = Inventory::parse(BASE, "inv.yaml")
            .unwrap()
            .incident
            .unwrap();
        assert_eq!(unstated.wrongful_purpose, None);
    }

    #[test]
    fn times_out_of_order_are_refused_where_written() {
        let early = format!(
            "{BASE}  started_at: 2017-06-22T09:41:00+09:00\n  contained_at: 2017-06-22T09:40:59+09:00\n"
        );
        assert_eq!(
            err(&early),
            "inv.yaml:11:17: incident.contained_at: is before incident.started_at: an incident is contained after it started"
        );
        let late = format!("{BASE}  started_at: 2017-06-22T15:06:00+09:00\n");
        assert!(err(&late).starts_with("inv.yaml:10:15: incident.started_at: is after"));
        let naive = format!("{BASE}  contained_at: 2017-06-22 15:06\n");
        assert!(err(&naive).contains("incident.contained_at: \"2017-06-22 15:06\" is not a time"));
    }

    #[test]
    fn gdpr_marks_are_read_and_unknown_ones_refused() {
        let text = BASE.replace(
            "category: user.name}",
            "category: user.name, gdpr: [criminal, special]}",
        );
        let inv = Inventory::parse(&text, "inv.yaml").unwrap();
        assert_eq!(
            inv.fields[0].gdpr,
            vec![GdprMark::Special, GdprMark::Criminal]
        );
        let bad = BASE.replace("category: user.name}", "category: user.name, gdpr: health}");
        assert!(err(&bad).contains("fields.name.gdpr: \"health\" is not a GDPR mark"));
    }
}
