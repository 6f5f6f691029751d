//! Progress of long command-line work on standard error: the running stage with the time
//! it has taken, then the rows read per second, and a last line saying what was done.
//! Only on a terminal: in a pipe, a script or a test it prints nothing.
//!
//! Ctrl-C or SIGTERM during long work (`catch_interrupt`): the signal only sets a flag;
//! the work checks it (`check_interrupt`) between its steps and returns `Interrupted`, so
//! that every temporary file and folder is removed as the error unwinds, and the program
//! exits 130 (SIGINT) or 143 (SIGTERM).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use indicatif::{HumanCount, ProgressBar, ProgressStyle};

pub struct Progress {
    bar: ProgressBar,
    started: Instant,
    /// What has been done so far, shown before the running stage.
    done: std::sync::Mutex<Vec<String>>,
}

impl Progress {
    /// A spinner on standard error when it is a terminal, else a silent stand-in.
    pub fn on_stderr() -> Progress {
        let bar = if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {elapsed:>3} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        } else {
            ProgressBar::hidden()
        };
        Progress {
            bar,
            started: Instant::now(),
            done: Default::default(),
        }
    }

    /// Silent: for callers that own the terminal (the TUI) or want no output.
    pub fn hidden() -> Progress {
        Progress {
            bar: ProgressBar::hidden(),
            started: Instant::now(),
            done: Default::default(),
        }
    }

    /// A stage starts: its name follows what is done.
    pub fn stage(&self, name: &str) {
        let name = crate::text::escape(name);
        let done = self.done.lock().unwrap_or_else(|e| e.into_inner());
        let message = if done.is_empty() {
            format!("{name}…")
        } else {
            format!("{} · {name}…", done.join(" · "))
        };
        self.bar.set_message(message);
    }

    /// Something is done (shown from now on, and in the last line).
    pub fn done(&self, what: impl Into<String>) {
        let what = what.into();
        self.done
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(crate::text::escape(&what).into_owned());
    }

    /// The log is read: `rows` responses in `took`.
    pub fn rows_read(&self, rows: u64, took: Duration) {
        self.done(rows_per_second(rows, took));
    }

    /// Runs `f` with the spinner out of the way (for warnings and notes).
    pub fn suspend<T>(&self, f: impl FnOnce() -> T) -> T {
        self.bar.suspend(f)
    }

    /// Leaves one line saying what was done and how long it took.
    pub fn finish(&self) {
        if self.bar.is_hidden() {
            return;
        }
        let took = self.started.elapsed().as_secs_f64();
        self.bar.set_style(
            ProgressStyle::with_template("{msg}").unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        self.bar.finish_with_message(format!(
            "done in {took:.1}s: {}",
            self.done
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .join(" · ")
        ));
    }
}

impl Drop for Progress {
    /// An error leaves no half-drawn spinner above its message.
    fn drop(&mut self) {
        if !self.bar.is_finished() {
            self.bar.finish_and_clear();
        }
    }
}

/// The signal that came (SIGINT or SIGTERM) once `catch_interrupt` has been called; 0
/// while none has.
static INTERRUPTED: OnceLock<Arc<AtomicUsize>> = OnceLock::new();

/// The work was interrupted by a signal: Ctrl-C (SIGINT, exit 130) or SIGTERM (a service
/// manager's or `kill`'s stop, exit 143), the codes a shell gives a command that signal
/// killed.
#[derive(Debug, thiserror::Error)]
#[error("interrupted")]
pub struct Interrupted {
    signal: usize,
}

impl Interrupted {
    /// The exit code: 128 and the signal's number.
    pub fn exit_code(&self) -> u8 {
        (128 + self.signal).min(255) as u8
    }
}

/// From now on SIGINT and SIGTERM set a flag instead of killing the program; a second
/// signal while the flag is set kills it at once (temporary files left behind).
/// Idempotent.
pub fn catch_interrupt() {
    INTERRUPTED.get_or_init(|| {
        let which = Arc::new(AtomicUsize::new(0));
        let any = Arc::new(AtomicBool::new(false));
        for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            // The second signal first: it acts only once the flag is set by the first.
            let code = 128 + signal;
            let _ =
                signal_hook::flag::register_conditional_shutdown(signal, code, Arc::clone(&any));
            let _ = signal_hook::flag::register(signal, Arc::clone(&any));
            let _ = signal_hook::flag::register_usize(signal, Arc::clone(&which), signal as usize);
        }
        which
    });
}

/// The signal that came since `catch_interrupt`, if any.
fn signal() -> Option<usize> {
    INTERRUPTED
        .get()
        .map(|flag| flag.load(Ordering::Relaxed))
        .filter(|&s| s != 0)
}

/// Whether SIGINT or SIGTERM came since `catch_interrupt`.
pub fn interrupted() -> bool {
    signal().is_some()
}

/// `Err(Interrupted)` once SIGINT or SIGTERM came: long work calls it between its steps.
pub fn check_interrupt() -> anyhow::Result<()> {
    match signal() {
        Some(signal) => Err(Interrupted { signal }.into()),
        None => Ok(()),
    }
}

/// Test hook (debug builds; release builds compile it to nothing): when `PII_AUDIT_PAUSE`
/// names `place`, says so on standard error (`trace: paused at PLACE`) and waits there for
/// Ctrl-C (30 s at most), so that a test interrupts the work at a known point.
#[inline]
pub fn pause_point(place: &str) {
    #[cfg(debug_assertions)]
    if std::env::var("PII_AUDIT_PAUSE").is_ok_and(|p| p == place) {
        eprintln!("trace: paused at {place}");
        let until = Instant::now() + Duration::from_secs(30);
        while !interrupted() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    #[cfg(not(debug_assertions))]
    let _ = place;
}

/// "read 2,142,351 rows in 0.31s (6.9M rows/s)".
pub fn rows_per_second(rows: u64, took: Duration) -> String {
    let seconds = took.as_secs_f64().max(1e-6);
    let rate = rows as f64 / seconds;
    let rate = if rate >= 1e6 {
        format!("{:.1}M", rate / 1e6)
    } else if rate >= 1e3 {
        format!("{:.0}k", rate / 1e3)
    } else {
        format!("{rate:.0}")
    };
    format!(
        "read {} rows in {seconds:.2}s ({rate} rows/s)",
        HumanCount(rows)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_read_as_people_write_them() {
        assert_eq!(
            rows_per_second(2_142_351, Duration::from_millis(310)),
            "read 2,142,351 rows in 0.31s (6.9M rows/s)"
        );
        assert_eq!(
            rows_per_second(12, Duration::from_secs(2)),
            "read 12 rows in 2.00s (6 rows/s)"
        );
    }
}
