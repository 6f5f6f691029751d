//! Per-page figures, and the users of one page.

use anyhow::Result;
use polars::prelude::*;

use super::users::{distinct_viewers, exposure_aggs, field_list};
use super::{left_join, words, Audit, Report, ReportKind};
use crate::frame::names::{
    DISTINCT_VIEWERS, EXPOSED_FIELDS, EXPOSURES, FIRST_EXPOSED, LAST_EXPOSED, OWNER_ID, PAGE_ID,
    REQUESTS, USER_ID,
};
use crate::frame::OrBug;

impl Audit<'_> {
    /// Per inventory page, in inventory order.
    pub fn pages(&self) -> Result<Report> {
        let w = self.weight();
        let stats = self
            .enriched()?
            .filter(col(PAGE_ID).is_not_null())
            .group_by([col(PAGE_ID)])
            .agg([
                w.rows().alias(REQUESTS),
                w.count(col("exposure")).alias(EXPOSURES),
                self.owners_exposed().alias("owners_exposed"),
                distinct_viewers(w).alias("viewers"),
            ]);
        let pages = self.page_table()?;
        let df = pages
            .lazy()
            .join(
                stats,
                [col(PAGE_ID)],
                [col(PAGE_ID)],
                left_join(JoinValidation::OneToOne),
            )
            .sort(["order"], SortMultipleOptions::default())
            .select([
                col(PAGE_ID),
                col("route"),
                col(REQUESTS).fill_null(lit(0u64)),
                col(EXPOSURES).fill_null(lit(0u64)),
                col("owners_exposed").fill_null(lit(0u64)),
                col("viewers").fill_null(lit(0u64)),
                col("fields"),
            ])
            .collect()
            .or_bug()?;
        Ok(Report {
            kind: ReportKind::Pages,
            df,
        })
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
                    PAGE_ID.into(),
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
        .or_bug()
    }

    /// The owners exposed through one page, most exposures first: `user_id`, `exposures`,
    /// `distinct_viewers`, `exposed_fields` (what this page showed of them), `first_exposed`,
    /// `last_exposed`.
    pub fn page_users(&self, page_id: &str) -> Result<DataFrame> {
        self.disclosing()?
            .filter(col(PAGE_ID).eq(lit(page_id)).and(col("exposure")))
            .group_by([col(OWNER_ID)])
            .agg(exposure_aggs(words(self.inventory), self.weight()))
            .with_columns([
                col(OWNER_ID).alias(USER_ID),
                field_list(self.inventory, "exp")?.alias(EXPOSED_FIELDS),
            ])
            .sort_by_exprs(
                [col(EXPOSURES), col(DISTINCT_VIEWERS), col(USER_ID)],
                SortMultipleOptions::default().with_order_descending_multi([true, true, false]),
            )
            .select([
                col(USER_ID),
                col(EXPOSURES),
                col(DISTINCT_VIEWERS),
                col(EXPOSED_FIELDS),
                col(FIRST_EXPOSED),
                col(LAST_EXPOSED),
            ])
            .collect()
            .or_bug()
    }
}
