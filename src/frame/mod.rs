//! The neutral layer under `ingest` and `audit`: path codes, bit masks, per-core work,
//! the column names shared by readers, reports and screens, and the polars error helper.
//! It knows polars and nothing of the inventory, the log or the reports.

pub mod bits;
pub mod cells;
pub mod codes;
pub mod cores;
pub mod names;

use polars::prelude::*;

/// The type of every time the engine holds: UTC microseconds.
pub fn utc_micros() -> DataType {
    DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
}

/// Polars failing on data we already validated is a fault of ours, not bad input (exit 1).
/// The library's own message is not shown: it can quote a cell (`failed for 1 out of 1
/// values: ["…"]`), and this line ends up in terminals, CI logs and tickets.
pub fn polars_bug(e: PolarsError) -> anyhow::Error {
    anyhow::anyhow!(
        "internal error while processing the data ({}; the data library's message is not shown, as it can quote the data)",
        polars_kind(&e)
    )
}

/// `polars_bug` as a method: `.or_bug()?` on a polars result, where a failure is a fault of
/// ours on data already validated (exit 1, the library's message not shown).
pub trait OrBug<T> {
    fn or_bug(self) -> anyhow::Result<T>;
}

impl<T> OrBug<T> for PolarsResult<T> {
    #[inline]
    fn or_bug(self) -> anyhow::Result<T> {
        self.map_err(polars_bug)
    }
}

/// What kind of failure a polars error is, in the tool's words (never its message).
pub fn polars_kind(e: &PolarsError) -> &'static str {
    match e {
        PolarsError::ColumnNotFound(_) => "a column is missing",
        PolarsError::SchemaMismatch(_) | PolarsError::SchemaFieldNotFound(_) => {
            "its columns do not have one type each"
        }
        PolarsError::ShapeMismatch(_) => "its rows do not have the same number of fields",
        PolarsError::NoData(_) => "it holds no data",
        PolarsError::IO { .. } => "it cannot be read from the disk",
        PolarsError::InvalidOperation(_) => "an operation does not apply to a column's type",
        PolarsError::ComputeError(_) => "a computation failed",
        PolarsError::OutOfBounds(_) => "an index is out of bounds",
        PolarsError::Duplicate(_) => "a name is repeated",
        _ => "the reader could not parse it",
    }
}

/// The first non-blank line of a message, at most 200 characters.
pub fn first_line(message: &str) -> String {
    let line = message
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(message);
    line.chars().take(200).collect()
}

/// The index of the first true value of a mask.
pub fn first_true(mask: &BooleanChunked) -> Option<usize> {
    mask.iter().position(|v| v == Some(true))
}

/// Gives the memory freed so far back to the kernel. `main` keeps freed memory mapped for
/// speed (a report reuses it stage after stage); a long derivation calls this between
/// stages instead, so that one stage's freed buffers do not add to the next one's peak.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn release_freed() {
    // SAFETY: malloc_trim only returns free memory of glibc's heaps to the kernel.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn release_freed() {}
