//! The rooms of `src/` depend one way: each module may use only the modules of lower
//! layers (README, "Layout"). This reads every source file and fails on an import that
//! goes up or sideways, naming the file, the line and the module it must not use.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The layers, lowest first. A module may use the modules of lower layers only.
const LAYERS: &[&[&str]] = &[
    &["error", "hooks", "text"],
    &["frame", "progress"],
    &["inventory"],
    &["exposure"],
    &["audit", "report"],
    &["cdn", "notice"],
    &["load", "generate"],
    &["tui"],
    &["cli"],
    &["commands"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
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

/// The top-level module a file under `src/` belongs to (`None` for the crate roots).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src).unwrap();
    let first = relative.components().next()?.as_os_str().to_string_lossy();
    let name = first.trim_end_matches(".rs").to_string();
    (name != "lib" && name != "main").then_some(name)
}

/// The crate modules a line of code names (`crate::NAME`), comments left out.
fn used_modules(line: &str) -> Vec<String> {
    let code = line.split("//").next().unwrap_or("");
    let mut used = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at + "crate::".len()..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            used.push(name);
        }
        rest = after;
    }
    // `use crate::{a, b::c}` names several modules at once.
    if let Some(group) = code.trim_start().strip_prefix("use crate::{") {
        for item in group.split([',', '}']) {
            let name: String = item
                .trim()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                used.push(name);
            }
        }
    }
    used
}

/// Every (file:line, module, used module) where a module uses one it must not.
fn violations(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    sources(src, &mut files);
    let mut found = Vec::new();
    for file in &files {
        let Some(module) = module_of(src, file) else {
            continue;
        };
        let layer = layer_of(&module).unwrap_or_else(|| {
            panic!(
                "{}: module `{module}` is in no layer of LAYERS",
                file.display()
            )
        });
        let text = std::fs::read_to_string(file).unwrap();
        for (number, line) in text.lines().enumerate() {
            for used in used_modules(line) {
                if used == module {
                    continue;
                }
                let Some(used_layer) = layer_of(&used) else {
                    continue;
                };
                if used_layer >= layer {
                    found.push(format!(
                        "{}:{}: `{module}` uses `{used}`, which is not below it",
                        file.display(),
                        number + 1
                    ));
                }
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
fn every_top_level_module_has_a_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let modules: BTreeMap<String, ()> = files
        .iter()
        .filter_map(|f| module_of(&src, f))
        .map(|m| (m, ()))
        .collect();
    for module in modules.keys() {
        assert!(layer_of(module).is_some(), "`{module}` is in no layer");
    }
}

/// The checker itself: an upward import in a scratch tree is found and named.
#[test]
fn an_upward_import_is_reported_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::create_dir_all(src.join("exposure")).unwrap();
    std::fs::write(src.join("lib.rs"), "pub mod exposure;\n").unwrap();
    std::fs::write(
        src.join("exposure/mod.rs"),
        "//! crate::audit in a comment is fine\nuse crate::frame::polars_bug;\nuse crate::{error, audit::Report};\n",
    )
    .unwrap();
    std::fs::write(src.join("report.rs"), "use crate::audit::Report;\n").unwrap();
    std::fs::write(
        src.join("inventory.rs"),
        "fn f() { crate::exposure::x(); }\n",
    )
    .unwrap();
    let found = violations(src);
    assert_eq!(
        found,
        vec![
            format!(
                "{}:3: `exposure` uses `audit`, which is not below it",
                src.join("exposure/mod.rs").display()
            ),
            format!(
                "{}:1: `inventory` uses `exposure`, which is not below it",
                src.join("inventory.rs").display()
            ),
            format!(
                "{}:1: `report` uses `audit`, which is not below it",
                src.join("report.rs").display()
            ),
        ]
    );
}
