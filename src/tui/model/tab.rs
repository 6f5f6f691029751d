//! The views, as tabs, and `PerTab`: one value per tab, reached only through a `Tab`.

use std::sync::Arc;

use crate::tui::data::{AuditData, Grid};

/// The views, as tabs, in the order the tab bar shows them (and the keys number them).
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

    /// Its place in `ALL` (the declaration order).
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The number the tab bar shows and the digit key that opens it: 1 for the first.
    pub const fn number(self) -> usize {
        self.index() + 1
    }

    /// The digit key that opens the tab.
    pub const fn digit(self) -> char {
        (b'1' + self.index() as u8) as char
    }

    pub(super) fn step(self, by: isize) -> Tab {
        let n = Tab::ALL.len() as isize;
        Tab::ALL[((self.index() as isize + by).rem_euclid(n)) as usize]
    }

    /// The report the tab shows; the overview has none (it draws the summary).
    pub fn report(self, data: &AuditData) -> Option<&Arc<Grid>> {
        match self {
            Tab::Overview => None,
            Tab::Users => Some(&data.users),
            Tab::Pages => Some(&data.pages),
            Tab::Fields => Some(&data.field_table),
            Tab::Unmapped => Some(&data.unmapped),
            Tab::Inventory => Some(&data.inventory),
        }
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

#[cfg(test)]
mod tests {
    use super::Tab;

    #[test]
    fn all_is_in_declaration_order() {
        for (i, tab) in Tab::ALL.into_iter().enumerate() {
            assert_eq!(tab.index(), i);
            assert_eq!(tab.digit().to_digit(10), Some(tab.number() as u32));
        }
    }
}
