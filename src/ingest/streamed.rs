//! The streaming reader: a log (Parquet, CSV or NDJSON) scanned in batches on polars'
//! streaming engine, text times parsed on the fast parser, the window applied and the
//! paths dictionary-encoded as the batches arrive.

use anyhow::Result;
use polars::prelude::*;

use super::format::unreadable;
use super::partitions;
use super::rows::{
    count_bad_times, empty_path_error, first_bad_time, first_empty_path_row, has_bad_time,
    keep_owned, outside_span, stray_error, text, windowed_keeping_bad,
};
use super::source::Source;
use super::time::{fast_text_ts, fixed_offset, ts_to_utc};
use super::{empty_log, ReadOptions};
use crate::error::InputError;
use crate::frame::codes::Encoded;
use crate::frame::names::{OWNER_ID, VIEWER_ID};
use crate::frame::polars_bug;
use crate::frame::OrBug;

/// What the streaming reader has gathered: the distinct paths in order of first sight,
/// and the batches read, each row's path replaced by its code.
#[derive(Default)]
struct Batches {
    paths: PlIndexSet<Box<str>>,
    frames: Vec<DataFrame>,
    /// The first row met outside its file's partition: the file's index and the time.
    stray: Option<(usize, String)>,
    /// A row in the window had an empty path (found again by file once the scan is over).
    empty_path: bool,
}

impl Batches {
    fn add(&mut self, mut df: DataFrame) -> PolarsResult<()> {
        if let Ok(stray) = df.drop_in_place("stray_file") {
            if self.stray.is_none() && stray.null_count() < stray.len() {
                let flags = stray.is_not_null();
                let at = flags.iter().position(|f| f == Some(true)).unwrap_or(0);
                let file = stray.get(at)?.extract::<usize>().unwrap_or(0);
                let ts = df.column("ts")?.get(at)?.to_string();
                self.stray = Some((file, ts));
            }
        }
        let paths = df.column("path")?.str()?;
        let mut codes: Vec<IdxSize> = Vec::with_capacity(paths.len());
        for path in paths.iter() {
            let Some(path) = path.filter(|p| !p.is_empty()) else {
                self.empty_path = true;
                codes.push(0);
                continue;
            };
            let code = match self.paths.get_index_of(path) {
                Some(code) => code,
                None => self.paths.insert_full(path.into()).0,
            };
            codes.push(code as IdxSize);
        }
        let mut df = df.drop("path")?;
        df.with_column(Column::new("path_code".into(), codes))?;
        self.frames.push(df);
        Ok(())
    }
}

/// Reads raw Parquet files in one scan on polars' streaming engine (the window pushed into
/// it), handing each batch to a callback that replaces the path's text by its code in a
/// dictionary of the distinct paths. The log in memory holds a 4-byte code per row instead
/// of the path, and comes out already dictionary-encoded for route matching.
pub(super) fn read_streaming(
    sources: &[Source],
    options: &ReadOptions,
) -> Result<Option<(DataFrame, Encoded, usize)>> {
    // A derived log listing candidate owners is read whole (its ambiguous rows expanded).
    if sources
        .iter()
        .any(|s| s.schema.get(super::rows::OWNER_CANDIDATES).is_some())
    {
        return Ok(None);
    }
    let mut parts = Vec::with_capacity(sources.len());
    let check_partitions = sources.iter().any(|s| partitions::span(s.path).is_some());
    for (index, source) in sources.iter().enumerate() {
        let ts_type = source.time_type("ts");
        let text_ts = ts_type == DataType::String;
        let naive = fixed_offset(&options.zone);
        if text_ts && (options.ts_format.is_some() || naive.is_none()) {
            return Err(InputError::at(
                source.location().key("ts"),
                "--streaming reads text times in RFC 3339 with an offset, or naive in a fixed --tz (UTC, +09:00); \
                 with --ts-format or a zone with daylight saving, read the log without --streaming",
            )
            .into());
        }
        let ts = if text_ts {
            fast_text_ts(col("ts"), naive)
        } else {
            ts_to_utc(&ts_type, source.path, &options.zone)?
        };
        let mut part = source.pruned(options).select([
            ts.alias("ts"),
            text("path"),
            text(OWNER_ID),
            text(VIEWER_ID),
        ]);
        if check_partitions {
            // Which file a row outside its partition's span came from (see checked_partition).
            let stray = match partitions::span(source.path) {
                Some(span) => when(outside_span(span))
                    .then(lit(index as u32))
                    .otherwise(lit(NULL).cast(DataType::UInt32)),
                None => lit(NULL).cast(DataType::UInt32),
            };
            part = part.with_column(stray.alias("stray_file"));
        }
        parts.push(part);
    }
    let all = match parts.len() {
        0 => empty_log().or_bug()?.lazy(),
        1 => parts.remove(0),
        _ => concat(parts, UnionArgs::default()).or_bug()?,
    };
    let all = windowed_keeping_bad(all, options);
    let gathered = std::sync::Arc::new(std::sync::Mutex::new(Batches::default()));
    let sink = gathered.clone();
    let callback = PlanCallback::new(move |df: DataFrame| -> PolarsResult<bool> {
        let mut batches = sink
            .lock()
            .map_err(|_| PolarsError::ComputeError("a batch of the log failed".into()))?;
        batches.add(df)?;
        Ok(false)
    });
    all.sink_batches(callback, false, None)
        .and_then(|plan| plan.collect_with_engine(Engine::Streaming))
        .map_err(|e| unreadable(sources[0].path, sources[0].format, &e))?;
    let batches = std::mem::take(
        &mut *gathered
            .lock()
            .map_err(|_| anyhow::anyhow!("internal error: a batch of the log failed"))?,
    );
    if let Some((file, ts)) = &batches.stray {
        let path = sources[*file].path;
        if let Some(span) = partitions::span(path) {
            return Err(stray_error(path, span, ts));
        }
    }
    let mut frames = batches.frames.into_iter();
    let mut df = match frames.next() {
        Some(first) => first,
        None => empty_log()
            .and_then(|df| df.drop("path"))
            .and_then(|mut df| {
                df.with_column(Column::new_empty("path_code".into(), &IDX_DTYPE))?;
                Ok(df)
            })
            .or_bug()?,
    };
    for more in frames {
        df.vstack_mut(&more).or_bug()?;
    }
    let values = StringChunked::from_iter_values("path".into(), batches.paths.iter().map(|p| &**p));
    // A text time the fast parser did not read: the general path reads the log again, and
    // reads that time or words its refusal.
    let text = sources
        .iter()
        .any(|s| s.time_type("ts") == DataType::String);
    if text && has_bad_time(&df)? {
        return Ok(None);
    }
    refuse_bad_rows(&df, batches.empty_path, sources, options)?;
    let (mut df, skipped) = keep_owned(df, false)?;
    let codes = df
        .column("path_code")
        .or_bug()?
        .as_materialized_series()
        .idx()
        .or_bug()?
        .clone();
    let _ = df.drop_in_place("path_code").or_bug()?;
    Ok(Some((
        df,
        Encoded {
            values,
            codes: codes.with_name("code".into()),
        },
        skipped,
    )))
}

/// After the scan: a bad time or an empty path met in the batches is found again, file by
/// file (rare, so not tracked per batch), and refused by its row.
fn refuse_bad_rows(
    df: &DataFrame,
    empty_path: bool,
    sources: &[Source],
    options: &ReadOptions,
) -> Result<()> {
    if has_bad_time(df)? {
        // Rare: find the file, then its first bad row.
        for source in sources {
            let lf = source.lf.clone().select([ts_to_utc(
                &source.time_type("ts"),
                source.path,
                &options.zone,
            )?
            .alias("ts")]);
            let bad = count_bad_times(lf.clone())
                .map_err(|e| unreadable(source.path, source.format, &e))?;
            if bad > 0 {
                return Err(first_bad_time(&lf, source.path, source.format));
            }
        }
    }
    if empty_path {
        // Rare: find the file, then its first row with an empty path. Text times are all
        // read by the fast parser by now (a time it does not read hands the log back).
        for source in sources {
            let ts = match source.time_type("ts") {
                DataType::String => fast_text_ts(col("ts"), fixed_offset(&options.zone)),
                ts_type => ts_to_utc(&ts_type, source.path, &options.zone)?,
            };
            let rows = source.lf.clone().select([ts.alias("ts"), text("path")]);
            let found = first_empty_path_row(rows, options)
                .map_err(|e| unreadable(source.path, source.format, &e))?;
            if let Some(index) = found {
                return Err(empty_path_error(source.path, source.format, index));
            }
        }
        return Err(polars_bug(PolarsError::NoData(
            "the empty path was not found again".into(),
        )));
    }
    Ok(())
}
