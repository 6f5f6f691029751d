//! Which rows disclosed what: the personal pages' rows, with the registered table joined
//! per owner and each row's disclosed-fields mask.

use anyhow::Result;
use polars::prelude::*;

use super::{cross, left_join, words, Audit};
use crate::frame::bits::any_set;
use crate::frame::bits::mask_name;
use crate::frame::bits::mask_names;
use crate::frame::bits::word_bits;
use crate::frame::names::{OWNER_ID, PAGE_ID};

impl Audit<'_> {
    /// Only the rows that disclose a field: rows on pages that render none (public pages,
    /// unmapped paths) are dropped before the registered table is joined. What per-user
    /// figures are computed from.
    pub fn disclosing(&self) -> Result<LazyFrame> {
        let words = words(self.inventory);
        let mut columns = vec![PAGE_ID.to_string()];
        columns.extend(mask_names("pm", words));
        let personal = self.with_paths(&columns)?.filter(any_set("pm", words));
        let log_columns: Vec<&str> = self
            .log
            .df
            .get_column_names()
            .into_iter()
            .map(|c| c.as_str())
            .collect();
        let personal = self.with_related_rows(personal, &columns, &log_columns)?;
        Ok(self.with_disclosure(personal).filter(col("disclosed")))
    }

    /// Joins the owner's registered fields (`reg*`, absent = every field) and computes the
    /// disclosed fields `dm* = pm* & reg*`.
    pub(super) fn with_registration(&self, mut lf: LazyFrame) -> LazyFrame {
        let words = words(self.inventory);
        let mut masks = Vec::with_capacity(words);
        match self.registered_table() {
            Some(table) => {
                lf = lf.join(
                    table,
                    [col(OWNER_ID)],
                    [col(OWNER_ID)],
                    left_join(JoinValidation::ManyToOne),
                );
                for w in 0..words {
                    let all = word_bits(self.inventory.fields.len(), w, |_| true);
                    let reg = col(mask_name("reg", w)).fill_null(lit(all));
                    masks.push(col(mask_name("pm", w)).and(reg).alias(mask_name("dm", w)));
                }
            }
            None => {
                for w in 0..words {
                    masks.push(col(mask_name("pm", w)).alias(mask_name("dm", w)));
                }
                masks.push(lit(true).alias("in_registered"));
            }
        }
        lf.with_columns(masks)
    }

    pub(super) fn with_disclosure(&self, lf: LazyFrame) -> LazyFrame {
        let words = words(self.inventory);
        self.with_registration(lf)
            .with_column(cross().alias("cross"))
            .with_column(any_set("dm", words).alias("disclosed"))
            .with_column(col("cross").and(col("disclosed")).alias("exposure"))
    }
}
