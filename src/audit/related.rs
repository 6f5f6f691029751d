//! Pages that show a related person's fields (the buyer's address on a seller's transaction
//! page). Each log row on such a page is joined to the relations table on its owner (and its
//! path and time, where the relation says), giving one row per related person whose data the
//! response rendered: `owner_id` becomes that person, `pm*` the fields the page shows of
//! them. Those rows then go through the same registration, exposure and aggregation stages
//! as the owner's own rows.
//!
//! `vb0` says through what a person's row disclosed: bit 0 their own page, bit k+1 the
//! inventory's relation k. Without a relations table none of this runs.

use anyhow::Result;
use polars::prelude::*;

use super::codes;
use super::{any_bits, mask_names, words, Audit};
use crate::exposure::polars_bug;
use crate::exposure::registered::mask_name;
use crate::exposure::Relations;
use crate::inventory::normalise_path;

/// The name of the via bit of a user's own page.
pub const OWN: &str = "own";

/// The via-bit column.
pub(super) const VIA: &str = "vb0";

impl<'a> Audit<'a> {
    /// Adds the relations table (`--relations`): pages' related fields then count.
    pub fn with_relations(mut self, relations: Option<&'a Relations>) -> Self {
        self.relations = relations;
        self
    }

    /// The relations table, when some page of the inventory shows related fields.
    pub(super) fn relating(&self) -> Option<&'a Relations> {
        self.relations.filter(|_| self.inventory.has_related())
    }

    /// The via names by bit: `own`, then the inventory's relation ids.
    pub fn via_names(&self) -> Vec<&str> {
        std::iter::once(OWN)
            .chain(self.inventory.relations.iter().map(|r| r.id.as_str()))
            .collect()
    }

    /// One row per page's related entry: `page_id`, `relation`, its fields `rm*` and via bit.
    fn related_pages(&self) -> Result<DataFrame> {
        let inventory = self.inventory;
        let words = words(inventory);
        let entries: Vec<(&str, &str, &Vec<usize>, usize)> = inventory
            .pages
            .iter()
            .flat_map(|p| {
                p.related.iter().map(move |r| {
                    (
                        p.id.as_str(),
                        inventory.relations[r.relation].id.as_str(),
                        &r.fields,
                        r.relation,
                    )
                })
            })
            .collect();
        let mut columns = vec![
            Column::new(
                "page_id".into(),
                entries.iter().map(|e| e.0).collect::<Vec<_>>(),
            ),
            Column::new(
                "relation".into(),
                entries.iter().map(|e| e.1).collect::<Vec<_>>(),
            ),
            Column::new(
                VIA.into(),
                entries
                    .iter()
                    .map(|e| 1u64 << (e.3 + 1))
                    .collect::<Vec<_>>(),
            ),
        ];
        for w in 0..words {
            let bits: Vec<u64> = entries
                .iter()
                .map(|e| super::word_bits(inventory, w, |i| e.2.contains(&i)))
                .collect();
            columns.push(Column::new(mask_name("rm", w).into(), bits));
        }
        DataFrame::new(entries.len(), columns).map_err(polars_bug)
    }

    /// The related people's rows, shaped like the owner's rows from `with_paths(columns)`
    /// (`pm*` are the fields the page shows of the related person) plus `row` (the log row)
    /// and `vb0`. A person linked to one row twice (two relations, or two transactions
    /// without a path) gets one row: counted once per row and field.
    ///
    /// A response served to the page's owner shows the related person's data as designed
    /// (the seller sees their buyer's address): such rows are given the related person as
    /// viewer, so they count as potential, never as an exposure. A relation linking a user to
    /// themselves is ignored (their own page is already counted as theirs).
    pub(super) fn related_rows(
        &self,
        columns: &[String],
        relations: &Relations,
        log_columns: &[&str],
    ) -> Result<LazyFrame> {
        let inventory = self.inventory;
        let words = words(inventory);
        let page_words = mask_words_pages(inventory);
        let pm = mask_names("pm", words);
        let pg = mask_names("pg", page_words);
        let mut need: Vec<String> = vec!["page_id".into(), "norm_path".into()];
        need.extend(pg.iter().cloned());
        for c in columns {
            if !need.contains(c) && !pm.contains(c) {
                need.push(c.clone());
            }
        }
        let pages_bits: Vec<u64> = (0..page_words)
            .map(|w| {
                inventory
                    .pages
                    .iter()
                    .enumerate()
                    .filter(|(i, p)| i / 64 == w && !p.related.is_empty())
                    .fold(0u64, |acc, (i, _)| acc | (1u64 << (i % 64)))
            })
            .collect();
        let table = |df: &DataFrame| {
            df.clone().lazy().select([
                col("relation").alias("rel_relation"),
                col("owner_id"),
                col("related_id"),
                col("path").alias("rel_path"),
                col("from").alias("rel_from"),
                col("to").alias("rel_to"),
            ])
        };
        let inner = JoinArgs::new(JoinType::Inner);
        let rows = self
            .related_page_rows(&need, &pages_bits)?
            .join(
                self.related_pages()?.lazy(),
                [col("page_id")],
                [col("page_id")],
                inner.clone(),
            )
            .collect()
            .map_err(polars_bug)?;
        // Only relations of these rows' owners can match, and of those tied to a path,
        // only the ones on these rows' paths: the rest of a large table is dropped by set
        // lookups in one pass on every core, normalising only the paths of those owners.
        let relevant = relevant_relations(&rows, &relations.df)?;
        let on_path = relevant
            .clone()
            .lazy()
            .filter(col("path").is_not_null())
            .collect()
            .map_err(polars_bug)?;
        let rows = rows.lazy();
        // Relations tied to one path join on owner and path, the others on the owner alone
        // (joining every relation on the owner, then filtering by path, would multiply the
        // rows). One text key each: a join on several text columns costs several times more.
        let key = |path: &str| concat_str([col("owner_id"), col(path)], "\u{1f}", false);
        let on_path = rows
            .clone()
            .with_column(key("norm_path").alias("rel_key"))
            .join(
                table(&on_path)
                    .with_column(key("rel_path").alias("rel_key"))
                    .drop(by_name(["owner_id", "rel_path"], true, false)),
                [col("rel_key")],
                [col("rel_key")],
                inner.clone(),
            )
            .drop(by_name(["rel_key"], true, false));
        let anywhere = rows.join(
            table(&relevant)
                .filter(col("rel_path").is_null())
                .drop(by_name(["rel_path"], true, false)),
            [col("owner_id")],
            [col("owner_id")],
            inner,
        );
        let valid = col("relation")
            .eq(col("rel_relation"))
            .and(
                col("rel_from")
                    .is_null()
                    .or(col("ts").gt_eq(col("rel_from"))),
            )
            .and(col("rel_to").is_null().or(col("ts").lt(col("rel_to"))))
            .and(col("related_id").neq(col("owner_id")));
        let rows = concat([on_path, anywhere], UnionArgs::default())
            .map_err(polars_bug)?
            .filter(valid)
            .with_column(
                when(col("viewer_id").eq(col("owner_id")))
                    .then(col("related_id"))
                    .otherwise(col("viewer_id"))
                    .alias("viewer_id"),
            )
            .with_column(col("related_id").alias("owner_id"));
        // Merged per (row, person): masks ORed, the rest is the row's.
        let mut aggs: Vec<Expr> = log_columns
            .iter()
            .filter(|c| **c != "owner_id")
            .map(|c| col(*c).first())
            .collect();
        for c in &need {
            aggs.push(col(c.as_str()).first());
        }
        for w in 0..words {
            aggs.push(
                col(mask_name("rm", w))
                    .bitwise_or()
                    .alias(mask_name("pm", w)),
            );
        }
        aggs.push(col(VIA).bitwise_or());
        let mut shape = vec![col("row")];
        shape.extend(log_columns.iter().map(|c| col(*c)));
        shape.extend(columns.iter().map(|c| col(c.as_str())));
        shape.push(col(VIA));
        Ok(rows
            .group_by([col("row"), col("owner_id")])
            .agg(aggs)
            .select(shape))
    }

    /// The log rows on pages that show related fields, with `row` (their position in the
    /// log) and the path columns `need`.
    fn related_page_rows(&self, need: &[String], pages_bits: &[u64]) -> Result<LazyFrame> {
        let df = self.rows_where(any_bits("pg", pages_bits), None, true, need)?;
        Ok(df.lazy())
    }

    /// The owner's rows (shaped by `with_paths(columns)`) with their related people's rows
    /// appended and `vb0` on both; unchanged without a relations table.
    pub(super) fn with_related_rows(
        &self,
        own: LazyFrame,
        columns: &[String],
        log_columns: &[&str],
    ) -> Result<LazyFrame> {
        let Some(relations) = self.relating() else {
            return Ok(own);
        };
        // Collected once: callers aggregate the result more than once.
        let related = self
            .related_rows(columns, relations, log_columns)?
            .drop(by_name(["row"], true, false))
            .collect()
            .map_err(polars_bug)?
            .lazy();
        // A literal is a dynamic integer until cast.
        let own = own.with_column(lit(1u64).cast(DataType::UInt64).alias(VIA));
        concat([own, related], UnionArgs::default()).map_err(polars_bug)
    }

    /// The enriched log's `exposure` widened to rows that exposed a related person, the
    /// owner's own kept as `own_exposure`; unchanged without a relations table. `lf` must
    /// carry the log's `row` index.
    pub(super) fn with_related_exposure(&self, lf: LazyFrame) -> Result<LazyFrame> {
        let Some(relations) = self.relating() else {
            return Ok(lf);
        };
        let columns = mask_names("pm", words(self.inventory));
        let exposed = self
            .with_disclosure(self.related_rows(
                &columns,
                relations,
                &["ts", "owner_id", "viewer_id"],
            )?)
            .filter(col("exposure"))
            .select([col("row")])
            .unique(None, UniqueKeepStrategy::Any)
            .with_column(lit(true).alias("related_exposure"));
        Ok(lf
            .join(
                exposed,
                [col("row")],
                [col("row")],
                super::left_join(JoinValidation::ManyToOne),
            )
            .with_columns([
                col("exposure").alias("own_exposure"),
                col("exposure")
                    .or(col("related_exposure").fill_null(lit(false)))
                    .alias("exposure"),
            ]))
    }

    /// The column that says a row exposed its owner (pages' and timeline's owner counts).
    pub(super) fn own_exposure(&self) -> &'static str {
        if self.relating().is_some() {
            "own_exposure"
        } else {
            "exposure"
        }
    }
}

/// The relations that can match `rows` (the log rows on pages with related fields, with
/// `owner_id` and `norm_path`): an owner of those rows, and no path or one of their paths;
/// paths normalised.
fn relevant_relations(rows: &DataFrame, relations: &DataFrame) -> Result<DataFrame> {
    let text = |df: &DataFrame, name: &str| -> Result<StringChunked> {
        Ok(df
            .column(name)
            .and_then(|c| c.str())
            .map_err(polars_bug)?
            .clone())
    };
    let (row_owners, row_paths) = (text(rows, "owner_id")?, text(rows, "norm_path")?);
    let owners: PlHashSet<&str> = row_owners.iter().flatten().collect();
    let paths: PlHashSet<&str> = row_paths.iter().flatten().collect();
    let (owner, path) = (text(relations, "owner_id")?, text(relations, "path")?);
    let ranges = codes::core_ranges(relations.height());
    let parts = codes::on_every_core(&ranges, |range| {
        let (start, len) = (range.start as i64, range.len());
        let (owner, path) = (owner.slice(start, len), path.slice(start, len));
        let mut keep = Vec::with_capacity(len);
        let mut kept_paths = StringChunkedBuilder::new("path".into(), len / 2);
        for (o, p) in owner.iter().zip(path.iter()) {
            if !o.is_some_and(|o| owners.contains(o)) {
                keep.push(false);
                continue;
            }
            match p {
                None => {
                    keep.push(true);
                    kept_paths.append_null();
                }
                Some(p) => {
                    let normalised = normalise_path(p);
                    let on_rows = paths.contains(normalised.as_ref());
                    keep.push(on_rows);
                    if on_rows {
                        kept_paths.append_value(normalised.as_ref());
                    }
                }
            }
        }
        (keep, kept_paths.finish())
    })?;
    let mut keep: Vec<bool> = Vec::with_capacity(relations.height());
    let mut kept_paths = StringChunked::full_null("path".into(), 0);
    for (part_keep, part_paths) in parts {
        keep.extend(part_keep);
        kept_paths.append_owned(part_paths).map_err(polars_bug)?;
    }
    let mut relevant = relations
        .filter(&BooleanChunked::from_slice("keep".into(), &keep))
        .map_err(polars_bug)?;
    relevant
        .with_column(kept_paths.into_column())
        .map_err(polars_bug)?;
    Ok(relevant)
}

fn mask_words_pages(inventory: &crate::inventory::Inventory) -> usize {
    super::page_words(inventory)
}

/// Adds `vb0` and its list `via` to a users frame: the ways the user's data was exposed, or
/// for a user never exposed, the ways it was disclosed (potential).
pub(super) fn with_via(users: DataFrame, names: &[&str]) -> Result<DataFrame> {
    let mut users = users
        .lazy()
        .with_column(
            when(col("exposures").gt(lit(0u32)))
                .then(col("via_exp"))
                .otherwise(col("via_pot"))
                .fill_null(lit(0u64))
                .alias(VIA),
        )
        .collect()
        .map_err(polars_bug)?;
    super::with_id_list(&mut users, "via", "vb", names)?;
    Ok(users)
}

/// In a users frame with `vb0`: the user's data was never disclosed through their own page
/// (for an exposed user, every exposure was on someone else's page).
pub(super) fn only_via_related() -> Expr {
    col(VIA).and(lit(1u64)).eq(lit(0u64))
}

/// Replaces `vb0` of a user's pages frame by `via`: "own page" and the relations' labels,
/// `; `-joined (one user's pages: a handful of rows).
pub(super) fn with_via_labels(
    mut pages: DataFrame,
    inventory: &crate::inventory::Inventory,
) -> Result<DataFrame> {
    let bits = pages
        .column(VIA)
        .map_err(polars_bug)?
        .u64()
        .map_err(polars_bug)?
        .clone();
    let labels: Vec<String> = bits
        .iter()
        .map(|b| via_labels(inventory, b.unwrap_or(0)).join("; "))
        .collect();
    pages
        .with_column(Column::new("via".into(), labels))
        .map_err(polars_bug)?;
    pages.drop_in_place(VIA).map_err(polars_bug)?;
    Ok(pages)
}

/// The labels of a via mask: "own page" for bit 0, then each relation's label.
pub fn via_labels(inventory: &crate::inventory::Inventory, bits: u64) -> Vec<String> {
    let mut labels = Vec::new();
    if bits & 1 != 0 {
        labels.push("own page".to_string());
    }
    for (k, relation) in inventory.relations.iter().enumerate() {
        if bits & (1u64 << (k + 1)) != 0 {
            labels.push(relation.label.clone());
        }
    }
    labels
}
