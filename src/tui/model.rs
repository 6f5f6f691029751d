//! The TUI's state and `update`: what is loaded, which view is open, the stack of derived
//! views per tab (filters, sorts, drill-downs), and the prompts. `update` sees actions,
//! never keys, and never draws.

use std::path::PathBuf;
use std::sync::Arc;

use super::action::Action;
use super::data::{AuditData, FieldDetail, Grid, PageDetail, Reply, Request, Stage, UserDetail};
use super::edit::{Confirm, Editor, Form, Picker, SavePreview};
use crate::audit::Summary;
use crate::inventory::document::Edit;

/// The views, as tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Overview,
    Users,
    Pages,
    Fields,
    Unmapped,
    Inventory,
}

impl Tab {
    pub const ALL: [Tab; 6] = [
        Tab::Overview,
        Tab::Users,
        Tab::Pages,
        Tab::Fields,
        Tab::Unmapped,
        Tab::Inventory,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Overview => "Overview",
            Tab::Users => "Users",
            Tab::Pages => "Pages",
            Tab::Fields => "Fields",
            Tab::Unmapped => "Unmapped",
            Tab::Inventory => "Inventory",
        }
    }

    pub fn index(self) -> usize {
        Tab::ALL.iter().position(|&t| t == self).unwrap_or(0)
    }

    fn step(self, by: isize) -> Tab {
        let n = Tab::ALL.len() as isize;
        Tab::ALL[((self.index() as isize + by).rem_euclid(n)) as usize]
    }
}

/// What keys mean right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// Typing into the filter of the top view.
    Filter,
    /// Waiting for the column to sort by.
    Sort,
    /// Typing the export file name.
    Export(String),
    /// Typing the folder the notices of the Users view go to.
    Notices(String),
    Help,
    /// Filling a form that edits the inventory.
    Form(Form),
    /// Ticking the fields a page renders.
    Pick(Picker),
    /// A yes/no question.
    Confirm(Confirm),
    /// The diff of the inventory about to be saved.
    Save(SavePreview),
}

/// Where loading is.
#[derive(Debug)]
pub enum Load {
    Running { stage: Stage },
    Failed(anyhow::Error),
    Ready(Box<AuditData>),
}

/// A table on screen: which rows of the grid, in which order, and where the cursor is.
#[derive(Debug, Clone)]
pub struct TableView {
    pub grid: Arc<Grid>,
    pub rows: Vec<usize>,
    /// The rows of the view below, which a filter or sort derives from.
    parent: Vec<usize>,
    pub selected: usize,
    pub offset: usize,
    /// The first column shown (columns scroll sideways).
    pub first_column: usize,
}

impl TableView {
    pub fn new(grid: Arc<Grid>) -> TableView {
        let rows: Vec<usize> = (0..grid.len()).collect();
        TableView {
            grid,
            parent: rows.clone(),
            rows,
            selected: 0,
            offset: 0,
            first_column: 0,
        }
    }

    /// A view deriving from this one's rows.
    fn derived(&self) -> TableView {
        TableView {
            grid: self.grid.clone(),
            rows: self.rows.clone(),
            parent: self.rows.clone(),
            selected: 0,
            offset: 0,
            first_column: self.first_column,
        }
    }

    /// The grid row under the cursor.
    pub fn current(&self) -> Option<usize> {
        self.rows.get(self.selected).copied()
    }

    fn move_to(&mut self, target: isize, page: usize) {
        let last = self.rows.len().saturating_sub(1) as isize;
        self.selected = target.clamp(0, last.max(0)) as usize;
        self.keep_visible(page);
    }

    fn keep_visible(&mut self, page: usize) {
        let page = page.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + page {
            self.offset = self.selected + 1 - page;
        }
        let max_offset = self.rows.len().saturating_sub(page);
        self.offset = self.offset.min(max_offset);
    }
}

/// What a layer of a tab's stack is.
#[derive(Debug)]
pub enum LayerKind {
    /// The tab's own report.
    Report,
    /// A filter over the view below; the text typed so far.
    Filter(String),
    /// The view below, sorted by a column.
    Sort { column: usize, descending: bool },
    /// A page's fields and most-exposed users.
    Page(Box<PageDetail>),
    /// A field and the users whose field was exposed.
    Field(Box<FieldDetail>),
    /// One user's detail (text; scrolls).
    User(Box<UserDetail>),
    /// Waiting for the worker's answer.
    Pending(Request),
}

#[derive(Debug)]
pub struct Layer {
    pub kind: LayerKind,
    pub table: Option<TableView>,
    /// First line shown, for text layers.
    pub scroll: usize,
}

impl Layer {
    fn new(kind: LayerKind, table: Option<TableView>) -> Layer {
        Layer {
            kind,
            table,
            scroll: 0,
        }
    }

    /// Lines the layer shows above its table (drill-down headers).
    pub fn header_height(&self) -> usize {
        match &self.kind {
            LayerKind::Page(page) => 3 + page.fields.len().min(4),
            LayerKind::Field(_) => 3,
            _ => 0,
        }
    }

    /// The breadcrumb part naming this layer.
    pub fn crumb(&self) -> String {
        match &self.kind {
            LayerKind::Report => String::new(),
            LayerKind::Filter(text) => {
                let shown = self.table.as_ref().map_or(0, |t| t.rows.len());
                let of = self.table.as_ref().map_or(0, |t| t.parent.len());
                format!("/{text}  ({shown} of {of} rows match)")
            }
            LayerKind::Sort { column, descending } => {
                let name = self
                    .table
                    .as_ref()
                    .and_then(|t| t.grid.columns.get(*column).cloned())
                    .unwrap_or_default();
                format!("sorted by {name} {}", if *descending { "↓" } else { "↑" })
            }
            LayerKind::Page(page) => format!("page {}", page.page_id),
            LayerKind::Field(field) => format!("field {}", field.field.id),
            LayerKind::User(user) => format!("user {}", user.user_id),
            LayerKind::Pending(request) => format!("{} (loading…)", request_name(request)),
        }
    }
}

fn request_name(request: &Request) -> String {
    match request {
        Request::User(id) => format!("user {id}"),
        Request::Page(id) => format!("page {id}"),
        Request::Field(id) => format!("field {id}"),
        Request::Notices { dir, .. } => format!("notices to {}", dir.display()),
        Request::Recompute(_) => "recomputing".to_string(),
    }
}

/// What the title bar says about the inputs.
#[derive(Debug, Clone)]
pub struct Title {
    pub text: String,
    /// True for the bundled sample incident.
    pub sample: bool,
    /// Where the bundled sample was unpacked (a temporary folder), to name it as bundled.
    pub unpacked: Option<String>,
}

/// The whole state of the TUI.
#[derive(Debug)]
pub struct Model {
    pub title: Title,
    pub load: Load,
    pub tab: Tab,
    stacks: [Vec<Layer>; 6],
    mode: Mode,
    /// Terminal size (columns, rows), as the last resize event said.
    pub size: (u16, u16),
    /// A one-line message for the status bar, and whether it reports a failure.
    pub status: Option<(String, bool)>,
    pub quit: bool,
    /// The inventory being edited (opened with the first load).
    pub editor: Option<Editor>,
    /// What the last edit changed in the headline figures.
    pub last_change: Option<String>,
}

/// Rows of chrome around a table: title, tabs, breadcrumb, status bar, table header.
pub const CHROME_ROWS: usize = 5;

impl Model {
    pub fn new(title: Title, size: (u16, u16)) -> Model {
        Model {
            title,
            load: Load::Running {
                stage: Stage::ReadingLog,
            },
            tab: Tab::Overview,
            stacks: Default::default(),
            mode: Mode::Normal,
            size,
            status: None,
            quit: false,
            editor: None,
            last_change: None,
        }
    }

    /// A model over already computed data (tests, benchmarks).
    pub fn loaded(title: Title, size: (u16, u16), data: AuditData) -> Model {
        let mut model = Model::new(title, size);
        model.receive(Reply::Loaded(Box::new(data)));
        model
    }

    pub fn mode(&self) -> &Mode {
        &self.mode
    }

    pub fn data(&self) -> Option<&AuditData> {
        match &self.load {
            Load::Ready(data) => Some(data),
            _ => None,
        }
    }

    /// The stack of the current tab (empty for the overview and while loading).
    pub fn stack(&self) -> &[Layer] {
        &self.stacks[self.tab.index()]
    }

    pub fn top(&self) -> Option<&Layer> {
        self.stack().last()
    }

    fn top_mut(&mut self) -> Option<&mut Layer> {
        self.stacks[self.tab.index()].last_mut()
    }

    /// Table rows that fit on screen under the top layer's header.
    pub fn page_rows(&self) -> usize {
        let header = self.top().map_or(0, Layer::header_height);
        (self.size.1 as usize)
            .saturating_sub(CHROME_ROWS + header)
            .max(1)
    }

    /// Takes a message from the worker.
    pub fn receive(&mut self, reply: Reply) {
        match reply {
            Reply::Stage(stage) => {
                if let Load::Running { .. } = self.load {
                    self.load = Load::Running { stage };
                }
            }
            Reply::Failed(e) => self.load = Load::Failed(e),
            Reply::Loaded(data) => self.take_data(data),
            Reply::User(user) => {
                let request = Request::User(user.user_id.clone());
                self.fulfil(&request, LayerKind::User(user), None);
            }
            Reply::Page(page) => {
                let request = Request::Page(page.page_id.clone());
                let table = TableView::new(page.users.clone());
                self.fulfil(&request, LayerKind::Page(page), Some(table));
            }
            Reply::Field(field) => {
                let request = Request::Field(field.field.id.clone());
                let table = TableView::new(field.users.clone());
                self.fulfil(&request, LayerKind::Field(field), Some(table));
            }
            Reply::Notices(message) => self.status = Some((message, false)),
            Reply::DetailFailed(message) => {
                for stack in &mut self.stacks {
                    if matches!(
                        stack.last(),
                        Some(Layer {
                            kind: LayerKind::Pending(_),
                            ..
                        })
                    ) {
                        stack.pop();
                    }
                }
                self.status = Some((message, true));
            }
        }
    }

    /// New data: the first load, or a recompute after an edit (which keeps the view and
    /// says what changed).
    fn take_data(&mut self, data: Box<AuditData>) {
        let previous = match std::mem::replace(
            &mut self.load,
            Load::Running {
                stage: Stage::Aggregating,
            },
        ) {
            Load::Ready(old) => Some(old),
            _ => None,
        };
        let selected: Vec<usize> = self
            .stacks
            .iter()
            .map(|s| {
                s.first()
                    .and_then(|l| l.table.as_ref())
                    .map_or(0, |t| t.selected)
            })
            .collect();
        let page = self.page_rows();
        let base = |grid: &Arc<Grid>, selected: usize| {
            let mut table = TableView::new(grid.clone());
            table.move_to(selected as isize, page);
            vec![Layer::new(LayerKind::Report, Some(table))]
        };
        self.stacks = [
            Vec::new(),
            base(&data.users, selected[1]),
            base(&data.pages, selected[2]),
            base(&data.field_table, selected[3]),
            base(&data.unmapped, selected[4]),
            base(&data.inventory, selected[5]),
        ];
        match previous {
            None => {
                self.status = Some((
                    format!(
                        "loaded in {:.2} s; ? for help",
                        data.load_time.as_secs_f64()
                    ),
                    false,
                ));
                if self.editor.is_none() {
                    match Editor::open(data.inventory_path.clone()) {
                        Ok(editor) => self.editor = Some(editor),
                        Err(why) => {
                            self.status =
                                Some((format!("the inventory cannot be edited: {why}"), true))
                        }
                    }
                }
            }
            Some(old) => {
                let change = headline_change(
                    (&old.summary, old.unmapped.len()),
                    (&data.summary, data.unmapped.len()),
                );
                self.status = Some((change.clone(), false));
                self.last_change = Some(change);
            }
        }
        self.load = Load::Ready(data);
    }

    /// Replaces the pending layer that asked for `request` (if the user still waits for it).
    fn fulfil(&mut self, request: &Request, kind: LayerKind, table: Option<TableView>) {
        for stack in &mut self.stacks {
            if let Some(top) = stack.last_mut() {
                if matches!(&top.kind, LayerKind::Pending(r) if r == request) {
                    *top = Layer::new(kind, table);
                    return;
                }
            }
        }
    }

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
            Action::Quit => {
                if self.editor.as_ref().is_some_and(Editor::dirty) {
                    self.mode = Mode::Confirm(Confirm::Quit);
                } else {
                    self.quit = true;
                }
            }
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
            Action::Resize(w, h) => {
                self.size = (w, h);
                let page = self.page_rows();
                for stack in &mut self.stacks {
                    for layer in stack.iter_mut() {
                        if let Some(table) = &mut layer.table {
                            table.keep_visible(page);
                        }
                    }
                }
            }
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
            Action::StartSort => {
                if self.top_table().is_some() {
                    self.mode = Mode::Sort;
                }
            }
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
            Action::StartNotices => {
                if self.tab == Tab::Users && self.top_table().is_some() {
                    self.mode = Mode::Notices("notices".into());
                } else {
                    self.status = Some(("n writes notices from the Users view (2)".into(), false));
                }
            }
            Action::Type(c) => self.edit_prompt(|text| text.push(c)),
            Action::Erase => self.edit_prompt(|text| {
                text.pop();
            }),
            Action::Submit => match std::mem::replace(&mut self.mode, Mode::Normal) {
                Mode::Export(name) => self.export(PathBuf::from(name)),
                Mode::Notices(dir) => return self.notices(PathBuf::from(dir)),
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
                if std::mem::replace(&mut self.mode, Mode::Normal) == Mode::Filter {
                    self.pop();
                }
            }
            Action::Help => self.mode = Mode::Help,
            Action::Back => {
                if !self.pop() {
                    self.status = Some(("this is the view's first screen; q quits".into(), false));
                }
            }
            Action::Open => return self.open(),
        }
        None
    }

    /// The page under the cursor in the Inventory view.
    fn selected_page(&self) -> Option<String> {
        if self.tab != Tab::Inventory {
            return None;
        }
        let table = self.top_table()?;
        let row = table.current()?;
        Some(table.grid.cell(row, "page_id").to_string()).filter(|p| !p.is_empty())
    }

    /// An inventory edit key in normal mode: opens its form, or undoes, redoes, saves.
    fn start_edit(&mut self, action: Action) -> Option<Request> {
        let on_inventory = self.tab == Tab::Inventory;
        let page = self.selected_page();
        let suggested = (self.tab == Tab::Unmapped)
            .then(|| {
                let table = self.top_table()?;
                Some(
                    table
                        .grid
                        .cell(table.current()?, "suggested_route")
                        .to_string(),
                )
            })
            .flatten();
        let Some(editor) = &mut self.editor else {
            self.status = Some(("the inventory is not open for editing".into(), true));
            return None;
        };
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
            Action::SaveInventory => Some(Mode::Save(editor.preview(false))),
            Action::Undo | Action::Redo => {
                let step = if action == Action::Undo {
                    editor
                        .undo()
                        .map(|(what, text)| (format!("undid: {what}"), text))
                } else {
                    editor
                        .redo()
                        .map(|(what, text)| (format!("redid: {what}"), text))
                };
                return match step {
                    Some((message, text)) => {
                        self.status = Some((format!("{message}; recomputing…"), false));
                        Some(Request::Recompute(text))
                    }
                    None => {
                        self.status = Some(("nothing to undo or redo".into(), false));
                        None
                    }
                };
            }
            _ => None,
        };
        match mode {
            Some(mode) => self.mode = mode,
            None => {
                self.status = Some((
                    "inventory edits are made on a page of the Inventory view (6); a adds a page from Unmapped (5) too".into(),
                    false,
                ))
            }
        }
        None
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
    fn update_editing(&mut self, action: Action) -> Option<Request> {
        let mode = std::mem::replace(&mut self.mode, Mode::Normal);
        let Some(editor) = &self.editor else {
            return None;
        };
        match (mode, action) {
            (_, Action::Quit) => self.quit = true,
            (Mode::Form(_) | Mode::Pick(_) | Mode::Save(_) | Mode::Confirm(_), Action::Cancel) => {}
            (Mode::Form(mut form), action) => {
                let document = editor.current();
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
            }
            (Mode::Pick(mut picker), action) => match action {
                Action::Down | Action::Up => {
                    picker.step(if action == Action::Down { 1 } else { -1 });
                    self.mode = Mode::Pick(picker);
                }
                Action::Toggle => {
                    picker.toggle();
                    self.mode = Mode::Pick(picker);
                }
                Action::Submit | Action::DeleteFieldDef => {
                    let edit = match action {
                        Action::Submit => picker.edit(),
                        _ => Edit::DeleteField {
                            field: picker
                                .fields
                                .get(picker.selected)
                                .map(|(f, _)| f.id.clone())
                                .unwrap_or_default(),
                        },
                    };
                    match self.commit(&edit) {
                        Ok(request) => return Some(request),
                        Err(why) => {
                            self.status = Some((why, true));
                            self.mode = Mode::Pick(picker);
                        }
                    }
                }
                _ => self.mode = Mode::Pick(picker),
            },
            (Mode::Confirm(Confirm::DeletePage(page)), Action::Submit) => {
                match self.commit(&Edit::DeletePage { page }) {
                    Ok(request) => return Some(request),
                    Err(why) => self.status = Some((why, true)),
                }
            }
            (Mode::Confirm(Confirm::Quit), Action::Submit) => self.quit = true,
            (Mode::Confirm(Confirm::Quit), Action::SaveInventory) => {
                self.mode = Mode::Save(editor.preview(false));
            }
            (Mode::Save(mut preview), action) => match action {
                Action::Down | Action::Up => {
                    let by: isize = if action == Action::Down { 1 } else { -1 };
                    let last = preview.diff.len().saturating_sub(1) as isize;
                    preview.scroll = (preview.scroll as isize + by).clamp(0, last.max(0)) as usize;
                    self.mode = Mode::Save(preview);
                }
                Action::ToggleComments => {
                    self.mode = Mode::Save(editor.preview(!preview.move_comments));
                }
                Action::Submit => {
                    let saved = self.editor.as_mut().map(|e| e.save(&preview));
                    self.status = saved.map(|saved| match saved {
                        Ok(message) => (message, false),
                        Err(why) => (why, true),
                    });
                }
                _ => self.mode = Mode::Save(preview),
            },
            (mode, _) => self.mode = mode,
        }
        None
    }

    fn top_table(&self) -> Option<&TableView> {
        self.top().and_then(|l| l.table.as_ref())
    }

    fn push(&mut self, layer: Layer) {
        self.stacks[self.tab.index()].push(layer);
    }

    /// Pops the top derived view; false when only the tab's own view is left.
    fn pop(&mut self) -> bool {
        let stack = &mut self.stacks[self.tab.index()];
        if stack.len() > 1 {
            stack.pop();
            true
        } else {
            false
        }
    }

    fn move_by(&mut self, by: isize) {
        let page = self.page_rows();
        let Some(layer) = self.top_mut() else {
            return;
        };
        match (&layer.kind, &mut layer.table) {
            (LayerKind::User(_), _) => {
                layer.scroll = (layer.scroll as isize + by).max(0) as usize;
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
            Mode::Export(name) | Mode::Notices(name) => edit(name),
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

    /// Writes the current view (its rows, in their order) to `file`, atomically and 0600.
    fn export(&mut self, file: PathBuf) {
        let Some(data) = self.data() else {
            return;
        };
        let zone = data.zone;
        let Some(layer) = self.top() else {
            return;
        };
        let (grid, rows): (&Grid, Vec<usize>) = match (&layer.kind, &layer.table) {
            (LayerKind::User(user), _) => (&user.pages, (0..user.pages.len()).collect()),
            (_, Some(table)) => (&table.grid, table.rows.clone()),
            _ => return,
        };
        self.status = Some(match grid.export(&rows, &file, &zone) {
            Ok(()) => (
                format!(
                    "wrote {} rows to {} (owner-only, mode 0600)",
                    rows.len(),
                    file.display()
                ),
                false,
            ),
            Err(e) => (format!("export failed: {e:#}"), true),
        });
    }

    /// Asks the worker to write the notices for the users of the current view, in its order.
    fn notices(&mut self, dir: PathBuf) -> Option<Request> {
        let table = self.top_table()?;
        let users: Vec<String> = table
            .rows
            .iter()
            .map(|&r| table.grid.cell(r, "user_id").to_string())
            .collect();
        self.status = Some((format!("writing notices to {}…", dir.display()), false));
        Some(Request::Notices { dir, users })
    }

    /// Enter: the detail of the selected row's user, page or field.
    fn open(&mut self) -> Option<Request> {
        let table = self.top_table()?;
        let row = table.current()?;
        let grid = &table.grid;
        let request = if grid.column("user_id").is_some() {
            Request::User(grid.cell(row, "user_id").to_string())
        } else if grid.column("field_id").is_some() {
            Request::Field(grid.cell(row, "field_id").to_string())
        } else if grid.column("page_id").is_some() {
            Request::Page(grid.cell(row, "page_id").to_string())
        } else {
            self.status = Some((
                "no detail here: the suggested_route column says how to map this path".into(),
                false,
            ));
            return None;
        };
        self.push(Layer::new(LayerKind::Pending(request.clone()), None));
        Some(request)
    }
}

/// "+312 users exposed, 41 unmapped paths now mapped": the headline figures an edit moved.
pub fn headline_change(before: (&Summary, usize), after: (&Summary, usize)) -> String {
    let (a, b) = (before.0, after.0);
    let figures = [
        (
            "users potentially affected",
            a.users_potentially_affected,
            b.users_potentially_affected,
        ),
        ("users exposed", a.users_exposed, b.users_exposed),
        (
            "users in the direct tier",
            a.users_direct_tier,
            b.users_direct_tier,
        ),
        ("exposures", a.exposures, b.exposures),
        (
            "unmapped cross-user rows",
            a.unmapped_cross_user,
            b.unmapped_cross_user,
        ),
    ];
    let mut parts: Vec<String> = figures
        .iter()
        .filter(|(_, x, y)| x != y)
        .map(|(name, x, y)| format!("{:+} {name}", *y as i64 - *x as i64))
        .collect();
    match before.1.cmp(&after.1) {
        std::cmp::Ordering::Greater => {
            parts.push(format!("{} unmapped paths now mapped", before.1 - after.1))
        }
        std::cmp::Ordering::Less => {
            parts.push(format!("{} more unmapped paths", after.1 - before.1))
        }
        std::cmp::Ordering::Equal => {}
    }
    if parts.is_empty() {
        "recomputed: no headline figure changed".to_string()
    } else {
        format!("recomputed: {}", parts.join(", "))
    }
}
