//! Per-page figures, and the users of one page.

use anyhow::Result;
use polars::prelude::*;

use super::users::{distinct_viewers, exposure_aggs, field_list};
use super::{left_join, words, Audit, Report};
use crate::frame::polars_bug;

impl Audit<'_> {
    /// Per inventory page, in inventory order.
    pub fn pages(&self) -> Result<Report> {
        let w = self.weight();
        let stats = self
            .enriched()?
            .filter(col("page_id").is_not_null())
            .group_by([col("page_id")])
            .agg([
                w.rows().alias("requests"),
                w.count(col("exposure")).alias("exposures"),
                col("owner_id")
                    .filter(col(self.own_exposure()))
                    .n_unique()
                    .cast(DataType::UInt32)
                    .alias("owners_exposed"),
                distinct_viewers(w).alias("viewers"),
            ]);
        let pages = self.page_table()?;
        let df = pages
            .lazy()
            .join(
                stats,
                [col("page_id")],
                [col("page_id")],
                left_join(JoinValidation::OneToOne),
            )
            .sort(["order"], SortMultipleOptions::default())
            .select([
                col("page_id"),
                col("route"),
                col("requests").fill_null(lit(0u32)),
                col("exposures").fill_null(lit(0u32)),
                col("owners_exposed").fill_null(lit(0u32)),
                col("viewers").fill_null(lit(0u32)),
                col("fields"),
            ])
            .collect()
            .map_err(polars_bug)?;
        Ok(Report { kind: "pages", df })
    }

    /// The inventory's pages as a frame: order, page_id, route, fields (sorted ids).
    fn page_table(&self) -> Result<DataFrame> {
        let inventory = self.inventory;
        let n = inventory.pages.len();
        let fields: Vec<Series> = inventory
            .pages
            .iter()
            .map(|p| {
                let mut ids: Vec<&str> = p
                    .fields
                    .iter()
                    .map(|&i| inventory.fields[i].id.as_str())
                    .collect();
                ids.sort_unstable();
                Series::new("".into(), ids)
            })
            .collect();
        let fields = if fields.is_empty() {
            Series::new_empty("fields".into(), &DataType::List(Box::new(DataType::String)))
        } else {
            Series::new("fields".into(), fields)
        };
        DataFrame::new(
            n,
            vec![
                Column::new("order".into(), (0..n as u32).collect::<Vec<_>>()),
                Column::new(
                    "page_id".into(),
                    inventory
                        .pages
                        .iter()
                        .map(|p| p.id.as_str())
                        .collect::<Vec<_>>(),
                ),
                Column::new(
                    "route".into(),
                    inventory
                        .pages
                        .iter()
                        .map(|p| p.route_text.as_str())
                        .collect::<Vec<_>>(),
                ),
                fields.into(),
            ],
        )
        .map_err(polars_bug)
    }

    /// The owners exposed through one page, most exposures first: `user_id`, `exposures`,
    /// `distinct_viewers`, `exposed_fields` (what this page showed of them), `first_exposed`,
    /// `last_exposed`.
    pub fn page_users(&self, page_id: &str) -> Result<DataFrame> {
        self.disclosing()?
            .filter(col("page_id").eq(lit(page_id)).and(col("exposure")))
            .group_by([col("owner_id")])
            .agg(exposure_aggs(words(self.inventory), self.weight()))
            .with_columns([
                col("owner_id").alias("user_id"),
                field_list(self.inventory, "exp")?.alias("exposed_fields"),
            ])
            .sort_by_exprs(
                [col("exposures"), col("distinct_viewers"), col("user_id")],
                SortMultipleOptions::default().with_order_descending_multi([true, true, false]),
            )
            .select([
                col("user_id"),
                col("exposures"),
                col("distinct_viewers"),
                col("exposed_fields"),
                col("first_exposed"),
                col("last_exposed"),
            ])
            .collect()
            .map_err(polars_bug)
    }
}
