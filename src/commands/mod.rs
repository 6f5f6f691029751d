//! One file per command: each turns its command-line arguments into the library's options,
//! runs the audit functions and writes what the command promises. No figure is computed
//! here; `audit` computes, `report` and `notice` write.

pub mod check;
pub mod derive;
pub mod generate;
pub mod inventory;
pub mod notices;
pub mod regulator;
pub mod report;
pub mod shell;
pub mod tui;
pub mod window;

/// `writeln!` into a String (which cannot fail).
macro_rules! outln {
    ($out:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($out, $($arg)*);
    }};
}
pub(crate) use outln;

/// Prints the loader's notes (assumptions behind the figures) on standard error.
fn print_notes(notes: Vec<String>) {
    for note in notes {
        eprintln!("note: {}", crate::text::escape_lines(&note));
    }
}

/// Whether `PII_AUDIT_TIMINGS` asks for stage times on standard error.
fn timings_wanted() -> bool {
    std::env::var_os("PII_AUDIT_TIMINGS").is_some()
}
