//! The inventory as a document to edit and save: the edits the TUI offers, validation by
//! the same rules (and messages) as loading, the canonical YAML that the TUI and
//! `inventory fmt` write, and a save that keeps the previous file as `FILE.bak`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::{yaml_error, FieldDoc, Inventory, InventoryDoc, PageDoc};
use crate::error::{InputError, InputResult};
use crate::files::{self, Access};

/// One change to the inventory, as the TUI offers them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    AddPage {
        id: String,
        route: String,
        fields: Vec<String>,
        note: Option<String>,
    },
    SetRoute {
        page: String,
        route: String,
    },
    /// The page's fields, replacing the list (adds and removes fields).
    SetPageFields {
        page: String,
        fields: Vec<String>,
    },
    SetNote {
        page: String,
        note: Option<String>,
    },
    AddField {
        id: String,
        label: String,
        category: String,
        direct_notice: bool,
    },
    DeletePage {
        page: String,
    },
    /// Deletes a field definition that no page renders.
    DeleteField {
        field: String,
    },
}

impl Edit {
    /// How the edit reads in a status line or the undo history.
    pub fn describe(&self) -> String {
        match self {
            Edit::AddPage { id, route, .. } => format!("added page {id} ({route})"),
            Edit::SetRoute { page, route } => format!("page {page}: route {route}"),
            Edit::SetPageFields { page, fields } => {
                format!("page {page}: fields [{}]", fields.join(", "))
            }
            Edit::SetNote { page, .. } => format!("page {page}: note"),
            Edit::AddField { id, .. } => format!("added field {id}"),
            Edit::DeletePage { page } => format!("deleted page {page}"),
            Edit::DeleteField { field } => format!("deleted field {field}"),
        }
    }
}

/// A page as the document holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageEntry {
    pub id: String,
    pub route: String,
    pub fields: Vec<String>,
    pub note: Option<String>,
}

/// A field definition as the document holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldEntry {
    pub id: String,
    pub label: String,
    pub category: String,
    pub direct_notice: bool,
}

/// The inventory document. Every key the model knows is kept (unknown keys were refused
/// on load), so saving loses nothing but comments.
#[derive(Debug, Clone)]
pub struct Document {
    doc: InventoryDoc,
}

impl Document {
    /// Reads a document; `source` names it in errors. Validation is separate (`validate`).
    pub fn parse(text: &str, source: &str) -> InputResult<Document> {
        let doc: InventoryDoc = serde_yaml::from_str(text).map_err(|e| yaml_error(source, &e))?;
        Ok(Document { doc })
    }

    /// The canonical YAML: keys in the model's order, defaults left out.
    pub fn to_yaml(&self) -> InputResult<String> {
        yaml_text(&self.doc)
    }

    /// The inventory this document describes, by the same rules as loading a file.
    pub fn validate(&self, source: &str) -> InputResult<Inventory> {
        Inventory::parse(&self.to_yaml()?, source)
    }

    pub fn pages(&self) -> Vec<PageEntry> {
        self.doc
            .pages
            .iter()
            .map(|p| PageEntry {
                id: p.id.clone(),
                route: p.route.clone(),
                fields: p.fields.clone(),
                note: p.note.clone(),
            })
            .collect()
    }

    pub fn fields(&self) -> Vec<FieldEntry> {
        self.doc
            .fields
            .iter()
            .map(|(id, f)| FieldEntry {
                id: id.clone(),
                label: f.label.clone().unwrap_or_else(|| id.clone()),
                category: f.category.clone().unwrap_or_default(),
                direct_notice: f.direct_notice,
            })
            .collect()
    }

    pub fn page(&self, id: &str) -> Option<PageEntry> {
        self.pages().into_iter().find(|p| p.id == id)
    }

    fn page_mut(&mut self, id: &str) -> std::result::Result<&mut PageDoc, String> {
        self.doc
            .pages
            .iter_mut()
            .find(|p| p.id == id)
            .ok_or_else(|| format!("there is no page {id:?}"))
    }

    /// The document with `edit` applied; an edit that names nothing existing is refused.
    /// (Whether the result is a valid inventory is `validate`'s answer.)
    pub fn apply(&self, edit: &Edit) -> std::result::Result<Document, String> {
        let mut next = self.clone();
        match edit {
            Edit::AddPage {
                id,
                route,
                fields,
                note,
            } => next.doc.pages.push(PageDoc {
                id: id.clone(),
                route: route.clone(),
                title: None,
                fields: fields.clone(),
                related: Vec::new(),
                note: note.clone().filter(|n| !n.is_empty()),
            }),
            Edit::SetRoute { page, route } => next.page_mut(page)?.route = route.clone(),
            Edit::SetPageFields { page, fields } => next.page_mut(page)?.fields = fields.clone(),
            Edit::SetNote { page, note } => {
                next.page_mut(page)?.note = note.clone().filter(|n| !n.is_empty())
            }
            Edit::AddField {
                id,
                label,
                category,
                direct_notice,
            } => {
                if next.doc.fields.contains_key(id) {
                    return Err(format!("fields.{id}: a field {id:?} is already declared"));
                }
                next.doc.fields.insert(
                    id.clone(),
                    FieldDoc {
                        label: Some(label.clone()).filter(|l| !l.is_empty() && l != id),
                        category: Some(category.clone()).filter(|c| !c.is_empty()),
                        direct_notice: *direct_notice,
                        appi: None,
                        gdpr: None,
                    },
                );
            }
            Edit::DeletePage { page } => {
                let before = next.doc.pages.len();
                next.doc.pages.retain(|p| &p.id != page);
                if next.doc.pages.len() == before {
                    return Err(format!("there is no page {page:?}"));
                }
            }
            Edit::DeleteField { field } => {
                let users: Vec<&str> = next
                    .doc
                    .pages
                    .iter()
                    .filter(|p| {
                        p.fields.contains(field)
                            || p.related.iter().any(|r| r.fields.contains(field))
                    })
                    .map(|p| p.id.as_str())
                    .collect();
                if !users.is_empty() {
                    return Err(format!(
                        "field {field:?} is rendered by {}: remove it from those pages first",
                        users.join(", ")
                    ));
                }
                if next.doc.fields.shift_remove(field).is_none() {
                    return Err(format!("there is no field {field:?}"));
                }
            }
        }
        Ok(next)
    }

    /// The document with each page's preceding comment appended to its note.
    pub fn with_comments_as_notes(&self, comments: &Comments) -> Document {
        let mut next = self.clone();
        for (index, comment) in &comments.pages {
            if let Some(page) = next.doc.pages.get_mut(*index) {
                page.note = Some(match page.note.take() {
                    Some(note) if !note.is_empty() => format!("{note}\n{comment}"),
                    _ => comment.clone(),
                });
            }
        }
        next
    }
}

/// What an edit's validation says, without the file position (the text being validated
/// is the canonical form, not the user's file): "pages[3].route: malformed route: …".
pub fn edit_error(e: &InputError) -> String {
    match e {
        InputError::At { location, message } => match &location.key {
            Some(key) => format!("{key}: {message}"),
            None => message.clone(),
        },
        InputError::Usage(message) => message.clone(),
    }
}

/// The comments of an inventory file, which serde_yaml cannot keep.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Comments {
    /// Lines holding a comment.
    pub lines: usize,
    /// (page index, the comment lines just before that page's `- id:` item, joined).
    pub pages: Vec<(usize, String)>,
}

/// Finds the comment lines of a YAML file, and the comment right before each page.
/// A `#` counts when it starts a line or follows a space outside a quoted scalar
/// (`comment_at`: a `\"` inside double quotes does not end them).
pub fn comments(text: &str) -> Comments {
    let mut found = Comments::default();
    let mut in_pages = false;
    // The indentation of the page items (`- id: …`), set by the first one.
    let mut item_indent: Option<usize> = None;
    let mut page = 0;
    let mut pending: Vec<String> = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        if let Some(comment) = trimmed.strip_prefix('#') {
            found.lines += 1;
            if in_pages {
                pending.push(comment.trim().to_string());
            }
            continue;
        }
        if comment_at(line).is_some() {
            found.lines += 1;
        }
        if trimmed.is_empty() {
            continue;
        }
        let indent = line.len() - trimmed.len();
        let item = trimmed.starts_with("- ") || trimmed == "-";
        if indent == 0 && !item {
            in_pages = trimmed.starts_with("pages:");
            pending.clear();
            continue;
        }
        if in_pages && item && *item_indent.get_or_insert(indent) == indent {
            if !pending.is_empty() {
                found.pages.push((page, pending.join("\n")));
            }
            page += 1;
        }
        pending.clear();
    }
    found
}

/// A unified diff of the file as it is and as it will be written.
pub fn diff(old: &str, new: &str, path: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(2)
        .header(path, &format!("{path} (to be written)"))
        .to_string()
}

/// Writes `text` to `path` atomically (temporary file in the same folder, fsync, rename),
/// keeping the file's permissions, after copying the previous version to `FILE.bak`.
/// On failure the file is left as it was and the error says why.
pub fn save(path: &Path, text: &str) -> Result<PathBuf> {
    let backup = PathBuf::from(format!("{}.bak", path.display()));
    let previous =
        std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let permissions = std::fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .permissions();
    let write = |target: &Path, bytes: &[u8]| -> Result<()> {
        files::write_atomic(target, Access::As(permissions.clone()), |file| {
            Ok(file.write_all(bytes)?)
        })
    };
    write(&backup, &previous)?;
    write(path, text.as_bytes())?;
    Ok(backup)
}

/// A page id for a suggested route: its literal segments joined by `_`
/// (`/jp/mypage/coupon/` → `jp_mypage_coupon`), made unique against `taken`.
pub fn page_id_for(route: &str, taken: &[String]) -> String {
    let words: Vec<String> = route
        .split('/')
        .filter(|s| !s.is_empty() && !s.starts_with('{'))
        .map(|s| {
            s.to_ascii_lowercase()
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect()
        })
        .collect();
    let mut base = words.join("_");
    if !base.starts_with(|c: char| c.is_ascii_lowercase()) {
        base = format!("page_{base}");
    }
    let base = base.trim_end_matches('_').to_string();
    let mut id = base.clone();
    let mut n = 2;
    while taken.contains(&id) {
        id = format!("{base}_{n}");
        n += 1;
    }
    id
}

/// YAML text of a document part. Serialising plain strings, lists and maps does not fail;
/// if it ever did, nothing is written rather than an empty file.
fn yaml_text<T: serde::Serialize>(value: &T) -> InputResult<String> {
    serde_yaml::to_string(value).map_err(|e| {
        InputError::usage(format!(
            "internal error: the inventory could not be written as YAML ({e}); nothing was written"
        ))
    })
}

/// Pages as ready-to-paste YAML list items (indented to sit under `pages:`).
pub fn pages_yaml(pages: &[PageEntry]) -> InputResult<String> {
    let docs: Vec<PageDoc> = pages
        .iter()
        .map(|p| PageDoc {
            id: p.id.clone(),
            route: p.route.clone(),
            title: None,
            fields: p.fields.clone(),
            related: Vec::new(),
            note: p.note.clone(),
        })
        .collect();
    let text = yaml_text(&docs)?;
    Ok(text.lines().map(|l| format!("  {l}\n")).collect())
}

/// Where the comment at the end of `text` (a line, or what follows a key's colon) starts:
/// a `#` at the start or after a space or tab, outside a quoted scalar.
///
/// A quote opens a scalar only where one can start (the text's start, after `: `, `- `
/// or `? `, or after `[`, `{` or `,` in a flow collection); elsewhere it is a letter of a
/// plain scalar (`don't # why`). Inside double quotes a backslash escapes the next
/// character (`"say \" # not a comment"`); inside single quotes `''` is a quote.
pub(crate) fn comment_at(text: &str) -> Option<usize> {
    let mut chars = text.char_indices().peekable();
    let mut quote: Option<char> = None;
    let mut can_open = true;
    // The last character was an indicator that a space turns into a scalar's start.
    let mut indicator = false;
    let mut flow = 0usize;
    let mut previous = ' ';
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            (Some('"'), '\\') => {
                chars.next();
            }
            (Some('\''), '\'') if chars.peek().is_some_and(|&(_, n)| n == '\'') => {
                chars.next();
            }
            (Some(q), c) if c == q => {
                quote = None;
                can_open = false;
            }
            (Some(_), _) => {}
            (None, ' ' | '\t') => can_open |= std::mem::take(&mut indicator),
            (None, '#') if previous == ' ' || previous == '\t' => return Some(i),
            (None, '\'' | '"') if can_open => quote = Some(c),
            (None, '[' | '{') if can_open || flow > 0 => {
                flow += 1;
                can_open = true;
            }
            (None, ']' | '}') if flow > 0 => {
                flow -= 1;
                can_open = false;
            }
            (None, ',') if flow > 0 => can_open = true,
            (None, ':') => {
                indicator = true;
                can_open = false;
            }
            (None, '-' | '?') => {
                indicator = can_open;
                can_open = false;
            }
            (None, _) => {
                indicator = false;
                can_open = false;
            }
        }
        previous = c;
    }
    None
}
