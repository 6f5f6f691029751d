//! Editing the inventory in the TUI: the edit history (undo/redo), the forms and the field
//! picker with validation as typed (the same rules and messages as loading), and the save
//! preview. The model owns an `Editor`; the worker recomputes the audit after each edit and
//! writes the file on a save (`write::save_inventory`).

use std::path::PathBuf;

use crate::inventory::document::{
    comments, diff, edit_error, page_id_for, Comments, Document, Edit, FieldEntry,
};
use crate::inventory::fideslang_categories;
use crate::inventory::splice::splice;

/// The inventory being edited: every version since loading, and which one is on disk.
#[derive(Debug)]
pub struct Editor {
    pub path: PathBuf,
    /// The file as on disk (what a save replaces).
    pub file_text: String,
    /// Versions: the loaded one first, then one per edit.
    history: Vec<Version>,
    cursor: usize,
    /// The id of the version the file holds (none when the file holds a version that is
    /// no longer in the history).
    saved: Option<u64>,
    next_id: u64,
}

/// One version of the inventory: the document, what the edit that made it did, an id
/// that no other version has (indices are reused when an edit follows an undo), and its
/// text: the file as written with each edit spliced in (`kept`), or the canonical form
/// where an edit could not be spliced.
#[derive(Debug)]
struct Version {
    document: Document,
    what: String,
    id: u64,
    text: String,
    kept: bool,
}

/// A save the worker is asked for: the text previewed, for which version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InventorySave {
    pub path: PathBuf,
    pub text: String,
    /// The text holds each page's preceding comment in its note.
    pub move_comments: bool,
    /// The version previewed.
    pub version: u64,
}

impl Editor {
    pub fn open(path: PathBuf) -> Result<Editor, String> {
        let source = path.display().to_string();
        let file_text =
            std::fs::read_to_string(&path).map_err(|e| format!("cannot read {source}: {e}"))?;
        let document = Document::parse(&file_text, &source).map_err(|e| e.to_string())?;
        let text = file_text.clone();
        let mut editor = Editor {
            path,
            file_text,
            history: Vec::new(),
            cursor: 0,
            saved: Some(0),
            next_id: 0,
        };
        let loaded = editor.version(document, "loaded".into(), text, true);
        editor.history.push(loaded);
        Ok(editor)
    }

    fn version(&mut self, document: Document, what: String, text: String, kept: bool) -> Version {
        let id = self.next_id;
        self.next_id += 1;
        Version {
            document,
            what,
            id,
            text,
            kept,
        }
    }

    /// Makes `document` the current version, dropping the versions an undo left behind.
    fn push(&mut self, document: Document, what: String, text: String, kept: bool) {
        let version = self.version(document, what, text, kept);
        self.history.truncate(self.cursor + 1);
        self.history.push(version);
        self.cursor = self.history.len() - 1;
    }

    pub fn source(&self) -> String {
        self.path.display().to_string()
    }

    pub fn current(&self) -> &Document {
        &self.history[self.cursor].document
    }

    /// Edits not yet saved.
    pub fn dirty(&self) -> bool {
        Some(self.history[self.cursor].id) != self.saved
    }

    /// Applies an edit that validates; returns the new inventory text, or why not.
    pub fn apply(&mut self, edit: &Edit) -> Result<String, String> {
        let next = validated(self.current(), edit, &self.source())?;
        let (text, kept) = self.text_after(edit, &next)?;
        self.push(next, edit.describe(), text.clone(), kept);
        Ok(text)
    }

    /// The current text with `edit` spliced in, when the result reads back as `next`
    /// (true: the file's layout and comments are kept); otherwise `next`'s canonical form.
    fn text_after(&self, edit: &Edit, next: &Document) -> Result<(String, bool), String> {
        let current = &self.history[self.cursor];
        let canonical = next.to_yaml().map_err(|e| e.to_string())?;
        let read_back = |text: &str| {
            Document::parse(text, &self.source())
                .ok()
                .and_then(|d| d.to_yaml().ok())
        };
        match splice(&current.text, edit) {
            Some(text) if read_back(&text).as_deref() == Some(canonical.as_str()) => {
                Ok((text, current.kept))
            }
            _ => Ok((canonical, false)),
        }
    }

    /// Steps back one edit: (what was undone, the inventory text now).
    pub fn undo(&mut self) -> Option<Result<(String, String), String>> {
        if self.cursor == 0 {
            return None;
        }
        let undone = self.history[self.cursor].what.clone();
        self.cursor -= 1;
        Some(self.with_text(undone))
    }

    pub fn redo(&mut self) -> Option<Result<(String, String), String>> {
        if self.cursor + 1 >= self.history.len() {
            return None;
        }
        self.cursor += 1;
        let redone = self.history[self.cursor].what.clone();
        Some(self.with_text(redone))
    }

    /// `what` with the current inventory's text.
    fn with_text(&self, what: String) -> Result<(String, String), String> {
        Ok((what, self.history[self.cursor].text.clone()))
    }

    /// What a save would write, and the diff against the file.
    pub fn preview(&self, move_comments: bool) -> Result<SavePreview, String> {
        let found = comments(&self.file_text);
        let current = &self.history[self.cursor];
        // Comments are dropped only where the canonical form is written: when asked to
        // move them into notes, or when an edit could not be spliced into the file.
        let (text, found) = if move_comments {
            let moved = current.document.with_comments_as_notes(&found);
            (moved.to_yaml().map_err(|e| e.to_string())?, found)
        } else if current.kept {
            (current.text.clone(), Comments::default())
        } else {
            (current.text.clone(), found)
        };
        Ok(SavePreview {
            diff: diff(&self.file_text, &text, &self.source())
                .lines()
                .map(str::to_string)
                .collect(),
            text,
            comments: found,
            move_comments,
            scroll: 0,
        })
    }

    /// The save of the previewed text, for the worker (`write::save_inventory`).
    pub fn save_request(&self, preview: &SavePreview) -> InventorySave {
        InventorySave {
            path: self.path.clone(),
            text: preview.text.clone(),
            move_comments: preview.move_comments,
            version: self.history[self.cursor].id,
        }
    }

    /// The worker wrote `save`: the file now holds its text.
    pub fn saved(&mut self, save: &InventorySave) {
        self.file_text = save.text.clone();
        if !save.move_comments {
            self.saved = Some(save.version);
            return;
        }
        // The saved text holds the comments as notes, a version of its own: it becomes the
        // current one, unless an edit or undo came while the file was being written.
        if self.history[self.cursor].id != save.version {
            self.saved = None;
            return;
        }
        if let Ok(document) = Document::parse(&save.text, &self.source()) {
            self.push(
                document,
                "comments moved into notes".into(),
                save.text.clone(),
                true,
            );
        }
        self.saved = Some(self.history[self.cursor].id);
    }
}

/// The document after `edit`, if it is a valid inventory.
fn validated(document: &Document, edit: &Edit, source: &str) -> Result<Document, String> {
    let next = document.apply(edit)?;
    next.validate(source).map_err(|e| edit_error(&e))?;
    Ok(next)
}

/// What the save overlay shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavePreview {
    pub diff: Vec<String>,
    pub text: String,
    pub comments: Comments,
    pub move_comments: bool,
    pub scroll: usize,
}

/// What a form is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    AddPage,
    Route(String),
    Note(String),
    AddField,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Text,
    /// A fideslang data category, with completion.
    Category,
    /// yes/no, toggled with Space.
    Toggle,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub label: &'static str,
    pub value: String,
    pub kind: InputKind,
}

impl Input {
    fn text(label: &'static str, value: impl Into<String>) -> Input {
        Input {
            label,
            value: value.into(),
            kind: InputKind::Text,
        }
    }
}

/// A form: its inputs, the focused one, and the verdict on the values as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    pub purpose: Purpose,
    pub inputs: Vec<Input>,
    pub focus: usize,
    /// None: the edit can be applied; Some: why not (the loader's message).
    pub error: Option<String>,
    /// A warning the edit would raise (e.g. an unknown category); it can still be applied.
    pub warning: Option<String>,
}

impl Form {
    pub fn title(&self) -> String {
        match &self.purpose {
            Purpose::AddPage => "add a page".into(),
            Purpose::Route(page) => format!("route of page {page}"),
            Purpose::Note(page) => format!("note of page {page}"),
            Purpose::AddField => "add a field definition".into(),
        }
    }

    /// A new page; `route` prefilled from a suggestion (Unmapped) when given.
    pub fn add_page(document: &Document, route: Option<&str>) -> Form {
        let taken: Vec<String> = document.pages().into_iter().map(|p| p.id).collect();
        let (id, route) = match route {
            Some(r) => (page_id_for(r, &taken), r.to_string()),
            None => (String::new(), "/".to_string()),
        };
        Form::new(
            Purpose::AddPage,
            vec![
                Input::text("id", id),
                Input::text("route", route),
                Input::text("fields", ""),
                Input::text("note", ""),
            ],
            document,
        )
    }

    pub fn route(document: &Document, page: &str) -> Option<Form> {
        let entry = document.page(page)?;
        Some(Form::new(
            Purpose::Route(page.to_string()),
            vec![Input::text("route", entry.route)],
            document,
        ))
    }

    pub fn note(document: &Document, page: &str) -> Option<Form> {
        let entry = document.page(page)?;
        Some(Form::new(
            Purpose::Note(page.to_string()),
            vec![Input::text("note", entry.note.unwrap_or_default())],
            document,
        ))
    }

    pub fn add_field(document: &Document) -> Form {
        Form::new(
            Purpose::AddField,
            vec![
                Input::text("id", ""),
                Input::text("label", ""),
                Input {
                    label: "category",
                    value: "user.".into(),
                    kind: InputKind::Category,
                },
                Input {
                    label: "direct_notice",
                    value: "no".into(),
                    kind: InputKind::Toggle,
                },
            ],
            document,
        )
    }

    fn new(purpose: Purpose, inputs: Vec<Input>, document: &Document) -> Form {
        let mut form = Form {
            purpose,
            inputs,
            focus: 0,
            error: None,
            warning: None,
        };
        form.check(document);
        form
    }

    fn value(&self, label: &str) -> String {
        self.inputs
            .iter()
            .find(|i| i.label == label)
            .map(|i| i.value.trim().to_string())
            .unwrap_or_default()
    }

    /// The edit the form's values describe.
    pub fn edit(&self) -> Edit {
        let list = |text: String| -> Vec<String> {
            text.split([',', ' '])
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        };
        let note = |text: String| Some(text).filter(|t| !t.is_empty());
        match &self.purpose {
            Purpose::AddPage => Edit::AddPage {
                id: self.value("id"),
                route: self.value("route"),
                fields: list(self.value("fields")),
                note: note(self.value("note")),
            },
            Purpose::Route(page) => Edit::SetRoute {
                page: page.clone(),
                route: self.value("route"),
            },
            Purpose::Note(page) => Edit::SetNote {
                page: page.clone(),
                note: note(self.value("note")),
            },
            Purpose::AddField => Edit::AddField {
                id: self.value("id"),
                label: self.value("label"),
                category: self.value("category"),
                direct_notice: self.value("direct_notice") == "yes",
            },
        }
    }

    /// Validates the values as typed.
    pub fn check(&mut self, document: &Document) {
        let edit = self.edit();
        self.warning = None;
        self.error = validated(document, &edit, "inventory").err();
        if let Edit::AddField { category, .. } = &edit {
            if self.error.is_none() && !fideslang_categories().any(|(key, _)| key == category) {
                self.warning = Some(format!(
                    "{category:?} is not a fideslang data category (allowed, with a warning)"
                ));
            }
        }
    }

    /// The fideslang categories that start with the category input's text (at most `n`).
    pub fn completions(&self, n: usize) -> Vec<&'static str> {
        let Some(input) = self.inputs.get(self.focus) else {
            return Vec::new();
        };
        if input.kind != InputKind::Category {
            return Vec::new();
        }
        fideslang_categories()
            .map(|(key, _)| key)
            .filter(|key| key.starts_with(input.value.as_str()))
            .take(n)
            .collect()
    }

    pub fn type_char(&mut self, c: char, document: &Document) {
        let Some(input) = self.inputs.get_mut(self.focus) else {
            return;
        };
        match input.kind {
            InputKind::Toggle => {
                if c == ' ' || c == 'y' || c == 'n' {
                    let yes = match c {
                        'y' => true,
                        'n' => false,
                        _ => input.value != "yes",
                    };
                    input.value = if yes { "yes" } else { "no" }.into();
                }
            }
            _ => input.value.push(c),
        }
        self.check(document);
    }

    pub fn erase(&mut self, document: &Document) {
        if let Some(input) = self.inputs.get_mut(self.focus) {
            if input.kind != InputKind::Toggle {
                input.value.pop();
            }
        }
        self.check(document);
    }

    /// Tab: completes a category to the longest common prefix of its matches (or the
    /// first match when the prefix is already typed); elsewhere moves to the next input.
    pub fn tab(&mut self, document: &Document) {
        let completions = self.completions(usize::MAX);
        let Some(input) = self.inputs.get_mut(self.focus) else {
            return;
        };
        if input.kind == InputKind::Category && !completions.is_empty() {
            let prefix = common_prefix(&completions);
            input.value = if prefix.len() > input.value.len() {
                prefix
            } else if completions.contains(&input.value.as_str()) && completions.len() > 1 {
                // Already a category: the next one that extends it.
                completions[1].to_string()
            } else {
                completions[0].to_string()
            };
            self.check(document);
        } else {
            self.step(1);
        }
    }

    pub fn step(&mut self, by: isize) {
        let n = self.inputs.len() as isize;
        self.focus = (self.focus as isize + by).rem_euclid(n.max(1)) as usize;
    }
}

fn common_prefix(words: &[&str]) -> String {
    let Some(first) = words.first() else {
        return String::new();
    };
    let mut end = first.len();
    for w in &words[1..] {
        end = end.min(
            first
                .bytes()
                .zip(w.bytes())
                .take_while(|(a, b)| a == b)
                .count(),
        );
    }
    first[..end].to_string()
}

/// Which fields a page renders, as checkboxes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picker {
    pub page: String,
    pub fields: Vec<(FieldEntry, bool)>,
    pub selected: usize,
}

impl Picker {
    pub fn new(document: &Document, page: &str) -> Option<Picker> {
        let entry = document.page(page)?;
        Some(Picker {
            page: page.to_string(),
            fields: document
                .fields()
                .into_iter()
                .map(|f| {
                    let on = entry.fields.contains(&f.id);
                    (f, on)
                })
                .collect(),
            selected: 0,
        })
    }

    pub fn toggle(&mut self) {
        if let Some((_, on)) = self.fields.get_mut(self.selected) {
            *on = !*on;
        }
    }

    pub fn step(&mut self, by: isize) {
        let last = self.fields.len().saturating_sub(1) as isize;
        self.selected = (self.selected as isize + by).clamp(0, last.max(0)) as usize;
    }

    /// The page's new field list, in the inventory's field order.
    pub fn edit(&self) -> Edit {
        Edit::SetPageFields {
            page: self.page.clone(),
            fields: self
                .fields
                .iter()
                .filter(|(_, on)| *on)
                .map(|(f, _)| f.id.clone())
                .collect(),
        }
    }
}

/// A yes/no question before something that cannot be taken back lightly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirm {
    DeletePage(String),
    /// Quit with edits that are not saved.
    Quit,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(text: &str) -> Edit {
        Edit::SetNote {
            page: "item".into(),
            note: Some(text.into()),
        }
    }

    #[test]
    fn a_save_marks_the_version_it_wrote_not_the_one_current_when_it_lands() {
        let mut editor = Editor::open("tests/fixtures/worked/inventory.yaml".into()).unwrap();
        assert!(!editor.dirty());
        editor.apply(&note("one")).unwrap();
        let save = editor.save_request(&editor.preview(false).unwrap());
        // While the worker writes, the edit is undone and another is made in its place.
        editor.undo().unwrap().unwrap();
        editor.apply(&note("two")).unwrap();
        editor.saved(&save);
        assert!(
            editor.dirty(),
            "the file holds note one, the inventory note two"
        );
        let save = editor.save_request(&editor.preview(false).unwrap());
        editor.saved(&save);
        assert!(!editor.dirty());
        assert_eq!(editor.file_text, save.text);
    }
}
