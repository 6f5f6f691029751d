//! Attribution: each cached response joined, per cache key, to the latest origin response
//! at or before it (or to the origin request its id names), and the counts.

use std::borrow::Cow;

use anyhow::Result;
use polars::prelude::*;

use super::dict::{Dict, Dicts};
use super::{Attribution, CacheKey, Counts, Options, Reason, ATTRIBUTION, CACHE_NODE};
use crate::frame::cells;
use crate::frame::names::{CACHE_STATUS, ORIGIN_TS, OWNER_ID, VIEWER_ID};
use crate::frame::utc_micros;
use crate::frame::OrBug;
use crate::inventory::normalise_path;

/// The cache key of a raw path (the host, when the key has it, is keyed apart).
pub fn cache_key(raw: &str, key: CacheKey) -> Cow<'_, str> {
    let path = normalise_path(raw);
    match key.without_host() {
        CacheKey::Path | CacheKey::HostPath => path,
        CacheKey::PathQuery | CacheKey::HostPathQuery => {
            let before_fragment = raw.split('#').next().unwrap_or(raw);
            match before_fragment.split_once('?') {
                Some((_, query)) if !query.is_empty() => Cow::Owned(format!("{path}?{query}")),
                _ => path,
            }
        }
    }
}

/// Each distinct path's cache key as a number, and each host's number lower-cased (CDNs
/// compare hosts in any case): made once per log (a log has millions of distinct paths)
/// and used by every partition and piece derived.
pub(super) struct KeyTable {
    has_host: bool,
    of_path: Vec<u32>,
    host_of: Vec<u32>,
}

impl KeyTable {
    pub fn new(key: CacheKey, dicts: &Dicts) -> KeyTable {
        let mut by_key: PlHashMap<Cow<str>, u32> = PlHashMap::default();
        let of_path = dicts
            .path
            .values()
            .map(|path| {
                let next = by_key.len() as u32;
                *by_key.entry(cache_key(path, key)).or_insert(next)
            })
            .collect();
        let host_of = match key.has_host() {
            true => lower_numbers(&dicts.host),
            false => Vec::new(),
        };
        KeyTable {
            has_host: key.has_host(),
            of_path,
            host_of,
        }
    }
}

/// Each host's number among the hosts lower-cased.
fn lower_numbers(hosts: &Dict) -> Vec<u32> {
    let mut lower: PlHashMap<String, u32> = PlHashMap::default();
    hosts
        .values()
        .map(|h| {
            let next = lower.len() as u32;
            *lower.entry(h.to_ascii_lowercase()).or_insert(next)
        })
        .collect()
}

/// The (host, key) and (node, key) pairs numbered so far: numbers are dense from 0 in the
/// order rows come (the stores are tables indexed by them).
#[derive(Default)]
pub(super) struct Pairs {
    hosts: PlHashMap<(Option<u32>, u32), u32>,
    nodes: PlHashMap<(Option<u32>, u32), u32>,
}

/// Each row's `tier_key`, a number per cache key (with the host's number when the key has
/// it), and `key`, a number per (node, cache key).
fn key_numbers(
    df: &DataFrame,
    table: &KeyTable,
    pairs: &mut Pairs,
) -> Result<(Vec<u32>, Vec<u32>)> {
    let codes = df.column("path").or_bug()?.u32().or_bug()?;
    let mut keys: Vec<u32> = codes
        .iter()
        .map(|code| code.map_or(0, |c| table.of_path[c as usize]))
        .collect();
    if table.has_host {
        if let Ok(hosts) = df.column("host") {
            for (key, host) in keys.iter_mut().zip(hosts.u32().or_bug()?.iter()) {
                let host = host.map(|h| table.host_of[h as usize]);
                let next = pairs.hosts.len() as u32;
                *key = *pairs.hosts.entry((host, *key)).or_insert(next);
            }
        }
    }
    let nodes = df.column(CACHE_NODE).or_bug()?.u32().or_bug()?;
    let per_node = keys
        .iter()
        .zip(nodes.iter())
        .map(|(&key, node)| {
            let next = pairs.nodes.len() as u32;
            *pairs.nodes.entry((node, key)).or_insert(next)
        })
        .collect();
    Ok((keys, per_node))
}

/// Adds `tier_key` and `key` (`key_numbers`) to rows, numbering pairs on from `pairs`
/// (kept across frames that are one set of stores, fresh for each that is its own).
pub(super) fn with_cache_keys(
    mut df: DataFrame,
    table: &KeyTable,
    pairs: &mut Pairs,
) -> Result<DataFrame> {
    let (tier, key) = key_numbers(&df, table, pairs)?;
    df.with_column(Column::new("tier_key".into(), tier))
        .or_bug()?;
    df.with_column(Column::new("key".into(), key)).or_bug()?;
    Ok(df)
}

/// The rule: an origin response is its viewer's page; a cached one is the page of the
/// origin response it came from, found by `--origin-id`, or else as the latest origin
/// response for the same key at or before it (an origin at the same instant counts as
/// before; among several at that instant, the last in the log), if not older than
/// `--max-age`. The joins carry row numbers, not strings: the owner is the viewer of the
/// origin row, gathered once at the end.
pub(super) fn attribute(rows: LazyFrame, options: &Options) -> Result<LazyFrame> {
    // The row whose viewer owns this row's page, if it were an origin response: its own,
    // unless its viewer is unidentified (an unidentified visitor's page is nobody's).
    let unidentified = col("unidentified");
    let rows = rows.with_column(
        when(unidentified)
            .then(lit(NULL).cast(IDX_DTYPE))
            .otherwise(col("row"))
            .alias("own_row"),
    );
    let origins = rows.clone().filter(col("is_origin"));
    let joined = match &options.origin_id {
        Some(_) => {
            let origins = origins.filter(col("origin_id").is_not_null()).select([
                col("origin_id"),
                col("ts").alias(ORIGIN_TS),
                col("own_row").alias("origin_owner_row"),
            ]);
            let args = JoinArgs {
                validation: JoinValidation::ManyToOne,
                maintain_order: MaintainOrderJoin::Left,
                ..JoinArgs::new(JoinType::Left)
            };
            rows.join(origins, [col("origin_id")], [col("origin_id")], args)
        }
        None => with_latest_origin(rows)?,
    };
    let age = col("ts").cast(DataType::Int64) - col(ORIGIN_TS).cast(DataType::Int64);
    let fresh = match options.max_age {
        Some(max) => age.lt_eq(lit(max)),
        None => lit(true),
    };
    let found = col(ORIGIN_TS)
        .is_not_null()
        .and(fresh.clone())
        .and(col("no_page").not());
    let owner_row = when(col("is_origin"))
        .then(col("own_row"))
        .when(found.clone())
        .then(col("origin_owner_row"))
        .otherwise(lit(NULL).cast(IDX_DTYPE));
    Ok(joined.select([
        col("row"),
        col("ts"),
        col("path"),
        col(VIEWER_ID).gather(owner_row, false).alias(OWNER_ID),
        col(VIEWER_ID),
        col(CACHE_STATUS),
        when(col("is_origin"))
            .then(col("ts"))
            .when(found.clone())
            .then(col(ORIGIN_TS))
            .otherwise(lit(NULL).cast(utc_micros()))
            .alias(ORIGIN_TS),
        col(CACHE_NODE),
        col("source"),
        when(col("no_page"))
            .then(lit(Attribution::NoPage as u32))
            .when(col("is_origin"))
            .then(lit(Attribution::Origin as u32))
            .when(found.clone())
            .then(lit(Attribution::Cached as u32))
            .otherwise(lit(Attribution::Unattributed as u32))
            .cast(DataType::UInt32)
            .alias(ATTRIBUTION),
        col("is_origin"),
        col("no_page"),
        col("is_origin")
            .not()
            .and(col("no_page").not())
            .and(col(ORIGIN_TS).is_not_null())
            .and(fresh.clone().not())
            .alias("too_old"),
        when(col("is_origin").or(col("no_page")).or(found))
            .then(lit(Reason::None as u32))
            .when(col(ORIGIN_TS).is_not_null().and(fresh.not()))
            .then(lit(Reason::TooOld as u32))
            .otherwise(lit(Reason::NoFill as u32))
            .cast(DataType::UInt32)
            .alias("reason"),
    ]))
}

/// A backward as-of join by cache key: each row with the latest right row of its key at or
/// before it (both sides in time order within each key).
pub(super) fn latest_by_key() -> JoinArgs {
    let asof = AsOfOptions {
        strategy: AsofStrategy::Backward,
        tolerance: None,
        tolerance_str: None,
        left_by: Some(vec!["key".into()]),
        right_by: Some(vec!["key".into()]),
        allow_eq: true,
        check_sortedness: false,
    };
    JoinArgs::new(JoinType::AsOf(Box::new(asof)))
}

/// Adds, to every row, `origin_ts` and `origin_owner_row` of the latest origin response
/// for its cache key at or before it (an as-of join, backward, by key). Only the cached
/// responses are looked up (a fifth of the rows in the generated incident): an origin
/// response's own page is its own. The matches are then put back at their rows.
fn with_latest_origin(rows: LazyFrame) -> Result<LazyFrame> {
    let rows = rows.collect().or_bug()?;
    let origins = rows.clone().lazy().filter(col("is_origin")).select([
        col("ts").alias(ORIGIN_TS),
        col("key"),
        col("own_row").alias("origin_owner_row"),
    ]);
    let cached = rows.clone().lazy().filter(col("is_origin").not()).select([
        col("row"),
        col("ts"),
        col("key"),
    ]);
    let matched = {
        cached
            .join(origins, [col("ts")], [col(ORIGIN_TS)], latest_by_key())
            .select([
                col("row"),
                col(ORIGIN_TS).cast(DataType::Int64),
                col("origin_owner_row"),
            ])
    }
    .collect()
    .or_bug()?;
    // Put back at their rows: the values in place, and a mask of the rows left empty (no
    // origin; or an origin whose viewer is unidentified, which owns no page).
    let column = |name: &str| matched.column(name).or_bug();
    let n = rows.height();
    let (mut origin_ts, mut owner_row) = (vec![0i64; n], vec![0 as IdxSize; n]);
    let (mut no_origin, mut no_owner) = (vec![true; n], vec![true; n]);
    let at = column("row")?.idx().or_bug()?;
    let ts = column(ORIGIN_TS)?.i64().or_bug()?;
    let owner = column("origin_owner_row")?.idx().or_bug()?;
    for ((row, ts), owner) in at.iter().zip(ts.iter()).zip(owner.iter()) {
        let Some(row) = row.map(|r| r as usize) else {
            continue;
        };
        if let Some(ts) = ts {
            origin_ts[row] = ts;
            no_origin[row] = false;
        }
        if let Some(owner) = owner {
            owner_row[row] = owner;
            no_owner[row] = false;
        }
    }
    let empty_where = |mask: Vec<bool>| BooleanChunked::from_slice("empty".into(), &mask);
    let origin_ts = Int64Chunked::from_vec(ORIGIN_TS.into(), origin_ts)
        .set(&empty_where(no_origin), None)
        .or_bug()?
        .into_column()
        .cast(&utc_micros())
        .or_bug()?;
    let owner_row = IdxCa::from_vec("origin_owner_row".into(), owner_row)
        .set(&empty_where(no_owner), None)
        .or_bug()?
        .into_column();
    let mut rows = rows;
    rows.with_column(origin_ts).or_bug()?;
    rows.with_column(owner_row).or_bug()?;
    Ok(rows.lazy())
}

pub(super) fn counts(df: &DataFrame) -> Result<Counts> {
    let sums = df.clone().lazy().select(count_exprs()).collect().or_bug()?;
    counts_of(&sums, 0)
}

/// The counts of each cache node (its name; `""` for none), in the tables' order.
pub(super) fn counts_by_node(df: &DataFrame, dicts: &Dicts) -> Result<Vec<(String, Counts)>> {
    Ok(counts_by_node_code(df)?
        .into_iter()
        .map(|(node, c)| {
            (
                node.map_or(String::new(), |n| dicts.node.value(n).to_string()),
                c,
            )
        })
        .collect())
}

/// The counts of each cache node by its number (none first), in the tables' order.
pub(super) fn counts_by_node_code(df: &DataFrame) -> Result<Vec<(Option<u32>, Counts)>> {
    let sums = df
        .clone()
        .lazy()
        .group_by([col(CACHE_NODE)])
        .agg(count_exprs())
        .sort([CACHE_NODE], SortMultipleOptions::default())
        .collect()
        .or_bug()?;
    let nodes = sums.column(CACHE_NODE).or_bug()?.u32().or_bug()?.clone();
    let mut out = Vec::with_capacity(sums.height());
    for (row, node) in nodes.iter().enumerate() {
        out.push((node, counts_of(&sums, row)?));
    }
    Ok(out)
}

/// The sums `Counts` is made of.
fn count_exprs() -> Vec<Expr> {
    let is = |value: Attribution| {
        col(ATTRIBUTION)
            .eq(lit(value as u32))
            .sum()
            .cast(DataType::UInt64)
            .alias(value.name())
    };
    let why = |reason: Reason| {
        col("reason")
            .eq(lit(reason as u32))
            .sum()
            .cast(DataType::UInt64)
            .alias(reason.name())
    };
    vec![
        len().cast(DataType::UInt64).alias("responses"),
        is(Attribution::Origin),
        is(Attribution::Ambiguous),
        is(Attribution::Unattributed),
        is(Attribution::NoPage),
        col("too_old").sum().cast(DataType::UInt64).alias("too_old"),
        why(Reason::Clock),
        why(Reason::Tier),
        why(Reason::Status),
        why(Reason::TooMany),
    ]
}

fn counts_of(sums: &DataFrame, row: usize) -> Result<Counts> {
    let get = |name: &str| cells::number(sums, name, row);
    let responses = get("responses")?;
    let origin = get(Attribution::Origin.name())?;
    let no_page = get(Attribution::NoPage.name())?;
    Ok(Counts {
        responses,
        origin,
        cached: responses - origin - no_page,
        ambiguous: get(Attribution::Ambiguous.name())?,
        ambiguous_clock: get(Reason::Clock.name())?,
        ambiguous_tier: get(Reason::Tier.name())?,
        ambiguous_status: get(Reason::Status.name())?,
        unattributed: get(Attribution::Unattributed.name())?,
        too_old: get("too_old")?,
        too_many: get(Reason::TooMany.name())?,
        no_page,
    })
}
