//! Parses the command line and maps errors to exit codes: 2 for bad usage or bad input,
//! 1 for anything else. Everything else lives in the library.

#![deny(clippy::unwrap_used, clippy::expect_used)]

use std::process::ExitCode;

use clap::Parser;
use pii_audit::text::escape_lines;
use pii_audit::{cli::Cli, error::InputError};

/// glibc's allocator, tuned for a few large frames: by default every freed block over a
/// moving threshold goes back to the kernel and is faulted in again, page by page, by the
/// next stage (a third of a report's time was the kernel's). Large blocks stay mapped, and
/// two arenas suffice for polars' threads on the machines this runs on. Measured on
/// `report users` over 5 million rows: 0.58–0.59 s against 0.61–0.66 s, same peak memory.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tune_allocator() {
    // SAFETY: mallopt only sets allocator parameters; called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_allocator() {}

fn main() -> ExitCode {
    tune_allocator();
    // A bug must not dump a backtrace or any row of the data it was reading.
    std::panic::set_hook(Box::new(|info| {
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("pii-audit: internal error{place}; this is a bug (no input data is shown), please report it");
    }));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    pii_audit::before_threads(&cli);
    let outcome = match std::panic::catch_unwind(|| pii_audit::run(cli)) {
        Ok(outcome) => outcome,
        Err(_) => return ExitCode::from(1),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if let Some(interrupted) = e.downcast_ref::<pii_audit::progress::Interrupted>() {
                eprintln!("interrupted");
                return ExitCode::from(interrupted.exit_code());
            }
            // Escaped: a message may name a file or a flag's value, and a terminal acts on
            // the control characters they can hold.
            if let Some(input) = e.downcast_ref::<InputError>() {
                eprintln!("error: {}", escape_lines(&input.to_string()));
                ExitCode::from(2)
            } else {
                eprintln!("error: {}", escape_lines(&format!("{e:#}")));
                ExitCode::from(1)
            }
        }
    }
}
