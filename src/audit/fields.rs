//! Per-field figures: how many people had each field exposed, by tier.

use anyhow::Result;
use polars::prelude::*;

use super::{Audit, Report, ReportKind};
use crate::frame::bits::{any_bits, bit_set, mask_name, word_bits};
use crate::frame::cells;
use crate::frame::names::{EXPOSURES, FIELD_ID, TIER_RANK, USERS_EXPOSED};
use crate::frame::OrBug;

impl Audit<'_> {
    /// Per inventory field, in inventory order.
    pub fn fields(&self) -> Result<Report> {
        self.fields_from(&self.users_frame()?)
    }

    /// The `fields` report from an already computed users frame.
    pub fn fields_from(&self, users: &DataFrame) -> Result<Report> {
        let inventory = self.inventory;
        let users = users.clone();
        let mut counts = Vec::new();
        for (i, field) in inventory.fields.iter().enumerate() {
            let word = i / 64;
            counts.push(
                bit_set(&mask_name("exp", word), i)
                    .sum()
                    .alias(format!("ue_{}", field.id)),
            );
            counts.push(
                bit_set(&mask_name("pot", word), i)
                    .sum()
                    .alias(format!("up_{}", field.id)),
            );
        }
        let per_user = users.lazy().select(counts).collect().or_bug()?;
        let w = self.weight();
        let exposures_by_field: Vec<Expr> = inventory
            .fields
            .iter()
            .enumerate()
            .map(|(i, field)| {
                w.count(col("exposure").and(bit_set(&mask_name("dm", i / 64), i)))
                    .alias(format!("ex_{}", field.id))
            })
            .collect();
        let per_row = if exposures_by_field.is_empty() {
            DataFrame::empty()
        } else {
            self.disclosing()?
                .filter(col("exposure"))
                .select(exposures_by_field)
                .collect()
                .or_bug()?
        };
        let ids: Vec<&str> = inventory.fields.iter().map(|f| f.id.as_str()).collect();
        let counts = |df: &DataFrame, prefix: &str| -> Result<Vec<u64>> {
            ids.iter()
                .map(|id| cells::number(df, &format!("{prefix}{id}"), 0))
                .collect()
        };
        let df = DataFrame::new(
            ids.len(),
            vec![
                Column::new(FIELD_ID.into(), &ids),
                Column::new(
                    "label".into(),
                    inventory
                        .fields
                        .iter()
                        .map(|f| f.label.as_str())
                        .collect::<Vec<_>>(),
                ),
                Column::new(
                    "category".into(),
                    inventory
                        .fields
                        .iter()
                        .map(|f| f.category.as_str())
                        .collect::<Vec<_>>(),
                ),
                Column::new(
                    "direct_notice".into(),
                    inventory
                        .fields
                        .iter()
                        .map(|f| f.direct_notice)
                        .collect::<Vec<_>>(),
                ),
                Column::new(USERS_EXPOSED.into(), counts(&per_user, "ue_")?),
                Column::new("users_potential".into(), counts(&per_user, "up_")?),
                Column::new(EXPOSURES.into(), counts(&per_row, "ex_")?),
            ],
        )
        .or_bug()?;
        Ok(Report {
            kind: ReportKind::Fields,
            df,
        })
    }

    /// The `users` report restricted to users whose `field_id` was exposed, in
    /// notice-priority order, from an already computed users frame.
    pub fn field_users_from(&self, users: &DataFrame, field_id: &str) -> Result<Report> {
        let Some(i) = self.inventory.field_index(field_id) else {
            anyhow::bail!("no field {field_id:?} in the inventory");
        };
        let df = users
            .clone()
            .lazy()
            .filter(bit_set(&mask_name("exp", i / 64), i))
            .collect()
            .or_bug()?;
        self.users_from(&df)
    }
}

/// One field's people by how far its exposure went (the regulator report's chart).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FieldReach {
    /// Exposed, the user in the direct tier.
    pub exposed_direct: u64,
    /// Exposed, the user in the notice tier.
    pub exposed_notice: u64,
    /// Potential only: the field was viewable, never seen by someone else.
    pub viewable_only: u64,
}

impl FieldReach {
    /// People whose field was seen by someone else (`fields.users_exposed`).
    pub fn exposed(&self) -> u64 {
        self.exposed_direct + self.exposed_notice
    }
}

impl Audit<'_> {
    /// Per inventory field, in inventory order, its people by tier, from the users frame.
    pub fn field_reach_from(&self, users: &DataFrame) -> Result<Vec<FieldReach>> {
        let fields = &self.inventory.fields;
        if fields.is_empty() {
            return Ok(Vec::new());
        }
        let tier = |t: super::Tier| col(TIER_RANK).eq(lit(t.rank()));
        let mut sums = Vec::with_capacity(fields.len() * 3);
        for i in 0..fields.len() {
            let exp = bit_set(&mask_name("exp", i / 64), i);
            let pot = bit_set(&mask_name("pot", i / 64), i);
            let count = |e: Expr, name: String| e.cast(DataType::UInt64).sum().alias(name);
            sums.push(count(
                exp.clone().and(tier(super::Tier::Direct)),
                format!("d{i}"),
            ));
            sums.push(count(
                exp.clone().and(tier(super::Tier::Notice)),
                format!("n{i}"),
            ));
            sums.push(count(pot.and(exp.not()), format!("v{i}")));
        }
        let df = users.clone().lazy().select(sums).collect().or_bug()?;
        (0..fields.len())
            .map(|i| {
                Ok(FieldReach {
                    exposed_direct: cells::number(&df, &format!("d{i}"), 0)?,
                    exposed_notice: cells::number(&df, &format!("n{i}"), 0)?,
                    viewable_only: cells::number(&df, &format!("v{i}"), 0)?,
                })
            })
            .collect()
    }

    /// How many users had any of `fields` (inventory indices) exposed, from the users frame.
    pub fn users_exposed_any_from(&self, users: &DataFrame, fields: &[usize]) -> Result<u64> {
        if fields.is_empty() {
            return Ok(0);
        }
        let n = self.inventory.fields.len();
        let bits: Vec<u64> = (0..super::words(self.inventory))
            .map(|w| word_bits(n, w, |i| fields.contains(&i)))
            .collect();
        let df = users
            .clone()
            .lazy()
            .select([any_bits("exp", &bits)
                .cast(DataType::UInt64)
                .sum()
                .alias("n")])
            .collect()
            .or_bug()?;
        cells::number(&df, "n", 0)
    }
}
