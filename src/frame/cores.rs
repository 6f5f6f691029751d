//! Work split over the machine's cores: contiguous ranges, one scoped thread per part.

use anyhow::Result;
use polars::prelude::*;

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
