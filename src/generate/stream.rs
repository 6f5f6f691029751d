//! What lets `generate` write a log of any size in pieces, its memory not growing with
//! `--rows`: the arrival times drawn once and handed out in order from a count per
//! millisecond, and tables written a chunk of rows at a time (Parquet in the row groups a
//! whole-frame write would have made, so the files are the same byte for byte).

use std::collections::HashMap;
use std::io::Write;

use anyhow::Result;
use polars::prelude::*;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::{GeneratedLog, LOG_HOURS, LOG_START};
use crate::frame::OrBug;

/// Rows made and written at a time.
const CHUNK_ROWS: usize = 65_536;

/// A value ordered by its key alone (for a heap of rows waiting to be handed out in
/// order: the simulated cache's responses, a vendor's lines).
pub(crate) struct Keyed<K, T> {
    pub key: K,
    pub value: T,
}

impl<K: Ord, T> PartialEq for Keyed<K, T> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl<K: Ord, T> Eq for Keyed<K, T> {}
impl<K: Ord, T> PartialOrd for Keyed<K, T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<K: Ord, T> Ord for Keyed<K, T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key.cmp(&other.key)
    }
}

/// The environment variable that sets the rows per chunk (tests: a tiny chunk must give the
/// same bytes as the default).
pub const CHUNK_VAR: &str = "PII_AUDIT_GENERATE_CHUNK_ROWS";

/// Rows made and written at a time: `CHUNK_VAR` when set to a positive number.
pub(crate) fn chunk_rows() -> usize {
    std::env::var(CHUNK_VAR)
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(CHUNK_ROWS)
}

/// Up to this many rows, the arrival times are sorted in a vector (8 bytes a row); above,
/// counted per millisecond of the log (a byte per millisecond: 50 MB, whatever the rows).
const SORTED_UP_TO: u64 = 1 << 21;

/// The log's requests' arrival times, in order: uniform over the log's hours, to the
/// millisecond. All of them are drawn from `rng` first (the draws that follow are the
/// requests' own, as when the times were a sorted vector).
pub(crate) enum Arrivals {
    Sorted(std::vec::IntoIter<i64>),
    Counted {
        /// Requests per millisecond of the log; 255 and more go on in `overflow`.
        counts: Vec<u8>,
        overflow: HashMap<usize, u64>,
        /// The millisecond handed out, and how many of its requests are left.
        ms: usize,
        left: u64,
    },
}

impl Arrivals {
    pub(crate) fn draw(rows: u64, rng: &mut ChaCha8Rng) -> Self {
        Self::draw_with(rows, rng, rows <= SORTED_UP_TO)
    }

    fn draw_with(rows: u64, rng: &mut ChaCha8Rng, sorted: bool) -> Self {
        let span_us = LOG_HOURS * 3600 * 1_000_000;
        if sorted {
            let mut times: Vec<i64> = (0..rows)
                .map(|_| LOG_START * 1_000_000 + rng.gen_range(0..span_us) / 1000 * 1000)
                .collect();
            times.sort_unstable();
            return Arrivals::Sorted(times.into_iter());
        }
        let mut counts = vec![0u8; (span_us / 1000) as usize];
        let mut overflow: HashMap<usize, u64> = HashMap::new();
        for _ in 0..rows {
            let ms = (rng.gen_range(0..span_us) / 1000) as usize;
            match counts[ms] {
                u8::MAX => *overflow.entry(ms).or_default() += 1,
                n => counts[ms] = n + 1,
            }
        }
        Arrivals::Counted {
            counts,
            overflow,
            ms: 0,
            left: 0,
        }
    }
}

impl Iterator for Arrivals {
    type Item = i64;

    fn next(&mut self) -> Option<i64> {
        match self {
            Arrivals::Sorted(times) => times.next(),
            Arrivals::Counted {
                counts,
                overflow,
                ms,
                left,
            } => {
                while *left == 0 {
                    let found = counts.get(*ms..)?.iter().position(|&c| c > 0);
                    *ms += found?;
                    *left = u64::from(counts[*ms]) + overflow.get(ms).copied().unwrap_or(0);
                    // Taken: the next search starts past it.
                    counts[*ms] = 0;
                }
                *left -= 1;
                Some(LOG_START * 1_000_000 + *ms as i64 * 1000)
            }
        }
    }
}

/// Rows per row group of a Parquet file written whole by polars (`ParquetWriter::finish`
/// with its default of 512 × 512 rows): a single-chunk frame of `total` rows is split into
/// `total / 512²` equal parts, the last taking the remainder.
struct RowGroups {
    /// The rows of the file.
    total: usize,
    /// Groups handed out.
    done: usize,
}

const ROW_GROUP: usize = 512 * 512;

impl RowGroups {
    /// Rows of the next group (the last one: `usize::MAX`, all that is left).
    fn next_size(&self) -> usize {
        let parts = self.total / ROW_GROUP;
        if parts <= 1 || self.done + 1 >= parts {
            usize::MAX
        } else {
            self.total / parts
        }
    }
}

/// A table written a chunk of rows at a time, as polars writes it whole: Parquet (zstd,
/// the same row groups), CSV (a header, then the rows) or JSON lines. With `ts_text`, `ts`
/// is written as RFC 3339 text in Tokyo's offset with milliseconds.
pub(crate) struct Table<'w, W: Write> {
    out: Out<'w, W>,
    ts_text: bool,
}

enum Out<'w, W: Write> {
    Parquet {
        writer: Option<Box<polars::io::parquet::write::BatchedWriter<&'w mut W>>>,
        file: Option<&'w mut W>,
        groups: RowGroups,
        pending: Option<DataFrame>,
    },
    Csv {
        file: &'w mut W,
        header: bool,
    },
    Ndjson(&'w mut W),
}

impl<'w, W: Write> Table<'w, W> {
    /// A table in `format`'s file format (the exposure log's) of `total` rows (Parquet's
    /// row groups depend on it).
    pub(crate) fn new(file: &'w mut W, format: GeneratedLog, ts_text: bool, total: u64) -> Self {
        let out = match format.exposure().0 {
            GeneratedLog::Csv => Out::Csv { file, header: true },
            GeneratedLog::Ndjson => Out::Ndjson(file),
            _ => Out::Parquet {
                writer: None,
                file: Some(file),
                groups: RowGroups {
                    total: total as usize,
                    done: 0,
                },
                pending: None,
            },
        };
        Table { out, ts_text }
    }

    /// Writes the rows of `df` (every chunk with the same columns).
    pub(crate) fn push(&mut self, df: DataFrame) -> Result<()> {
        let mut df = if self.ts_text { text_times(df)? } else { df };
        match &mut self.out {
            Out::Csv { file, header } => {
                CsvWriter::new(&mut **file)
                    .include_header(*header)
                    .finish(&mut df)
                    .or_bug()?;
                *header = false;
            }
            Out::Ndjson(file) => {
                JsonWriter::new(&mut **file)
                    .with_json_format(JsonFormat::JsonLines)
                    .finish(&mut df)
                    .or_bug()?;
            }
            Out::Parquet {
                writer,
                file,
                groups,
                pending,
            } => {
                if writer.is_none() {
                    let file = file
                        .take()
                        .ok_or_else(|| anyhow::anyhow!("internal error"))?;
                    *writer = Some(Box::new(
                        ParquetWriter::new(file).batched(df.schema()).or_bug()?,
                    ));
                }
                let mut rows = match pending.take() {
                    Some(mut before) => {
                        before.vstack_mut_owned(df).or_bug()?;
                        before
                    }
                    None => df,
                };
                let Some(writer) = writer.as_mut() else {
                    return Ok(());
                };
                loop {
                    let size = groups.next_size();
                    if rows.height() < size || size == usize::MAX {
                        break;
                    }
                    let mut group = rows.slice(0, size);
                    rows = rows.slice(size as i64, rows.height() - size);
                    group.rechunk_mut_par();
                    writer.write_batch(&group).or_bug()?;
                    groups.done += 1;
                }
                *pending = Some(rows);
            }
        }
        Ok(())
    }

    /// Writes what is left (Parquet's last row group and footer).
    pub(crate) fn finish(self) -> Result<()> {
        if let Out::Parquet {
            writer: Some(mut writer),
            pending,
            ..
        } = self.out
        {
            if let Some(mut rest) = pending {
                rest.rechunk_mut_par();
                writer.write_batch(&rest).or_bug()?;
            }
            writer.finish().or_bug()?;
        }
        Ok(())
    }
}

/// `ts` as RFC 3339 text in Tokyo's offset, with milliseconds, as the service logs it.
fn text_times(df: DataFrame) -> Result<DataFrame> {
    let tokyo = crate::ingest::zone::polars_zone(&chrono_tz::Asia::Tokyo);
    df.lazy()
        .with_column(
            col("ts")
                .dt()
                .convert_time_zone(tokyo)
                .dt()
                .to_string("%Y-%m-%dT%H:%M:%S%.3f%:z"),
        )
        .collect()
        .or_bug()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn counted_arrivals_are_the_sorted_ones() {
        for rows in [0, 1, 5, 3000] {
            let mut a = ChaCha8Rng::seed_from_u64(7);
            let mut b = ChaCha8Rng::seed_from_u64(7);
            let sorted: Vec<i64> = Arrivals::draw_with(rows, &mut a, true).collect();
            let counted: Vec<i64> = Arrivals::draw_with(rows, &mut b, false).collect();
            assert_eq!(sorted.len(), rows as usize);
            assert_eq!(sorted, counted);
            // The draws that follow come from the same place in the stream.
            assert_eq!(a.gen::<u64>(), b.gen::<u64>());
        }
    }

    #[test]
    fn row_groups_as_polars_splits_a_whole_frame() {
        let sizes = |total: usize| {
            let mut groups = RowGroups { total, done: 0 };
            let mut out = Vec::new();
            let mut left = total;
            while left > 0 {
                let size = groups.next_size().min(left);
                out.push(size);
                left -= size;
                groups.done += 1;
            }
            out
        };
        assert_eq!(sizes(1000), vec![1000]);
        assert_eq!(sizes(ROW_GROUP), vec![ROW_GROUP]);
        assert_eq!(sizes(2 * ROW_GROUP + 5), vec![ROW_GROUP + 2, ROW_GROUP + 3]);
        assert_eq!(sizes(1_000_000), vec![333_333, 333_333, 333_334]);
    }
}
