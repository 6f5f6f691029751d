//! Reading the exposure log and the registered-fields table: formats, required columns,
//! timestamps, and errors that name the file, column and row. One file per job: `format`
//! (which reader, and its messages), `files` and `partitions` (what `-e` names), `source`
//! (one file opened), `rows`, `aggregated` and `streamed` (the three ways a log is read;
//! `csv_log` on `csv_records` reads big plain CSV logs as `streamed` does, faster),
//! `time` and `zone` (times to UTC), `registered` and `relations` (the other tables).

mod aggregated;
pub mod country;
mod csv_log;
mod csv_records;
pub mod fast_time;
mod files;
mod format;
pub mod partitions;
pub mod registered;
pub mod relations;
mod rows;
mod source;
mod streamed;
mod time;
pub mod time_text;
pub mod zone;

use std::path::PathBuf;

use anyhow::Result;
use polars::prelude::*;

use crate::frame::codes::{encode, Encoded, NoNulls};
pub use csv_log::{csv_core_columns, polars_columns};
pub(crate) use fast_time::fraction_micros;
pub use files::{expand_log, expand_paths, list_args};
pub use format::{format_of, gzip_named, Format};
pub(crate) use format::{
    header_words, refuse_repeated_columns, require_columns, row_location, scan, schema_of,
    unreadable,
};
pub use partitions::Listing;
pub use registered::Registered;
pub use relations::Relations;
pub(crate) use rows::{empty_path_error, empty_path_row, window_of};
pub(crate) use source::rename_columns;
pub use time::fixed_offset;
pub use time::{in_range as time_in_range, EARLIEST_MICROS, LATEST_MICROS};
pub(crate) use time::{native_naive, parse_text_timestamps, ts_to_utc};
pub use zone::{parse_instant, parse_log_time, Zone};

use crate::error::InputError;
use crate::frame::names::{
    CACHE_STATUS, FIRST_TS, LAST_TS, OWNER_ID, POSSIBLE, REQUESTS, VIEWER_ID,
};
use crate::frame::utc_micros;
use crate::frame::OrBug;
use aggregated::read_aggregated;
use rows::read_one;
use source::{Shape, Source};
use streamed::read_streaming;

/// The columns of the contract's exposure log.
pub const LOG_COLUMNS: [&str; 4] = ["ts", "path", OWNER_ID, VIEWER_ID];
/// How to read: the zone for naive times, the window `[from, to)` in UTC microseconds,
/// the log's own column names and time pattern, and whether to reduce rows while reading.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    pub zone: Zone,
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// `--column CONTRACT=SOURCE`: the log's own names for the contract's columns.
    pub columns: Vec<(String, String)>,
    /// `--ts-format`: the strftime pattern of the log's text timestamps.
    pub ts_format: Option<String>,
    /// Read a Parquet log on polars' streaming engine with its paths dictionary-encoded
    /// during the scan: no path text is held per row.
    pub streaming: bool,
}

/// The columns of an aggregated log: one row per distinct (path, owner, viewer), with how
/// many responses it stands for and the first and last of them.
pub const AGGREGATED_COLUMNS: [&str; 6] =
    ["path", OWNER_ID, VIEWER_ID, REQUESTS, FIRST_TS, LAST_TS];

/// Names `--column` may map: the raw and aggregated logs' columns, and the CDN log's.
pub const MAPPABLE_COLUMNS: [&str; 9] = [
    "ts",
    "path",
    OWNER_ID,
    VIEWER_ID,
    REQUESTS,
    FIRST_TS,
    LAST_TS,
    "minute",
    CACHE_STATUS,
];

/// The exposure log in memory: `ts` (UTC, µs), `path` (as served), `owner_id`,
/// `viewer_id` (null = unidentified visitor); only rows in the window with an owner.
/// A weighted log also has `requests` (responses the row stands for), `last_ts` (the last
/// of them; `ts` is the first) and, with `minutes`, `minute`.
#[derive(Debug, Clone)]
pub struct Log {
    pub df: DataFrame,
    pub files: Vec<PathBuf>,
    /// Responses in the window skipped because their `owner_id` is empty.
    pub rows_without_owner: usize,
    /// Rows are weighted: an aggregated log (`requests`, `first_ts`, `last_ts`).
    pub weighted: bool,
    /// Weighted rows carry their `minute`: the timeline can be computed.
    pub minutes: bool,
    /// Paths already dictionary-encoded while reading (a streamed log, whose frame has no
    /// `path` column): the distinct paths and each row's code.
    pub paths: Option<Encoded>,
}

impl Log {
    /// Responses in the window, those without an owner included.
    pub fn responses(&self) -> u64 {
        let kept = match self.weighted {
            true => self
                .df
                .column(REQUESTS)
                .ok()
                .and_then(|c| c.as_materialized_series().sum::<u64>().ok())
                .unwrap_or(0),
            false => self.df.height() as u64,
        };
        kept + self.rows_without_owner as u64
    }

    /// The `path` column dictionary-encoded (`frame::codes`). The readers refuse an empty
    /// path, so a null here is an internal error (`NoNulls`), never a page guessed for it.
    /// A streamed log was encoded while it was read.
    pub fn path_codes(&self) -> Result<Encoded> {
        if let Some(encoded) = &self.paths {
            return Ok(encoded.clone());
        }
        let path = self.df.column("path").or_bug()?.str().or_bug()?;
        encode(NoNulls::new(path)?)
    }

    /// A log with one row per response.
    pub fn raw(df: DataFrame, files: Vec<PathBuf>, rows_without_owner: usize) -> Log {
        Log {
            df,
            files,
            rows_without_owner,
            weighted: false,
            minutes: false,
            paths: None,
        }
    }
}

impl Log {
    pub fn read(files: &[PathBuf], options: &ReadOptions) -> Result<Log> {
        let sources = files
            .iter()
            .map(|path| Source::open(path, options))
            .collect::<Result<Vec<_>>>()?;
        let shape = sources.first().map_or(Shape::Raw, |s| s.shape);
        if let Some(other) = sources.iter().find(|s| s.shape != shape) {
            let what = |shape: Shape| match shape {
                Shape::Raw => "a raw log (ts)",
                Shape::Aggregated { minutes: false } => {
                    "an aggregated log (requests, first_ts, last_ts)"
                }
                Shape::Aggregated { minutes: true } => "an aggregated log per minute",
            };
            return Err(anyhow::Error::from(InputError::at(
                other.location(),
                format!(
                    "is {} but {} is {}: the files of one log must have one shape",
                    what(other.shape),
                    sources[0].path.display(),
                    what(shape)
                ),
            )));
        }
        let (weighted, minutes) = match shape {
            Shape::Raw => (false, false),
            Shape::Aggregated { minutes } => (true, minutes),
        };
        if shape == Shape::Raw && options.streaming {
            // csv-core's reader first; then polars' streaming engine; else the whole read.
            let read = match csv_log::read(&sources, options)? {
                Some(read) => Some((read, "read: csv-core")),
                None => read_streaming(&sources, options)?.map(|read| (read, "read: streamed")),
            };
            if let Some(((df, paths, rows_without_owner), how)) = read {
                crate::hooks::trace(how);
                return Ok(Log {
                    df,
                    files: files.to_vec(),
                    rows_without_owner,
                    weighted,
                    minutes,
                    paths: Some(paths),
                });
            }
            crate::hooks::trace("read: streaming handed the log back to the whole read");
        }
        crate::hooks::trace("read: whole");
        let mut frames = Vec::with_capacity(files.len());
        let mut rows_without_owner = 0;
        {
            for source in &sources {
                let (df, skipped) = match shape {
                    Shape::Raw => read_one(source, options)?,
                    Shape::Aggregated { .. } => read_aggregated(source, options)?,
                };
                rows_without_owner += skipped;
                frames.push(df);
            }
        }
        // A derived log with possible exposures beside files without: all marked.
        if frames.iter().any(|f| f.column(POSSIBLE).is_ok()) {
            for frame in frames.iter_mut() {
                if frame.column(POSSIBLE).is_err() {
                    let confirmed = Column::new(POSSIBLE.into(), vec![false; frame.height()]);
                    frame.with_column(confirmed).or_bug()?;
                }
            }
        }
        let mut frames = frames.into_iter();
        let mut df = match frames.next() {
            Some(first) => first,
            None => empty_log().or_bug()?,
        };
        for more in frames {
            df.vstack_mut(&more).or_bug()?;
        }
        // Left in the chunks the reader made (one per row group): rechunking two million
        // strings cost more than the later steps gain from it.
        Ok(Log {
            df,
            files: files.to_vec(),
            rows_without_owner,
            weighted,
            minutes,
            paths: None,
        })
    }
}

/// A log of no rows, with the contract's columns.
pub(super) fn empty_log() -> PolarsResult<DataFrame> {
    DataFrame::new(
        0,
        vec![
            Column::new_empty("ts".into(), &utc_micros()),
            Column::new_empty("path".into(), &DataType::String),
            Column::new_empty(OWNER_ID.into(), &DataType::String),
            Column::new_empty(VIEWER_ID.into(), &DataType::String),
        ],
    )
}
