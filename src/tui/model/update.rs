//! `update` in normal mode and in the one-line prompts: moving, tabs, sorting, filtering,
//! exporting, writing notices, drilling down.

use std::path::PathBuf;

use super::{Layer, LayerKind, Mode, Model, TableView};
use crate::frame::names::{FIELD_ID, PAGE_ID, SUGGESTED_ROUTE, USER_ID};
use crate::tui::data::{Drill, Request};
use crate::tui::detail;
use crate::tui::edit::{Confirm, Editor};
use crate::tui::keymap;
use crate::tui::vocab::Action;
use crate::tui::vocab::Tab;

impl Model {
    /// Applies one action; returns a request for the worker when the action needs one.
    pub fn update(&mut self, action: Action) -> Option<Request> {
        if !matches!(action, Action::Resize(..) | Action::Type(_) | Action::Erase) {
            self.status = None;
        }
        if !matches!(action, Action::Resize(..))
            && matches!(
                self.mode,
                Mode::Form(_) | Mode::Pick(_) | Mode::Confirm(_) | Mode::Save(_)
            )
        {
            return self.update_editing(action);
        }
        match action {
            Action::Quit => self.quit_or_ask(),
            Action::AddPage
            | Action::EditRoute
            | Action::EditFields
            | Action::EditNote
            | Action::AddFieldDef
            | Action::DeletePage
            | Action::Undo
            | Action::Redo
            | Action::SaveInventory => return self.start_edit(action),
            Action::Complete | Action::Toggle | Action::DeleteFieldDef | Action::ToggleComments => {
            }
            Action::Resize(w, h) => self.resize(w, h),
            Action::NextTab
            | Action::PrevTab
            | Action::GoTab(_)
            | Action::Down
            | Action::Up
            | Action::Scroll(_)
            | Action::PageDown
            | Action::PageUp
            | Action::Top
            | Action::Bottom
            | Action::Left
            | Action::Right => self.navigate(action),
            Action::StartSort
            | Action::SortBy(_)
            | Action::StartFilter
            | Action::StartExport
            | Action::StartNotices
            | Action::StartRegulator
            | Action::Type(_)
            | Action::Erase
            | Action::Submit
            | Action::Cancel => return self.update_prompt(action),
            Action::Help => self.mode = Mode::Help,
            Action::Back => {
                if !self.pop() {
                    let quit = keymap::label(Action::Quit);
                    let message = format!("this is the view's first screen; {quit} quits");
                    self.status = Some((message, false));
                }
            }
            Action::Open => return self.open(),
        }
        None
    }

    /// Quits, or asks first when the inventory has edits that are not saved.
    fn quit_or_ask(&mut self) {
        if self.editor.as_ref().is_some_and(Editor::dirty) {
            self.mode = Mode::Confirm(Confirm::Quit);
        } else {
            self.quit = true;
        }
    }

    fn resize(&mut self, width: u16, height: u16) {
        self.size = (width, height);
        let page = self.page_rows();
        for stack in self.stacks.values_mut() {
            for layer in stack.iter_mut() {
                if let Some(table) = &mut layer.table {
                    table.keep_visible(page);
                }
            }
        }
    }

    /// Tabs, rows and columns.
    fn navigate(&mut self, action: Action) {
        match action {
            Action::NextTab => self.tab = self.tab.step(1),
            Action::PrevTab => self.tab = self.tab.step(-1),
            Action::GoTab(tab) => self.tab = tab,
            Action::Down => self.move_by(1),
            Action::Up => self.move_by(-1),
            Action::Scroll(by) => self.move_by(by as isize),
            Action::PageDown => self.move_by(self.page_rows() as isize),
            Action::PageUp => self.move_by(-(self.page_rows() as isize)),
            Action::Top => self.move_by(isize::MIN / 2),
            Action::Bottom => self.move_by(isize::MAX / 2),
            Action::Left | Action::Right => {
                let by: isize = if action == Action::Left { -1 } else { 1 };
                if let Some(table) = self.top_mut().and_then(|l| l.table.as_mut()) {
                    let last = table.grid.columns.len().saturating_sub(1) as isize;
                    table.first_column = (table.first_column as isize + by).clamp(0, last) as usize;
                }
            }
            _ => {}
        }
    }

    /// Sorting, and the filter, export and notices prompts: opening them, typing, and
    /// Enter or Esc.
    fn update_prompt(&mut self, action: Action) -> Option<Request> {
        match action {
            Action::StartSort if self.top_table().is_some() => self.mode = Mode::Sort,
            Action::SortBy(column) => {
                self.mode = Mode::Normal;
                self.sort_by(column);
            }
            Action::StartFilter => {
                if let Some(table) = self.top_table() {
                    let derived = table.derived();
                    self.push(Layer::new(LayerKind::Filter(String::new()), Some(derived)));
                    self.mode = Mode::Filter;
                }
            }
            Action::StartExport => {
                if let Some(name) = self.export_name() {
                    self.mode = Mode::Export(name);
                }
            }
            Action::StartNotices => self.start_notices(),
            Action::StartRegulator => self.start_regulator(),
            Action::Type(c) => self.edit_prompt(|text| text.push(c)),
            Action::Erase => self.edit_prompt(|text| {
                text.pop();
            }),
            Action::Submit => match std::mem::replace(&mut self.mode, Mode::Normal) {
                Mode::Export(name) => return self.export(PathBuf::from(name)),
                Mode::Notices(dir) => return self.notices(PathBuf::from(dir)),
                Mode::Regulator(dir) => {
                    let message = format!("writing the reports to the regulator to {dir}…");
                    return self.write(
                        Request::Regulator {
                            dir: PathBuf::from(dir),
                        },
                        message,
                    );
                }
                Mode::Filter => {
                    // An empty filter is no view of its own.
                    if matches!(self.top().map(|l| &l.kind), Some(LayerKind::Filter(t)) if t.is_empty())
                    {
                        self.pop();
                    }
                }
                _ => {}
            },
            Action::Cancel => {
                let cancelled = std::mem::replace(&mut self.mode, Mode::Normal);
                if cancelled == Mode::Filter {
                    self.pop();
                }
            }
            _ => {}
        }
        None
    }

    /// The reports to the regulator cover the whole incident: offered on the Overview.
    fn start_regulator(&mut self) {
        if self.tab == Tab::Overview {
            self.mode = Mode::Regulator("regulator".into());
        } else {
            let overview = Tab::Overview;
            self.status = Some((
                format!(
                    "{} writes the reports to the regulator from the {} view ({})",
                    keymap::label(Action::StartRegulator),
                    overview.title(),
                    overview.number()
                ),
                false,
            ));
        }
    }

    fn start_notices(&mut self) {
        if self.tab == Tab::Users && self.top_table().is_some() {
            self.mode = Mode::Notices("notices".into());
        } else {
            let users = Tab::Users;
            self.status = Some((
                format!(
                    "{} writes notices from the {} view ({})",
                    keymap::label(Action::StartNotices),
                    users.title(),
                    users.number()
                ),
                false,
            ));
        }
    }

    fn move_by(&mut self, by: isize) {
        let page = self.page_rows();
        let width = self.size.0;
        let Some(layer) = self.top_mut() else {
            return;
        };
        match (&layer.kind, &mut layer.table) {
            (LayerKind::User(user), _) => {
                // As far as the last line at the bottom of the screen (`G` stops there).
                let end = detail::scroll_end(&detail::user_paragraph(user), width, page);
                layer.scroll = (layer.scroll as isize)
                    .saturating_add(by)
                    .clamp(0, end as isize) as usize;
            }
            (_, Some(table)) => {
                let target = (table.selected as isize).saturating_add(by);
                table.move_to(target, page);
            }
            _ => {}
        }
    }

    fn sort_by(&mut self, column: usize) {
        let Some(table) = self.top_table() else {
            return;
        };
        if column >= table.grid.columns.len() {
            self.status = Some((format!("there is no column {}", column + 1), true));
            return;
        }
        // Counts sort largest first, text from A; the same column again reverses.
        let first_descending = table.grid.numbers[column].is_some();
        let descending = match self.top().map(|l| &l.kind) {
            Some(LayerKind::Sort {
                column: current,
                descending,
            }) if *current == column => !*descending,
            _ => first_descending,
        };
        if !matches!(self.top().map(|l| &l.kind), Some(LayerKind::Sort { .. })) {
            let derived = table.derived();
            self.push(Layer::new(
                LayerKind::Sort { column, descending },
                Some(derived),
            ));
        }
        let page = self.page_rows();
        if let Some(layer) = self.top_mut() {
            layer.kind = LayerKind::Sort { column, descending };
            if let Some(table) = &mut layer.table {
                let mut rows = table.parent.clone();
                table.grid.sort(&mut rows, column, descending);
                table.rows = rows;
                table.move_to(0, page);
            }
        }
    }

    fn edit_prompt(&mut self, edit: impl FnOnce(&mut String)) {
        match &mut self.mode {
            Mode::Export(name) | Mode::Notices(name) | Mode::Regulator(name) => edit(name),
            Mode::Filter => {
                let page = self.page_rows();
                let Some(layer) = self.top_mut() else {
                    return;
                };
                if let (LayerKind::Filter(text), Some(table)) = (&mut layer.kind, &mut layer.table)
                {
                    edit(text);
                    table.rows = table.grid.filter(&table.parent, text);
                    table.move_to(0, page);
                }
            }
            _ => {}
        }
    }

    /// The file name the export prompt starts with.
    fn export_name(&self) -> Option<String> {
        let layer = self.top()?;
        let stem = match &layer.kind {
            LayerKind::User(user) => format!("user-{}-pages", user.user_id),
            LayerKind::Page(page) => format!("page-{}-users", page.page_id),
            LayerKind::Field(field) => format!("field-{}-users", field.field.id),
            LayerKind::Pending(_) => return None,
            _ => layer.table.as_ref()?.grid.kind.to_string(),
        };
        Some(format!("{stem}.csv"))
    }

    /// Asks the worker to write the current view (its rows, in their order) to `file`,
    /// atomically and 0600.
    fn export(&mut self, file: PathBuf) -> Option<Request> {
        self.data()?;
        let layer = self.top()?;
        let (grid, rows) = match (&layer.kind, &layer.table) {
            (LayerKind::User(user), _) => (user.pages.clone(), (0..user.pages.len()).collect()),
            (_, Some(table)) => (table.grid.clone(), table.rows.clone()),
            _ => return None,
        };
        let message = format!("writing {}…", file.display());
        self.write(Request::Export { grid, rows, file }, message)
    }

    /// Asks the worker to write the notices for the users of the current view, in its order.
    fn notices(&mut self, dir: PathBuf) -> Option<Request> {
        let table = self.top_table()?;
        let users: Vec<String> = table
            .rows
            .iter()
            .map(|&r| table.grid.cell(r, USER_ID).to_string())
            .collect();
        let message = format!("writing notices to {}…", dir.display());
        self.write(Request::Notices { dir, users }, message)
    }

    /// Enter: what the grid's rows open (`Drill`, fixed by what the grid is): the
    /// detail of the selected row's user, page or field, or a route's unmapped paths.
    fn open(&mut self) -> Option<Request> {
        let table = self.top_table()?;
        let row = table.current()?;
        let grid = &table.grid;
        let request = match grid.drill {
            Drill::User => Request::User(grid.cell(row, USER_ID).to_string()),
            Drill::Field => Request::Field(grid.cell(row, FIELD_ID).to_string()),
            Drill::Page => Request::Page(grid.cell(row, PAGE_ID).to_string()),
            Drill::Route => {
                let route = grid.cell(row, SUGGESTED_ROUTE).to_string();
                self.open_route(route);
                return None;
            }
            Drill::Nothing => {
                self.status = Some((
                    "no detail here: the suggested_route column says how to map this path".into(),
                    false,
                ));
                return None;
            }
        };
        self.push(Layer::new(LayerKind::Pending(request.clone()), None));
        Some(request)
    }

    /// Drills from a suggested route down to the unmapped paths it covers (computed
    /// already: no request to the worker).
    fn open_route(&mut self, route: String) {
        let Some(paths) = self.data().map(|data| data.unmapped_paths.clone()) else {
            return;
        };
        let mut table = TableView::new(paths);
        table
            .rows
            .retain(|&r| table.grid.cell(r, SUGGESTED_ROUTE) == route);
        table.parent = table.rows.clone();
        self.push(Layer::new(LayerKind::Route(route), Some(table)));
    }
}
