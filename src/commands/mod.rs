//! One file per command: each turns its command-line arguments into the library's options,
//! runs the audit functions and writes what the command promises. No figure is computed
//! here; `audit` computes, `tables` and `notice` write.

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

use anyhow::Result;

use crate::audit::ReportKind;
use crate::cli::{Command, InventoryCommand, ReportCommand};

/// Runs one command: each command's file takes its own flags.
pub fn run(command: Command, colour: bool) -> Result<()> {
    match command {
        Command::Tui(args) => tui::run(&args.input, colour),
        Command::Report(report) => run_report(report),
        Command::Check(args) => check::run(&args),
        Command::Notices(args) => notices::run(args),
        Command::DeriveOwners(args) => derive::run(&args),
        Command::Completions(args) => shell::completions(args.shell),
        Command::Man => shell::man(),
        Command::Inventory(InventoryCommand::Check(args)) => inventory::check(&args),
        Command::Inventory(InventoryCommand::Fmt(args)) => inventory::fmt(&args),
        Command::Generate(args) => generate::run(&args),
    }
}

fn run_report(report: ReportCommand) -> Result<()> {
    use crate::cli::UnmappedRows;
    let table = |kind, args| report::run(kind, args, UnmappedRows::Route);
    match report {
        ReportCommand::Users(args) => table(ReportKind::Users, &args),
        ReportCommand::Fields(args) => table(ReportKind::Fields, &args),
        ReportCommand::Pages(args) => table(ReportKind::Pages, &args),
        ReportCommand::Unmapped(args) => report::run(ReportKind::Unmapped, &args.table, args.by),
        ReportCommand::Timeline(args) => table(ReportKind::Timeline, &args),
        ReportCommand::Summary(args) => table(ReportKind::Summary, &args),
        ReportCommand::Regulator(args) => regulator::run(&args),
        ReportCommand::Window(args) => window::run(&args),
    }
}

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
