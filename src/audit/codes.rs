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

/// Encodes `column` (nulls read as `null_as`), splitting the rows over the machine's cores:
/// each part builds its own dictionary, then the parts are merged into the first.
pub fn encode(column: &StringChunked, null_as: &str) -> Result<Encoded> {
    let n = column.len();
    let threads = std::thread::available_parallelism().map_or(1, |t| t.get());
    let chunk = n.div_ceil(threads).max(1);
    let slices: Vec<StringChunked> = (0..n.div_ceil(chunk))
        .map(|part| column.slice((part * chunk) as i64, chunk))
        .collect();
    let mut codes: Vec<IdxSize> = vec![0; n];
    type Part<'a> = (PlHashMap<&'a str, IdxSize>, Vec<&'a str>);
    let parts: Vec<Part> = std::thread::scope(|scope| {
        let handles: Vec<_> = codes
            .chunks_mut(chunk)
            .zip(&slices)
            .map(|(out, slice)| {
                scope.spawn(move || {
                    let mut seen: PlHashMap<&str, IdxSize> = PlHashMap::with_capacity(1024);
                    let mut values: Vec<&str> = Vec::new();
                    for (code, v) in out.iter_mut().zip(slice.iter()) {
                        let v = v.unwrap_or(null_as);
                        *code = *seen.entry(v).or_insert_with(|| {
                            values.push(v);
                            (values.len() - 1) as IdxSize
                        });
                    }
                    (seen, values)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join())
            .collect::<std::thread::Result<Vec<Part>>>()
    })
    .map_err(|_| anyhow::anyhow!("internal error: dictionary encoding failed"))?;
    let mut parts = parts.into_iter();
    let (mut seen, mut values) = parts.next().unwrap_or_default();
    for (part, (_, local)) in parts.enumerate() {
        let remap: Vec<IdxSize> = local
            .iter()
            .map(|&v| {
                *seen.entry(v).or_insert_with(|| {
                    values.push(v);
                    (values.len() - 1) as IdxSize
                })
            })
            .collect();
        let end = ((part + 2) * chunk).min(n);
        for code in &mut codes[(part + 1) * chunk..end] {
            *code = remap[*code as usize];
        }
    }
    Ok(Encoded {
        values: StringChunked::from_iter_values(column.name().clone(), values.into_iter()),
        codes: IdxCa::from_vec("code".into(), codes),
    })
}
