//! A tab's stack of layers: its report, then filters, sorts and drill-downs, each with the
//! table view (rows, cursor, scroll) it shows.

use std::sync::Arc;

use crate::tui::data::{FieldDetail, Grid, PageDetail, Request, UserDetail};

/// A table on screen: which rows of the grid, in which order, and where the cursor is.
#[derive(Debug, Clone)]
pub struct TableView {
    pub grid: Arc<Grid>,
    pub rows: Vec<usize>,
    /// The rows of the view below, which a filter or sort derives from.
    pub(super) parent: Vec<usize>,
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
    pub(super) fn derived(&self) -> TableView {
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

    pub(super) fn move_to(&mut self, target: isize, page: usize) {
        let last = self.rows.len().saturating_sub(1) as isize;
        self.selected = target.clamp(0, last.max(0)) as usize;
        self.keep_visible(page);
    }

    pub(super) fn keep_visible(&mut self, page: usize) {
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
    /// The unmapped paths a suggested route covers.
    Route(String),
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
    pub(super) fn new(kind: LayerKind, table: Option<TableView>) -> Layer {
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
            LayerKind::Route(route) => format!("paths of {route}"),
            LayerKind::Pending(request) => format!("{} (loading…)", request_name(request)),
        }
    }
}

fn request_name(request: &Request) -> String {
    match request {
        Request::User(id) => format!("user {id}"),
        Request::Page(id) => format!("page {id}"),
        Request::Field(id) => format!("field {id}"),
        Request::Export { file, .. } => format!("export to {}", file.display()),
        Request::Notices { dir, .. } => format!("notices to {}", dir.display()),
        Request::Regulator { dir } => format!("reports to the regulator to {}", dir.display()),
        Request::SaveInventory(save) => format!("saving {}", save.path.display()),
        Request::Recompute(_) => "recomputing".to_string(),
    }
}
