//! The report to the regulator: the items the authority's form asks, in its order and with
//! their articles, filled in from the audit and the inventory where they know them and
//! left as marked blanks where only the business does (`appi`, `triggers`, `gdpr`);
//! whether a report is required, with the evidence; at the stage asked (a final report
//! opens with what is still to complete); written as Markdown or as one self-contained
//! HTML page with charts (`render`, `chart`), and as files, alone or in the notices folder
//! (`folder`). README "Report to the regulator" lists the sources. The room sits above
//! `notice`: it uses its deadlines, its people rule and its words, and adds itself to its
//! folder; `notice` knows nothing of it.

mod appi;
mod categories;
pub mod chart;
mod facts;
mod figures;
mod folder;
mod gdpr;
mod items;
mod member_states;
mod render;
mod text;
mod triggers;

use std::path::Path;

use anyhow::Result;
use chrono::{DateTime, Utc};
use polars::prelude::DataFrame;

use crate::audit::{Audit, FieldReach};
use crate::ingest::Zone;
use crate::inventory::{Jurisdiction, Lang};
pub use facts::Facts;
pub use folder::{files, write_files, write_notices};
use text::Text;

/// Which report of the incident this is: the APPI's preliminary (速報) or final (確報)
/// report; under the GDPR, the initial notification (information to follow, Art. 33(4))
/// or a follow-up one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Stage {
    #[default]
    Preliminary,
    Final,
}

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

/// What a report is asked for: the law, the language, the stage, and the time its time
/// left is counted to.
#[derive(Debug, Clone, Copy)]
pub struct Asked {
    pub jurisdiction: Jurisdiction,
    pub lang: Lang,
    pub stage: Stage,
    pub as_of: DateTime<Utc>,
}

/// The report `asked` for.
pub fn document(audit: &Audit, users: &DataFrame, asked: Asked) -> Result<Document> {
    let facts = Facts::gather(audit, users, asked.lang, asked.as_of)?;
    Ok(document_of(
        audit,
        &facts,
        asked.jurisdiction,
        asked.lang,
        asked.stage,
    ))
}

/// The report for `jurisdiction` from facts gathered in `lang`.
fn document_of(
    audit: &Audit,
    facts: &Facts,
    jurisdiction: Jurisdiction,
    lang: Lang,
    stage: Stage,
) -> Document {
    let t = Text {
        lang,
        zone: audit.zone,
        law: jurisdiction,
    };
    let facts = facts.of(jurisdiction);
    match jurisdiction {
        Jurisdiction::Appi => appi::document(&facts, &t, stage),
        Jurisdiction::Gdpr => gdpr::document(&facts, &t, stage),
    }
}

/// `doc` as `stage` asks: a final report opens with every item still to complete.
fn with_stage(mut doc: Document, stage: Stage, t: &Text) -> Document {
    if stage == Stage::Final {
        if let Some(list) = items::still_to_complete(&doc.sections, t) {
            doc.sections.insert(0, list);
        }
    }
    doc
}

/// The report as text in `style`.
pub fn render(document: &Document, style: Style) -> Result<String> {
    match style {
        Style::Markdown => Ok(render::markdown(document)),
        Style::Html => render::html(document),
    }
}
