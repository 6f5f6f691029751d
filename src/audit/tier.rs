//! The notice tiers and the notice-priority order of the users frame.

use anyhow::Result;
use polars::prelude::*;

use crate::frame::names::{DISTINCT_VIEWERS, EXPOSURES, OWNER_ID, TIER_RANK};
use crate::frame::OrBug;

/// A user's notice tier, in notice-priority order: a direct-notice field was seen by
/// someone else (`Direct`), another field was (`Notice`), or a field was only viewable
/// (`Potential`). In frames the tier is its name (`tier`) and its rank (`tier_rank`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    Direct,
    Notice,
    Potential,
}

impl Tier {
    /// Every tier, in notice-priority order (rank 0 first).
    pub const ALL: [Tier; 3] = [Tier::Direct, Tier::Notice, Tier::Potential];

    /// The tier's name in reports, letters and on screen.
    pub fn name(self) -> &'static str {
        match self {
            Tier::Direct => "direct",
            Tier::Notice => "notice",
            Tier::Potential => "potential",
        }
    }

    /// The tier's rank: 0 is told first.
    pub fn rank(self) -> u8 {
        self as u8
    }

    /// The tier named `name` (as `name` writes it).
    pub fn from_name(name: &str) -> Option<Tier> {
        Tier::ALL.into_iter().find(|t| t.name() == name)
    }

    /// The `tier` column's value from the `tier_rank` column.
    pub(super) fn name_of_rank(rank: Expr) -> Expr {
        let [direct, notice, potential] = Tier::ALL;
        when(rank.clone().eq(lit(direct.rank())))
            .then(lit(direct.name()))
            .when(rank.eq(lit(notice.rank())))
            .then(lit(notice.name()))
            .otherwise(lit(potential.name()))
    }
}

/// The users frame in notice-priority order: tier, then most distinct viewers, then most
/// exposures, then user id. Sorted here on the four columns' values: polars' sort on
/// them took 16 ms for 54,000 users, most of it encoding the rows for comparison.
pub(super) fn in_notice_order(users: &DataFrame) -> Result<DataFrame> {
    let column = |name: &str| users.column(name).or_bug();
    let number = |name: &str| -> Result<Vec<i64>> {
        Ok(column(name)?
            .cast(&DataType::Int64)
            .or_bug()?
            .i64()
            .or_bug()?
            .iter()
            .map(|v| v.unwrap_or(0))
            .collect())
    };
    let (tier, viewers, exposures) = (
        number(TIER_RANK)?,
        number(DISTINCT_VIEWERS)?,
        number(EXPOSURES)?,
    );
    let owners = column(OWNER_ID)?;
    let owners: Vec<&str> = owners
        .str()
        .or_bug()?
        .iter()
        .map(|v| v.unwrap_or(""))
        .collect();
    let mut order: Vec<IdxSize> = (0..users.height() as IdxSize).collect();
    order.sort_unstable_by(|&a, &b| {
        let (a, b) = (a as usize, b as usize);
        tier[a]
            .cmp(&tier[b])
            .then(viewers[b].cmp(&viewers[a]))
            .then(exposures[b].cmp(&exposures[a]))
            .then(owners[a].cmp(owners[b]))
    });
    users.take(&IdxCa::from_vec("order".into(), order)).or_bug()
}
