//! What the audit and the inventory know that a report to the regulator asks: who reports,
//! the incident's times, people and records per field, the pages served to others, the
//! blind spots, exposures per minute, people per country and the deadlines. Gathered once,
//! in the report's language, so that the Markdown, the HTML and its charts show the same
//! figures.

use anyhow::Result;
use chrono::{DateTime, Utc};
use polars::prelude::*;

use super::categories;
use crate::audit::{Audit, FieldReach, PeopleByCountry, Summary};
use crate::frame::cells;
use crate::frame::names::EXPOSURES;
use crate::inventory::{AppiMark, Controller, GdprMark, Jurisdiction, Lang};
use crate::notice::deadline::{deadlines, Deadline};
use crate::notice::letter::readable_route;

/// One inventory field as the report shows it.
#[derive(Debug, Clone)]
pub struct FieldFacts {
    /// In the report's language.
    pub label: String,
    pub category: String,
    pub direct_notice: bool,
    pub appi: Vec<AppiMark>,
    pub gdpr: Vec<GdprMark>,
    pub reach: FieldReach,
    /// Exposures that showed this field: the field's records.
    pub records: u64,
}

/// A page that was served to someone other than its owner.
#[derive(Debug, Clone)]
pub struct PageFacts {
    /// Its title in the report's language, else its route.
    pub name: String,
    /// Its route as people read it: parameters written `…` (`/my/email/…`).
    pub route: String,
    pub exposures: u64,
    pub owners_exposed: u64,
}

/// A category of personal data (fideslang, second level) with an exposed field.
#[derive(Debug, Clone)]
pub struct CategoryFacts {
    /// In the report's language.
    pub name: String,
    /// Its exposed fields' labels.
    pub fields: Vec<String>,
    /// The GDPR marks among them.
    pub gdpr: Vec<GdprMark>,
    /// People with any of them exposed.
    pub people: u64,
}

/// The `incident:` block as the report shows it.
#[derive(Debug, Clone, Default)]
pub struct IncidentFacts {
    pub started_at: Option<DateTime<Utc>>,
    pub discovered_at: Option<DateTime<Utc>>,
    pub contained_at: Option<DateTime<Utc>>,
    /// Yes, no, or not stated.
    pub wrongful_purpose: Option<bool>,
    /// Who the people concerned are, in the report's language.
    pub data_subjects: Option<String>,
    /// Whom else it was told to (in the report's language), and when.
    pub also_told: Vec<(String, Option<DateTime<Utc>>)>,
}

/// Everything the report fills in from the data and the inventory.
#[derive(Debug, Clone)]
pub struct Facts {
    /// The inventory's name: the service concerned (empty when it has none).
    pub service: String,
    pub controller: Controller,
    /// `notice.contact`: where users may ask.
    pub contact: Option<String>,
    /// When the report was prepared: time left runs to here.
    pub as_of: DateTime<Utc>,
    pub window: (Option<i64>, Option<i64>),
    /// The headline figures, blind spots and the first and last exposure included.
    pub summary: Summary,
    pub fields: Vec<FieldFacts>,
    pub pages: Vec<PageFacts>,
    pub categories: Vec<CategoryFacts>,
    /// Exposures per minute with traffic; None when the log does not keep the minute.
    pub minutes: Option<Vec<(i64, u64)>>,
    pub incident: IncidentFacts,
    /// The incident's deadlines, every jurisdiction's (`of` keeps one's).
    pub deadlines: Vec<Deadline>,
    /// Per APPI mark: the people with a field of that mark exposed.
    pub marked_people: Vec<(AppiMark, u64)>,
    /// People exposed per country of residence (None: no country on file), when the
    /// registered table has a `country` column.
    pub countries: Option<PeopleByCountry>,
    /// The registered-fields table the figures rest on: its file, the labels of the fields
    /// it has no column for, and its empty cells (both assumed registered); None without
    /// one (everyone is assumed to have every field).
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
        let categories = category_facts(audit, users, &fields, lang)?;
        let minutes = match audit.has_timeline() {
            true => Some(minutes(audit)?),
            false => None,
        };
        Ok(Facts {
            service: inventory.name.clone(),
            controller: inventory.controller.clone(),
            contact: inventory.notice.contact.clone(),
            as_of,
            window: audit.window,
            registered: audit.registered.map(|r| {
                let labels = r
                    .fields_without_column
                    .iter()
                    .filter_map(|id| inventory.field_index(id))
                    .map(|i| inventory.field_label(lang, i).to_string())
                    .collect();
                (r.file.clone(), labels, r.empty_cells)
            }),
            summary,
            fields,
            categories,
            pages: page_facts(audit, lang)?,
            minutes,
            incident: incident_facts(audit, lang),
            deadlines: inventory
                .incident
                .as_ref()
                .map(deadlines)
                .unwrap_or_default(),
            marked_people,
            countries: audit.people_by_country_from(users)?,
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

    /// Records: one person's field shown to someone else in one response, summed.
    pub fn records(&self) -> u64 {
        self.fields.iter().map(|f| f.records).sum()
    }
}

fn incident_facts(audit: &Audit, lang: Lang) -> IncidentFacts {
    let Some(incident) = &audit.inventory.incident else {
        return IncidentFacts::default();
    };
    let utc = |t: chrono::DateTime<chrono::FixedOffset>| t.with_timezone(&Utc);
    IncidentFacts {
        started_at: incident.started_at.map(utc),
        discovered_at: Some(utc(incident.discovered_at)),
        contained_at: incident.contained_at.map(utc),
        wrongful_purpose: incident.wrongful_purpose,
        data_subjects: incident.data_subjects.in_lang(lang).map(str::to_string),
        also_told: incident
            .also_told
            .iter()
            .filter_map(|t| Some((t.who.in_lang(lang)?.to_string(), t.at.map(utc))))
            .collect(),
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
                label: inventory.field_label(lang, i).to_string(),
                category: field.category.clone(),
                direct_notice: field.direct_notice,
                appi: field.appi.clone(),
                gdpr: field.gdpr.clone(),
                reach: reach[i],
                records: cells::number(&report.df, EXPOSURES, i)?,
            })
        })
        .collect()
}

/// Per category (second level) of an exposed field, in inventory order: its exposed
/// fields' labels, their GDPR marks and the people with any of them exposed.
fn category_facts(
    audit: &Audit,
    users: &DataFrame,
    fields: &[FieldFacts],
    lang: Lang,
) -> Result<Vec<CategoryFacts>> {
    let mut groups: Vec<String> = Vec::new();
    for f in fields.iter().filter(|f| f.reach.exposed() > 0) {
        let group = categories::group(&f.category);
        if !groups.contains(&group) {
            groups.push(group);
        }
    }
    groups
        .into_iter()
        .map(|group| {
            let same: Vec<usize> = (0..fields.len())
                .filter(|&i| {
                    categories::group(&fields[i].category) == group && fields[i].reach.exposed() > 0
                })
                .collect();
            let mut gdpr: Vec<GdprMark> =
                same.iter().flat_map(|&i| fields[i].gdpr.clone()).collect();
            gdpr.sort();
            gdpr.dedup();
            Ok(CategoryFacts {
                name: categories::name(&group, lang),
                fields: same.iter().map(|&i| fields[i].label.clone()).collect(),
                gdpr,
                people: audit.users_exposed_any_from(users, &same)?,
            })
        })
        .collect()
}

fn page_facts(audit: &Audit, lang: Lang) -> Result<Vec<PageFacts>> {
    let report = audit.pages()?;
    let mut pages = Vec::new();
    for (i, page) in audit.inventory.pages.iter().enumerate() {
        let exposures = cells::number(&report.df, EXPOSURES, i)?;
        if exposures == 0 {
            continue;
        }
        let route = readable_route(&page.route_text);
        pages.push(PageFacts {
            name: page
                .title
                .in_lang(lang)
                .map_or_else(|| route.clone(), str::to_string),
            route,
            exposures,
            owners_exposed: cells::number(&report.df, "owners_exposed", i)?,
        });
    }
    Ok(pages)
}

/// The timeline report's minutes and exposures, as microseconds since the epoch.
fn minutes(audit: &Audit) -> Result<Vec<(i64, u64)>> {
    let timeline = audit.timeline()?;
    (0..timeline.df.height())
        .map(|row| {
            Ok((
                cells::required_micros(&timeline.df, "minute", row, "exposures per minute")?,
                cells::number(&timeline.df, EXPOSURES, row)?,
            ))
        })
        .collect()
}
