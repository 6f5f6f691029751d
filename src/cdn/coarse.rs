//! Attribution when the log's clock is coarse. A logged time T is the true time floored to
//! the resolution, and rows with the same logged time are unordered (delivered files are
//! not in time order). For a cached response logged at T on (node, key), let T1 be the
//! latest logged time ≤ T of an origin response for (node, key): none (or beyond
//! `--max-age`) leaves it unattributed. If T1 < T the candidates are the origin responses
//! at T1; if T1 = T, those at T and those at the latest logged time before T. An origin
//! response to an unidentified visitor rendered nobody's page (owner empty). One owner
//! among the candidates: cached, attributed to it. Several: ambiguous, with the non-empty
//! ones listed.

use anyhow::Result;
use polars::prelude::*;

use crate::frame::names::VIEWER_ID;
use crate::frame::polars_bug;

/// What the rule found for one cached response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Found {
    /// Logged time of the latest origin response (T1), when one is in reach.
    pub origin_ts: Option<i64>,
    pub owner: Option<String>,
    /// The candidate owners of an ambiguous response, sorted; empty otherwise.
    pub candidates: Vec<String>,
    /// T1 exists but lies beyond `--max-age`.
    pub too_old: bool,
}

/// The rule for every cached row of `rows` (`row`, `ts`, `key`, `is_origin`, `no_page`,
/// `viewer_id`; sorted by `ts`): `(row, Found)` per cached row.
pub(super) fn attribute(
    rows: &DataFrame,
    resolution: i64,
    max_age: Option<i64>,
) -> Result<Vec<(IdxSize, Found)>> {
    let floored = rows
        .clone()
        .lazy()
        .with_column(floor(resolution).alias("slot"));
    let owner = when(col(VIEWER_ID).is_null())
        .then(lit(""))
        .otherwise(col(VIEWER_ID))
        .alias("owner");
    let groups = floored
        .clone()
        .filter(col("is_origin").and(col("no_page").not()))
        .select([col("key"), col("slot"), owner])
        .group_by([col("key"), col("slot")])
        .agg([col("owner")
            .unique()
            .sort(SortOptions::default())
            .alias("owners")])
        .sort(["slot", "key"], SortMultipleOptions::default())
        .with_columns([
            col("owners")
                .shift(lit(1))
                .over([col("key")])
                .map_err(polars_bug)?
                .alias("prev_owners"),
            col("slot")
                .shift(lit(1))
                .over([col("key")])
                .map_err(polars_bug)?
                .alias("prev_slot"),
        ])
        .select([
            col("key"),
            col("slot").alias("origin_slot"),
            col("owners"),
            col("prev_owners"),
            col("prev_slot"),
        ]);
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
    resolve(&matched, max_age)
}

/// `ts` floored to the resolution, as µs.
fn floor(resolution: i64) -> Expr {
    let micros = col("ts").cast(DataType::Int64);
    micros.clone() - micros % lit(resolution)
}

fn resolve(matched: &DataFrame, max_age: Option<i64>) -> Result<Vec<(IdxSize, Found)>> {
    let column = |name: &str| matched.column(name).map_err(polars_bug);
    let rows = column("row")?.idx().map_err(polars_bug)?.clone();
    let slots = column("slot")?.i64().map_err(polars_bug)?.clone();
    let origin_slots = column("origin_slot")?.i64().map_err(polars_bug)?.clone();
    let prev_slots = column("prev_slot")?.i64().map_err(polars_bug)?.clone();
    let owners = column("owners")?.list().map_err(polars_bug)?.clone();
    let prev_owners = column("prev_owners")?.list().map_err(polars_bug)?.clone();
    let texts = |list: Option<Series>| -> Result<Vec<String>> {
        let Some(list) = list else {
            return Ok(Vec::new());
        };
        let list = list.str().map_err(polars_bug)?.clone();
        Ok(list.iter().map(|v| v.unwrap_or("").to_string()).collect())
    };
    let in_reach = |slot: i64, origin: i64| max_age.is_none_or(|age| slot - origin <= age);
    let mut out = Vec::with_capacity(matched.height());
    for i in 0..matched.height() {
        let (Some(row), Some(slot)) = (rows.get(i), slots.get(i)) else {
            continue;
        };
        let mut found = Found {
            origin_ts: None,
            owner: None,
            candidates: Vec::new(),
            too_old: false,
        };
        let Some(origin) = origin_slots.get(i) else {
            out.push((row, found));
            continue;
        };
        if !in_reach(slot, origin) {
            found.too_old = true;
            out.push((row, found));
            continue;
        }
        found.origin_ts = Some(origin);
        let mut owners = texts(owners.get_as_series(i))?;
        if origin == slot && prev_slots.get(i).is_some_and(|p| in_reach(slot, p)) {
            owners.extend(texts(prev_owners.get_as_series(i))?);
        }
        owners.sort();
        owners.dedup();
        if owners.len() == 1 {
            found.owner = owners.pop().filter(|o| !o.is_empty());
        } else {
            found.candidates = owners.into_iter().filter(|o| !o.is_empty()).collect();
        }
        out.push((row, found));
    }
    Ok(out)
}
