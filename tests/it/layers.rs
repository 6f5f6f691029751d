//! The rooms of `src/` depend one way: each module may use only the modules of lower
//! layers (ARCHITECTURE.md), and inside the TUI each file only the files of lower TUI
//! layers. This reads every source file (a `use` group wrapped over several lines
//! included) and fails on an import that goes up or sideways, naming the file, the line
//! and the module it must not use.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The layers, lowest first. A module may use the modules of lower layers only.
const LAYERS: &[&[&str]] = &[
    &["error", "hooks", "text"],
    &["frame", "progress", "files"],
    &["inventory"],
    &["ingest"],
    &["audit", "tables"],
    &["cdn", "notice"],
    &["load", "generate", "regulator"],
    &["tui"],
    &["cli"],
    &["commands"],
];

/// The TUI's rooms (`src/tui/NAME.rs` or `src/tui/NAME/`), lowest first: the vocabulary
/// and the palette, the key maps and the data the worker makes, the writers and the detail
/// text, the worker and the model, then the view. `tui/mod.rs` (the event loop) may use
/// them all.
const TUI_LAYERS: &[&[&str]] = &[
    &["vocab", "style", "edit", "sample"],
    &["keymap", "data"],
    &["write", "detail"],
    &["worker", "model"],
    &["view"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

fn tui_layer_of(room: &str) -> Option<usize> {
    TUI_LAYERS.iter().position(|layer| layer.contains(&room))
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The module path of a file under `src/`: `tui/model/update.rs` is `[tui, model,
/// update]`, `tui/mod.rs` is `[tui]`, the crate roots are `[]`.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let mut path: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if path.last().is_some_and(|last| last == "mod") || path == ["lib"] || path == ["main"] {
        path.pop();
    }
    path
}

/// A token of Rust source that paths are made of, with its line.
#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    PathSep,
    Open,
    Close,
    Comma,
    Other,
}

/// The tokens of a file, comments, strings and character literals left out.
fn tokens(text: &str) -> Vec<(usize, Token)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    let skip_to = |i: &mut usize, line: &mut usize, end: usize| {
        *line += chars[*i..end.min(chars.len())]
            .iter()
            .filter(|&&c| c == '\n')
            .count();
        *i = end;
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c == '/' && next == Some('/') {
            let end = (i..chars.len())
                .find(|&j| chars[j] == '\n')
                .unwrap_or(chars.len());
            skip_to(&mut i, &mut line, end);
        } else if c == '/' && next == Some('*') {
            let end = (i + 2..chars.len())
                .find(|&j| chars[j] == '*' && chars.get(j + 1) == Some(&'/'))
                .map_or(chars.len(), |j| j + 2);
            skip_to(&mut i, &mut line, end);
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && !ident_before(&chars, i) {
            // A raw string: r"…" or r#"…"#.
            let hashes = chars[i + 1..].iter().take_while(|&&h| h == '#').count();
            if chars.get(i + 1 + hashes) != Some(&'"') {
                out.push((line, Token::Ident("r".into())));
                i += 1;
                continue;
            }
            let closing: String = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            let body = i + 2 + hashes;
            let rest: String = chars[body..].iter().collect();
            let end = rest.find(&closing).map_or(chars.len(), |at| {
                body + rest[..at].chars().count() + closing.chars().count()
            });
            skip_to(&mut i, &mut line, end);
        } else if c == '"' {
            let mut j = i + 1;
            while j < chars.len() && chars[j] != '"' {
                j += if chars[j] == '\\' { 2 } else { 1 };
            }
            skip_to(&mut i, &mut line, j + 1);
        } else if c == '\'' && next == Some('\\') {
            // An escaped character literal ('\n', '\'', '\u{…}').
            let end = (i + 3..chars.len())
                .find(|&j| chars[j] == '\'')
                .map_or(chars.len(), |j| j + 1);
            skip_to(&mut i, &mut line, end);
        } else if c == '\'' && chars.get(i + 2) == Some(&'\'') {
            // A character literal ('"', '{'); a lifetime ('a) is not one.
            let end = i + 3;
            skip_to(&mut i, &mut line, end);
        } else if c.is_alphanumeric() || c == '_' {
            let end = (i..chars.len())
                .find(|&j| !(chars[j].is_alphanumeric() || chars[j] == '_'))
                .unwrap_or(chars.len());
            out.push((line, Token::Ident(chars[i..end].iter().collect())));
            i = end;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == ':' && next == Some(':') {
            out.push((line, Token::PathSep));
            i += 2;
        } else {
            out.push((
                line,
                match c {
                    '{' => Token::Open,
                    '}' => Token::Close,
                    ',' => Token::Comma,
                    _ => Token::Other,
                },
            ));
            i += 1;
        }
    }
    out
}

fn ident_before(chars: &[char], i: usize) -> bool {
    i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')
}

/// Every path a file names from `crate`, `super` or `self`, resolved against the file's
/// module path and expanded through `{…}` groups however they wrap: (line, absolute path).
fn used_paths(module: &[String], text: &str) -> Vec<(usize, Vec<String>)> {
    let tokens = tokens(text);
    let mut found = Vec::new();
    for at in 0..tokens.len() {
        let Token::Ident(word) = &tokens[at].1 else {
            continue;
        };
        let starts = matches!(word.as_str(), "crate" | "super" | "self")
            && tokens.get(at + 1).map(|t| &t.1) == Some(&Token::PathSep)
            && !(at > 0 && tokens[at - 1].1 == Token::PathSep);
        if starts {
            expand(&tokens, at, module.to_vec(), &mut found);
        }
    }
    found
}

/// Follows one path from `tokens[at]`, from the module `base`, into `found`.
fn expand(
    tokens: &[(usize, Token)],
    mut at: usize,
    base: Vec<String>,
    found: &mut Vec<(usize, Vec<String>)>,
) {
    let mut path = base;
    let mut line = tokens[at].0;
    loop {
        match &tokens[at].1 {
            Token::Ident(word) if word == "crate" => path.clear(),
            Token::Ident(word) if word == "super" => {
                path.pop();
            }
            Token::Ident(word) if word == "self" => {}
            Token::Ident(word) => {
                path.push(word.clone());
                line = tokens[at].0;
            }
            Token::Open => {
                // A group: each item is a path from here, up to the matching brace.
                let mut depth = 0;
                let mut item_start = at + 1;
                for j in at..tokens.len() {
                    match tokens[j].1 {
                        Token::Open => depth += 1,
                        Token::Close => depth -= 1,
                        Token::Comma if depth == 1 => {
                            if item_start < j {
                                expand(tokens, item_start, path.clone(), found);
                            }
                            item_start = j + 1;
                        }
                        _ => {}
                    }
                    if depth == 0 {
                        if item_start < j {
                            expand(tokens, item_start, path.clone(), found);
                        }
                        return;
                    }
                }
                return;
            }
            _ => break,
        }
        if tokens.get(at + 1).map(|t| &t.1) != Some(&Token::PathSep) {
            break;
        }
        at += 2;
        if at >= tokens.len() {
            break;
        }
    }
    found.push((line, path));
}

/// Every (file:line, module, used module) where a module uses one it must not: a room of
/// `src/` using a room not below it, or a TUI room using a TUI room not below it.
fn violations(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    sources(src, &mut files);
    let mut found = Vec::new();
    for file in &files {
        let path = module_path(src, file);
        let Some(module) = path.first() else {
            continue;
        };
        let layer = layer_of(module).unwrap_or_else(|| {
            panic!(
                "{}: module `{module}` is in no layer of LAYERS",
                file.display()
            )
        });
        let room = (module == "tui").then(|| path.get(1)).flatten();
        let text = std::fs::read_to_string(file).unwrap();
        let mut seen = BTreeSet::new();
        for (line, used) in used_paths(&path, &text) {
            let Some(used_module) = used.first() else {
                continue;
            };
            let broken = if used_module != module {
                layer_of(used_module).is_some_and(|l| l >= layer)
            } else if let (Some(room), Some(used_room)) = (room, used.get(1)) {
                let room_layer = tui_layer_of(room).unwrap_or_else(|| {
                    panic!(
                        "{}: tui room `{room}` is in no layer of TUI_LAYERS",
                        file.display()
                    )
                });
                used_room != room && tui_layer_of(used_room).is_some_and(|l| l >= room_layer)
            } else {
                false
            };
            if !broken {
                continue;
            }
            let name = if used_module == module {
                format!("{module}::{}", used[1])
            } else {
                used_module.clone()
            };
            let who = match room {
                Some(room) if used_module == module => format!("{module}::{room}"),
                _ => module.clone(),
            };
            let message = format!(
                "{}:{line}: `{who}` uses `{name}`, which is not below it",
                file.display()
            );
            if seen.insert(message.clone()) {
                found.push(message);
            }
        }
    }
    found
}

#[test]
fn every_module_uses_only_lower_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = violations(&src);
    assert!(found.is_empty(), "layering broken:\n{}", found.join("\n"));
}

#[test]
fn every_module_and_tui_room_has_a_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut modules = BTreeSet::new();
    for file in &files {
        let path = module_path(&src, file);
        if let Some(module) = path.first() {
            modules.insert(module.clone());
            if let (true, Some(room)) = (module == "tui", path.get(1)) {
                assert!(
                    tui_layer_of(room).is_some(),
                    "tui room `{room}` is in no layer"
                );
            }
        }
    }
    for module in &modules {
        assert!(layer_of(module).is_some(), "`{module}` is in no layer");
    }
}

/// The checker itself: upward imports in a scratch tree are found and named, through a
/// `use` group that rustfmt wrapped over several lines, `super::`, and a TUI room's path.
#[test]
fn an_upward_import_is_reported_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::create_dir_all(src.join("ingest")).unwrap();
    std::fs::create_dir_all(src.join("tui/model")).unwrap();
    std::fs::write(src.join("lib.rs"), "pub mod ingest;\n").unwrap();
    std::fs::write(
        src.join("ingest/mod.rs"),
        "//! crate::audit in a comment is fine\nuse crate::frame::polars_bug;\nconst S: &str = \"crate::audit\";\nuse crate::{\n    error,\n    frame::{cells, names},\n    audit::Report,\n};\n",
    )
    .unwrap();
    std::fs::write(src.join("tables.rs"), "use crate::audit::Report;\n").unwrap();
    std::fs::write(src.join("inventory.rs"), "fn f() { crate::ingest::x(); }\n").unwrap();
    // tui/keymap.rs uses the model (above it) through super::, wrapped; the model uses
    // the view through crate::tui; the vocabulary uses nothing.
    std::fs::write(
        src.join("tui/keymap.rs"),
        "use super::{\n    vocab::Action,\n    model::Model,\n};\n",
    )
    .unwrap();
    std::fs::write(
        src.join("tui/model/update.rs"),
        "use super::Layer;\nuse super::super::data::Grid;\nfn f() { crate::tui::view::draw(); }\n",
    )
    .unwrap();
    std::fs::write(src.join("tui/vocab.rs"), "pub enum Action {}\n").unwrap();
    let found = violations(src);
    assert_eq!(
        found,
        vec![
            format!(
                "{}:7: `ingest` uses `audit`, which is not below it",
                src.join("ingest/mod.rs").display()
            ),
            format!(
                "{}:1: `inventory` uses `ingest`, which is not below it",
                src.join("inventory.rs").display()
            ),
            format!(
                "{}:1: `tables` uses `audit`, which is not below it",
                src.join("tables.rs").display()
            ),
            format!(
                "{}:3: `tui::keymap` uses `tui::model`, which is not below it",
                src.join("tui/keymap.rs").display()
            ),
            format!(
                "{}:3: `tui::model` uses `tui::view`, which is not below it",
                src.join("tui/model/update.rs").display()
            ),
        ]
    );
}
