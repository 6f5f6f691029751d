//! A report as Markdown, or as one self-contained HTML page (`report.html`, a minijinja
//! template with HTML escaping): inline CSS, inline SVG charts, no script, nothing fetched.

use anyhow::{Context, Result};
use minijinja::{AutoEscape, Environment};
use serde::Serialize;

use super::chart::{self, Drawn};
use super::{Block, Document};
use crate::inventory::Lang;
use crate::notice::markdown::md_table;

/// The words that mark a blank for the officer.
fn blank_word(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "TO COMPLETE",
        Lang::Ja => "要記入",
    }
}

/// The report as Markdown; charts are left out (their figures are in the tables).
pub(super) fn markdown(doc: &Document) -> String {
    let mut out = format!("# {}\n\n", doc.title);
    for (what, value) in &doc.preface {
        out.push_str(&format!("- **{what}**: {value}\n"));
    }
    for section in &doc.sections {
        out.push_str(&format!(
            "\n## {}\n\n*{}*\n",
            section.heading, section.source
        ));
        for block in &section.blocks {
            match block {
                Block::Text(text) => out.push_str(&format!("\n{text}\n")),
                Block::Facts(rows) => {
                    out.push('\n');
                    for (what, value) in rows {
                        out.push_str(&format!("- {what}: {value}\n"));
                    }
                }
                Block::Table { header, rows } => {
                    let header: Vec<&str> = header.iter().map(String::as_str).collect();
                    out.push('\n');
                    out.push_str(&md_table(&header, rows));
                }
                Block::Blank(what) => {
                    out.push_str(&format!("\n> **{}**: {what}\n", blank_word(doc.lang)));
                }
                Block::Chart(_) => {}
            }
        }
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// What the HTML template sees.
#[derive(Serialize)]
struct Page<'a> {
    lang: &'static str,
    title: &'a str,
    blank_word: &'static str,
    preface: &'a [(String, String)],
    sections: Vec<PageSection<'a>>,
}

#[derive(Serialize)]
struct PageSection<'a> {
    heading: &'a str,
    source: &'a str,
    blocks: Vec<PageBlock<'a>>,
}

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum PageBlock<'a> {
    Text {
        text: &'a str,
    },
    Facts {
        rows: &'a [(String, String)],
    },
    Table {
        header: &'a [String],
        rows: &'a [Vec<String>],
    },
    Blank {
        what: &'a str,
    },
    Chart {
        name: &'static str,
        title: &'a str,
        svg: String,
        legend: Vec<(String, String)>,
    },
}

const TEMPLATE: &str = include_str!("report.html");

/// The report as one HTML page.
pub(super) fn html(doc: &Document) -> Result<String> {
    let mut sections = Vec::with_capacity(doc.sections.len());
    for section in &doc.sections {
        let mut blocks = Vec::with_capacity(section.blocks.len());
        for block in &section.blocks {
            blocks.push(match block {
                Block::Text(text) => PageBlock::Text { text },
                Block::Facts(rows) => PageBlock::Facts { rows },
                Block::Table { header, rows } => PageBlock::Table { header, rows },
                Block::Blank(what) => PageBlock::Blank { what },
                Block::Chart(c) => {
                    let Drawn { svg, legend } = chart::draw(c)?;
                    PageBlock::Chart {
                        name: c.name(),
                        title: c.title(),
                        svg,
                        legend,
                    }
                }
            });
        }
        sections.push(PageSection {
            heading: &section.heading,
            source: &section.source,
            blocks,
        });
    }
    let page = Page {
        lang: doc.lang.code(),
        title: &doc.title,
        blank_word: blank_word(doc.lang),
        preface: &doc.preface,
        sections,
    };
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env.add_template("report.html", TEMPLATE)
        .context("the bundled report template")?;
    env.get_template("report.html")
        .and_then(|t| t.render(&page))
        .context("rendering the regulator report")
}
