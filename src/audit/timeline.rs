//! Exposures per minute over the window.

use anyhow::Result;
use polars::prelude::*;

use super::{Audit, Report, ReportKind};
use crate::frame::names::{EXPOSURES, REQUESTS, USERS_EXPOSED};
use crate::frame::OrBug;

impl Audit<'_> {
    /// Per minute with traffic.
    pub fn timeline(&self) -> Result<Report> {
        if !self.has_timeline() {
            return Err(crate::error::InputError::usage(
                "the timeline needs each response's minute, which this aggregated log does not keep: \
                 aggregate per minute (a `minute` column, see sql/aggregate_exposure.sql), or use the raw log",
            )
            .into());
        }
        let w = self.weight();
        let minute = match self.log.weighted {
            true => col("minute"),
            false => col("ts").dt().truncate(lit("1m")).alias("minute"),
        };
        let df = self
            .enriched()?
            .with_column(minute)
            .group_by([col("minute")])
            .agg([
                w.rows().alias(REQUESTS),
                w.count(col("exposure")).alias(EXPOSURES),
                self.owners_exposed().alias(USERS_EXPOSED),
            ])
            .sort(["minute"], SortMultipleOptions::default())
            .collect()
            .or_bug()?;
        Ok(Report {
            kind: ReportKind::Timeline,
            df,
        })
    }

    /// The timeline, or an empty one when the log cannot give it (the TUI says why in its
    /// warnings).
    pub fn timeline_or_empty(&self) -> Result<Report> {
        if self.has_timeline() {
            return self.timeline();
        }
        let utc = crate::frame::utc_micros();
        let df = DataFrame::new(
            0,
            vec![
                Column::new_empty("minute".into(), &utc),
                Column::new_empty(REQUESTS.into(), &DataType::UInt64),
                Column::new_empty(EXPOSURES.into(), &DataType::UInt64),
                Column::new_empty(USERS_EXPOSED.into(), &DataType::UInt64),
            ],
        )
        .or_bug()?;
        Ok(Report {
            kind: ReportKind::Timeline,
            df,
        })
    }

    /// Whether the log keeps each response's minute: a raw log, or a weighted one per minute.
    pub fn has_timeline(&self) -> bool {
        !self.log.weighted || self.log.minutes
    }
}
