//! The key maps: which key means which action in each mode, with the words shown about
//! it. The help overlay, the status-bar hints, the prompts' hints and the overlays' footers
//! are all generated from these tables, so they cannot drift from what the keys do.

use ratatui::crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEventKind,
};

use super::vocab::{Action, Keys, Tab};

/// A key and the modifiers it must be pressed with. Other modifiers may be held too: a
/// shifted letter arrives as its capital with SHIFT and is still that letter's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyBinding {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl KeyBinding {
    pub fn matches(&self, pressed: &KeyEvent) -> bool {
        self.code == pressed.code && pressed.modifiers.contains(self.modifiers)
    }
}

const fn key(code: KeyCode) -> KeyBinding {
    KeyBinding {
        code,
        modifiers: KeyModifiers::NONE,
    }
}

const fn ch(c: char) -> KeyBinding {
    key(KeyCode::Char(c))
}

const fn ctrl(c: char) -> KeyBinding {
    KeyBinding {
        code: KeyCode::Char(c),
        modifiers: KeyModifiers::CONTROL,
    }
}

/// One line of a key map: the keys, what they do, and the words shown about them.
pub struct Binding {
    pub keys: &'static [KeyBinding],
    pub label: &'static str,
    pub action: Action,
    /// What the help overlay (or an overlay's footer) says the keys do.
    pub help: &'static str,
    /// Short form for the status bar, when it is worth a place there.
    pub hint: Option<&'static str>,
}

/// A binding the status bar does not hint.
const fn on(
    keys: &'static [KeyBinding],
    action: Action,
    label: &'static str,
    help: &'static str,
) -> Binding {
    Binding {
        keys,
        label,
        action,
        help,
        hint: None,
    }
}

/// The action `pressed` stands for in `map`.
pub fn lookup(map: &[Binding], pressed: &KeyEvent) -> Option<Action> {
    map.iter()
        .find(|b| b.keys.iter().any(|k| k.matches(pressed)))
        .map(|b| b.action)
}

/// Keys that mean the same in every mode, looked up before the mode's own map.
pub const EVERY_MODE: &[Binding] = &[on(&[ctrl('c')], Action::Quit, "Ctrl-C", "quit")];

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
        keys: &[ch(Tab::Overview.digit())],
        label: "1",
        action: Action::GoTab(Tab::Overview),
        help: "view 1: Overview",
        hint: None,
    },
    Binding {
        keys: &[ch(Tab::Users.digit())],
        label: "2",
        action: Action::GoTab(Tab::Users),
        help: "view 2: Users",
        hint: None,
    },
    Binding {
        keys: &[ch(Tab::Pages.digit())],
        label: "3",
        action: Action::GoTab(Tab::Pages),
        help: "view 3: Pages",
        hint: None,
    },
    Binding {
        keys: &[ch(Tab::Fields.digit())],
        label: "4",
        action: Action::GoTab(Tab::Fields),
        help: "view 4: Fields",
        hint: None,
    },
    Binding {
        keys: &[ch(Tab::Unmapped.digit())],
        label: "5",
        action: Action::GoTab(Tab::Unmapped),
        help: "view 5: Unmapped",
        hint: None,
    },
    Binding {
        keys: &[ch(Tab::Inventory.digit())],
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
        keys: &[ch('R')],
        label: "R",
        action: Action::StartRegulator,
        help: "regulator report (Overview)",
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

/// The label of the normal-mode key for `action` ("" if no key is bound to it), for the
/// messages that name a key.
pub fn label(action: Action) -> &'static str {
    KEYMAP
        .iter()
        .find(|b| b.action == action)
        .map_or("", |b| b.label)
}

/// The status-bar hints of normal mode: (label, hint).
pub fn hints() -> Vec<(&'static str, &'static str)> {
    hints_of(KEYMAP)
}

fn hints_of(map: &[Binding]) -> Vec<(&'static str, &'static str)> {
    map.iter()
        .filter_map(|b| b.hint.map(|h| (b.label, h)))
        .collect()
}

/// Bindings with the same label (↓ and ↑) are listed once, with the first one's words.
fn distinct(map: &[Binding]) -> impl Iterator<Item = &Binding> {
    map.iter()
        .enumerate()
        .filter(move |(i, b)| !map[..*i].iter().any(|e| e.label == b.label))
        .map(|(_, b)| b)
}

// ---- Prompts: one line of text typed into the status bar ----

const ERASE: Binding = on(
    &[key(KeyCode::Backspace)],
    Action::Erase,
    "Backspace",
    "erase a character",
);
const CANCEL: Binding = Binding {
    hint: Some("cancels"),
    ..on(&[key(KeyCode::Esc)], Action::Cancel, "Esc", "cancel")
};
const PROMPT_DOWN: Binding = on(
    &[key(KeyCode::Down)],
    Action::Down,
    "↓ ↑",
    "move while filtering",
);
const PROMPT_UP: Binding = on(
    &[key(KeyCode::Up)],
    Action::Up,
    "↓ ↑",
    "move while filtering",
);
const SUBMIT_HELP: &str = "keep filter / write file";

/// In the filter prompt; any other character is typed.
pub const FILTER_KEYS: &[Binding] = &[
    ERASE,
    Binding {
        hint: Some("keeps"),
        ..on(&[key(KeyCode::Enter)], Action::Submit, "Enter", SUBMIT_HELP)
    },
    CANCEL,
    PROMPT_DOWN,
    PROMPT_UP,
];

/// In the prompts for a file or folder to write (export, notices); any other character is
/// typed.
pub const WRITE_PROMPT_KEYS: &[Binding] = &[
    ERASE,
    Binding {
        hint: Some("writes (0600)"),
        ..on(&[key(KeyCode::Enter)], Action::Submit, "Enter", SUBMIT_HELP)
    },
    CANCEL,
    PROMPT_DOWN,
    PROMPT_UP,
];

/// The prompt keys for the help overlay: (label, help).
pub fn prompt_keys() -> Vec<(&'static str, &'static str)> {
    distinct(FILTER_KEYS).map(|b| (b.label, b.help)).collect()
}

/// "Enter keeps · Esc cancels": a prompt's hints, for the status bar.
pub fn prompt_hint(map: &[Binding]) -> String {
    hints_of(map)
        .iter()
        .map(|(label, hint)| format!("{label} {hint}"))
        .collect::<Vec<_>>()
        .join(" · ")
}

// ---- Modes where a key is a choice ----

/// In the help overlay; any other key closes it.
pub const HELP_KEYS: &[Binding] = &[on(&[ch('q')], Action::Quit, "q", "quit")];

/// The column a key names while sorting: 1 to 9, then 0 for the tenth. Any other key
/// cancels.
pub fn sort_column(code: KeyCode) -> Option<usize> {
    match code {
        KeyCode::Char(c @ '1'..='9') => Some(c as usize - '1' as usize),
        KeyCode::Char('0') => Some(9),
        _ => None,
    }
}

/// The status bar while sorting (what `sort_column` accepts).
pub const SORT_HINT: &str = "press its number (shown in the header) · any other key cancels";

// ---- Overlays: their footers show every line of their map ----

/// "Enter apply · Esc cancel": an overlay's keys, for its footer.
pub fn footer(map: &[Binding]) -> String {
    distinct(map)
        .map(|b| format!("{} {}", b.label, b.help))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// In a form (typed characters go into the focused input).
pub const FORM_KEYS: &[Binding] = &[
    on(&[key(KeyCode::Enter)], Action::Submit, "Enter", "apply"),
    on(&[key(KeyCode::Esc)], Action::Cancel, "Esc", "cancel"),
    on(
        &[key(KeyCode::Tab)],
        Action::Complete,
        "Tab",
        "complete/next",
    ),
    on(&[key(KeyCode::Down)], Action::Down, "↓↑", "input"),
    on(
        &[key(KeyCode::Up), key(KeyCode::BackTab)],
        Action::Up,
        "↓↑",
        "input",
    ),
    on(
        &[key(KeyCode::Backspace)],
        Action::Erase,
        "Backspace",
        "erase",
    ),
];

/// In the field picker.
pub const PICK_KEYS: &[Binding] = &[
    on(&[ch(' ')], Action::Toggle, "Space", "tick"),
    on(&[key(KeyCode::Enter)], Action::Submit, "Enter", "apply"),
    on(&[key(KeyCode::Esc)], Action::Cancel, "Esc", "cancel"),
    on(
        &[ch('x')],
        Action::DeleteFieldDef,
        "x",
        "delete unused field",
    ),
    on(&[ch('j'), key(KeyCode::Down)], Action::Down, "j k", "move"),
    on(&[ch('k'), key(KeyCode::Up)], Action::Up, "j k", "move"),
];

/// In a yes/no question.
pub const CONFIRM_KEYS: &[Binding] = &[
    on(&[ch('y')], Action::Submit, "y", "yes"),
    on(&[ch('n'), key(KeyCode::Esc)], Action::Cancel, "n/Esc", "no"),
    on(&[ch('w')], Action::SaveInventory, "w", "save first"),
];

/// In the save preview.
pub const SAVE_KEYS: &[Binding] = &[
    on(&[ch('y')], Action::Submit, "y", "write"),
    on(&[key(KeyCode::Esc)], Action::Cancel, "Esc", "cancel"),
    on(
        &[ch('c')],
        Action::ToggleComments,
        "c",
        "comments into notes",
    ),
    on(
        &[ch('j'), key(KeyCode::Down)],
        Action::Down,
        "j k",
        "scroll",
    ),
    on(&[ch('k'), key(KeyCode::Up)], Action::Up, "j k", "scroll"),
];

/// Translates a terminal event into an action, given the key map the model reads keys with.
pub fn translate(keys: Keys, event: &Event) -> Option<Action> {
    match event {
        Event::Resize(w, h) => Some(Action::Resize(*w, *h)),
        Event::Mouse(mouse) => match mouse.kind {
            MouseEventKind::ScrollDown => Some(Action::Scroll(3)),
            MouseEventKind::ScrollUp => Some(Action::Scroll(-3)),
            _ => None,
        },
        Event::Key(k) if k.kind != KeyEventKind::Release => key_action(keys, k),
        _ => None,
    }
}

fn key_action(keys: Keys, k: &KeyEvent) -> Option<Action> {
    if let Some(action) = lookup(EVERY_MODE, k) {
        return Some(action);
    }
    match keys {
        Keys::Filter => typing(FILTER_KEYS, k),
        Keys::Prompt => typing(WRITE_PROMPT_KEYS, k),
        Keys::Form => typing(FORM_KEYS, k),
        Keys::Sort => Some(sort_column(k.code).map_or(Action::Cancel, Action::SortBy)),
        Keys::Help => Some(lookup(HELP_KEYS, k).unwrap_or(Action::Cancel)),
        Keys::Pick => lookup(PICK_KEYS, k),
        Keys::Confirm => lookup(CONFIRM_KEYS, k),
        Keys::Save => lookup(SAVE_KEYS, k),
        Keys::Normal => lookup(KEYMAP, k),
    }
}

/// Where text is typed: the map's keys, and any other character is typed.
fn typing(map: &[Binding], k: &KeyEvent) -> Option<Action> {
    lookup(map, k).or(match k.code {
        KeyCode::Char(c) => Some(Action::Type(c)),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::KeyEvent;

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn modifiers_must_be_held_and_others_may_be() {
        let c = KeyCode::Char('c');
        assert_eq!(
            lookup(EVERY_MODE, &press(c, KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
        assert_eq!(lookup(EVERY_MODE, &press(c, KeyModifiers::NONE)), None);
        // A capital arrives with SHIFT held and is still its key.
        let g = press(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(lookup(KEYMAP, &g), Some(Action::Bottom));
    }

    #[test]
    fn view_keys_are_the_tabs_numbers() {
        for tab in Tab::ALL {
            let binding = KEYMAP
                .iter()
                .find(|b| b.action == Action::GoTab(tab))
                .expect("every tab has a key");
            assert_eq!(binding.label, tab.number().to_string());
            assert_eq!(
                binding.help,
                format!("view {}: {}", tab.number(), tab.title())
            );
            assert_eq!(binding.keys, [ch(tab.digit())]);
        }
        let add_page = KEYMAP.iter().find(|b| b.action == Action::AddPage).unwrap();
        assert!(add_page.help.ends_with(&format!(
            "(views {}, {})",
            Tab::Unmapped.number(),
            Tab::Inventory.number()
        )));
    }

    #[test]
    fn keys_named_in_messages_are_bound() {
        for action in [
            Action::Help,
            Action::Quit,
            Action::AddPage,
            Action::StartFilter,
            Action::StartExport,
            Action::StartNotices,
            Action::StartRegulator,
            Action::SaveInventory,
        ] {
            assert!(!label(action).is_empty(), "{action:?} has no key");
        }
    }

    #[test]
    fn no_key_is_bound_twice_in_a_map() {
        for map in [
            KEYMAP,
            FILTER_KEYS,
            WRITE_PROMPT_KEYS,
            FORM_KEYS,
            PICK_KEYS,
            CONFIRM_KEYS,
            SAVE_KEYS,
        ] {
            let keys: Vec<KeyBinding> = map.iter().flat_map(|b| b.keys.iter().copied()).collect();
            for (i, k) in keys.iter().enumerate() {
                assert!(!keys[..i].contains(k), "{k:?} is bound twice");
            }
        }
    }
}
