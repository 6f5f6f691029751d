//! Per-field figures: how many people had each field exposed, by tier.

use anyhow::Result;
use polars::prelude::*;

use super::{Audit, Report, ReportKind};
use crate::frame::bits::bit_set;
use crate::frame::bits::mask_name;
use crate::frame::cells;
use crate::frame::names::{EXPOSURES, FIELD_ID, USERS_EXPOSED};
use crate::frame::polars_bug;

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
        let per_user = users.lazy().select(counts).collect().map_err(polars_bug)?;
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
                .map_err(polars_bug)?
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
        .map_err(polars_bug)?;
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
            .map_err(polars_bug)?;
        self.users_from(&df)
    }
}
