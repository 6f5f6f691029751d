//! Attribution when the log's clock is coarse. A logged time T is the true time floored to
//! the resolution, and rows with the same logged time are unordered (delivered files are
//! not in time order). For a cached response logged at T on (node, key), let T1 be the
//! latest logged time ≤ T of an origin response for (node, key): none (or beyond
//! `--max-age`) leaves it unattributed. If T1 < T the candidates are the origin responses
//! at T1; if T1 = T, those at T and those at the latest logged time before T. An origin
//! response to an unidentified visitor rendered nobody's page (owner empty). One owner
//! among the candidates: cached, attributed to it. Several: ambiguous, with the non-empty
//! ones listed.
//!
//! Owners travel as viewer numbers (the unidentified visitor's is `NOBODY`): each
//! (key, time) group of origin responses is summed up by its least and greatest owner, so
//! "one owner" is `least == greatest`, and only an ambiguous response looks its
//! candidates up, by binary search in the origins sorted by (key, time).

use anyhow::Result;
use polars::prelude::*;

use crate::frame::names::VIEWER_ID;
use crate::frame::polars_bug;

/// What the rule found for one cached response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Found {
    /// Logged time of the latest origin response (T1), when one is in reach.
    pub origin_ts: Option<i64>,
    /// The owner's viewer number.
    pub owner: Option<u32>,
    /// The candidate owners (viewer numbers) of an ambiguous response; empty otherwise.
    pub candidates: Vec<u32>,
    /// T1 exists but lies beyond `--max-age`.
    pub too_old: bool,
}

/// The owner number of the unidentified visitor (nobody's page).
const NOBODY: u32 = u32::MAX;

/// The rule for every cached row of `rows` (`row`, `ts`, `key`, `is_origin`, `no_page`,
/// `viewer_id`; sorted by `ts`): `(row, Found)` per cached row.
pub(super) fn attribute(
    rows: &DataFrame,
    resolution: i64,
    max_age: Option<i64>,
) -> Result<Vec<(IdxSize, Found)>> {
    let owner = col(VIEWER_ID).fill_null(lit(NOBODY)).alias("owner");
    let floored = rows
        .clone()
        .lazy()
        .with_columns([floor(resolution).alias("slot"), owner]);
    let origins = floored
        .clone()
        .filter(col("is_origin").and(col("no_page").not()))
        .select([col("key"), col("slot"), col("owner")])
        .sort(["key", "slot"], SortMultipleOptions::default())
        .collect()
        .map_err(polars_bug)?;
    let same_key = col("key").eq(col("key").shift(lit(1)));
    let groups = origins
        .clone()
        .lazy()
        .group_by([col("key"), col("slot")])
        .agg([
            col("owner").min().alias("least"),
            col("owner").max().alias("most"),
        ])
        .sort(["key", "slot"], SortMultipleOptions::default())
        .with_columns([
            when(same_key.clone())
                .then(col("slot").shift(lit(1)))
                .otherwise(lit(NULL).cast(DataType::Int64))
                .alias("prev_slot"),
            when(same_key.clone())
                .then(col("least").shift(lit(1)))
                .otherwise(lit(NULL).cast(DataType::UInt32))
                .alias("prev_least"),
            when(same_key)
                .then(col("most").shift(lit(1)))
                .otherwise(lit(NULL).cast(DataType::UInt32))
                .alias("prev_most"),
        ])
        .rename(["slot"], ["origin_slot"], true);
    let cached = floored
        .filter(col("is_origin").not().and(col("no_page").not()))
        .select([col("row"), col("key"), col("slot")]);
    let asof = AsOfOptions {
        strategy: AsofStrategy::Backward,
        tolerance: None,
        tolerance_str: None,
        left_by: Some(vec!["key".into()]),
        right_by: Some(vec!["key".into()]),
        allow_eq: true,
        check_sortedness: false,
    };
    let matched = cached
        .join(
            groups,
            [col("slot")],
            [col("origin_slot")],
            JoinArgs::new(JoinType::AsOf(Box::new(asof))),
        )
        .collect()
        .map_err(polars_bug)?;
    let origins = Origins::of(&origins)?;
    resolve(&matched, max_age, &origins)
}

/// `ts` floored to the resolution, as µs.
fn floor(resolution: i64) -> Expr {
    let micros = col("ts").cast(DataType::Int64);
    micros.clone() - micros % lit(resolution)
}

/// The origin responses sorted by (key, slot), for the candidates of an ambiguous one.
struct Origins {
    keys: Vec<u32>,
    slots: Vec<i64>,
    owners: Vec<u32>,
}

impl Origins {
    fn of(df: &DataFrame) -> Result<Origins> {
        let column = |name: &str| df.column(name).map_err(polars_bug);
        let values = |c: &Column| -> Result<Vec<u32>> {
            Ok(c.u32().map_err(polars_bug)?.into_no_null_iter().collect())
        };
        Ok(Origins {
            keys: values(column("key")?)?,
            slots: column("slot")?
                .i64()
                .map_err(polars_bug)?
                .into_no_null_iter()
                .collect(),
            owners: values(column("owner")?)?,
        })
    }

    /// The owners of the origin responses for `key` at `slot`.
    fn at(&self, key: u32, slot: i64) -> &[u32] {
        let at = |i: usize| (self.keys[i], self.slots[i]);
        let start = partition(self.keys.len(), |i| at(i) < (key, slot));
        let end = partition(self.keys.len(), |i| at(i) <= (key, slot));
        &self.owners[start..end]
    }
}

/// The first index in `0..n` for which `before` is false (`before` true, then false).
fn partition(n: usize, before: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if before(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

fn resolve(
    matched: &DataFrame,
    max_age: Option<i64>,
    origins: &Origins,
) -> Result<Vec<(IdxSize, Found)>> {
    let column = |name: &str| matched.column(name).map_err(polars_bug);
    let rows = column("row")?.idx().map_err(polars_bug)?.clone();
    let keys = column("key")?.u32().map_err(polars_bug)?.clone();
    let slots = column("slot")?.i64().map_err(polars_bug)?.clone();
    let origin_slots = column("origin_slot")?.i64().map_err(polars_bug)?.clone();
    let prev_slots = column("prev_slot")?.i64().map_err(polars_bug)?.clone();
    let least = column("least")?.u32().map_err(polars_bug)?.clone();
    let most = column("most")?.u32().map_err(polars_bug)?.clone();
    let prev_least = column("prev_least")?.u32().map_err(polars_bug)?.clone();
    let prev_most = column("prev_most")?.u32().map_err(polars_bug)?.clone();
    let in_reach = |slot: i64, origin: i64| max_age.is_none_or(|age| slot - origin <= age);
    let named = |code: u32| (code != NOBODY).then_some(code);
    let mut out = Vec::with_capacity(matched.height());
    for i in 0..matched.height() {
        let (Some(row), Some(key), Some(slot)) = (rows.get(i), keys.get(i), slots.get(i)) else {
            continue;
        };
        let mut found = Found {
            origin_ts: None,
            owner: None,
            candidates: Vec::new(),
            too_old: false,
        };
        let (Some(origin), Some(lo), Some(hi)) = (origin_slots.get(i), least.get(i), most.get(i))
        else {
            out.push((row, found));
            continue;
        };
        if !in_reach(slot, origin) {
            found.too_old = true;
            out.push((row, found));
            continue;
        }
        found.origin_ts = Some(origin);
        let prev = prev_slots
            .get(i)
            .filter(|p| origin == slot && in_reach(slot, *p));
        let (mut lo, mut hi) = (lo, hi);
        if prev.is_some() {
            lo = lo.min(prev_least.get(i).unwrap_or(lo));
            hi = hi.max(prev_most.get(i).unwrap_or(hi));
        }
        if lo == hi {
            found.owner = named(lo);
        } else {
            let mut candidates: Vec<u32> = origins.at(key, origin).to_vec();
            if let Some(prev) = prev {
                candidates.extend_from_slice(origins.at(key, prev));
            }
            let mut candidates: Vec<u32> = candidates.into_iter().filter_map(named).collect();
            candidates.sort_unstable();
            candidates.dedup();
            found.candidates = candidates;
        }
        out.push((row, found));
    }
    Ok(out)
}
