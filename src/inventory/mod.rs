//! The inventory: which page renders which personal fields. YAML parsing lives here
//! (and only here) so the YAML crate can be swapped; validation (`validate.rs`) gives file,
//! line, column and the offending key.

pub mod controller;
pub mod document;
pub mod incident;
mod limits;
mod localised;
mod positions;
pub mod route;
pub mod splice;
mod validate;

use std::path::Path;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::error::{InputError, InputResult, Location};
pub use controller::{Controller, ControllerLine};
pub use incident::{AppiMark, GdprMark, Incident, Jurisdiction, Lang, NoticeConfig, Told};
pub use localised::Localised;
use localised::LocalisedDoc;
use positions::Positions;
pub use route::{normalise_path, suggest_route, Route, RouteTable};

const FIDESLANG: &str = include_str!("fideslang_categories.tsv");

/// Every fideslang data category: (key, name, the key that replaces it if deprecated).
fn fideslang_taxonomy() -> impl Iterator<Item = (&'static str, &'static str, Option<&'static str>)>
{
    FIDESLANG
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .filter_map(|line| {
            let mut parts = line.split('\t');
            Some((parts.next()?, parts.next()?, parts.next()))
        })
}

/// The current fideslang data categories (deprecated ones left out): (key, name).
pub fn fideslang_categories() -> impl Iterator<Item = (&'static str, &'static str)> {
    fideslang_taxonomy()
        .filter(|(_, _, replaced_by)| replaced_by.is_none())
        .map(|(key, name, _)| (key, name))
}

/// The name fideslang gives category `key` ("Contact Data" for `user.contact`).
pub fn fideslang_name(key: &str) -> Option<&'static str> {
    fideslang_taxonomy()
        .find(|(k, _, _)| *k == key)
        .map(|(_, name, _)| name)
}

/// The key that replaces `key`, when fideslang has deprecated it.
pub fn fideslang_replacement(key: &str) -> Option<&'static str> {
    fideslang_taxonomy()
        .find(|(k, _, _)| *k == key)
        .and_then(|(_, _, replaced_by)| replaced_by)
}

/// The YAML document as written. Unknown keys are refused so nothing can be lost silently.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct InventoryDoc {
    version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    /// Who reports the incident (the reports to the regulator).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    controller: Option<controller::ControllerDoc>,
    #[serde(default)]
    fields: IndexMap<String, FieldDoc>,
    /// Kinds of related person a page can show (id -> label), e.g. the buyer on a seller's page.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    relations: IndexMap<String, String>,
    #[serde(default)]
    pages: Vec<PageDoc>,
    /// When the incident was discovered and which laws apply (deadlines).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    incident: Option<incident::IncidentDoc>,
    /// How letters to users are written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    notice: Option<incident::NoticeDoc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FieldDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    category: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    direct_notice: bool,
    /// APPI marks that make a leak of the field reportable (PPC Rules Art. 7(i), (ii)):
    /// `sensitive`, `financial_damage`, or a list of both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    appi: Option<OneOrMany>,
    /// GDPR marks: `special` (Art. 9 special categories), `criminal` (Art. 10), or both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    gdpr: Option<OneOrMany>,
}

/// One value or a list of them (`appi: sensitive`, `appi: [sensitive, financial_damage]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn items(&self) -> Vec<&str> {
        match self {
            OneOrMany::One(one) => vec![one.as_str()],
            OneOrMany::Many(many) => many.iter().map(String::as_str).collect(),
        }
    }
}

/// Defaults stay out of the canonical form.
fn is_false(value: &bool) -> bool {
    !value
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PageDoc {
    id: String,
    route: String,
    /// What a person calls the page, one title or one per language (`{en: …, ja: …}`):
    /// letters name the page by it instead of its route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    title: Option<LocalisedDoc>,
    #[serde(default)]
    fields: Vec<String>,
    /// Fields of related people the page shows (the buyer's address on a seller's page).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    related: Vec<RelatedDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RelatedDoc {
    relation: String,
    #[serde(default)]
    fields: Vec<String>,
}

/// A personal field some page renders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub id: String,
    pub label: String,
    pub category: String,
    pub direct_notice: bool,
    /// What makes a leak of this field reportable under the APPI (empty: nothing by itself).
    pub appi: Vec<AppiMark>,
    /// The GDPR's further protected kinds of data it holds (empty: none).
    pub gdpr: Vec<GdprMark>,
}

/// A kind of related person a page can show: its id in the relations table and its label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    pub id: String,
    pub label: String,
}

/// Fields of one kind of related person that a page shows (indices into `Inventory::relations`
/// and `Inventory::fields`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    pub relation: usize,
    pub fields: Vec<usize>,
}

/// A page, its route and the fields it renders (indices into `Inventory::fields`).
#[derive(Debug, Clone)]
pub struct Page {
    pub id: String,
    pub route_text: String,
    pub route: Route,
    pub fields: Vec<usize>,
    /// Fields of related people it shows, one entry per relation.
    pub related: Vec<Related>,
    pub note: Option<String>,
    /// What a person calls the page (`title:`), if the inventory says.
    pub title: PageTitle,
}

/// A page's title: one for every language, and per language.
pub type PageTitle = Localised;

/// At most this many relations: each is one bit of the `via` mask, beside `own`.
pub const MAX_RELATIONS: usize = 63;

/// A validated inventory.
#[derive(Debug)]
pub struct Inventory {
    pub source: String,
    pub name: String,
    pub fields: Vec<Field>,
    /// Kinds of related person (`relations:`), in file order.
    pub relations: Vec<Relation>,
    pub pages: Vec<Page>,
    pub routes: RouteTable,
    /// The `controller:` block (empty when absent): who reports.
    pub controller: Controller,
    /// The `incident:` block, when given: deadlines run from it.
    pub incident: Option<Incident>,
    /// The `notice:` block (defaults when absent).
    pub notice: NoticeConfig,
    /// Problems worth a look that do not stop the audit.
    pub warnings: Vec<String>,
}

impl Inventory {
    /// Loads and validates an inventory file.
    pub fn load(path: &Path) -> InputResult<Inventory> {
        let source = path.display().to_string();
        if path.is_dir() {
            return Err(InputError::at(
                Location::file(source),
                "is a directory, expected an inventory YAML file",
            ));
        }
        let bytes = std::fs::read(path).map_err(|e| {
            InputError::at(
                Location::file(&source),
                format!("cannot read inventory: {e}"),
            )
        })?;
        let text = std::str::from_utf8(&bytes).map_err(|e| {
            let (line, column) = line_column(&bytes[..e.valid_up_to()]);
            InputError::at(
                Location::file(&source).at(line, column),
                "the inventory is not UTF-8 text (save it as UTF-8)",
            )
        })?;
        Inventory::parse(text, &source)
    }

    /// Parses and validates inventory text; `source` names it in errors.
    pub fn parse(text: &str, source: &str) -> InputResult<Inventory> {
        if text.trim().is_empty() {
            return Err(InputError::at(
                Location::file(source),
                "the inventory is empty; it needs at least `version: 1`",
            ));
        }
        // Before the YAML crate expands anything: a bomb or absurd nesting is refused here.
        limits::check(text).map_err(|excess| {
            InputError::at(
                Location::file(source).at(excess.line, excess.column),
                format!("invalid inventory: {}", excess.message),
            )
        })?;
        let doc: InventoryDoc = serde_yaml::from_str(text).map_err(|e| yaml_error(source, &e))?;
        let positions = Positions::index(text);
        validate::validate(doc, &positions, source, text)
    }

    pub fn field_index(&self, id: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.id == id)
    }

    /// Field `index`'s label in `lang`: `notice.labels`' translation, else its `label`.
    pub fn field_label(&self, lang: Lang, index: usize) -> &str {
        self.notice
            .label(lang, index)
            .unwrap_or(&self.fields[index].label)
    }

    pub fn relation_index(&self, id: &str) -> Option<usize> {
        self.relations.iter().position(|r| r.id == id)
    }

    /// Whether some page shows fields of a related person.
    pub fn has_related(&self) -> bool {
        self.pages.iter().any(|p| !p.related.is_empty())
    }

    /// The page a normalised path belongs to, most specific route first.
    pub fn match_path(&self, normalised: &str) -> Option<usize> {
        self.routes.find(normalised)
    }
}

fn yaml_error(source: &str, e: &serde_yaml::Error) -> InputError {
    let mut location = Location::file(source);
    if let Some(at) = e.location() {
        location = location.at(at.line(), at.column());
    }
    // serde_yaml appends " at line L column C"; the location already says it.
    let message = e.to_string();
    let message = match message.find(" at line ") {
        Some(pos) => message[..pos].to_string(),
        None => message,
    };
    InputError::at(
        location,
        format!("invalid inventory: {}", without_values(&message)),
    )
}

/// serde's words with the values it quotes (`invalid type: string "…"`, `integer `…``)
/// replaced by their shape: a sender, a contact or a note can name a person, and a value
/// typed in the wrong place is still that value. Keys and the expected type stay.
fn without_values(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    loop {
        let quoted = [
            ("string \"", '"'),
            ("integer `", '`'),
            ("floating point `", '`'),
        ]
        .into_iter()
        .filter_map(|(open, close)| rest.find(open).map(|at| (at, open, close)))
        .min_by_key(|(at, _, _)| *at);
        let Some((at, open, close)) = quoted else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..at]);
        let value_start = at + open.len();
        let Some(len) = quoted_len(&rest[value_start..], close) else {
            out.push_str("a value");
            return out;
        };
        let value = &rest[value_start..value_start + len];
        let what = if close == '"' { "a text" } else { "a number" };
        out.push_str(&format!("{what} {}", crate::text::shaped(value)));
        rest = &rest[value_start + len + close.len_utf8()..];
    }
}

/// The length of a quoted value up to its closing `close` (a `\`-escaped one skipped).
fn quoted_len(text: &str, close: char) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            c if c == close => return Some(i),
            _ => {}
        }
    }
    None
}

/// 1-based line and column just after `before` (the column counts characters).
fn line_column(before: &[u8]) -> (usize, usize) {
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "version: 1\nname: t\nfields:\n  name: {label: Name, category: user.name, direct_notice: true}\n  card_last4: {label: Card, category: user.financial.credit_card}\npages:\n  - id: mypage\n    route: /my/\n    fields: [name]\n  - id: card\n    route: /my/card/\n    fields: [card_last4]\n";

    fn err(text: &str) -> String {
        Inventory::parse(text, "inv.yaml").unwrap_err().to_string()
    }

    #[test]
    fn loads_a_good_inventory() {
        let inv = Inventory::parse(GOOD, "inv.yaml").unwrap();
        assert_eq!(inv.fields.len(), 2);
        assert_eq!(inv.pages[1].fields, vec![1]);
        assert!(inv.warnings.is_empty(), "{:?}", inv.warnings);
        assert_eq!(inv.match_path("/my/card"), Some(1));
    }

    #[test]
    fn names_line_and_column_of_semantic_errors() {
        let undeclared = GOOD.replace("fields: [card_last4]", "fields: [card_last4, email]");
        assert_eq!(
            err(&undeclared),
            "inv.yaml:12:26: pages[1].fields[1]: page \"card\" names field \"email\", which is not declared under `fields`"
        );
        let dup_page = GOOD.replace("id: card", "id: mypage");
        assert!(err(&dup_page).starts_with("inv.yaml:10:9: pages[1].id: duplicate page id"));
        let bad_route = GOOD.replace("route: /my/card/", "route: /my/{card/");
        assert!(err(&bad_route).starts_with("inv.yaml:11:12: pages[1].route: malformed route"));
        let same = GOOD.replace("route: /my/card/", "route: /my");
        assert!(err(&same).contains("same route pattern"));
        let version = GOOD.replace("version: 1", "version: 2");
        assert!(err(&version).starts_with("inv.yaml:1:10: version: unknown inventory version 2"));
        let dup_field = GOOD.replace("  card_last4:", "  name:");
        assert!(
            err(&dup_field).starts_with("inv.yaml:5:3: fields.name: duplicate key"),
            "{}",
            err(&dup_field)
        );
    }

    #[test]
    fn syntax_and_unknown_keys_name_the_line() {
        let e = err("version: 1\nfields:\n  name: {label: [\n");
        assert!(e.starts_with("inv.yaml:"), "{e}");
        let e = err(&GOOD.replace("    route: /my/\n", "    route: /my/\n    colour: red\n"));
        assert!(e.contains("unknown field `colour`"), "{e}");
        assert!(e.starts_with("inv.yaml:9:"), "{e}");
    }

    const RELATED: &str = "version: 1\nfields:\n  name: {label: Name, category: user.name}\n  address: {label: Address, category: user.contact.address}\nrelations:\n  buyer_of_seller: Buyer shown on the seller's transaction page\npages:\n  - id: deal\n    route: /deal/{id}/\n    fields: [name]\n    related:\n      - relation: buyer_of_seller\n        fields: [name, address]\n";

    #[test]
    fn loads_related_fields_and_names_their_errors() {
        let inv = Inventory::parse(RELATED, "inv.yaml").unwrap();
        assert_eq!(
            inv.relations,
            vec![Relation {
                id: "buyer_of_seller".into(),
                label: "Buyer shown on the seller's transaction page".into()
            }]
        );
        assert_eq!(
            inv.pages[0].related,
            vec![Related {
                relation: 0,
                fields: vec![0, 1]
            }]
        );
        // address is rendered only as a related field: no "rendered by no page" warning.
        assert!(inv.warnings.is_empty(), "{:?}", inv.warnings);
        let unknown = RELATED.replace("- relation: buyer_of_seller", "- relation: seller");
        assert_eq!(
            err(&unknown),
            "inv.yaml:12:19: pages[0].related[0].relation: page \"deal\" names relation \"seller\", which is not declared under `relations`"
        );
        let undeclared = RELATED.replace("fields: [name, address]", "fields: [name, phone]");
        assert_eq!(
            err(&undeclared),
            "inv.yaml:13:24: pages[0].related[0].fields[1]: page \"deal\" names related field \"phone\", which is not declared under `fields`"
        );
        let bad_id = RELATED.replace("  buyer_of_seller: Buyer", "  Buyer: Buyer");
        assert!(err(&bad_id).starts_with("inv.yaml:6:3: relations.Buyer: relation id"));
        let unused = RELATED.replace(
            "relations:\n",
            "relations:\n  spare: A relation no page shows\n",
        );
        let inv = Inventory::parse(&unused, "inv.yaml").unwrap();
        assert!(inv.warnings[0].contains("relation spare is shown by no page"));
    }

    #[test]
    fn warns_about_unused_fields_and_unknown_categories() {
        let text = GOOD.replace("category: user.name", "category: user.nickname") + "";
        let text = text.replace(
            "fields:\n  name:",
            "fields:\n  spare: {label: Spare, category: user}\n  name:",
        );
        let inv = Inventory::parse(&text, "inv.yaml").unwrap();
        assert_eq!(inv.warnings.len(), 2, "{:?}", inv.warnings);
        assert!(inv.warnings.iter().any(|w| w.contains("user.nickname")));
        assert!(inv
            .warnings
            .iter()
            .any(|w| w.contains("spare is rendered by no page")));
    }
}
