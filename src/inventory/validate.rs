//! Validation of the parsed document, block by block in file order: the first error is
//! the one nearest the top, and warnings come out in the same order. Every error names the
//! file, the key path and, when the text has it, the line and column.

use std::collections::HashMap;

use indexmap::IndexMap;

use super::controller::{self, Controller};
use super::incident::{self, AppiMark, GdprMark, Incident, Jurisdiction, NoticeConfig};
use super::localised::{localised, At};
use super::positions::Positions;
use super::route::{Route, RouteTable};
use super::{
    fideslang_categories, fideslang_replacement, Field, FieldDoc, Inventory, InventoryDoc,
    OneOrMany, Page, PageDoc, PageTitle,
};
use super::{Related, Relation, MAX_RELATIONS};
use crate::error::{InputError, InputResult, Location};

fn is_id(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Where a path of the document is, for errors and warnings: the file, the key path and,
/// when the text has it, the line and column.
struct Locate<'a> {
    source: &'a str,
    positions: &'a Positions,
}

impl Locate<'_> {
    /// The key that introduces `path` (or else its value).
    fn key(&self, path: &str) -> Location {
        let loc = Location::file(self.source).key(path);
        match self.positions.key(path) {
            Some((l, c)) => loc.at(l, c),
            None => loc,
        }
    }

    /// The value at `path` (or else its key).
    fn value(&self, path: &str) -> Location {
        let loc = Location::file(self.source).key(path);
        match self.positions.value(path) {
            Some((l, c)) => loc.at(l, c),
            None => loc,
        }
    }
}

/// Checks the document block by block, in file order, so the first error is the one
/// nearest the top; warnings come out in the same order.
pub(super) fn validate(
    doc: InventoryDoc,
    positions: &Positions,
    source: &str,
    text: &str,
) -> InputResult<Inventory> {
    let at = Locate { source, positions };
    check_version(&doc, positions, &at)?;
    let controller = match &doc.controller {
        Some(block) => controller::controller(
            block,
            &At {
                key: &|path| at.key(path),
                value: &|path| at.value(path),
            },
        )?,
        None => Controller::default(),
    };
    let mut warnings = Vec::new();
    let fields = validate_fields(&doc.fields, &at, &mut warnings)?;
    let relations = validate_relations(&doc.relations, &at)?;
    let pages = validate_pages(&doc.pages, &fields, &relations, &at)?;
    let routes = route_table(&pages, &at)?;
    warn_unshown_relations(&relations, &pages, &at, &mut warnings);
    warn_unrendered_fields(&fields, &pages, &at, &mut warnings);

    let at_key = |path: &str| at.key(path);
    let at_value = |path: &str| at.value(path);
    let at = incident::Where {
        at_key: &at_key,
        at_value: &at_value,
        text,
    };
    let incident = match &doc.incident {
        Some(block) => Some(validate_incident(block, &at, &mut warnings)?),
        None => None,
    };
    let field_index = |id: &str| fields.iter().position(|f| f.id == id);
    let notice = match &doc.notice {
        Some(block) => incident::notice(block, &field_index, &at)?,
        None => NoticeConfig::default(),
    };

    Ok(Inventory {
        source: source.to_string(),
        name: doc.name.unwrap_or_default(),
        controller,
        fields,
        relations,
        pages,
        routes,
        incident,
        notice,
        warnings,
    })
}

/// `version: 1`, and no key given twice (serde keeps the last silently).
fn check_version(doc: &InventoryDoc, positions: &Positions, at: &Locate) -> InputResult<()> {
    if doc.version != 1 {
        return Err(InputError::at(
            at.value("version"),
            format!(
                "unknown inventory version {}; this pii-audit reads version 1",
                doc.version
            ),
        ));
    }
    if let Some((path, line, column)) = positions.duplicate_keys.first() {
        return Err(InputError::at(
            Location::file(at.source)
                .at(*line, *column)
                .key(path.clone()),
            "duplicate key: this id is already declared above",
        ));
    }
    Ok(())
}

/// The `fields:` block: ids, labels, and categories checked against fideslang (a warning).
fn validate_fields(
    doc: &IndexMap<String, FieldDoc>,
    at: &Locate,
    warnings: &mut Vec<String>,
) -> InputResult<Vec<Field>> {
    let known: Vec<&str> = fideslang_categories().map(|(k, _)| k).collect();
    let mut fields = Vec::with_capacity(doc.len());
    for (id, def) in doc {
        let path = format!("fields.{id}");
        if !is_id(id) {
            return Err(InputError::at(
                at.key(&path),
                format!("field id {id:?} must match [a-z][a-z0-9_]*"),
            ));
        }
        let category = def.category.clone().unwrap_or_default();
        if category.is_empty() {
            warnings.push(format!("{}: field {id} has no category", at.key(&path)));
        } else if let Some(replacement) = fideslang_replacement(&category) {
            warnings.push(format!(
                "{}: field {id}: {category:?} is deprecated in fideslang 3.2: use {replacement:?}",
                at.value(&format!("{path}.category"))
            ));
        } else if !known.contains(&category.as_str()) {
            warnings.push(format!(
                "{}: field {id}: {category:?} is not a fideslang data category",
                at.value(&format!("{path}.category"))
            ));
        }
        fields.push(Field {
            id: id.clone(),
            label: def.label.clone().unwrap_or_else(|| id.clone()),
            category,
            direct_notice: def.direct_notice,
            appi: marks(def.appi.as_ref(), &format!("{path}.appi"), at, AppiMark::parse,
                "is not an APPI mark: write sensitive (PPC Rules Art. 7(i)) or financial_damage (Art. 7(ii))")?,
            gdpr: marks(def.gdpr.as_ref(), &format!("{path}.gdpr"), at, GdprMark::parse,
                "is not a GDPR mark: write special (Art. 9 special categories) or criminal (Art. 10 criminal convictions and offences)")?,
        });
    }
    Ok(fields)
}

/// A field's `appi:` or `gdpr:` marks (written at `key`), each known and none twice.
fn marks<M: Ord>(
    doc: Option<&OneOrMany>,
    key: &str,
    at: &Locate,
    parse: fn(&str) -> Option<M>,
    unknown: &str,
) -> InputResult<Vec<M>> {
    let Some(doc) = doc else {
        return Ok(Vec::new());
    };
    let mut marks = Vec::new();
    for text in doc.items() {
        let mark = parse(text)
            .ok_or_else(|| InputError::at(at.value(key), format!("{text:?} {unknown}")))?;
        if !marks.contains(&mark) {
            marks.push(mark);
        }
    }
    marks.sort();
    Ok(marks)
}

/// The `relations:` block: ids (`own` is reserved), at most `MAX_RELATIONS`.
fn validate_relations(doc: &IndexMap<String, String>, at: &Locate) -> InputResult<Vec<Relation>> {
    let mut relations = Vec::with_capacity(doc.len());
    for (id, label) in doc {
        let path = format!("relations.{id}");
        if !is_id(id) {
            return Err(InputError::at(
                at.key(&path),
                format!("relation id {id:?} must match [a-z][a-z0-9_]*"),
            ));
        }
        if id == "own" {
            return Err(InputError::at(
                at.key(&path),
                "relation id \"own\" is reserved: the `via` column uses it for a user's own pages",
            ));
        }
        if relations.len() == MAX_RELATIONS {
            return Err(InputError::at(
                at.key(&path),
                format!("at most {MAX_RELATIONS} relations can be declared"),
            ));
        }
        relations.push(Relation {
            id: id.clone(),
            label: if label.is_empty() {
                id.clone()
            } else {
                label.clone()
            },
        });
    }
    Ok(relations)
}

/// The `pages:` block: unique ids, routes that parse, and only declared fields and relations.
fn validate_pages(
    doc: &[PageDoc],
    fields: &[Field],
    relations: &[Relation],
    at: &Locate,
) -> InputResult<Vec<Page>> {
    // Ids to indices: a 10,000-page inventory must not cost 10,000² comparisons.
    let field_at: HashMap<&str, usize> = fields
        .iter()
        .enumerate()
        .map(|(i, f)| (f.id.as_str(), i))
        .collect();
    let mut page_ids: HashMap<&str, usize> = HashMap::with_capacity(doc.len());
    let mut pages: Vec<Page> = Vec::with_capacity(doc.len());
    for (i, page) in doc.iter().enumerate() {
        let base = format!("pages[{i}]");
        if !is_id(&page.id) {
            return Err(InputError::at(
                at.value(&format!("{base}.id")),
                format!("page id {:?} must match [a-z][a-z0-9_]*", page.id),
            ));
        }
        if let Some(&first) = page_ids.get(page.id.as_str()) {
            return Err(InputError::at(
                at.value(&format!("{base}.id")),
                format!(
                    "duplicate page id {:?} (first declared as pages[{first}])",
                    page.id
                ),
            ));
        }
        let route = Route::parse(&page.route).map_err(|why| {
            InputError::at(
                at.value(&format!("{base}.route")),
                format!("malformed route: {why}"),
            )
        })?;
        let field_ids = page_fields(page, &base, &field_at, at)?;
        page_ids.insert(&page.id, i);
        let related = page_related(page, &base, fields, relations, at)?;
        let title = page_title(page, &base, at)?;
        pages.push(Page {
            id: page.id.clone(),
            route_text: page.route.clone(),
            route,
            fields: field_ids,
            related,
            note: page.note.clone(),
            title,
        });
    }
    Ok(pages)
}

/// A page's `title:`: not empty, and per language only in the languages letters exist in.
fn page_title(page: &PageDoc, base: &str, at: &Locate) -> InputResult<PageTitle> {
    match &page.title {
        None => Ok(PageTitle::default()),
        Some(title) => localised(
            title,
            &format!("{base}.title"),
            &At {
                key: &|path| at.key(path),
                value: &|path| at.value(path),
            },
            "empty title: give the page's name as a person knows it, or leave `title` out",
        ),
    }
}

/// A page's own `fields:`, as indices, each once.
fn page_fields(
    page: &PageDoc,
    base: &str,
    field_at: &HashMap<&str, usize>,
    at: &Locate,
) -> InputResult<Vec<usize>> {
    let mut field_ids = Vec::with_capacity(page.fields.len());
    for (j, field) in page.fields.iter().enumerate() {
        let Some(&index) = field_at.get(field.as_str()) else {
            return Err(InputError::at(
                at.value(&format!("{base}.fields[{j}]")),
                format!(
                    "page {:?} names field {field:?}, which is not declared under `fields`",
                    page.id
                ),
            ));
        };
        if !field_ids.contains(&index) {
            field_ids.push(index);
        }
    }
    Ok(field_ids)
}

/// A page's `related:` entries: one per declared relation, their fields as indices, each once.
fn page_related(
    page: &PageDoc,
    base: &str,
    fields: &[Field],
    relations: &[Relation],
    at: &Locate,
) -> InputResult<Vec<Related>> {
    let mut related: Vec<Related> = Vec::with_capacity(page.related.len());
    for (j, entry) in page.related.iter().enumerate() {
        let path = format!("{base}.related[{j}]");
        let Some(relation) = relations.iter().position(|r| r.id == entry.relation) else {
            return Err(InputError::at(
                at.value(&format!("{path}.relation")),
                format!(
                    "page {:?} names relation {:?}, which is not declared under `relations`",
                    page.id, entry.relation
                ),
            ));
        };
        if related.iter().any(|r| r.relation == relation) {
            return Err(InputError::at(
                at.value(&format!("{path}.relation")),
                format!(
                    "page {:?} lists relation {:?} twice: put its fields in one entry",
                    page.id, entry.relation
                ),
            ));
        }
        let mut fields_of = Vec::with_capacity(entry.fields.len());
        for (k, field) in entry.fields.iter().enumerate() {
            let Some(index) = fields.iter().position(|f| &f.id == field) else {
                return Err(InputError::at(
                    at.value(&format!("{path}.fields[{k}]")),
                    format!(
                        "page {:?} names related field {field:?}, which is not declared under `fields`",
                        page.id
                    ),
                ));
            };
            if !fields_of.contains(&index) {
                fields_of.push(index);
            }
        }
        related.push(Related {
            relation,
            fields: fields_of,
        });
    }
    Ok(related)
}

/// The route table; two pages with the same route pattern are refused.
fn route_table(pages: &[Page], at: &Locate) -> InputResult<RouteTable> {
    RouteTable::new(pages.iter().map(|p| &p.route)).map_err(|(first, second)| {
        InputError::at(
            at.value(&format!("pages[{second}].route")),
            format!(
                "page {:?} has the same route pattern as page {:?} ({})",
                pages[second].id,
                pages[first].id,
                pages[first].route.shape()
            ),
        )
    })
}

/// A relation no page's `related:` names is a warning.
fn warn_unshown_relations(
    relations: &[Relation],
    pages: &[Page],
    at: &Locate,
    warnings: &mut Vec<String>,
) {
    for (index, relation) in relations.iter().enumerate() {
        if !pages
            .iter()
            .any(|p| p.related.iter().any(|r| r.relation == index))
        {
            warnings.push(format!(
                "{}: relation {} is shown by no page",
                at.key(&format!("relations.{}", relation.id)),
                relation.id
            ));
        }
    }
}

/// A field no page renders (as its own or a related person's) is a warning.
fn warn_unrendered_fields(
    fields: &[Field],
    pages: &[Page],
    at: &Locate,
    warnings: &mut Vec<String>,
) {
    // One pass over the pages (a 10,000-page inventory must not cost pages × fields).
    let mut rendered = vec![false; fields.len()];
    for page in pages {
        let related = page.related.iter().flat_map(|r| &r.fields);
        for &index in page.fields.iter().chain(related) {
            rendered[index] = true;
        }
    }
    for (field, rendered) in fields.iter().zip(rendered) {
        if !rendered {
            warnings.push(format!(
                "{}: field {} is rendered by no page",
                at.key(&format!("fields.{}", field.id)),
                field.id
            ));
        }
    }
}

/// The `incident:` block; without jurisdictions no deadline is computed (a warning).
fn validate_incident(
    block: &incident::IncidentDoc,
    at: &incident::Where,
    warnings: &mut Vec<String>,
) -> InputResult<Incident> {
    let incident = incident::incident(block, at)?;
    if incident.jurisdictions.is_empty() {
        warnings.push(format!(
            "{}: no jurisdictions: no deadlines are computed (known: {})",
            (at.at_key)("incident"),
            Jurisdiction::NAMES
        ));
    }
    Ok(incident)
}
