//! Whose page each response carried, store by store. A cache is a set of stores: one per
//! (node, cache key), and under a shared tier one per cache key for the tier. An origin
//! response fills the stores it went through; a response served from a store carries the
//! page of the store's latest fill before it.
//!
//! Times are uncertain. Each response's arrival lies in `[lo, lo + width)`: the logged time
//! floored to the clock's resolution, moved back by the response's duration where the log
//! gives its end, and widened by the duration's resolution. For a lookup at `lo` in a
//! store, let L be the latest *certain* fill certainly before it (`f + width <= lo`; with an
//! exact clock, `f <= lo`, the last in the log among several at one instant). The
//! candidates are every fill, certain or possible, that L does not certainly precede
//! (`f > L - width`) and that may precede the lookup (`f < lo + width`); without L, every
//! fill that may precede it. `--max-age` drops the ones older than that. A possible fill
//! is a response that may have replaced the store's page (a miss that may have been the
//! tier's copy, a `BYPASS`): it never supersedes, it only adds candidates.
//!
//! A page is a set of owners (viewer numbers; `NOBODY` is an unidentified visitor's page,
//! nobody's). One owner: the response is attributed to it; several: ambiguous; no fill in
//! reach: unattributed. More candidates than `--max-candidates`: unattributed, as too many
//! to name (the hint says which fact narrows it).

use polars::prelude::IdxSize;

use super::source::{Fill, Source};
use super::Attribution;

/// The owner number of the unidentified visitor (nobody's page).
pub const NOBODY: u32 = u32::MAX;

/// The rows, in time order (ties in log order).
pub struct Rows<'a> {
    /// The earliest possible arrival (µs).
    pub lo: &'a [i64],
    /// The store number of the row's node and cache key.
    pub node_key: &'a [u32],
    /// The store number of the row's cache key at the shared tier.
    pub tier_key: &'a [u32],
    pub source: &'a [Source],
    pub fill: &'a [Fill],
    /// Whose page the origin renders for the row's request (`NOBODY`: nobody's).
    pub owner: &'a [u32],
    /// For rows derived in a piece of time (`pieces`; empty otherwise): whether the row's
    /// node store (`EARLIER_NODE`) and tier store (`EARLIER_TIER`) had fills before the
    /// rows given, so that a lookup finding none among them is too old, not without fill.
    pub earlier: &'a [u8],
}

/// `Rows::earlier`: the row's node store had fills before the rows given.
pub const EARLIER_NODE: u8 = 1;
/// `Rows::earlier`: the row's tier store had fills before the rows given.
pub const EARLIER_TIER: u8 = 2;

/// How sure the clock and the caches let the attribution be.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// The width of each arrival's uncertainty (µs); 0: exact.
    pub width: i64,
    pub max_age: Option<i64>,
    /// More candidate owners than this: unattributed (too many to name).
    pub cap: usize,
    pub tiered: bool,
}

/// Why a response is ambiguous or unattributed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    None = 0,
    /// Several fills of one store within the clock's reach.
    Clock = 1,
    /// The shared tier (or a response that may have come from it) adds pages.
    Tier = 2,
    /// A status whose meaning the vendor does not document.
    Status = 3,
    /// No fill before it in the log.
    NoFill = 4,
    /// Only fills older than `--max-age`.
    TooOld = 5,
    /// More candidates than `--max-candidates`.
    TooMany = 6,
}

impl Reason {
    pub const ALL: [Reason; 7] = [
        Reason::None,
        Reason::Clock,
        Reason::Tier,
        Reason::Status,
        Reason::NoFill,
        Reason::TooOld,
        Reason::TooMany,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Reason::None => "",
            Reason::Clock => "clock",
            Reason::Tier => "tier",
            Reason::Status => "status",
            Reason::NoFill => "no_fill",
            Reason::TooOld => "too_old",
            Reason::TooMany => "too_many",
        }
    }
}

/// The candidate owners of the ambiguous rows, in row order, in one flat table (a list
/// per row would cost an allocation and a header each: millions on a big log).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Candidates {
    rows: Vec<IdxSize>,
    /// Where each row's owners start in `owners`, and then the end.
    starts: Vec<u32>,
    owners: Vec<u32>,
}

impl Candidates {
    pub(super) fn push(&mut self, row: IdxSize, owners: impl Iterator<Item = u32>) {
        if self.starts.is_empty() {
            self.starts.push(0);
        }
        self.rows.push(row);
        self.owners.extend(owners);
        self.starts.push(self.owners.len() as u32);
    }

    /// The candidates of `row`, if it is ambiguous.
    pub fn of(&self, row: IdxSize) -> Option<&[u32]> {
        let i = self.rows.binary_search(&row).ok()?;
        Some(&self.owners[self.starts[i] as usize..self.starts[i + 1] as usize])
    }

    /// Every ambiguous row with its candidates, in row order.
    pub fn iter(&self) -> impl Iterator<Item = (IdxSize, &[u32])> {
        self.rows.iter().enumerate().map(|(i, &row)| {
            (
                row,
                &self.owners[self.starts[i] as usize..self.starts[i + 1] as usize],
            )
        })
    }
}

/// What the stores say of every row: the owner (`NOBODY` for none), the time of the
/// latest candidate fill (`i64::MIN` for none), and the rest as the derived log has them.
pub struct Resolved {
    pub owner: Vec<u32>,
    pub origin_ts: Vec<i64>,
    pub attribution: Vec<u8>,
    pub too_old: Vec<bool>,
    pub reason: Vec<u8>,
    pub candidates: Candidates,
}

/// What a lookup in one store found; the owners themselves are appended to the caller's
/// buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Found {
    /// No fill before it.
    Nothing,
    /// No fill before it among the rows given: too old if the store had fills before
    /// them (`Rows::earlier`), else nothing.
    Empty,
    /// Only fills older than `--max-age`.
    TooOld,
    TooMany,
    /// The latest candidate fill's time, and whether a possible fill (one that may not
    /// have replaced the store's page) is among the candidates.
    Page {
        latest: i64,
        possible: bool,
    },
}

/// The fills of one kind of store, sorted by (store, time), ties in log order. A fill's
/// page is not kept: it is asked for when a lookup needs it (a node's fill under a shared
/// tier may hold up to `--max-candidates` owners; kept, millions of them would not fit).
/// A lookup is a few random reads in tables of millions: what one needs of a fill, and of
/// a store, lies side by side.
struct Fills {
    fills: Vec<Entry>,
    /// Per store (stores are numbered densely), then one past the last.
    stores: Vec<StoreIndex>,
    /// Each fill's store and whether it is certain, as pushed (until `sort`).
    pushed: Vec<(u32, bool)>,
}

#[derive(Debug, Clone, Copy, Default)]
struct Entry {
    at: i64,
    row: u32,
    /// The latest certain fill of its store at or before it (`NONE`): L is found without
    /// walking back over a hot key's possible fills. A certain fill is its own.
    prev_certain: u32,
}

#[derive(Debug, Clone, Default)]
struct StoreIndex {
    /// Where the store's fills start (the next store's start is where they end).
    start: u32,
    /// Where the store's last lookup in row order found the ends of its ranges (the fills
    /// that may precede it, that certainly do, and that are younger than `--max-age`):
    /// rows come in time order, so the next lookup's ends are at or after them, found by
    /// galloping on from there instead of searching the whole store.
    hint: std::cell::Cell<[u32; 3]>,
}

/// Where a lookup reaches in its store's fills (indices from the store's first fill,
/// which is `base` in the table, and `stop` past its last): the candidates are among
/// `start..end`; `end` is past every fill that may precede the lookup, and
/// `latest_certain` is L.
#[derive(Debug, Clone, Copy)]
struct Reach {
    base: usize,
    stop: usize,
    start: usize,
    end: usize,
    latest_certain: Option<usize>,
}

/// No such fill.
const NONE: u32 = u32::MAX;

impl Fills {
    fn new() -> Fills {
        Fills {
            fills: Vec::new(),
            stores: Vec::new(),
            pushed: Vec::new(),
        }
    }

    fn push(&mut self, store: u32, at: i64, certain: bool, row: usize) {
        self.fills.push(Entry {
            at,
            row: row as u32,
            prev_certain: NONE,
        });
        self.pushed.push((store, certain));
    }

    /// Sorts by store, keeping time order within a store (the rows came in time order),
    /// and indexes the stores and their certain fills. Stores are numbered densely, so
    /// this is a counting sort: each store's start is the count of fills before it.
    fn sort(&mut self) {
        let pushed = std::mem::take(&mut self.pushed);
        let stores = pushed.iter().map(|p| p.0 as usize + 1).max().unwrap_or(0);
        let mut starts = vec![0u32; stores + 1];
        for &(store, _) in &pushed {
            starts[store as usize + 1] += 1;
        }
        for s in 0..stores {
            starts[s + 1] += starts[s];
        }
        let mut next = starts.clone();
        let mut sorted = vec![Entry::default(); self.fills.len()];
        let mut sorted_certain = vec![false; self.fills.len()];
        for (e, &(store, certain)) in self.fills.iter().zip(&pushed) {
            let slot = &mut next[store as usize];
            sorted[*slot as usize] = *e;
            sorted_certain[*slot as usize] = certain;
            *slot += 1;
        }
        drop((next, pushed));
        for s in 0..stores {
            let mut latest = NONE;
            for i in starts[s]..starts[s + 1] {
                if sorted_certain[i as usize] {
                    latest = i;
                }
                sorted[i as usize].prev_certain = latest;
            }
        }
        self.fills = sorted;
        self.stores = starts
            .into_iter()
            .map(|start| StoreIndex {
                start,
                ..StoreIndex::default()
            })
            .collect();
    }

    /// Where `store`'s fills lie in the table, if it has any.
    fn span(&self, store: u32) -> Option<std::ops::Range<usize>> {
        let s = store as usize;
        let (base, stop) = (self.stores.get(s)?.start, self.stores.get(s + 1)?.start);
        (base < stop).then_some(base as usize..stop as usize)
    }

    /// The row of `store`'s first fill, if it has any.
    fn first_row(&self, store: u32) -> Option<usize> {
        Some(self.fills[self.span(store)?.start].row as usize)
    }

    /// Whether fill `i` is certain.
    fn certain(&self, i: usize) -> bool {
        self.fills[i].prev_certain == i as u32
    }

    /// Where a lookup at `lo` by `row` in `store` reaches among the store's fills (see
    /// `Reach`), or None for a store without fills. A `stale` lookup takes no fill as
    /// superseding: a stale copy is the last one stored, which may precede misses that
    /// stored nothing. `in_order`: lookups come in row order (time order), each starting
    /// its searches where the store's last one ended.
    fn reach(
        &self,
        store: u32,
        lo: i64,
        row: usize,
        stale: bool,
        in_order: bool,
        rule: &Rule,
    ) -> Option<Reach> {
        let std::ops::Range {
            start: base,
            end: stop,
        } = self.span(store)?;
        let index = &self.stores[store as usize];
        let at = &self.fills[base..stop];
        let w = rule.width;
        // A lookup in row order starts its searches where the store's last one ended.
        let hint = in_order.then_some(&index.hint);
        let [end_from, before_from, young_from] = hint.map_or([0; 3], |h| h.get());
        let hinted = hint.is_some();
        // Fills that may precede the lookup: f < lo + w (exact: f <= lo).
        let end = if w == 0 {
            search(at, hinted, end_from, |f| f <= lo)
        } else {
            search(at, hinted, end_from, |f| f < lo.saturating_add(w))
        };
        // L: the latest certain fill certainly before the lookup.
        let certainly_before = if w == 0 {
            end
        } else {
            search(at, hinted, before_from, |f| f.saturating_add(w) <= lo)
        };
        let oldest = rule.max_age.map(|age| lo.saturating_sub(age));
        let young = oldest.map_or(0, |oldest| search(at, hinted, young_from, |f| f < oldest));
        if let Some(h) = hint {
            h.set([end as u32, certainly_before as u32, young as u32]);
        }
        // L is never the row itself (a row is no certain fill of a store it looks up in,
        // but were it one, the fill before it).
        let mut latest_certain = None;
        if !stale && certainly_before > 0 {
            let mut found = at[certainly_before - 1].prev_certain;
            while found != NONE && self.fills[found as usize].row as usize == row {
                let i = found as usize;
                found = if i > base {
                    self.fills[i - 1].prev_certain
                } else {
                    NONE
                };
            }
            latest_certain = (found != NONE).then(|| found as usize - base);
        }
        let start = match latest_certain {
            // Exact: L itself, and the possible fills after it.
            Some(l) if w == 0 => l,
            // Fills L does not certainly precede: f > L - w (none after L is).
            Some(l) => {
                let reach = at[l].at.saturating_sub(w);
                gallop_back(&at[..=l], |e: &Entry| e.at <= reach)
            }
            None => 0,
        }
        .max(young);
        Some(Reach {
            base,
            stop,
            start,
            end,
            latest_certain,
        })
    }

    /// The page in `store` for a lookup at `lo` by `row` (which is not its own candidate):
    /// the candidates' owners appended to `out` by `page` (a fill's row and the buffer;
    /// false: too many to name); `stale` and `in_order` as `reach` takes them.
    #[allow(clippy::too_many_arguments)]
    fn lookup(
        &self,
        store: u32,
        lo: i64,
        row: usize,
        stale: bool,
        in_order: bool,
        rule: &Rule,
        page: &mut dyn FnMut(usize, &mut Vec<u32>) -> bool,
        out: &mut Vec<u32>,
    ) -> Found {
        let Some(Reach {
            base,
            stop,
            start,
            end,
            latest_certain,
        }) = self.reach(store, lo, row, stale, in_order, rule)
        else {
            return Found::Empty;
        };
        let at = &self.fills[base..stop];
        let w = rule.width;
        if start >= end {
            return match end {
                0 => Found::Empty,
                _ if rule.max_age.is_some() => Found::TooOld,
                _ => Found::Nothing,
            };
        }
        // Every fill in the range counts but the row itself (with an exact clock no certain
        // fill lies after L): a range past the cap by more than one is too many, told
        // without walking it (a hot key's range can hold thousands).
        if end - start > rule.cap + 1 {
            return Found::TooMany;
        }
        let is_self = |i: usize| at[i].row as usize == row;
        let counted = |i: usize| {
            !is_self(i)
                && (w != 0 || latest_certain.is_none_or(|l| i == l || !self.certain(base + i)))
        };
        let (mut latest, mut possible, mut any) = (i64::MIN, false, false);
        for i in (start..end).filter(|&i| counted(i)) {
            if !page(at[i].row as usize, out) {
                return Found::TooMany;
            }
            latest = latest.max(at[i].at);
            possible |= !self.certain(base + i);
            any = true;
        }
        if !any {
            return Found::Nothing;
        }
        Found::Page { latest, possible }
    }
}

/// The first fill of `at` whose time fails `pred` (which holds on a prefix): galloping on
/// from `from` when the lookup is in row order (`hinted`), else a binary search.
fn search(at: &[Entry], hinted: bool, from: u32, pred: impl Fn(i64) -> bool) -> usize {
    if hinted {
        gallop(at, from as usize, |e| pred(e.at))
    } else {
        at.partition_point(|e| pred(e.at))
    }
}

/// The first index of `at` at or after `from` where `pred` fails (`pred` holds on a
/// prefix of `at`), found by steps doubling from `from`; a `from` past the answer falls
/// back to a binary search before it.
fn gallop<T>(at: &[T], from: usize, pred: impl Fn(&T) -> bool) -> usize {
    let from = from.min(at.len());
    if from > 0 && !pred(&at[from - 1]) {
        return at[..from].partition_point(pred);
    }
    let (mut low, mut step) = (from, 1);
    while low + step <= at.len() && pred(&at[low + step - 1]) {
        low += step;
        step *= 2;
    }
    let high = (low + step).min(at.len());
    low + at[low..high].partition_point(&pred)
}

/// The first index of `at` where `pred` fails (`pred` holds on a prefix of `at`), found by
/// steps doubling back from the end: the answer is usually near it.
fn gallop_back<T>(at: &[T], pred: impl Fn(&T) -> bool) -> usize {
    let (mut high, mut step) = (at.len(), 1);
    while high >= step && !pred(&at[high - step]) {
        high -= step;
        step *= 2;
    }
    let low = high.saturating_sub(step);
    low + at[low..high].partition_point(&pred)
}

/// The fills of the shared tier's stores (none without a tier) and of the nodes' stores.
fn fills(rows: &Rows, rule: &Rule) -> (Fills, Fills) {
    let n = rows.lo.len();
    // The tier: every origin rendering that may have gone through it may have filled it
    // (certainly, when the log says it went through the tier).
    let mut tier = Fills::new();
    if rule.tiered {
        for i in 0..n {
            let (source, fill) = (rows.source[i], rows.fill[i]);
            let stored = matches!(fill, Fill::Stored | Fill::Maybe | Fill::StoredViaTier);
            if source.may_be_origin() && stored {
                tier.push(rows.tier_key[i], rows.lo[i], fill == Fill::StoredViaTier, i);
            }
        }
        tier.sort();
    }
    // The nodes: every response that went past the node's copy replaced it (certainly or
    // possibly) with its own page (most rows, under a hot key: room for all of them,
    // rather than twice as many by doubling).
    let mut node = Fills::new();
    node.fills.reserve_exact(n);
    node.pushed.reserve_exact(n);
    for i in 0..n {
        if let Some(certain) = node_fill(rows.source[i], rows.fill[i]) {
            node.push(rows.node_key[i], rows.lo[i], certain, i);
        }
    }
    node.sort();
    (tier, node)
}

/// Resolves every row.
pub fn resolve(rows: &Rows, rule: &Rule) -> Resolved {
    let n = rows.lo.len();
    let (tier, node) = fills(rows, rule);
    let stores = Stores {
        rows,
        rule,
        tier: &tier,
        node: &node,
        tier_too_many: vec![std::cell::Cell::new(None); if rule.tiered { n } else { 0 }],
    };
    let mut out = Resolved {
        owner: vec![NOBODY; n],
        origin_ts: vec![i64::MIN; n],
        attribution: vec![Attribution::NoPage as u8; n],
        too_old: vec![false; n],
        reason: vec![Reason::None as u8; n],
        candidates: Candidates::default(),
    };
    let mut owners = Vec::new();
    for i in 0..n {
        if rows.source[i] != Source::NoPage {
            stores.settle(&mut out, i, &mut owners);
        }
    }
    out
}

/// Whether a response replaced its node's page: `Some(true)` surely, `Some(false)`
/// possibly (its page may have come from the node itself, or it may not have been
/// stored), `None`: it left the store as it was.
fn node_fill(source: Source, fill: Fill) -> Option<bool> {
    let stores = matches!(fill, Fill::Stored | Fill::StoredViaTier);
    match (source, fill) {
        (Source::NoPage | Source::Node | Source::Stale, _) => None,
        (_, Fill::Removed) => Some(true),
        (_, Fill::NotStored) => None,
        (Source::Origin | Source::Tier | Source::OriginOrTier, _) => Some(stores),
        // Served from the node or the tier: the node holds this page afterwards either way,
        // but only a page from the tier is new to it.
        (Source::NodeOrTier | Source::Any, _) => Some(false),
    }
}

/// The stores, and the pages their fills hold.
struct Stores<'a> {
    rows: &'a Rows<'a>,
    rule: &'a Rule,
    tier: &'a Fills,
    node: &'a Fills,
    /// Per row, whether its own lookup in the tier found too many to name (`None`: not
    /// asked yet): a hot key's node fills are asked for their page by every
    /// hit that may have been served their copy, and the answer does not change.
    tier_too_many: Vec<std::cell::Cell<Option<bool>>>,
}

impl Stores<'_> {
    /// Row `i`'s lookup in the tier, its owners appended to `out` (`in_order`: asked for
    /// row `i` itself, rows in time order).
    fn tier_page(&self, i: usize, in_order: bool, out: &mut Vec<u32>) -> Found {
        let rows = self.rows;
        if !self.rule.tiered || !rows.source[i].may_be_tier() {
            return Found::Nothing;
        }
        // A tier fill's page is its requester's own.
        let mut own = |fill_row: usize, out: &mut Vec<u32>| {
            out.push(rows.owner[fill_row]);
            true
        };
        self.tier.lookup(
            rows.tier_key[i],
            rows.lo[i],
            i,
            false,
            in_order,
            self.rule,
            &mut own,
            out,
        )
    }

    /// The page row `i` left in its node's store (it is a fill of it): its own, and what
    /// the tier may have given it; false when the tier's candidates are too many.
    fn fill_page(&self, i: usize, out: &mut Vec<u32>) -> bool {
        let rows = self.rows;
        if rows.fill[i] == Fill::Removed {
            return true;
        }
        if rows.source[i].may_be_origin() && rows.source[i] != Source::NodeOrTier {
            out.push(rows.owner[i]);
        }
        let known = self.tier_too_many.get(i);
        if known.is_some_and(|k| k.get() == Some(true)) {
            return false;
        }
        let fits = self.tier_page(i, false, out) != Found::TooMany;
        if let Some(k) = known {
            k.set(Some(!fits));
        }
        fits
    }

    /// A lookup by row `i` that found no fill among the rows given: too old when its store
    /// (`which`: `EARLIER_NODE` or `EARLIER_TIER`) had fills before them and `--max-age`
    /// is given (they are all older than it), else nothing.
    fn earlier(&self, found: Found, i: usize, which: u8) -> Found {
        let before = self.rows.earlier.get(i).is_some_and(|e| e & which != 0);
        match found {
            Found::Empty if before && self.rule.max_age.is_some() => Found::TooOld,
            Found::Empty => Found::Nothing,
            found => found,
        }
    }

    /// Puts the parts of row `i`'s page together: its attribution, owner, candidates and
    /// reason.
    fn settle(&self, out: &mut Resolved, i: usize, owners: &mut Vec<u32>) {
        let rows = self.rows;
        let source = rows.source[i];
        let own = rows.owner[i];
        owners.clear();
        let mut parts = Vec::with_capacity(3);
        if source.may_be_origin() {
            owners.push(own);
            parts.push(Found::Page {
                latest: rows.lo[i],
                possible: false,
            });
        }
        if source.may_be_node() {
            let stale = source == Source::Stale;
            let mut page = |fill_row: usize, out: &mut Vec<u32>| self.fill_page(fill_row, out);
            let found = self.node.lookup(
                rows.node_key[i],
                rows.lo[i],
                i,
                stale,
                true,
                self.rule,
                &mut page,
                owners,
            );
            parts.push(self.earlier(found, i, EARLIER_NODE));
        }
        let found = self.tier_page(i, true, owners);
        parts.push(self.earlier(found, i, EARLIER_TIER));
        let (mut latest, mut possible) = (None::<i64>, false);
        let (mut too_old, mut too_many) = (false, false);
        for part in parts {
            match part {
                Found::Nothing | Found::Empty => {}
                Found::TooOld => too_old = true,
                Found::TooMany => too_many = true,
                Found::Page {
                    latest: l,
                    possible: p,
                } => {
                    latest = Some(latest.map_or(l, |x: i64| x.max(l)));
                    possible |= p;
                }
            }
        }
        owners.sort_unstable();
        owners.dedup();
        out.too_old[i] = too_old && owners.is_empty();
        if too_many || owners.len() > self.rule.cap {
            out.attribution[i] = Attribution::Unattributed as u8;
            out.reason[i] = Reason::TooMany as u8;
            return;
        }
        if owners.is_empty() {
            out.attribution[i] = Attribution::Unattributed as u8;
            out.reason[i] = if too_old {
                Reason::TooOld
            } else {
                Reason::NoFill
            } as u8;
            return;
        }
        out.origin_ts[i] = latest.unwrap_or(i64::MIN);
        if source.may_be_origin() && owners.as_slice() == [own] {
            // Whatever served it, the page was the requester's own.
            out.attribution[i] = Attribution::Origin as u8;
            out.owner[i] = own;
            return;
        }
        if owners.len() == 1 {
            out.attribution[i] = Attribution::Cached as u8;
            out.owner[i] = owners[0];
            return;
        }
        out.attribution[i] = Attribution::Ambiguous as u8;
        out.reason[i] = match source {
            Source::Any => Reason::Status,
            Source::Tier | Source::NodeOrTier | Source::OriginOrTier => Reason::Tier,
            _ if possible => Reason::Tier,
            _ => Reason::Clock,
        } as u8;
        out.candidates.push(
            i as IdxSize,
            owners.iter().copied().filter(|&o| o != NOBODY),
        );
    }
}

mod plan;
pub use plan::{pieces, Piece};

#[cfg(test)]
mod tests;
