//! Keys become actions here, and only here, through the key maps of `keymap` (which the
//! help overlay and the hints are generated from too).

use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, MouseEventKind};

use super::keymap::{
    lookup, sort_column, Binding, CONFIRM_KEYS, EVERY_MODE, FILTER_KEYS, FORM_KEYS, HELP_KEYS,
    PICK_KEYS, SAVE_KEYS, WRITE_PROMPT_KEYS,
};
use super::model::{Mode, Model, Tab};

/// The normal-mode key map (also read from here by the tests of the help overlay and the
/// README's key table).
pub use super::keymap::KEYMAP;

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

/// Translates a terminal event into an action, given the mode the model is in.
pub fn translate(model: &Model, event: &Event) -> Option<Action> {
    match event {
        Event::Resize(w, h) => Some(Action::Resize(*w, *h)),
        Event::Mouse(mouse) => match mouse.kind {
            MouseEventKind::ScrollDown => Some(Action::Scroll(3)),
            MouseEventKind::ScrollUp => Some(Action::Scroll(-3)),
            _ => None,
        },
        Event::Key(k) if k.kind != KeyEventKind::Release => key_action(model.mode(), k),
        _ => None,
    }
}

fn key_action(mode: &Mode, k: &KeyEvent) -> Option<Action> {
    if let Some(action) = lookup(EVERY_MODE, k) {
        return Some(action);
    }
    match mode {
        Mode::Filter => typing(FILTER_KEYS, k),
        Mode::Export(_) | Mode::Notices(_) | Mode::Regulator(_) => typing(WRITE_PROMPT_KEYS, k),
        Mode::Form(_) => typing(FORM_KEYS, k),
        Mode::Sort => Some(sort_column(k.code).map_or(Action::Cancel, Action::SortBy)),
        Mode::Help => Some(lookup(HELP_KEYS, k).unwrap_or(Action::Cancel)),
        Mode::Pick(_) => lookup(PICK_KEYS, k),
        Mode::Confirm(_) => lookup(CONFIRM_KEYS, k),
        Mode::Save(_) => lookup(SAVE_KEYS, k),
        Mode::Normal => lookup(KEYMAP, k),
    }
}

/// Where text is typed: the map's keys, and any other character is typed.
fn typing(map: &[Binding], k: &KeyEvent) -> Option<Action> {
    lookup(map, k).or(match k.code {
        KeyCode::Char(c) => Some(Action::Type(c)),
        _ => None,
    })
}
