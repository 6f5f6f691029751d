//! Letters to users: the facts of one user's exposure as template values, rendered with
//! minijinja from the bundled templates (en, ja) or the inventory's `notice.templates`.
//! Custom templates are checked when loaded: a placeholder outside `PLACEHOLDERS`, a
//! syntax error or a misspelt attribute names the inventory file, line and key.

use std::collections::BTreeSet;

use anyhow::Result;
use minijinja::{Environment, State, UndefinedBehavior, Value};
use polars::prelude::*;
use serde::Serialize;

use crate::audit::Audit;
use crate::error::{InputError, InputResult, Location};
use crate::frame::cells;
use crate::frame::names::{
    CONFIRMED_FIELDS, DISTINCT_VIEWERS, EXPOSED_FIELDS, EXPOSURES, FIRST_EXPOSED, LAST_EXPOSED,
    POSSIBLE_EXPOSURES, POTENTIAL_FIELDS, USER_ID,
};
use crate::inventory::incident::Template;
use crate::inventory::{Inventory, Lang};

const BUNDLED_EN: &str = include_str!("templates/en.md");
const BUNDLED_JA: &str = include_str!("templates/ja.md");

/// The values a letter template can use (README "Notices" documents each).
pub const PLACEHOLDERS: &[&str] = &[
    "service",
    "sender",
    "contact",
    "discovered_at",
    "lang",
    USER_ID,
    "tier",
    "exposed",
    "possibly_exposed",
    "direct_fields",
    "only_potential",
    "pages",
    EXPOSURES,
    "viewers",
    POSSIBLE_EXPOSURES,
    FIRST_EXPOSED,
    LAST_EXPOSED,
    "contact_exposed",
    "financial_exposed",
];

/// One page that showed the user's data to someone else.
#[derive(Debug, Clone, Serialize)]
pub struct PageFacts {
    pub id: String,
    /// The route as written in the inventory (`/my/email/{*rest}`).
    pub route: String,
    /// The route as a user reads it: parameters shown as `…` (`/my/email/…`).
    pub path: String,
    /// The page's title in the letter's language (`title:` in the inventory), if any.
    pub title: Option<String>,
    /// How the letter names the page: its title with the path after it, or the path.
    pub name: String,
    pub note: Option<String>,
    /// Labels of the user's fields this page showed to others.
    pub fields: Vec<String>,
    /// Whether the page was the user's own (false: only someone else's page showing them).
    pub own: bool,
    /// On someone else's page: the relations' labels, saying in what role the user was
    /// shown ("Buyer shown on the seller's transaction page"); never the other person's id.
    pub through: Vec<String>,
}

/// Everything a letter says about one user (field names are labels in the letter's language).
#[derive(Debug, Clone, Serialize)]
pub struct Facts {
    pub service: String,
    pub sender: String,
    pub contact: Option<String>,
    pub discovered_at: Option<String>,
    pub lang: &'static str,
    pub user_id: String,
    pub tier: String,
    /// Fields seen by someone else (confirmed).
    pub exposed: Vec<String>,
    /// Fields only possibly seen: the user was a candidate owner of an ambiguous response.
    pub possibly_exposed: Vec<String>,
    pub direct_fields: Vec<String>,
    pub only_potential: Vec<String>,
    pub pages: Vec<PageFacts>,
    pub exposures: u64,
    pub viewers: u64,
    pub possible_exposures: u64,
    pub first_exposed: Option<String>,
    pub last_exposed: Option<String>,
    pub contact_exposed: bool,
    pub financial_exposed: bool,
}

/// The compiled letter templates, one per language.
pub struct Letters<'a> {
    env: Environment<'a>,
    inventory: &'a Inventory,
}

impl<'a> Letters<'a> {
    /// Compiles the templates (custom ones from the inventory, bundled ones otherwise) and
    /// checks every custom template against the placeholder set and two sample users.
    pub fn new(inventory: &'a Inventory) -> InputResult<Letters<'a>> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        // Spans of failing expressions, so an error can quote the template.
        env.set_debug(true);
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_keep_trailing_newline(true);
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
        env.add_filter("list", list);
        for lang in Lang::ALL {
            match inventory.notice.template(lang) {
                Some(custom) => {
                    env.add_template(lang.code(), &custom.text)
                        .map_err(|e| template_error(inventory, custom, &e))?;
                    check_placeholders(&env, inventory, custom)?;
                }
                None => {
                    let bundled = match lang {
                        Lang::En => BUNDLED_EN,
                        Lang::Ja => BUNDLED_JA,
                    };
                    env.add_template(lang.code(), bundled)
                        .map_err(|e| InputError::usage(format!("bundled template: {e}")))?;
                }
            }
        }
        let letters = Letters { env, inventory };
        for custom in &inventory.notice.templates {
            for facts in letters.samples(custom.lang) {
                letters
                    .render_facts(custom.lang, &facts)
                    .map_err(|e| template_error(inventory, custom, &e))?;
            }
        }
        Ok(letters)
    }

    /// The letter's text for facts already gathered.
    pub fn render_facts(&self, lang: Lang, facts: &Facts) -> Result<String, minijinja::Error> {
        self.env.get_template(lang.code())?.render(facts)
    }

    /// Renders, turning a template failure into bad input naming the template.
    pub fn render(&self, lang: Lang, facts: &Facts) -> Result<String> {
        self.render_facts(lang, facts)
            .map_err(|e| match self.inventory.notice.template(lang) {
                Some(custom) => template_error(self.inventory, custom, &e).into(),
                None => anyhow::anyhow!("bundled {} template: {e}", lang.code()),
            })
    }

    /// The label of field `index` in `lang`.
    fn label(&self, lang: Lang, index: usize) -> String {
        self.inventory.field_label(lang, index).to_string()
    }

    /// Labels of field ids, in inventory order.
    fn labels(&self, lang: Lang, ids: &[String]) -> Vec<String> {
        self.indices(ids)
            .into_iter()
            .map(|i| self.label(lang, i))
            .collect()
    }

    fn indices(&self, ids: &[String]) -> Vec<usize> {
        let mut indices: Vec<usize> = ids
            .iter()
            .filter_map(|id| self.inventory.field_index(id))
            .collect();
        indices.sort_unstable();
        indices
    }

    fn common(&self, lang: Lang, zone: &crate::ingest::Zone) -> Facts {
        let inventory = self.inventory;
        let notice = &inventory.notice;
        let service = if inventory.name.is_empty() {
            "our service".to_string()
        } else {
            inventory.name.clone()
        };
        Facts {
            sender: notice.sender.clone().unwrap_or_else(|| service.clone()),
            service,
            contact: notice.contact.clone(),
            discovered_at: inventory
                .incident
                .as_ref()
                .map(|i| letter_time(zone, i.discovered_at.timestamp_micros())),
            lang: lang.code(),
            user_id: String::new(),
            tier: String::new(),
            exposed: Vec::new(),
            possibly_exposed: Vec::new(),
            direct_fields: Vec::new(),
            only_potential: Vec::new(),
            pages: Vec::new(),
            exposures: 0,
            viewers: 0,
            possible_exposures: 0,
            first_exposed: None,
            last_exposed: None,
            contact_exposed: false,
            financial_exposed: false,
        }
    }

    /// The facts of row `row` of a users frame (`Audit::users_frame`).
    pub fn facts(
        &self,
        audit: &Audit,
        users: &DataFrame,
        row: usize,
        lang: Lang,
    ) -> anyhow::Result<Facts> {
        let inventory = self.inventory;
        let exposed = cells::strings(users, EXPOSED_FIELDS, row)?;
        let potential = cells::strings(users, POTENTIAL_FIELDS, row)?;
        let only_potential: Vec<String> = potential
            .iter()
            .filter(|f| !exposed.contains(f))
            .cloned()
            .collect();
        let exposed_indices = self.indices(&exposed);
        let direct: Vec<String> = exposed_indices
            .iter()
            .filter(|&&i| inventory.fields[i].direct_notice)
            .map(|&i| inventory.fields[i].id.clone())
            .collect();
        let pages = self.exposing_pages(users, row, &exposed_indices, lang)?;
        let category_seen = |prefix: &str| {
            exposed_indices
                .iter()
                .any(|&i| inventory.fields[i].category.starts_with(prefix))
        };
        let time = |column: &str| -> anyhow::Result<Option<String>> {
            Ok(cells::micros(users, column, row)?.map(|m| letter_time(&audit.zone, m)))
        };
        let (confirmed, possibly, possible_exposures) = match users.column(CONFIRMED_FIELDS) {
            Ok(_) => {
                let confirmed = cells::strings(users, CONFIRMED_FIELDS, row)?;
                let possibly: Vec<String> = exposed
                    .iter()
                    .filter(|f| !confirmed.contains(f))
                    .cloned()
                    .collect();
                let count = cells::number(users, POSSIBLE_EXPOSURES, row)?;
                (confirmed, possibly, count)
            }
            Err(_) => (exposed.clone(), Vec::new(), 0),
        };
        Ok(Facts {
            user_id: cells::text(users, USER_ID, row)?,
            tier: cells::text(users, "tier", row)?,
            exposed: self.labels(lang, &confirmed),
            possibly_exposed: self.labels(lang, &possibly),
            possible_exposures,
            direct_fields: self.labels(lang, &direct),
            only_potential: self.labels(lang, &only_potential),
            pages,
            exposures: cells::number(users, EXPOSURES, row)?,
            viewers: cells::number(users, DISTINCT_VIEWERS, row)?,
            first_exposed: time(FIRST_EXPOSED)?,
            last_exposed: time(LAST_EXPOSED)?,
            contact_exposed: category_seen("user.contact"),
            financial_exposed: category_seen("user.financial"),
            ..self.common(lang, &audit.zone)
        })
    }

    /// The pages that exposed the user of row `row`, in inventory order; `exposed` are
    /// the indices of the user's exposed fields.
    fn exposing_pages(
        &self,
        users: &DataFrame,
        row: usize,
        exposed: &[usize],
        lang: Lang,
    ) -> anyhow::Result<Vec<PageFacts>> {
        let page_ids = cells::strings(users, "pages", row)?;
        // With a relations table: the pages that exposed the user as owner, and the
        // relations through which other people's pages did. Without: every page is theirs.
        let relating = users.column("own_pages").is_ok();
        let (own_pages, via) = if relating {
            (
                cells::strings(users, "own_pages", row)?,
                cells::strings(users, "via", row)?,
            )
        } else {
            (page_ids.clone(), Vec::new())
        };
        Ok(self
            .inventory
            .pages
            .iter()
            .filter(|p| page_ids.contains(&p.id))
            .map(|p| self.page_facts(p, own_pages.contains(&p.id), &via, exposed, lang))
            .collect())
    }

    /// What one page showed of the user: as their own page (`own`), and through the
    /// relations of `via` that it shows.
    fn page_facts(
        &self,
        p: &crate::inventory::Page,
        own: bool,
        via: &[String],
        exposed: &[usize],
        lang: Lang,
    ) -> PageFacts {
        let inventory = self.inventory;
        let related: Vec<&crate::inventory::Related> = p
            .related
            .iter()
            .filter(|r| via.contains(&inventory.relations[r.relation].id))
            .collect();
        // A page exposed for this user showed every field it renders of them that they have
        // on file, so its exposed fields are its fields among the user's exposed ones.
        let shows = |i: &usize| {
            (own && p.fields.contains(i)) || related.iter().any(|r| r.fields.contains(i))
        };
        let (title, name) = page_name(p, lang);
        PageFacts {
            id: p.id.clone(),
            route: p.route_text.clone(),
            path: readable_route(&p.route_text),
            title,
            name,
            note: p.note.clone(),
            fields: exposed
                .iter()
                .filter(|i| shows(i))
                .map(|&i| self.label(lang, i))
                .collect(),
            own,
            through: related
                .iter()
                .map(|r| inventory.relations[r.relation].label.clone())
                .collect(),
        }
    }

    /// Two invented users that take every branch of the bundled templates: one exposed
    /// through every page, one with only potential fields.
    fn samples(&self, lang: Lang) -> Vec<Facts> {
        let inventory = self.inventory;
        let all: Vec<usize> = (0..inventory.fields.len()).collect();
        let labels: Vec<String> = all.iter().map(|&i| self.label(lang, i)).collect();
        let zone = crate::ingest::Zone::default();
        let exposed = Facts {
            user_id: "sample-user".into(),
            tier: "direct".into(),
            exposed: labels.clone(),
            direct_fields: labels.clone(),
            only_potential: labels.clone(),
            pages: inventory
                .pages
                .iter()
                .map(|p| PageFacts {
                    id: p.id.clone(),
                    route: p.route_text.clone(),
                    path: readable_route(&p.route_text),
                    title: page_name(p, lang).0,
                    name: page_name(p, lang).1,
                    note: p.note.clone(),
                    fields: p.fields.iter().map(|&i| self.label(lang, i)).collect(),
                    own: p.related.is_empty(),
                    through: p
                        .related
                        .iter()
                        .map(|r| inventory.relations[r.relation].label.clone())
                        .collect(),
                })
                .collect(),
            possibly_exposed: labels.clone(),
            exposures: 2,
            viewers: 2,
            possible_exposures: 1,
            first_exposed: Some("2017-06-22 10:00:00 +00:00".into()),
            last_exposed: Some("2017-06-22 11:00:00 +00:00".into()),
            contact_exposed: true,
            financial_exposed: true,
            ..self.common(lang, &zone)
        };
        let potential = Facts {
            user_id: "sample-user".into(),
            tier: "potential".into(),
            only_potential: labels,
            ..self.common(lang, &zone)
        };
        vec![exposed, potential]
    }
}

/// `list`: "A, B and C" in English, "A、B、C" in Japanese (the template's `lang`).
fn list(state: &State, items: Value) -> Result<String, minijinja::Error> {
    let items: Vec<String> = items.try_iter()?.map(|v| v.to_string()).collect();
    let ja = state
        .lookup("lang")
        .is_some_and(|l| l.as_str() == Some("ja"));
    Ok(if ja {
        items.join("、")
    } else {
        match items.as_slice() {
            [] => String::new(),
            [one] => one.clone(),
            [init @ .., last] => format!("{} and {last}", init.join(", ")),
        }
    })
}

/// A route as users read it: `{id}` and `{*rest}` become `…`.
/// A page's title in `lang` and how a letter in `lang` names it: "Delivery address
/// (/jp/mypage/delivery_address/)", "お届け先住所（/jp/…）", or the readable route alone.
fn page_name(page: &crate::inventory::Page, lang: Lang) -> (Option<String>, String) {
    let path = readable_route(&page.route_text);
    match page.title.in_lang(lang) {
        Some(title) => {
            let name = match lang {
                Lang::En => format!("{title} ({path})"),
                Lang::Ja => format!("{title}（{path}）"),
            };
            (Some(title.to_string()), name)
        }
        None => (None, path),
    }
}

pub fn readable_route(route: &str) -> String {
    route
        .split('/')
        .map(|s| if s.starts_with('{') { "…" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

/// "2017-06-22 10:02:00 +09:00": a time in `zone` to the second.
pub fn letter_time(zone: &crate::ingest::Zone, micros: i64) -> String {
    let micros = micros - micros.rem_euclid(1_000_000);
    let rfc = zone.format_micros(micros);
    match rfc.split_once('T') {
        Some((date, rest)) if rest.len() >= 8 => format!("{date} {} {}", &rest[..8], &rest[8..]),
        _ => rfc,
    }
}

/// The inventory line of line `n` (1-based) of a custom template.
fn inventory_line(template: &Template, n: usize) -> Option<usize> {
    template.first_line.map(|first| first + n.saturating_sub(1))
}

fn location(
    inventory: &Inventory,
    template: &Template,
    line_in_template: Option<usize>,
) -> Location {
    let mut location = Location::file(&inventory.source).key(template.key.clone());
    location.line = line_in_template.and_then(|n| inventory_line(template, n));
    location
}

fn template_error(inventory: &Inventory, template: &Template, e: &minijinja::Error) -> InputError {
    let mut what = e
        .detail()
        .map_or_else(|| e.kind().to_string(), str::to_string);
    if let Some(expression) = e.range().and_then(|r| template.text.get(r)) {
        what.push_str(&format!(" in `{expression}`"));
    }
    let hint = if e.kind() == minijinja::ErrorKind::UndefinedError {
        format!(" (placeholders: {})", PLACEHOLDERS.join(", "))
    } else {
        String::new()
    };
    InputError::at(
        location(inventory, template, e.line()),
        format!("letter template: {what}{hint}"),
    )
}

/// Refuses a template that reads a value outside the placeholder set.
fn check_placeholders(
    env: &Environment,
    inventory: &Inventory,
    template: &Template,
) -> InputResult<()> {
    let Ok(compiled) = env.get_template(template.lang.code()) else {
        return Ok(());
    };
    let unknown: BTreeSet<String> = compiled
        .undeclared_variables(false)
        .into_iter()
        .filter(|name| !PLACEHOLDERS.contains(&name.as_str()))
        .collect();
    let Some(first) = unknown.iter().next() else {
        return Ok(());
    };
    let line = template
        .text
        .lines()
        .position(|l| mentions(l, first))
        .map(|i| i + 1);
    Err(InputError::at(
        location(inventory, template, line),
        format!(
            "letter template: unknown placeholder {first:?}{}; known: {}",
            if unknown.len() > 1 {
                format!(
                    " (also {})",
                    unknown
                        .iter()
                        .skip(1)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            } else {
                String::new()
            },
            PLACEHOLDERS.join(", ")
        ),
    ))
}

/// Whether `line` uses `name` as a whole word.
fn mentions(line: &str, name: &str) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    line.match_indices(name).any(|(i, _)| {
        let before = line[..i].chars().next_back();
        let after = line[i + name.len()..].chars().next();
        !before.is_some_and(word) && !after.is_some_and(word)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_read_plainly() {
        assert_eq!(readable_route("/my/email/{*rest}"), "/my/email/…");
        assert_eq!(readable_route("/items/{id}/"), "/items/…/");
    }

    #[test]
    fn letter_times_drop_fractions() {
        let zone: crate::ingest::Zone = "+09:00".parse().unwrap();
        // 2017-06-22T01:02:00.5Z
        assert_eq!(
            letter_time(&zone, 1_498_093_320_500_000),
            "2017-06-22 10:02:00 +09:00"
        );
    }

    #[test]
    fn mentions_whole_words_only() {
        assert!(mentions("Hi {{ nme }}", "nme"));
        assert!(!mentions("Hi {{ nmes }}", "nme"));
    }
}
