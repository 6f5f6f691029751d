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
//! Owners travel as viewer numbers (the unidentified visitor's is `NOBODY`). The origin
//! responses are sorted by (key, time) and cut into groups of one key and one logged time,
//! each summed up by its least and greatest owner: "one owner" is `least == greatest`. A
//! cached response is joined (as of, by key) to the latest origin response at or before
//! it, whose group is T1's; the group before it, if of the same key, is the time before.

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
    let owner = when(col("unidentified"))
        .then(lit(NOBODY))
        .otherwise(col(VIEWER_ID))
        .cast(DataType::UInt32)
        .alias("owner");
    let floored = rows.clone().lazy().select([
        col("row"),
        col("key"),
        col("is_origin"),
        col("no_page"),
        floor(resolution).alias("slot"),
        owner,
    ]);
    let origins = floored
        .clone()
        .filter(col("is_origin").and(col("no_page").not()))
        .select([col("key"), col("slot"), col("owner")])
        // The rows are in time order: a stable sort by key alone leaves them by (key, time),
        // several times faster than sorting on both.
        .sort(
            ["key"],
            SortMultipleOptions::default().with_maintain_order(true),
        )
        .with_row_index("origin", None)
        .collect()
        .map_err(polars_bug)?;
    let cached = floored
        .filter(col("is_origin").not().and(col("no_page").not()))
        .select([col("row"), col("key"), col("slot")]);
    // The latest origin response at or before each cached one, for the same key: with
    // allow_eq, the last of those logged at its time.
    let right = origins.clone().lazy().select([
        col("key"),
        col("slot").alias("origin_slot"),
        col("origin"),
    ]);
    let matched = cached
        .join(
            right,
            [col("slot")],
            [col("origin_slot")],
            super::attribute::latest_by_key(),
        )
        .select([col("row"), col("slot"), col("origin")])
        .collect()
        .map_err(polars_bug)?;
    let origins = Origins::of(origins)?;
    resolve(&matched, max_age, &origins)
}

/// `ts` floored to the resolution, as µs.
fn floor(resolution: i64) -> Expr {
    let micros = col("ts").cast(DataType::Int64);
    micros.clone() - micros % lit(resolution)
}

/// The origin responses sorted by (key, slot), and their groups: the runs of one key and
/// one logged time, each with its least and greatest owner.
struct Origins {
    keys: Vec<u32>,
    slots: Vec<i64>,
    owners: Vec<u32>,
    /// The group of each origin response.
    group: Vec<u32>,
    /// Where each group starts (and, last, the end).
    starts: Vec<usize>,
    least: Vec<u32>,
    most: Vec<u32>,
}

impl Origins {
    fn of(df: DataFrame) -> Result<Origins> {
        let column = |name: &str| df.column(name).map_err(polars_bug);
        let keys: Vec<u32> = column("key")?
            .u32()
            .map_err(polars_bug)?
            .into_no_null_iter()
            .collect();
        let slots: Vec<i64> = column("slot")?
            .i64()
            .map_err(polars_bug)?
            .into_no_null_iter()
            .collect();
        let owners: Vec<u32> = column("owner")?
            .u32()
            .map_err(polars_bug)?
            .into_no_null_iter()
            .collect();
        drop(df);
        let mut group = Vec::with_capacity(keys.len());
        let (mut starts, mut least, mut most) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..keys.len() {
            if i == 0 || (keys[i], slots[i]) != (keys[i - 1], slots[i - 1]) {
                starts.push(i);
                least.push(owners[i]);
                most.push(owners[i]);
            }
            let g = starts.len() - 1;
            least[g] = least[g].min(owners[i]);
            most[g] = most[g].max(owners[i]);
            group.push(g as u32);
        }
        starts.push(keys.len());
        Ok(Origins {
            keys,
            slots,
            owners,
            group,
            starts,
            least,
            most,
        })
    }

    /// The owners of group `g`.
    fn members(&self, g: usize) -> &[u32] {
        &self.owners[self.starts[g]..self.starts[g + 1]]
    }
}

fn resolve(
    matched: &DataFrame,
    max_age: Option<i64>,
    origins: &Origins,
) -> Result<Vec<(IdxSize, Found)>> {
    let column = |name: &str| matched.column(name).map_err(polars_bug);
    let rows = column("row")?.idx().map_err(polars_bug)?.clone();
    let slots = column("slot")?.i64().map_err(polars_bug)?.clone();
    let matches = column("origin")?.idx().map_err(polars_bug)?.clone();
    let in_reach = |slot: i64, origin: i64| max_age.is_none_or(|age| slot - origin <= age);
    let named = |code: u32| (code != NOBODY).then_some(code);
    let mut out = Vec::with_capacity(matched.height());
    for ((row, slot), origin) in rows.iter().zip(slots.iter()).zip(matches.iter()) {
        let (Some(row), Some(slot)) = (row, slot) else {
            continue;
        };
        let mut found = Found {
            origin_ts: None,
            owner: None,
            candidates: Vec::new(),
            too_old: false,
        };
        let Some(origin) = origin.map(|o| o as usize) else {
            out.push((row, found));
            continue;
        };
        let g = origins.group[origin] as usize;
        let t1 = origins.slots[origin];
        if !in_reach(slot, t1) {
            found.too_old = true;
            out.push((row, found));
            continue;
        }
        found.origin_ts = Some(t1);
        // T1 = T: the origin responses of the time before count too.
        let prev = (t1 == slot && g > 0).then(|| g - 1).filter(|&p| {
            let first = origins.starts[p];
            origins.keys[first] == origins.keys[origin] && in_reach(slot, origins.slots[first])
        });
        let (mut lo, mut hi) = (origins.least[g], origins.most[g]);
        if let Some(p) = prev {
            lo = lo.min(origins.least[p]);
            hi = hi.max(origins.most[p]);
        }
        if lo == hi {
            found.owner = named(lo);
        } else {
            let mut candidates: Vec<u32> = origins.members(g).to_vec();
            if let Some(p) = prev {
                candidates.extend_from_slice(origins.members(p));
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
