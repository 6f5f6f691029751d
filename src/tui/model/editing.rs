//! `update` for inventory edits: the edit keys in normal mode, and the keys of the forms,
//! the field picker, the questions and the save preview.

use super::{Mode, Model};
use crate::frame::names::{PAGE_ID, SUGGESTED_ROUTE};
use crate::inventory::document::Edit;
use crate::tui::data::Request;
use crate::tui::edit::{Confirm, Form, Picker, SavePreview};
use crate::tui::keymap;
use crate::tui::vocab::Action;
use crate::tui::vocab::Tab;

impl Model {
    /// The page under the cursor in the Inventory view.
    fn selected_page(&self) -> Option<String> {
        if self.tab != Tab::Inventory {
            return None;
        }
        let table = self.top_table()?;
        let row = table.current()?;
        Some(table.grid.cell(row, PAGE_ID).to_string()).filter(|p| !p.is_empty())
    }

    /// An inventory edit key in normal mode: opens its form, or undoes, redoes, saves.
    pub(super) fn start_edit(&mut self, action: Action) -> Option<Request> {
        if matches!(action, Action::Undo | Action::Redo) {
            return self.undo_redo(action);
        }
        let on_inventory = self.tab == Tab::Inventory;
        let page = self.selected_page();
        let suggested = (self.tab == Tab::Unmapped)
            .then(|| {
                let table = self.top_table()?;
                Some(
                    table
                        .grid
                        .cell(table.current()?, SUGGESTED_ROUTE)
                        .to_string(),
                )
            })
            .flatten();
        let Some(editor) = &self.editor else {
            self.status = Some(("the inventory is not open for editing".into(), true));
            return None;
        };
        if action == Action::SaveInventory {
            let preview = editor.preview(false);
            self.show_preview(preview);
            return None;
        }
        let document = editor.current();
        let mode = match action {
            Action::AddPage if suggested.is_some() => {
                Some(Mode::Form(Form::add_page(document, suggested.as_deref())))
            }
            Action::AddPage if on_inventory => Some(Mode::Form(Form::add_page(document, None))),
            Action::AddFieldDef if on_inventory => Some(Mode::Form(Form::add_field(document))),
            Action::EditRoute => page.and_then(|p| Form::route(document, &p)).map(Mode::Form),
            Action::EditNote => page.and_then(|p| Form::note(document, &p)).map(Mode::Form),
            Action::EditFields => page.and_then(|p| Picker::new(document, &p)).map(Mode::Pick),
            Action::DeletePage => page.map(|p| Mode::Confirm(Confirm::DeletePage(p))),
            _ => None,
        };
        match mode {
            Some(mode) => self.mode = mode,
            None => {
                let (inventory, unmapped) = (Tab::Inventory, Tab::Unmapped);
                self.status = Some((
                    format!(
                        "inventory edits are made on a page of the {} view ({}); {} adds a page from {} ({}) too",
                        inventory.title(),
                        inventory.number(),
                        keymap::label(Action::AddPage),
                        unmapped.title(),
                        unmapped.number()
                    ),
                    false,
                ))
            }
        }
        None
    }

    /// Undo or redo an edit, and recompute.
    fn undo_redo(&mut self, action: Action) -> Option<Request> {
        let Some(editor) = &mut self.editor else {
            self.status = Some(("the inventory is not open for editing".into(), true));
            return None;
        };
        let step = if action == Action::Undo {
            editor
                .undo()
                .map(|step| step.map(|(what, text)| (format!("undid: {what}"), text)))
        } else {
            editor
                .redo()
                .map(|step| step.map(|(what, text)| (format!("redid: {what}"), text)))
        };
        match step {
            Some(Err(why)) => {
                self.status = Some((why, true));
                None
            }
            Some(Ok((message, text))) => {
                self.status = Some((format!("{message}; recomputing…"), false));
                Some(Request::Recompute(text))
            }
            None => {
                self.status = Some(("nothing to undo or redo".into(), false));
                None
            }
        }
    }

    /// Opens the save preview, or says why there is none.
    fn show_preview(&mut self, preview: Result<SavePreview, String>) {
        match preview {
            Ok(preview) => self.mode = Mode::Save(preview),
            Err(why) => self.status = Some((why, true)),
        }
    }

    /// Applies an edit that validates and asks the worker to recompute.
    fn commit(&mut self, edit: &Edit) -> Result<Request, String> {
        let editor = self
            .editor
            .as_mut()
            .ok_or_else(|| "the inventory is not open for editing".to_string())?;
        let text = editor.apply(edit)?;
        self.status = Some((format!("{}; recomputing…", edit.describe()), false));
        Ok(Request::Recompute(text))
    }

    /// Keys while a form, the picker, a question or the save preview is open.
    pub(super) fn update_editing(&mut self, action: Action) -> Option<Request> {
        let mode = std::mem::replace(&mut self.mode, Mode::Normal);
        let editor = self.editor.as_ref()?;
        match (mode, action) {
            (_, Action::Quit) => self.quit = true,
            (Mode::Form(_) | Mode::Pick(_) | Mode::Save(_) | Mode::Confirm(_), Action::Cancel) => {}
            (Mode::Form(form), action) => return self.update_form(form, action),
            (Mode::Pick(picker), action) => return self.update_picker(picker, action),
            (Mode::Confirm(Confirm::DeletePage(page)), Action::Submit) => {
                match self.commit(&Edit::DeletePage { page }) {
                    Ok(request) => return Some(request),
                    Err(why) => self.status = Some((why, true)),
                }
            }
            (Mode::Confirm(Confirm::Quit), Action::Submit) => self.quit = true,
            (Mode::Confirm(Confirm::Quit), Action::SaveInventory) => {
                let preview = editor.preview(false);
                self.show_preview(preview);
            }
            (Mode::Save(preview), action) => return self.update_save(preview, action),
            (mode, _) => self.mode = mode,
        }
        None
    }

    fn update_form(&mut self, mut form: Form, action: Action) -> Option<Request> {
        let document = self.editor.as_ref()?.current();
        match action {
            Action::Type(c) => form.type_char(c, document),
            Action::Erase => form.erase(document),
            Action::Complete => form.tab(document),
            Action::Down => form.step(1),
            Action::Up => form.step(-1),
            Action::Submit if form.error.is_none() => match self.commit(&form.edit()) {
                Ok(request) => return Some(request),
                Err(why) => form.error = Some(why),
            },
            _ => {}
        }
        self.mode = Mode::Form(form);
        None
    }

    fn update_picker(&mut self, mut picker: Picker, action: Action) -> Option<Request> {
        let edit = match action {
            Action::Down | Action::Up => {
                picker.step(if action == Action::Down { 1 } else { -1 });
                None
            }
            Action::Toggle => {
                picker.toggle();
                None
            }
            Action::Submit => Some(picker.edit()),
            Action::DeleteFieldDef => Some(Edit::DeleteField {
                field: picker
                    .fields
                    .get(picker.selected)
                    .map(|(f, _)| f.id.clone())
                    .unwrap_or_default(),
            }),
            _ => None,
        };
        if let Some(edit) = edit {
            match self.commit(&edit) {
                Ok(request) => return Some(request),
                Err(why) => self.status = Some((why, true)),
            }
        }
        self.mode = Mode::Pick(picker);
        None
    }

    fn update_save(&mut self, mut preview: SavePreview, action: Action) -> Option<Request> {
        let editor = self.editor.as_ref()?;
        match action {
            Action::Down | Action::Up => {
                let by: isize = if action == Action::Down { 1 } else { -1 };
                let last = preview.diff.len().saturating_sub(1) as isize;
                preview.scroll = (preview.scroll as isize + by).clamp(0, last.max(0)) as usize;
                self.mode = Mode::Save(preview);
            }
            Action::ToggleComments => {
                let toggled = editor.preview(!preview.move_comments);
                self.show_preview(toggled);
            }
            Action::Submit => {
                let save = editor.save_request(&preview);
                let message = format!("saving {}…", editor.source());
                return self.write(Request::SaveInventory(save), message);
            }
            _ => self.mode = Mode::Save(preview),
        }
        None
    }
}
