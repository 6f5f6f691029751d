//! People exposed per country of residence, when the registered table has a `country`
//! column: a GDPR notification goes to the authority of each member state concerned.

use anyhow::Result;
use polars::prelude::*;

use super::{left_join, words, Audit};
use crate::frame::bits::any_set;
use crate::frame::cells;
use crate::frame::names::{OWNER_ID, USER_ID};
use crate::frame::OrBug;
use crate::ingest::country::COUNTRY;

/// People per country of residence: (ISO 3166-1 alpha-2 code, or None when not on file;
/// people).
pub type PeopleByCountry = Vec<(Option<String>, u64)>;

impl Audit<'_> {
    /// People whose data someone else saw, per country (None: no country on file, or
    /// absent from the registered table), most people first, then by code; None without a
    /// `country` column.
    pub fn people_by_country_from(&self, users: &DataFrame) -> Result<Option<PeopleByCountry>> {
        let Some(countries) = self.registered.and_then(|r| r.countries.as_ref()) else {
            return Ok(None);
        };
        let df = users
            .clone()
            .lazy()
            .filter(any_set("exp", words(self.inventory)))
            .select([col(USER_ID).alias(OWNER_ID)])
            .join(
                countries.clone().lazy(),
                [col(OWNER_ID)],
                [col(OWNER_ID)],
                left_join(JoinValidation::OneToOne),
            )
            .group_by([col(COUNTRY)])
            .agg([len().cast(DataType::UInt64).alias("people")])
            .sort_by_exprs(
                [col("people"), col(COUNTRY)],
                SortMultipleOptions::default()
                    .with_order_descending_multi([true, false])
                    .with_nulls_last(true),
            )
            .collect()
            .or_bug()?;
        let codes = df.column(COUNTRY).or_bug()?.str().or_bug()?.clone();
        (0..df.height())
            .map(|row| {
                Ok((
                    codes.get(row).map(str::to_string),
                    cells::number(&df, "people", row)?,
                ))
            })
            .collect::<Result<Vec<_>>>()
            .map(Some)
    }
}
