//! Dictionary encoding of a text column: every distinct value once, every row a code
//! (its value's position). Routes are then matched once per distinct path and joined
//! back by position, a gather, instead of a join on 2 million string keys.

use anyhow::Result;
use polars::prelude::*;

/// The distinct values of a column and, per row, the index of its value.
#[derive(Debug, Clone)]
pub struct Encoded {
    pub values: StringChunked,
    pub codes: IdxCa,
}

/// The log's `path` column, encoded (an absent path reads as `/`).
pub fn encode_paths(log: &crate::exposure::Log) -> Result<Encoded> {
    use crate::exposure::polars_bug;
    if let Some(encoded) = &log.paths {
        return Ok(encoded.clone());
    }
    let path = log
        .df
        .column("path")
        .map_err(polars_bug)?
        .str()
        .map_err(polars_bug)?;
    encode(path, "/")
}

/// `0..n` split into one contiguous range per core.
pub(crate) fn core_ranges(n: usize) -> Vec<std::ops::Range<usize>> {
    let threads = std::thread::available_parallelism().map_or(1, |t| t.get());
    let chunk = n.div_ceil(threads).max(1);
    (0..n.div_ceil(chunk))
        .map(|i| i * chunk..((i + 1) * chunk).min(n))
        .collect()
}

/// Runs `work` on each of `parts` on a thread of its own; the results in order.
pub(crate) fn on_every_core<'a, P: Sync, T: Send>(
    parts: &'a [P],
    work: impl Fn(&'a P) -> T + Sync,
) -> Result<Vec<T>> {
    let work = &work;
    std::thread::scope(|scope| {
        let handles: Vec<_> = parts
            .iter()
            .map(|part| scope.spawn(move || work(part)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join())
            .collect::<std::thread::Result<Vec<T>>>()
    })
    .map_err(|_| anyhow::anyhow!("internal error: a worker thread failed"))
}

/// A text column cut into one slice per core.
pub(crate) fn core_slices(column: &StringChunked) -> Vec<StringChunked> {
    core_ranges(column.len())
        .into_iter()
        .map(|r| column.slice(r.start as i64, r.len()))
        .collect()
}

/// Encodes `column` (nulls read as `null_as`), splitting the rows over the machine's cores:
/// each part builds its own dictionary, then the parts are merged into the first.
pub fn encode(column: &StringChunked, null_as: &str) -> Result<Encoded> {
    type Part<'a> = (PlHashMap<&'a str, IdxSize>, Vec<&'a str>, Vec<IdxSize>);
    let slices = core_slices(column);
    let parts: Vec<Part> = on_every_core(&slices, |slice| {
        let mut seen: PlHashMap<&str, IdxSize> = PlHashMap::with_capacity(1024);
        let mut values: Vec<&str> = Vec::new();
        let mut codes: Vec<IdxSize> = Vec::with_capacity(slice.len());
        for v in slice.iter() {
            let v = v.unwrap_or(null_as);
            codes.push(*seen.entry(v).or_insert_with(|| {
                values.push(v);
                (values.len() - 1) as IdxSize
            }));
        }
        (seen, values, codes)
    })?;
    let mut parts = parts.into_iter();
    let (mut seen, mut values, mut codes) = parts.next().unwrap_or_default();
    codes.reserve(column.len() - codes.len());
    for (_, local, local_codes) in parts {
        let remap: Vec<IdxSize> = local
            .iter()
            .map(|&v| {
                *seen.entry(v).or_insert_with(|| {
                    values.push(v);
                    (values.len() - 1) as IdxSize
                })
            })
            .collect();
        codes.extend(local_codes.iter().map(|&code| remap[code as usize]));
    }
    Ok(Encoded {
        values: StringChunked::from_iter_values(column.name().clone(), values.into_iter()),
        codes: IdxCa::from_vec("code".into(), codes),
    })
}
