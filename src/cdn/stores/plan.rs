//! A hot cache key cut by time. One key can hold a large share of a log (in a
//! Mercari-shaped incident every user's "my page" has one URL), and no bucketing by key
//! splits it; its rows are cut into pieces of time instead, each derived with the rows
//! before and after it that its lookups reach, and only the piece's own results kept.
//!
//! Why a piece's own rows come out as among the whole log: take a store's fills in time
//! order and a lookup among them, reaching `start..end` with L (`Reach`). Derived among
//! only a suffix of the fills, from index `p`, the lookup finds the same candidates when
//! `p <= start`: L is the latest certain fill before the lookup, so it is found in the
//! suffix when it is at or after `p`; when it is before `p`, the whole log's `start` is
//! past L's reach and is `--max-age`'s bound, which the suffix finds too (without
//! `--max-age`, `start` is within L's reach, so L is at or after `start` and so `p`).
//! When `p >= end`, the suffix holds no fill before the lookup, where the whole log may
//! hold fills all older than `--max-age`: each row read says whether its stores had
//! fills before the suffix (`Piece::earlier`), and such a lookup is then "too old", as
//! among the whole log, instead of "no fill". Every quantity a
//! lookup's reach is made of only moves forward with its time (L, `--max-age`'s bound,
//! the fills that may precede), so a lookup made at the piece's first instant, before
//! every one of its rows, gives a `p` that serves them all. The stores a piece looks up
//! are its rows' node stores and tier stores, and the tier stores of the node fills it
//! may take a page from (a node fill's page includes what the tier may have given it),
//! looked up at those fills' times. The piece's rows reach forward to fills that may
//! precede them (`f < lo + width`), and those fills' tier lookups one width further.

use std::collections::HashMap;
use std::ops::Range;

use super::{fills, Fill, Fills, Rows, Rule, Source, EARLIER_NODE, EARLIER_TIER};

/// One piece: the rows derived together (the piece's own and the ones before and after
/// them that their lookups reach), in the rows' order, and the piece's own rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub read: Range<usize>,
    pub main: Range<usize>,
    /// `Rows::earlier` of each row read.
    pub earlier: Vec<u8>,
}

/// No row (a lookup made for the planning, by none of the rows).
const NO_ROW: usize = usize::MAX;

/// The rows (in time order, ties in log order) cut into pieces of at least `size` rows
/// each (an instant is never cut), with what each must be derived with. `rows.owner` is
/// not read.
pub fn pieces(rows: &Rows, rule: &Rule, size: usize) -> Vec<Piece> {
    let n = rows.lo.len();
    let (tier, node) = fills(rows, rule);
    let w = rule.width;
    let size = size.max(1);
    let mut out = Vec::new();
    let mut start = 0;
    while start < n {
        let mut stop = (start + size).min(n);
        while stop < n && rows.lo[stop] == rows.lo[stop - 1] {
            stop += 1;
        }
        let first = rows.lo[start];
        let last = rows.lo[stop - 1];
        // The stores the piece's own rows look up, and whether stale (from any fill).
        let mut node_stores: HashMap<u32, bool> = HashMap::new();
        // The tier stores looked up, each with its earliest lookup.
        let mut tier_stores: HashMap<u32, i64> = HashMap::new();
        for i in start..stop {
            let source = rows.source[i];
            if source == Source::NoPage {
                continue;
            }
            if source.may_be_node() {
                *node_stores.entry(rows.node_key[i]).or_default() |= source == Source::Stale;
            }
            if rule.tiered && source.may_be_tier() {
                tier_stores.entry(rows.tier_key[i]).or_insert(first);
            }
        }
        let mut from = start;
        // The fills that may precede a lookup at the piece's last instant.
        let ahead = |f: i64| {
            if w == 0 {
                f <= last
            } else {
                f < last.saturating_add(w)
            }
        };
        for (&store, &stale) in &node_stores {
            let Some(needed) = suffix(&node, store, first, stale, rule) else {
                continue;
            };
            from = from.min(node.fills[needed.start].row as usize);
            // The fills the piece's rows may take a page from, and the tier lookups
            // their pages make.
            for fill in &node.fills[needed] {
                if !ahead(fill.at) {
                    break;
                }
                let r = fill.row as usize;
                if rule.tiered && rows.fill[r] != Fill::Removed && rows.source[r].may_be_tier() {
                    let at = tier_stores.entry(rows.tier_key[r]).or_insert(fill.at);
                    *at = (*at).min(fill.at);
                }
            }
        }
        for (&store, &at) in &tier_stores {
            if let Some(needed) = suffix(&tier, store, at, false, rule) {
                from = from.min(tier.fills[needed.start].row as usize);
            }
        }
        // Forward: the fills that may precede the piece's rows, and their tier lookups'.
        let to = if w == 0 {
            stop
        } else {
            let reach = last.saturating_add(w.saturating_mul(2));
            stop + rows.lo[stop..].partition_point(|&lo| lo < reach)
        };
        let earlier = (from..to)
            .map(|i| {
                let before = |fills: &Fills, store: u32| {
                    fills.first_row(store).is_some_and(|row| row < from)
                };
                let node = before(&node, rows.node_key[i]);
                let tier = rule.tiered && before(&tier, rows.tier_key[i]);
                (u8::from(node) * EARLIER_NODE) | (u8::from(tier) * EARLIER_TIER)
            })
            .collect();
        out.push(Piece {
            read: from..to,
            main: start..stop,
            earlier,
        });
        start = stop;
    }
    out
}

/// The fills of `store` (indices in the table, to the store's last) that lookups at `at`
/// or later need, or None when they need none (a lookup that finds none among the rows
/// read is told apart by `Piece::earlier`).
fn suffix(fills: &Fills, store: u32, at: i64, stale: bool, rule: &Rule) -> Option<Range<usize>> {
    // With an exact clock a fill at the lookup's own instant may precede it: the lookup
    // is made just before the instant, as no row of it is in the suffix's way.
    let at = if rule.width == 0 {
        at.saturating_sub(1)
    } else {
        at
    };
    let reach = fills.reach(store, at, NO_ROW, stale, false, rule)?;
    let needed = reach.base + reach.start..reach.stop;
    (!needed.is_empty()).then_some(needed)
}
