//! Paths no page matches, and the routes suggested for them.

use anyhow::Result;
use polars::prelude::*;

use super::{Audit, Report, ReportKind};
use crate::frame::names::{PAGE_ID, REQUESTS};
use crate::frame::polars_bug;
use crate::inventory::suggest_route;

impl Audit<'_> {
    /// Unmapped normalised paths: requests descending, then path.
    pub fn unmapped(&self) -> Result<Report> {
        let w = self.weight();
        let df = self
            .enriched()?
            .filter(col(PAGE_ID).is_null())
            .group_by([col("norm_path")])
            .agg([
                w.rows().alias(REQUESTS),
                w.count(col("cross")).alias("cross_user"),
            ])
            .sort_by_exprs(
                [col(REQUESTS), col("norm_path")],
                SortMultipleOptions::default().with_order_descending_multi([true, false]),
            )
            .collect()
            .map_err(polars_bug)?;
        let paths = df
            .column("norm_path")
            .map_err(polars_bug)?
            .str()
            .map_err(polars_bug)?;
        let suggested: Vec<Option<String>> = paths.iter().map(|p| p.map(suggest_route)).collect();
        let mut df = df;
        df.with_column(Column::new("suggested_route".into(), suggested))
            .map_err(polars_bug)?;
        df.rename("norm_path", "path".into()).map_err(polars_bug)?;
        Ok(Report {
            kind: ReportKind::Unmapped,
            df,
        })
    }
}

/// The unmapped report grouped by suggested route, most requested first: `route`,
/// `paths` (distinct unmapped paths it covers), `requests`, `cross_user`.
pub fn suggested_routes(unmapped: &Report) -> Result<DataFrame> {
    unmapped
        .df
        .clone()
        .lazy()
        .group_by([col("suggested_route").alias("route")])
        .agg([
            len().cast(DataType::UInt64).alias("paths"),
            col(REQUESTS).sum().cast(DataType::UInt64),
            col("cross_user").sum().cast(DataType::UInt64),
        ])
        .sort_by_exprs(
            [col(REQUESTS), col("route")],
            SortMultipleOptions::default().with_order_descending_multi([true, false]),
        )
        .collect()
        .map_err(polars_bug)
}
