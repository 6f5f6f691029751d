//! The worker's replies: loaded data, drill-downs, and what a write did.

use super::{report_of, Layer, LayerKind, Load, Model, PerTab, TableView};
use crate::audit::Summary;
use crate::frame::names::EXPOSURES;
use crate::tui::data::{AuditData, Reply, Request, Stage};
use crate::tui::keymap;
use crate::tui::vocab::Action;

impl Model {
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
            Reply::Editor(Ok(editor)) => self.editor = Some(editor),
            Reply::Editor(Err(why)) => {
                self.status = Some((format!("the inventory cannot be edited: {why}"), true))
            }
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
            Reply::Wrote(result) => self.written(result),
            Reply::Saved(save, result) => {
                if let (Some(editor), Ok(_)) = (&mut self.editor, &result) {
                    editor.saved(&save);
                }
                self.written(result);
            }
            Reply::DetailFailed(message) => {
                for stack in self.stacks.values_mut() {
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

    /// A file job is done: its message, in red if nothing was written.
    fn written(&mut self, result: Result<String, String>) {
        self.writing = self.writing.saturating_sub(1);
        self.status = Some(match result {
            Ok(message) => (message, false),
            Err(why) => (why, true),
        });
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
        // Each tab's report again, with the cursor where it was in the tab's own report.
        let page = self.page_rows();
        let stacks = &self.stacks;
        self.stacks = PerTab::from_fn(|tab| {
            let Some(grid) = report_of(tab, &data) else {
                return Vec::new();
            };
            let selected = stacks
                .get(tab)
                .first()
                .and_then(|l| l.table.as_ref())
                .map_or(0, |t| t.selected);
            let mut table = TableView::new(grid.clone());
            table.move_to(selected as isize, page);
            vec![Layer::new(LayerKind::Report, Some(table))]
        });
        match previous {
            None => {
                self.status = Some((
                    format!(
                        "loaded in {:.2} s; {} for help",
                        data.load_time.as_secs_f64(),
                        keymap::label(Action::Help)
                    ),
                    false,
                ));
            }
            Some(old) => {
                let change = headline_change(
                    (&old.summary, old.unmapped_paths.len()),
                    (&data.summary, data.unmapped_paths.len()),
                );
                self.status = Some((change.clone(), false));
                self.last_change = Some(change);
            }
        }
        self.load = Load::Ready(data);
    }

    /// Replaces the pending layer that asked for `request` (if the user still waits for it).
    fn fulfil(&mut self, request: &Request, kind: LayerKind, table: Option<TableView>) {
        for stack in self.stacks.values_mut() {
            if let Some(top) = stack.last_mut() {
                if matches!(&top.kind, LayerKind::Pending(r) if r == request) {
                    *top = Layer::new(kind, table);
                    return;
                }
            }
        }
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
        (EXPOSURES, a.exposures, b.exposures),
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
