//! The TUI's vocabulary, below everything else in it: what the user can ask for
//! (`Action`), the views (`Tab`), and which key map is live (`Keys`). The key maps, the
//! model and the view all speak it; it speaks none of them.

/// Everything the user can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    NextTab,
    PrevTab,
    GoTab(Tab),
    Down,
    Up,
    PageDown,
    PageUp,
    Top,
    Bottom,
    Left,
    Right,
    /// `s`: the next key names the column to sort by.
    StartSort,
    /// Sort by the column with this index (again: reverse).
    SortBy(usize),
    /// `/`: start an incremental filter.
    StartFilter,
    /// `e`: export the current view (prompts for a file name).
    StartExport,
    /// `n`: write the notices for the users of the current view (prompts for a folder).
    StartNotices,
    /// `R`: on the Overview, write the reports to the regulator (prompts for a folder).
    StartRegulator,
    /// Inventory edits (the Inventory view; `AddPage` also on Unmapped).
    AddPage,
    EditRoute,
    EditFields,
    EditNote,
    AddFieldDef,
    DeletePage,
    Undo,
    Redo,
    SaveInventory,
    /// Tab in a form: complete a category, or go to the next input.
    Complete,
    /// Space in the field picker.
    Toggle,
    /// `x` in the field picker: delete the field definition (when no page renders it).
    DeleteFieldDef,
    /// `c` in the save preview: move each page's preceding comment into its note.
    ToggleComments,
    Open,
    Back,
    Help,
    /// Scroll by a few rows (mouse wheel).
    Scroll(i32),
    /// Text typed into the prompt (filter or export name).
    Type(char),
    Erase,
    Submit,
    Cancel,
    Resize(u16, u16),
}

/// Which key map reads the keys: one per kind of input the model is waiting for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keys {
    Normal,
    /// Typing a filter.
    Filter,
    /// Typing a file or folder name (export, notices, regulator reports).
    Prompt,
    /// Filling a form.
    Form,
    /// The next key names the column to sort by.
    Sort,
    Help,
    Pick,
    Confirm,
    Save,
}

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

    pub fn step(self, by: isize) -> Tab {
        let n = Tab::ALL.len() as isize;
        Tab::ALL[((self.index() as isize + by).rem_euclid(n)) as usize]
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
