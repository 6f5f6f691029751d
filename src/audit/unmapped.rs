//! Paths no page matches, and the routes suggested for them.

use anyhow::Result;
use polars::prelude::*;

use super::{Audit, Report, ReportKind};
use crate::frame::bits::any_set;
use crate::frame::cells;
use crate::frame::names::{OWNER_ID, PAGE_ID, REQUESTS, SUGGESTED_ROUTE, USER_ID, VIEWER_ID};
use crate::frame::OrBug;
use crate::inventory::suggest_route;

impl Audit<'_> {
    /// The blind spots by route: one row per suggested route, with the unmapped paths it
    /// covers (`paths`), their `requests`, those served to someone other than the owner
    /// (`cross_user`), and how many owners had a page served so (`owners_cross_user`);
    /// most requested first. The per-path rows are `unmapped_paths`.
    pub fn unmapped(&self) -> Result<Report> {
        let w = self.weight();
        let rows = self.enriched()?.filter(col(PAGE_ID).is_null());
        let paths = rows
            .clone()
            .select([col("norm_path")])
            .unique(None, UniqueKeepStrategy::Any)
            .collect()
            .or_bug()?;
        let routes: Vec<Option<String>> = paths
            .column("norm_path")
            .and_then(|c| c.str())
            .or_bug()?
            .iter()
            .map(|p| p.map(suggest_route))
            .collect();
        let mut paths = paths;
        paths
            .with_column(Column::new(SUGGESTED_ROUTE.into(), routes))
            .or_bug()?;
        let df = rows
            .join(
                paths.lazy(),
                [col("norm_path")],
                [col("norm_path")],
                JoinArgs::new(JoinType::Inner),
            )
            .group_by([col(SUGGESTED_ROUTE)])
            .agg([
                col("norm_path")
                    .n_unique()
                    .cast(DataType::UInt64)
                    .alias("paths"),
                w.rows().alias(REQUESTS),
                w.count(col("cross")).alias("cross_user"),
                col(OWNER_ID)
                    .filter(col("cross"))
                    .n_unique()
                    .cast(DataType::UInt64)
                    .alias("owners_cross_user"),
            ])
            .sort_by_exprs(
                [col(REQUESTS), col(SUGGESTED_ROUTE)],
                SortMultipleOptions::default().with_order_descending_multi([true, false]),
            )
            .collect()
            .or_bug()?;
        Ok(Report {
            kind: ReportKind::Unmapped,
            df,
        })
    }

    /// Unmapped normalised paths, one row each: requests descending, then path
    /// (`report unmapped --by path`).
    pub fn unmapped_paths(&self) -> Result<Report> {
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
            .or_bug()?;
        let paths = df.column("norm_path").or_bug()?.str().or_bug()?;
        let suggested: Vec<Option<String>> = paths.iter().map(|p| p.map(suggest_route)).collect();
        let mut df = df;
        df.with_column(Column::new(SUGGESTED_ROUTE.into(), suggested))
            .or_bug()?;
        df.rename("norm_path", "path".into()).or_bug()?;
        Ok(Report {
            kind: ReportKind::Unmapped,
            df,
        })
    }
}

/// The blind spots' people: the distinct owners of responses served cross-user on pages
/// the inventory does not cover (their data may have been seen, but which fields is
/// unknown), and how many of them are not among the people counted as exposed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BlindSpots {
    pub owners: u64,
    pub owners_not_counted: u64,
}

impl Audit<'_> {
    /// The blind spots' owners, against the users frame's exposed people. Only the
    /// unmapped rows are read (filtered on the path codes).
    pub fn blind_spots_from(&self, users: &DataFrame) -> Result<BlindSpots> {
        let rows = self.rows_where(
            col(PAGE_ID).is_null(),
            Some(&[OWNER_ID, VIEWER_ID]),
            false,
            &[],
        )?;
        let words = super::words(self.inventory);
        let exposed = users
            .clone()
            .lazy()
            .filter(any_set("exp", words))
            .select([col(USER_ID).alias(OWNER_ID), lit(true).alias("counted")]);
        let df = rows
            .lazy()
            .filter(super::cross())
            .select([col(OWNER_ID)])
            .unique(None, UniqueKeepStrategy::Any)
            .join(
                exposed,
                [col(OWNER_ID)],
                [col(OWNER_ID)],
                super::left_join(JoinValidation::OneToOne),
            )
            .select([
                len().cast(DataType::UInt64).alias("owners"),
                col("counted")
                    .is_null()
                    .sum()
                    .cast(DataType::UInt64)
                    .alias("not_counted"),
            ])
            .collect()
            .or_bug()?;
        Ok(BlindSpots {
            owners: cells::number(&df, "owners", 0)?,
            owners_not_counted: cells::number(&df, "not_counted", 0)?,
        })
    }
}
