//! Keys become actions here, and only here. The help overlay and the status-bar hints are
//! generated from the same key map, so they cannot drift from what the keys do.

use ratatui::crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEventKind,
};

use super::model::{Mode, Model, Tab};

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

/// A key as the user presses it (shifted letters arrive as their capital).
pub type Key = KeyCode;

const fn key(code: KeyCode) -> Key {
    code
}

const fn ch(c: char) -> Key {
    key(KeyCode::Char(c))
}

/// One line of the key map: the keys, what they do, and whether the status bar hints it.
pub struct Binding {
    pub keys: &'static [Key],
    pub label: &'static str,
    pub action: Action,
    pub help: &'static str,
    /// Short form for the status bar, when it is worth a place there.
    pub hint: Option<&'static str>,
}

/// The normal-mode key map.
pub const KEYMAP: &[Binding] = &[
    Binding {
        keys: &[ch('j'), key(KeyCode::Down)],
        label: "j ↓",
        action: Action::Down,
        help: "next row",
        hint: None,
    },
    Binding {
        keys: &[ch('k'), key(KeyCode::Up)],
        label: "k ↑",
        action: Action::Up,
        help: "previous row",
        hint: None,
    },
    Binding {
        keys: &[key(KeyCode::PageDown), ch(' ')],
        label: "PgDn Space",
        action: Action::PageDown,
        help: "next page",
        hint: None,
    },
    Binding {
        keys: &[key(KeyCode::PageUp)],
        label: "PgUp",
        action: Action::PageUp,
        help: "previous page",
        hint: None,
    },
    Binding {
        keys: &[ch('g'), key(KeyCode::Home)],
        label: "g Home",
        action: Action::Top,
        help: "first row",
        hint: None,
    },
    Binding {
        keys: &[ch('G'), key(KeyCode::End)],
        label: "G End",
        action: Action::Bottom,
        help: "last row",
        hint: None,
    },
    Binding {
        keys: &[ch('h'), key(KeyCode::Left)],
        label: "h ←",
        action: Action::Left,
        help: "scroll columns left",
        hint: None,
    },
    Binding {
        keys: &[ch('l'), key(KeyCode::Right)],
        label: "l →",
        action: Action::Right,
        help: "scroll columns right",
        hint: None,
    },
    Binding {
        keys: &[key(KeyCode::Tab)],
        label: "Tab",
        action: Action::NextTab,
        help: "next view",
        hint: Some("views"),
    },
    Binding {
        keys: &[key(KeyCode::BackTab)],
        label: "S-Tab",
        action: Action::PrevTab,
        help: "previous view",
        hint: None,
    },
    Binding {
        keys: &[ch('1')],
        label: "1",
        action: Action::GoTab(Tab::Overview),
        help: "view 1: Overview",
        hint: None,
    },
    Binding {
        keys: &[ch('2')],
        label: "2",
        action: Action::GoTab(Tab::Users),
        help: "view 2: Users",
        hint: None,
    },
    Binding {
        keys: &[ch('3')],
        label: "3",
        action: Action::GoTab(Tab::Pages),
        help: "view 3: Pages",
        hint: None,
    },
    Binding {
        keys: &[ch('4')],
        label: "4",
        action: Action::GoTab(Tab::Fields),
        help: "view 4: Fields",
        hint: None,
    },
    Binding {
        keys: &[ch('5')],
        label: "5",
        action: Action::GoTab(Tab::Unmapped),
        help: "view 5: Unmapped",
        hint: None,
    },
    Binding {
        keys: &[ch('6')],
        label: "6",
        action: Action::GoTab(Tab::Inventory),
        help: "view 6: Inventory",
        hint: None,
    },
    Binding {
        keys: &[key(KeyCode::Enter)],
        label: "Enter",
        action: Action::Open,
        help: "open the selected row",
        hint: Some("open"),
    },
    Binding {
        keys: &[key(KeyCode::Esc)],
        label: "Esc",
        action: Action::Back,
        help: "pop a filter/sort/detail",
        hint: Some("back"),
    },
    Binding {
        keys: &[ch('s')],
        label: "s",
        action: Action::StartSort,
        help: "sort: then column number",
        hint: Some("sort"),
    },
    Binding {
        keys: &[ch('/')],
        label: "/",
        action: Action::StartFilter,
        help: "filter on any visible text",
        hint: Some("filter"),
    },
    Binding {
        keys: &[ch('e')],
        label: "e",
        action: Action::StartExport,
        help: "export view (CSV, 0600)",
        hint: Some("export"),
    },
    Binding {
        keys: &[ch('n')],
        label: "n",
        action: Action::StartNotices,
        help: "write notices (Users)",
        hint: None,
    },
    Binding {
        keys: &[ch('a')],
        label: "a",
        action: Action::AddPage,
        help: "add a page (views 5, 6)",
        hint: None,
    },
    Binding {
        keys: &[ch('r')],
        label: "r",
        action: Action::EditRoute,
        help: "change the page's route",
        hint: None,
    },
    Binding {
        keys: &[ch('f')],
        label: "f",
        action: Action::EditFields,
        help: "the page's fields",
        hint: None,
    },
    Binding {
        keys: &[ch('o')],
        label: "o",
        action: Action::EditNote,
        help: "edit the page's note",
        hint: None,
    },
    Binding {
        keys: &[ch('F')],
        label: "F",
        action: Action::AddFieldDef,
        help: "add a field definition",
        hint: None,
    },
    Binding {
        keys: &[ch('d')],
        label: "d",
        action: Action::DeletePage,
        help: "delete the page",
        hint: None,
    },
    Binding {
        keys: &[ch('u')],
        label: "u",
        action: Action::Undo,
        help: "undo an inventory edit",
        hint: None,
    },
    Binding {
        keys: &[ch('U')],
        label: "U",
        action: Action::Redo,
        help: "redo",
        hint: None,
    },
    Binding {
        keys: &[ch('w')],
        label: "w",
        action: Action::SaveInventory,
        help: "save the inventory (diff)",
        hint: None,
    },
    Binding {
        keys: &[ch('?')],
        label: "?",
        action: Action::Help,
        help: "this help",
        hint: Some("help"),
    },
    Binding {
        keys: &[ch('q')],
        label: "q",
        action: Action::Quit,
        help: "quit",
        hint: Some("quit"),
    },
];

/// Keys inside a prompt (filter text, export name); any other character is typed.
const PROMPT_MAP: &[(Key, Action, &str, &str)] = &[
    (
        KeyCode::Backspace,
        Action::Erase,
        "Backspace",
        "erase a character",
    ),
    (
        KeyCode::Enter,
        Action::Submit,
        "Enter",
        "keep filter / write file",
    ),
    (KeyCode::Esc, Action::Cancel, "Esc", "cancel"),
    (KeyCode::Down, Action::Down, "↓ ↑", "move while filtering"),
    (KeyCode::Up, Action::Up, "↓ ↑", "move while filtering"),
];

/// The prompt keys for the help overlay: (label, help).
/// Keys that share a label (↓ and ↑) are listed once.
pub fn prompt_keys() -> Vec<(&'static str, &'static str)> {
    let mut keys: Vec<(&'static str, &'static str)> = Vec::new();
    for &(_, _, label, help) in PROMPT_MAP {
        if !keys.contains(&(label, help)) {
            keys.push((label, help));
        }
    }
    keys
}

/// The action a normal-mode key stands for.
pub fn normal_action(pressed: Key) -> Option<Action> {
    KEYMAP
        .iter()
        .find(|b| b.keys.contains(&pressed))
        .map(|b| b.action)
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
    if k.modifiers.contains(KeyModifiers::CONTROL) && k.code == KeyCode::Char('c') {
        return Some(Action::Quit);
    }
    match mode {
        Mode::Filter | Mode::Export(_) | Mode::Notices(_) => match k.code {
            KeyCode::Char(c) => Some(Action::Type(c)),
            code => PROMPT_MAP
                .iter()
                .find(|(key, ..)| *key == code)
                .map(|(_, action, ..)| *action),
        },
        Mode::Sort => match k.code {
            KeyCode::Char(c @ '1'..='9') => Some(Action::SortBy(c as usize - '1' as usize)),
            KeyCode::Char('0') => Some(Action::SortBy(9)),
            _ => Some(Action::Cancel),
        },
        Mode::Help => match k.code {
            KeyCode::Char('q') => Some(Action::Quit),
            _ => Some(Action::Cancel),
        },
        Mode::Form(_) => match k.code {
            KeyCode::Char(c) => Some(Action::Type(c)),
            code => find(FORM_KEYS, code),
        },
        Mode::Pick(_) => find(PICK_KEYS, k.code),
        Mode::Confirm(_) => find(CONFIRM_KEYS, k.code),
        Mode::Save(_) => find(SAVE_KEYS, k.code),
        Mode::Normal => normal_action(k.code),
    }
}

/// Keys of an overlay: (key, action, label, what it does).
pub type OverlayKeys = &'static [(Key, Action, &'static str, &'static str)];

fn find(keys: OverlayKeys, code: KeyCode) -> Option<Action> {
    keys.iter()
        .find(|(key, ..)| *key == code)
        .map(|(_, action, ..)| *action)
}

/// "Enter apply · Esc cancel": an overlay's keys, for its footer.
pub fn footer(keys: OverlayKeys) -> String {
    let mut seen: Vec<&str> = Vec::new();
    keys.iter()
        .filter(|(_, _, label, _)| {
            let new = !seen.contains(label);
            seen.push(label);
            new
        })
        .map(|(_, _, label, help)| format!("{label} {help}"))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// In a form (typed characters go into the focused input).
pub const FORM_KEYS: OverlayKeys = &[
    (KeyCode::Enter, Action::Submit, "Enter", "apply"),
    (KeyCode::Esc, Action::Cancel, "Esc", "cancel"),
    (KeyCode::Tab, Action::Complete, "Tab", "complete/next"),
    (KeyCode::Down, Action::Down, "↓↑", "input"),
    (KeyCode::Up, Action::Up, "↓↑", "input"),
    (KeyCode::BackTab, Action::Up, "↓↑", "input"),
    (KeyCode::Backspace, Action::Erase, "Backspace", "erase"),
];

/// In the field picker.
pub const PICK_KEYS: OverlayKeys = &[
    (KeyCode::Char(' '), Action::Toggle, "Space", "tick"),
    (KeyCode::Enter, Action::Submit, "Enter", "apply"),
    (KeyCode::Esc, Action::Cancel, "Esc", "cancel"),
    (
        KeyCode::Char('x'),
        Action::DeleteFieldDef,
        "x",
        "delete unused field",
    ),
    (KeyCode::Char('j'), Action::Down, "j k", "move"),
    (KeyCode::Down, Action::Down, "j k", "move"),
    (KeyCode::Char('k'), Action::Up, "j k", "move"),
    (KeyCode::Up, Action::Up, "j k", "move"),
];

/// In a yes/no question.
pub const CONFIRM_KEYS: OverlayKeys = &[
    (KeyCode::Char('y'), Action::Submit, "y", "yes"),
    (KeyCode::Char('n'), Action::Cancel, "n/Esc", "no"),
    (KeyCode::Esc, Action::Cancel, "n/Esc", "no"),
    (KeyCode::Char('w'), Action::SaveInventory, "w", "save first"),
];

/// In the save preview.
pub const SAVE_KEYS: OverlayKeys = &[
    (KeyCode::Char('y'), Action::Submit, "y", "write"),
    (KeyCode::Esc, Action::Cancel, "Esc", "cancel"),
    (
        KeyCode::Char('c'),
        Action::ToggleComments,
        "c",
        "comments into notes",
    ),
    (KeyCode::Char('j'), Action::Down, "j k", "scroll"),
    (KeyCode::Down, Action::Down, "j k", "scroll"),
    (KeyCode::Char('k'), Action::Up, "j k", "scroll"),
    (KeyCode::Up, Action::Up, "j k", "scroll"),
];

/// The status-bar hints, from the key map.
pub fn hints() -> Vec<(&'static str, &'static str)> {
    KEYMAP
        .iter()
        .filter_map(|b| b.hint.map(|h| (b.label, h)))
        .collect()
}
