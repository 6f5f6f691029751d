//! Bit masks of fields or pages: item `i` is bit `i % 64` of the `u64` column
//! `{prefix}{i / 64}`, so a set of up to 64 items is one integer per row.

use polars::prelude::*;

/// How many 64-bit words a mask of `items` items takes (at least one).
pub fn mask_words(items: usize) -> usize {
    items.div_ceil(64).max(1)
}

/// The column holding word `word` of the mask `prefix`.
pub fn mask_name(prefix: &str, word: usize) -> String {
    format!("{prefix}{word}")
}

/// The columns of the mask `prefix`.
pub fn mask_names(prefix: &str, words: usize) -> Vec<String> {
    (0..words).map(|w| mask_name(prefix, w)).collect()
}

/// The bits of word `word` for the items of `0..items` that satisfy `keep`.
pub fn word_bits(items: usize, word: usize, keep: impl Fn(usize) -> bool) -> u64 {
    (0..items)
        .filter(|&i| i / 64 == word && keep(i))
        .fold(0u64, |acc, i| acc | (1u64 << (i % 64)))
}

/// True where bit `index` of the word column `column` is set.
pub fn bit_set(column: &str, index: usize) -> Expr {
    col(column).and(lit(1u64 << (index % 64))).neq(lit(0u64))
}

/// True when any word of a mask intersects the given per-word bits.
pub fn any_bits(prefix: &str, bits: &[u64]) -> Expr {
    bits.iter().enumerate().fold(lit(false), |acc, (word, &b)| {
        acc.or(col(mask_name(prefix, word)).and(lit(b)).neq(lit(0u64)))
    })
}

/// True when any bit of the mask is set.
pub fn any_set(prefix: &str, words: usize) -> Expr {
    (0..words).fold(lit(false), |acc, w| {
        acc.or(col(mask_name(prefix, w)).neq(lit(0u64)))
    })
}
