//! What the audit knows that a report to the regulator asks: people and records per field,
//! the pages served to others, exposures per minute, the window and the deadlines. Gathered
//! once, in the report's language, so that the Markdown, the HTML and its charts show the
//! same figures.

use anyhow::Result;
use chrono::{DateTime, Utc};
use polars::prelude::*;

use crate::audit::{Audit, FieldReach, Summary};
use crate::frame::names::{EXPOSURES, FIRST_EXPOSED, LAST_EXPOSED};
use crate::frame::{cells, polars_bug};
use crate::inventory::{AppiMark, Jurisdiction, Lang};
use crate::notice::deadline::{deadlines, Deadline};

/// One inventory field as the report shows it.
#[derive(Debug, Clone)]
pub struct FieldFacts {
    pub id: String,
    /// In the report's language.
    pub label: String,
    pub category: String,
    pub direct_notice: bool,
    pub appi: Vec<AppiMark>,
    pub reach: FieldReach,
    /// Exposures that showed this field: the field's records.
    pub records: u64,
}

/// A page that was served to someone other than its owner.
#[derive(Debug, Clone)]
pub struct PageFacts {
    /// Its title in the report's language, else its inventory id.
    pub name: String,
    pub route: String,
    pub exposures: u64,
    pub owners_exposed: u64,
}

/// Everything the report fills in from the data.
#[derive(Debug, Clone)]
pub struct Facts {
    /// Who reports: the inventory's name (else its file).
    pub organisation: String,
    pub contact: Option<String>,
    /// When the report was prepared: time left runs to here.
    pub as_of: DateTime<Utc>,
    pub window: (Option<i64>, Option<i64>),
    /// The first and the last exposure (microseconds since the epoch).
    pub exposed_between: Option<(i64, i64)>,
    pub summary: Summary,
    pub fields: Vec<FieldFacts>,
    pub pages: Vec<PageFacts>,
    /// Exposures per minute with traffic; None when the log does not keep the minute.
    pub minutes: Option<Vec<(i64, u64)>>,
    pub discovered_at: Option<DateTime<Utc>>,
    pub wrongful_purpose: bool,
    /// The incident's deadlines, every jurisdiction's (`of` keeps one's).
    pub deadlines: Vec<Deadline>,
    /// Per data category of an exposed field (inventory order): its exposed fields' labels
    /// and the people with any of them exposed.
    pub categories: Vec<(String, Vec<String>, u64)>,
    /// Per APPI mark: the people with a field of that mark exposed.
    pub marked_people: Vec<(AppiMark, u64)>,
    /// The registered-fields table the figures rest on: its file, the fields it has no
    /// column for and its empty cells (both assumed registered); None without one
    /// (everyone is assumed to have every field).
    pub registered: Option<(String, Vec<String>, usize)>,
}

impl Facts {
    /// Gathers the facts from `audit` and its users frame.
    pub fn gather(
        audit: &Audit,
        users: &DataFrame,
        lang: Lang,
        as_of: DateTime<Utc>,
    ) -> Result<Facts> {
        let inventory = audit.inventory;
        let summary = audit.summary_from(users)?;
        let fields = field_facts(audit, users, lang)?;
        let marked_people = AppiMark::ALL
            .into_iter()
            .map(|mark| {
                let marked: Vec<usize> = (0..inventory.fields.len())
                    .filter(|&i| inventory.fields[i].appi.contains(&mark))
                    .collect();
                Ok((mark, audit.users_exposed_any_from(users, &marked)?))
            })
            .collect::<Result<_>>()?;
        let categories = category_people(audit, users, &fields)?;
        let incident = inventory.incident.as_ref();
        let deadlines = incident.map(deadlines).unwrap_or_default();
        let minutes = match audit.has_timeline() {
            true => Some(minutes(audit)?),
            false => None,
        };
        Ok(Facts {
            organisation: match inventory.name.is_empty() {
                true => inventory.source.clone(),
                false => inventory.name.clone(),
            },
            contact: inventory.notice.contact.clone(),
            as_of,
            window: audit.window,
            exposed_between: exposed_between(users)?,
            registered: audit.registered.map(|r| {
                (
                    r.file.clone(),
                    r.fields_without_column.clone(),
                    r.empty_cells,
                )
            }),
            summary,
            fields,
            categories,
            pages: page_facts(audit, lang)?,
            minutes,
            discovered_at: incident.map(|i| i.discovered_at.with_timezone(&Utc)),
            wrongful_purpose: incident.is_some_and(|i| i.wrongful()),
            deadlines,
            marked_people,
        })
    }

    /// The same facts with only `jurisdiction`'s deadlines (none when the incident does
    /// not name it): the facts are gathered once for every report.
    pub fn of(&self, jurisdiction: Jurisdiction) -> Facts {
        let mut facts = self.clone();
        facts.deadlines.retain(|d| d.jurisdiction == jurisdiction);
        facts
    }

    /// People whose data someone else saw, possible exposures included.
    pub fn people_exposed(&self) -> u64 {
        self.summary.users_exposed
    }

    /// People with only possible exposures (a coarse CDN clock), when the log has any.
    pub fn people_only_possibly(&self) -> Option<u64> {
        self.summary.possible.map(|(_, only)| only)
    }

    /// People with a confirmed exposure.
    pub fn people_confirmed(&self) -> u64 {
        self.people_exposed() - self.people_only_possibly().unwrap_or(0)
    }

    /// The fields someone else saw, in inventory order.
    pub fn exposed_fields(&self) -> impl Iterator<Item = &FieldFacts> {
        self.fields.iter().filter(|f| f.reach.exposed() > 0)
    }
}

fn field_facts(audit: &Audit, users: &DataFrame, lang: Lang) -> Result<Vec<FieldFacts>> {
    let inventory = audit.inventory;
    let reach = audit.field_reach_from(users)?;
    let report = audit.fields_from(users)?;
    inventory
        .fields
        .iter()
        .enumerate()
        .map(|(i, field)| {
            Ok(FieldFacts {
                id: field.id.clone(),
                label: inventory.field_label(lang, i).to_string(),
                category: field.category.clone(),
                direct_notice: field.direct_notice,
                appi: field.appi.clone(),
                reach: reach[i],
                records: cells::number(&report.df, EXPOSURES, i)?,
            })
        })
        .collect()
}

/// Per category of an exposed field: its exposed fields' labels and the people with any.
fn category_people(
    audit: &Audit,
    users: &DataFrame,
    fields: &[FieldFacts],
) -> Result<Vec<(String, Vec<String>, u64)>> {
    let mut out: Vec<(String, Vec<String>, u64)> = Vec::new();
    for f in fields.iter().filter(|f| f.reach.exposed() > 0) {
        if out.iter().any(|(c, _, _)| *c == f.category) {
            continue;
        }
        let same: Vec<usize> = (0..fields.len())
            .filter(|&i| fields[i].category == f.category && fields[i].reach.exposed() > 0)
            .collect();
        out.push((
            f.category.clone(),
            same.iter().map(|&i| fields[i].label.clone()).collect(),
            audit.users_exposed_any_from(users, &same)?,
        ));
    }
    Ok(out)
}

fn page_facts(audit: &Audit, lang: Lang) -> Result<Vec<PageFacts>> {
    let report = audit.pages()?;
    let mut pages = Vec::new();
    for (i, page) in audit.inventory.pages.iter().enumerate() {
        let exposures = cells::number(&report.df, EXPOSURES, i)?;
        if exposures == 0 {
            continue;
        }
        pages.push(PageFacts {
            name: page
                .title
                .in_lang(lang)
                .map_or_else(|| page.id.clone(), str::to_string),
            route: page.route.to_string(),
            exposures,
            owners_exposed: cells::number(&report.df, "owners_exposed", i)?,
        });
    }
    Ok(pages)
}

/// The timeline report's minutes and exposures, as microseconds since the epoch.
fn minutes(audit: &Audit) -> Result<Vec<(i64, u64)>> {
    let timeline = audit.timeline()?;
    let minute = timeline
        .df
        .column("minute")
        .and_then(|c| c.cast(&DataType::Int64))
        .map_err(polars_bug)?;
    let minute = minute.i64().map_err(polars_bug)?;
    (0..timeline.df.height())
        .map(|row| {
            Ok((
                minute.get(row).unwrap_or_default(),
                cells::number(&timeline.df, EXPOSURES, row)?,
            ))
        })
        .collect()
}

/// The earliest first exposure and the latest last one over the users frame.
fn exposed_between(users: &DataFrame) -> Result<Option<(i64, i64)>> {
    if users.height() == 0 {
        return Ok(None);
    }
    let df = users
        .clone()
        .lazy()
        .select([
            col(FIRST_EXPOSED)
                .min()
                .cast(DataType::Int64)
                .alias("first"),
            col(LAST_EXPOSED).max().cast(DataType::Int64).alias("last"),
        ])
        .collect()
        .map_err(polars_bug)?;
    let get = |name: &str| -> Result<Option<i64>> {
        Ok(df
            .column(name)
            .map_err(polars_bug)?
            .i64()
            .map_err(polars_bug)?
            .get(0))
    };
    Ok(get("first")?.zip(get("last")?))
}
