//! The inventory's optional `incident:` and `notice:` blocks: when the incident was
//! discovered and which laws apply (deadlines), and how letters to users are written.
//! Only their YAML shape and plain values are checked here; templates are compiled by
//! `notice::letter`, which names the inventory line of a bad placeholder.

use chrono::{DateTime, FixedOffset};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::error::{InputError, InputResult, Location};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct IncidentDoc {
    discovered_at: String,
    #[serde(default)]
    jurisdictions: Vec<String>,
    #[serde(default, skip_serializing_if = "super::is_false")]
    wrongful_purpose: bool,
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
    /// When the organisation became aware, with the offset it was written in.
    pub discovered_at: DateTime<FixedOffset>,
    pub jurisdictions: Vec<Jurisdiction>,
    /// APPI: the leak may have been done for a wrongful purpose (unauthorised access,
    /// theft): the final report is due in 60 days instead of 30.
    pub wrongful_purpose: bool,
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
    let text = doc.discovered_at.trim();
    let discovered_at = DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%:z"))
        .map_err(|_| {
            InputError::at(
                (at.at_value)("incident.discovered_at"),
                format!(
                    "{text:?} is not a time with its UTC offset; write it as 2017-06-22T18:00:00+09:00 (deadlines run from this instant, so the offset is required)"
                ),
            )
        })?;
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
    Ok(Incident {
        discovered_at,
        jurisdictions,
        wrongful_purpose: doc.wrongful_purpose,
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
