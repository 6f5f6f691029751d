//! One test binary (each file in tests/ links polars): pipeline tests on tiny fixtures with
//! hand-computed figures, and CLI tests that run the real binary.

mod cdn;
mod cli;
mod fuzz;
mod hostile;
mod inventory_edit;
mod notices;
mod pipeline;
mod relations;
mod routes_prop;
mod tmux;
mod tui;

use std::path::{Path, PathBuf};

/// The contract's worked example, kept as files under tests/fixtures/worked.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write fixture");
    path
}
