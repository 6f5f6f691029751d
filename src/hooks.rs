//! Test hooks: in debug builds (the ones tests run) a test can make the program panic or
//! abort at a named place, to check that the terminal is restored, no row of data is
//! printed and no half-written file is left, or have it say which way it went (`trace`).
//! Release builds compile them to nothing.

/// Panics at `place` when `PII_AUDIT_FORCE_PANIC` names it, with `data` (a row's contents)
/// in the panic message, so tests can check that a panic restores the terminal and prints
/// none of it. `data` is only computed when the panic is forced.
#[inline]
pub fn forced_panic_point(place: &str, data: impl FnOnce() -> String) {
    #[cfg(debug_assertions)]
    if std::env::var("PII_AUDIT_FORCE_PANIC").is_ok_and(|p| p == place) {
        panic!("forced panic at {place} for a test; row data: {}", data());
    }
    #[cfg(not(debug_assertions))]
    let _ = (place, data);
}

/// Like `forced_panic_point`, for a crash nothing can clean up after: when
/// `PII_AUDIT_FORCE_KILL` names `place`, the process aborts at once (as if killed).
#[inline]
pub fn forced_kill_point(place: &str) {
    #[cfg(debug_assertions)]
    if std::env::var("PII_AUDIT_FORCE_KILL").is_ok_and(|p| p == place) {
        std::process::abort();
    }
    #[cfg(not(debug_assertions))]
    let _ = place;
}

/// Says which way the program went at a fork that leaves no mark in its output (the log
/// read streamed, or handed back to the whole read): when `PII_AUDIT_TRACE` is set, one
/// line `trace: EVENT` on standard error, so a test can tell a silent fall-back from the
/// path it means to test. `event` is the program's own words, never data.
#[inline]
pub fn trace(event: &str) {
    #[cfg(debug_assertions)]
    if std::env::var_os("PII_AUDIT_TRACE").is_some() {
        eprintln!("trace: {event}");
    }
    #[cfg(not(debug_assertions))]
    let _ = event;
}
