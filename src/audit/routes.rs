//! Route matching: each path value matched once to its page over the route trie.

use anyhow::Result;
use polars::prelude::*;

use super::{page_words, words};
use crate::frame::bits::mask_name;
use crate::frame::bits::word_bits;
use crate::frame::codes::NoNulls;
use crate::frame::cores;
use crate::frame::names::PAGE_ID;
use crate::frame::OrBug;
use crate::inventory::normalise_path;
use crate::inventory::Inventory;
use std::borrow::Cow;

/// Path values → normalised path, page id, the page's field mask and its page bit.
/// The paths are split over the machine's cores; each is normalised and matched once.
pub(super) fn match_paths(inventory: &Inventory, raw: NoNulls<'_>) -> Result<DataFrame> {
    let raw = raw.column();
    let words = words(inventory);
    let page_words = page_words(inventory);
    let page_bits: Vec<Vec<u64>> = inventory
        .pages
        .iter()
        .map(|page| {
            (0..words)
                .map(|w| word_bits(inventory.fields.len(), w, |i| page.fields.contains(&i)))
                .collect()
        })
        .collect();
    // Each core matches its share of the paths and builds its share of the columns (an
    // empty log: one empty share, for the columns' types).
    let slices = match raw.len() {
        0 => vec![raw.clone()],
        _ => cores::core_slices(raw),
    };
    let parts = cores::on_every_core(&slices, |part| -> PolarsResult<DataFrame> {
        let n = part.len();
        let mut norm: Vec<Cow<str>> = Vec::with_capacity(n);
        let mut page_ids: Vec<Option<&str>> = Vec::with_capacity(n);
        let mut masks: Vec<Vec<u64>> = vec![Vec::with_capacity(n); words];
        let mut pages: Vec<Vec<u64>> = vec![Vec::with_capacity(n); page_words];
        // A slice of a column without nulls: every path has a text.
        for path in part.downcast_iter().flat_map(|array| array.values_iter()) {
            let normalised = normalise_path(path);
            let page = inventory.match_path(&normalised);
            page_ids.push(page.map(|p| inventory.pages[p].id.as_str()));
            for (w, mask) in masks.iter_mut().enumerate() {
                mask.push(page.map_or(0, |p| page_bits[p][w]));
            }
            for (w, bits) in pages.iter_mut().enumerate() {
                bits.push(page.map_or(0, |p| if p / 64 == w { 1u64 << (p % 64) } else { 0 }));
            }
            norm.push(normalised);
        }
        let mut columns = vec![
            Column::from(part.clone().into_series().with_name("path".into())),
            StringChunked::from_iter_values("norm_path".into(), norm.iter().map(|n| n.as_ref()))
                .into_column(),
            Column::new(PAGE_ID.into(), page_ids),
        ];
        for (w, mask) in masks.into_iter().enumerate() {
            columns.push(Column::new(mask_name("pm", w).into(), mask));
        }
        for (w, bits) in pages.into_iter().enumerate() {
            columns.push(Column::new(mask_name("pg", w).into(), bits));
        }
        DataFrame::new(n, columns)
    })?;
    let mut parts = parts.into_iter();
    let mut df = match parts.next() {
        Some(first) => first.or_bug()?,
        None => anyhow::bail!("internal error: route matching lost paths"),
    };
    for more in parts {
        df.vstack_mut(&more.or_bug()?).or_bug()?;
    }
    if df.height() != raw.len() {
        anyhow::bail!("internal error: route matching lost paths");
    }
    // One chunk: every row of the log gathers from this table by code.
    df.rechunk_mut_par();
    Ok(df)
}
