//! `PerTab`: one value per tab, reached only through a `Tab`; and the report each tab shows.

use std::sync::Arc;

use crate::tui::data::{AuditData, Grid};
use crate::tui::vocab::Tab;

/// The report a tab shows; the overview has none (it draws the summary).
pub fn report_of(tab: Tab, data: &AuditData) -> Option<&Arc<Grid>> {
    match tab {
        Tab::Overview => None,
        Tab::Users => Some(&data.users),
        Tab::Pages => Some(&data.pages),
        Tab::Fields => Some(&data.field_table),
        Tab::Unmapped => Some(&data.unmapped),
        Tab::Inventory => Some(&data.inventory),
    }
}

/// One value per tab.
#[derive(Debug, Default)]
pub struct PerTab<T>([T; Tab::ALL.len()]);

impl<T> PerTab<T> {
    pub fn from_fn(mut value: impl FnMut(Tab) -> T) -> PerTab<T> {
        PerTab(Tab::ALL.map(&mut value))
    }

    pub fn get(&self, tab: Tab) -> &T {
        &self.0[tab.index()]
    }

    pub fn get_mut(&mut self, tab: Tab) -> &mut T {
        &mut self.0[tab.index()]
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.0.iter_mut()
    }
}
