//! The report to the regulator: the items the authority's form asks, in its order and with
//! their articles, filled in from the audit where the data knows them and left as marked
//! blanks where only the officer does (`appi`, `gdpr`); whether a report is required, with
//! the evidence; written as Markdown or as one self-contained HTML page with charts
//! (`render`, `chart`). README "Report to the regulator" lists the sources.

mod appi;
pub mod chart;
mod facts;
mod gdpr;
mod items;
mod render;

use std::path::{Path, PathBuf};

use anyhow::Result;
use chrono::{DateTime, SubsecRound, Utc};
use polars::prelude::DataFrame;

use crate::audit::{Audit, FieldReach};
use crate::exposure::Zone;
use crate::inventory::{Jurisdiction, Lang};
pub use appi::{people_verdict, PeopleVerdict, PEOPLE_THRESHOLD};
pub use facts::Facts;

/// The two ways a report is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Markdown,
    Html,
}

impl Style {
    /// The style a file's name asks for: `.html`/`.htm` is HTML, anything else Markdown.
    pub fn for_file(path: &Path) -> Style {
        let name = path.to_string_lossy().to_lowercase();
        match name.ends_with(".html") || name.ends_with(".htm") {
            true => Style::Html,
            false => Style::Markdown,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Style::Markdown => "md",
            Style::Html => "html",
        }
    }
}

/// A report, language-neutral in shape: a title, who and when, then the items.
#[derive(Debug, Clone)]
pub struct Document {
    pub lang: Lang,
    pub title: String,
    /// Under the title: (what, value), e.g. who reports and when it was prepared.
    pub preface: Vec<(String, String)>,
    pub sections: Vec<Section>,
}

/// One item of the authority's form.
#[derive(Debug, Clone)]
pub struct Section {
    pub heading: String,
    /// The article that asks for it.
    pub source: String,
    pub blocks: Vec<Block>,
}

/// What an item holds.
#[derive(Debug, Clone)]
pub enum Block {
    Text(String),
    /// (what, value) pairs.
    Facts(Vec<(String, String)>),
    Table {
        header: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    /// For the officer to fill in: what belongs here.
    Blank(String),
    /// Drawn in the HTML only; its figures are also in the item's text or tables.
    Chart(Chart),
}

/// A chart and the figures it plots.
#[derive(Debug, Clone)]
pub enum Chart {
    /// Exposures per minute with traffic, over `span` (microseconds since the epoch).
    ExposuresPerMinute {
        title: String,
        minutes: Vec<(i64, u64)>,
        span: (i64, i64),
        zone: Zone,
    },
    /// People per exposed field by tier, and those for whom it was only viewable.
    PeopleByField {
        title: String,
        /// The three series' names: direct tier, notice tier, viewable only.
        series: [String; 3],
        fields: Vec<(String, FieldReach)>,
    },
    /// Discovery, each dated deadline, and now.
    Deadlines {
        title: String,
        discovered: DateTime<Utc>,
        /// (name, due)
        deadlines: Vec<(String, DateTime<Utc>)>,
        now: DateTime<Utc>,
        now_label: String,
        zone: Zone,
    },
}

impl Chart {
    /// The chart's stable name (`data-chart` in the HTML).
    pub fn name(&self) -> &'static str {
        match self {
            Chart::ExposuresPerMinute { .. } => "exposures-per-minute",
            Chart::PeopleByField { .. } => "people-by-field",
            Chart::Deadlines { .. } => "deadlines",
        }
    }

    pub fn title(&self) -> &str {
        match self {
            Chart::ExposuresPerMinute { title, .. }
            | Chart::PeopleByField { title, .. }
            | Chart::Deadlines { title, .. } => title,
        }
    }
}

/// The report for `jurisdiction` in `lang`, time left counted to `as_of`.
pub fn document(
    audit: &Audit,
    users: &DataFrame,
    jurisdiction: Jurisdiction,
    lang: Lang,
    as_of: DateTime<Utc>,
) -> Result<Document> {
    let facts = Facts::gather(audit, users, lang, as_of)?;
    Ok(document_of(audit, &facts, jurisdiction, lang))
}

/// The report for `jurisdiction` from facts gathered in `lang`.
fn document_of(audit: &Audit, facts: &Facts, jurisdiction: Jurisdiction, lang: Lang) -> Document {
    let t = Text {
        lang,
        zone: audit.zone,
    };
    let facts = facts.of(jurisdiction);
    match jurisdiction {
        Jurisdiction::Appi => appi::document(&facts, &t),
        Jurisdiction::Gdpr => gdpr::document(&facts, &t),
    }
}

/// The report as text in `style`.
pub fn render(document: &Document, style: Style) -> Result<String> {
    match style {
        Style::Markdown => Ok(render::markdown(document)),
        Style::Html => render::html(document),
    }
}

/// `regulator-<jurisdiction>.md` and `.html` (file name, text) for each jurisdiction of the
/// inventory's `incident:` block (none without one), rendered before anything is written.
pub fn files(
    audit: &Audit,
    users: &DataFrame,
    lang: Lang,
    as_of: DateTime<Utc>,
) -> Result<Vec<(String, String)>> {
    let jurisdictions = audit
        .inventory
        .incident
        .as_ref()
        .map(|i| i.jurisdictions.clone())
        .unwrap_or_default();
    if jurisdictions.is_empty() {
        return Ok(Vec::new());
    }
    let facts = Facts::gather(audit, users, lang, as_of)?;
    let mut out = Vec::new();
    for jurisdiction in jurisdictions {
        let doc = document_of(audit, &facts, jurisdiction, lang);
        for style in [Style::Markdown, Style::Html] {
            out.push((file_name(jurisdiction, style), render(&doc, style)?));
        }
    }
    Ok(out)
}

/// `regulator-appi.html`
pub fn file_name(jurisdiction: Jurisdiction, style: Style) -> String {
    format!("regulator-{}.{}", jurisdiction.code(), style.extension())
}

/// Writes `files` into `dir`, atomically and owner-only; returns their paths.
pub fn write_files(dir: &Path, files: &[(String, String)]) -> Result<Vec<PathBuf>> {
    files
        .iter()
        .map(|(name, text)| {
            let path = dir.join(name);
            crate::report::write_private(&path, text.as_bytes())?;
            Ok(path)
        })
        .collect()
}

/// Words in the report's language, and times in the audit's zone.
struct Text {
    lang: Lang,
    zone: Zone,
}

impl Text {
    /// `en` or `ja`, by the report's language.
    fn pick(&self, en: &str, ja: &str) -> String {
        match self.lang {
            Lang::En => en.to_string(),
            Lang::Ja => ja.to_string(),
        }
    }

    /// Each (en, ja) pair in the report's language: a table's header.
    fn picks(&self, pairs: &[(&str, &str)]) -> Vec<String> {
        pairs.iter().map(|(en, ja)| self.pick(en, ja)).collect()
    }

    fn time(&self, t: DateTime<Utc>) -> String {
        self.zone.format(t.trunc_subsecs(0))
    }

    fn micros(&self, m: i64) -> String {
        self.zone.format_micros(m)
    }
}

/// 9,094
pub(crate) fn count(n: u64) -> String {
    indicatif::HumanCount(n).to_string()
}

/// "1 person", "9,094 people" (English texts only).
pub(crate) fn persons(n: u64) -> String {
    match n {
        1 => "1 person".to_string(),
        n => format!("{} people", count(n)),
    }
}
