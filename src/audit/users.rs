//! Per-user figures: the users frame (one aggregation, collected once per report) and the
//! users report drawn from it, and one user's detail.

use anyhow::Result;
use polars::prelude::*;

use super::related;
use super::tier::{in_notice_order, TIERS};
use super::{cross, left_join, page_words, words, Audit, Report, Weight};
use crate::frame::bits::any_bits;
use crate::frame::bits::any_set;
use crate::frame::bits::bit_set;
use crate::frame::bits::mask_name;
use crate::frame::bits::mask_names;
use crate::frame::bits::mask_words;
use crate::frame::bits::word_bits;
use crate::frame::cores;
use crate::frame::polars_bug;
use crate::inventory::Inventory;

/// A sorted list of the field ids whose bits are set in a mask.
pub(super) fn field_list(inventory: &Inventory, prefix: &str) -> Result<Expr> {
    let ids: Vec<&str> = inventory.fields.iter().map(|f| f.id.as_str()).collect();
    let mut order: Vec<usize> = (0..ids.len()).collect();
    order.sort_by(|&a, &b| ids[a].cmp(ids[b]));
    if order.is_empty() {
        return Ok(lit(Series::new_empty("".into(), &DataType::String)).implode(false));
    }
    let items: Vec<Expr> = order
        .iter()
        .map(|&i| {
            when(bit_set(&mask_name(prefix, i / 64), i))
                .then(lit(ids[i]))
                .otherwise(lit(NULL).cast(DataType::String))
        })
        .collect();
    Ok(concat_list(items).map_err(polars_bug)?.list().drop_nulls())
}

/// Adds the list column `name`: per row, the ids whose bits are set in the mask `prefix*`,
/// sorted. Built directly: as polars expressions (a `concat_list` of one `when` per id, then
/// `drop_nulls`) the three lists of the users frame cost 0.3 s for 54,000 users.
pub(super) fn with_id_list(
    df: &mut DataFrame,
    name: &str,
    prefix: &str,
    ids: &[&str],
) -> Result<()> {
    let list = id_list(df, name, prefix, ids)?;
    df.with_column(list).map_err(polars_bug)?;
    Ok(())
}

/// The list column `name` of `with_id_list`, for each `(name, prefix, ids)`, the lists
/// built side by side on the machine's cores, then added.
fn with_id_lists(df: &mut DataFrame, lists: &[(&str, &str, &[&str])]) -> Result<()> {
    let built = cores::on_every_core(lists, |&(name, prefix, ids)| id_list(df, name, prefix, ids))?;
    for list in built {
        df.with_column(list?).map_err(polars_bug)?;
    }
    Ok(())
}

fn id_list(df: &DataFrame, name: &str, prefix: &str, ids: &[&str]) -> Result<Column> {
    let words = mask_words(ids.len());
    let mut masks: Vec<Vec<u64>> = Vec::with_capacity(words);
    for w in 0..words {
        let column = df.column(&mask_name(prefix, w)).map_err(polars_bug)?;
        let values = column.u64().map_err(polars_bug)?;
        masks.push(values.iter().map(|v| v.unwrap_or(0)).collect());
    }
    let mut order: Vec<usize> = (0..ids.len()).collect();
    order.sort_by(|&a, &b| ids[a].cmp(ids[b]));
    let height = df.height();
    let mut lists = ListStringChunkedBuilder::new(name.into(), height, height * 2);
    let mut words_of: Vec<std::slice::Iter<u64>> = masks.iter().map(|m| m.iter()).collect();
    let mut row = vec![0u64; words];
    for _ in 0..height {
        for (bits, word) in row.iter_mut().zip(words_of.iter_mut()) {
            *bits = word.next().copied().unwrap_or(0);
        }
        let set = |i: usize| row[i / 64] & (1u64 << (i % 64)) != 0;
        lists.append_values_iter(order.iter().filter(|&&i| set(i)).map(|&i| ids[i]));
    }
    Ok(lists.finish().into_column())
}

/// Distinct viewers over exposures: distinct non-empty ids plus one per unidentified view.
pub(super) fn distinct_viewers(w: Weight) -> Expr {
    col("viewer_id")
        .filter(col("exposure").and(col("viewer_id").is_not_null()))
        .n_unique()
        .cast(DataType::UInt32)
        + w.count(col("exposure").and(col("viewer_id").is_null()))
}

/// What a group of disclosing rows says about exposure: counts, viewers, first and last
/// exposure, and the field masks `pot*` (disclosed) and `exp*` (seen by someone else).
pub(super) fn exposure_aggs(words: usize, w: Weight) -> Vec<Expr> {
    let mut aggs = vec![
        w.count(col("exposure")).alias("exposures"),
        distinct_viewers(w).alias("distinct_viewers"),
        col("ts")
            .filter(col("exposure"))
            .min()
            .alias("first_exposed"),
        col(w.last())
            .filter(col("exposure"))
            .max()
            .alias("last_exposed"),
    ];
    for w in 0..words {
        aggs.push(
            col(mask_name("dm", w))
                .bitwise_or()
                .alias(mask_name("pot", w)),
        );
        aggs.push(
            col(mask_name("dm", w))
                .filter(col("exposure"))
                .bitwise_or()
                .fill_null(lit(0u64))
                .alias(mask_name("exp", w)),
        );
    }
    aggs
}

impl Audit<'_> {
    /// Per user with a potential field, in notice-priority order. Besides the report
    /// columns it keeps the masks (`pot*`, `exp*`), `tier_rank` and `assumed_registered`.
    ///
    /// Two aggregations by owner over the personal pages' rows: what the owner's pages
    /// render (the registered table is joined per owner afterwards, since `pm & reg`
    /// distributes over the OR), and, over the few cross-user rows joined row by row,
    /// the exposure figures. Run on polars' streaming engine, faster here than in memory.
    pub fn users_frame(&self) -> Result<DataFrame> {
        let inventory = self.inventory;
        let words = words(inventory);
        let page_words = page_words(inventory);
        let mut columns = mask_names("pm", words);
        columns.extend(mask_names("pg", page_words));
        // Made once: both aggregations below start from it. Only the rows on pages that
        // render a field, and only the columns the aggregations read (not the path text):
        // this copy is the report's largest allocation.
        let mut keep = vec!["ts", "owner_id", "viewer_id"];
        if self.log.weighted {
            keep.extend(["requests", "last_ts"]);
        }
        // The related people's rows are built on a thread of their own meanwhile: much of
        // that work runs on one core.
        let (personal, related) = std::thread::scope(|scope| {
            let related = scope.spawn(|| self.related_frame(&columns, &keep));
            let personal = self.rows_where(any_set("pm", words), Some(&keep), false, &columns);
            let related = related
                .join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("internal error: a worker thread failed")));
            (personal, related)
        });
        let relating = self.relating().is_some();
        let personal = related::with_related(personal?.lazy(), related?)?;

        let mut rendered: Vec<Expr> = (0..words)
            .map(|w| col(mask_name("pm", w)).bitwise_or())
            .collect();
        let mut potential = vec![col("owner_id")];
        potential.extend((0..words).map(|w| col(mask_name("dm", w)).alias(mask_name("pot", w))));
        potential.push(col("in_registered").is_null().alias("assumed_registered"));
        if relating {
            rendered.push(col(related::VIA).bitwise_or());
            potential.push(col(related::VIA).alias("via_pot"));
        }
        let potential = self
            .with_registration(personal.clone().group_by([col("owner_id")]).agg(rendered))
            .select(potential)
            .filter(any_set("pot", words));

        let w = self.weight();
        let mut aggs = vec![
            w.rows().alias("exposures"),
            (col("viewer_id")
                .drop_nulls()
                .n_unique()
                .cast(DataType::UInt32)
                + w.count(col("viewer_id").is_null()))
            .alias("distinct_viewers"),
            col("ts").min().alias("first_exposed"),
            col(w.last()).max().alias("last_exposed"),
        ];
        aggs.extend((0..words).map(|w| {
            col(mask_name("dm", w))
                .bitwise_or()
                .alias(mask_name("exp", w))
        }));
        aggs.extend((0..page_words).map(|w| col(mask_name("pg", w)).bitwise_or()));
        if relating {
            aggs.push(col(related::VIA).bitwise_or().alias("via_exp"));
            // Pages that exposed the user as their owner (the others: as a related person).
            let own_row = col(related::VIA).and(lit(1u64)).neq(lit(0u64));
            aggs.extend((0..page_words).map(|w| {
                col(mask_name("pg", w))
                    .filter(own_row.clone())
                    .bitwise_or()
                    .alias(mask_name("pgo", w))
            }));
        }
        let exposures = self
            .with_registration(personal.filter(cross()))
            .filter(any_set("dm", words))
            .group_by([col("owner_id")])
            .agg(aggs);

        let direct: Vec<u64> = (0..words)
            .map(|w| {
                word_bits(inventory.fields.len(), w, |i| {
                    inventory.fields[i].direct_notice
                })
            })
            .collect();
        let tier_rank = when(any_bits("exp", &direct))
            .then(lit(0u8))
            .when(any_set("exp", words))
            .then(lit(1u8))
            .otherwise(lit(2u8));
        let tier = when(col("tier_rank").eq(lit(0u8)))
            .then(lit(TIERS[0]))
            .when(col("tier_rank").eq(lit(1u8)))
            .then(lit(TIERS[1]))
            .otherwise(lit(TIERS[2]));
        let mut filled = vec![
            col("exposures").fill_null(lit(0u32)),
            col("distinct_viewers").fill_null(lit(0u32)),
        ];
        for prefix in ["exp", "pg"] {
            let n = if prefix == "pg" { page_words } else { words };
            filled.extend((0..n).map(|w| col(mask_name(prefix, w)).fill_null(lit(0u64))));
        }
        let users = potential
            .join(
                exposures,
                [col("owner_id")],
                [col("owner_id")],
                left_join(JoinValidation::OneToOne),
            )
            .with_columns(filled)
            .with_column(tier_rank.alias("tier_rank"))
            .with_column(tier.alias("tier"))
            .collect_with_engine(Engine::Streaming)
            .map_err(polars_bug)?
            .unwrap_single();
        let mut users = in_notice_order(&users)?;
        let page_ids: Vec<&str> = inventory.pages.iter().map(|p| p.id.as_str()).collect();
        let field_ids: Vec<&str> = inventory.fields.iter().map(|f| f.id.as_str()).collect();
        with_id_lists(
            &mut users,
            &[
                ("pages", "pg", &page_ids),
                ("exposed_fields", "exp", &field_ids),
                ("potential_fields", "pot", &field_ids),
            ],
        )?;
        if relating {
            users = related::with_via(users, &self.via_names())?;
            with_id_list(&mut users, "own_pages", "pgo", &page_ids)?;
        }
        let mut order = vec![
            col("owner_id"),
            col("exposures"),
            col("distinct_viewers"),
            col("first_exposed"),
            col("last_exposed"),
        ];
        order.extend(mask_names("pot", words).iter().map(|c| col(c.as_str())));
        order.extend(mask_names("exp", words).iter().map(|c| col(c.as_str())));
        order.extend([
            col("pages"),
            col("assumed_registered"),
            col("tier_rank"),
            col("owner_id").alias("user_id"),
            col("tier"),
            col("exposed_fields"),
            col("potential_fields"),
        ]);
        if relating {
            order.extend([col(related::VIA), col("via"), col("own_pages")]);
        }
        users.lazy().select(order).collect().map_err(polars_bug)
    }

    pub fn users(&self) -> Result<Report> {
        self.users_from(&self.users_frame()?)
    }

    /// The `users` report from an already computed users frame.
    pub fn users_from(&self, frame: &DataFrame) -> Result<Report> {
        let mut columns = USERS_COLUMNS.to_vec();
        if frame.column("via").is_ok() {
            columns.push("via");
        }
        Ok(Report {
            kind: "users",
            df: select(frame, &columns)?,
        })
    }

    /// One user's row of the users frame, if they have any potential field.
    pub fn user(&self, user_id: &str) -> Result<Option<DataFrame>> {
        let users = self.users_frame()?;
        let one = users
            .lazy()
            .filter(col("user_id").eq(lit(user_id)))
            .collect()
            .map_err(polars_bug)?;
        Ok((one.height() > 0).then_some(one))
    }

    /// One user's pages that disclosed something: `page_id`, `requests` (disclosing rows),
    /// `exposures`, `distinct_viewers`, `first_exposed`, `last_exposed`, and the field lists
    /// `exposed_fields` / `disclosed_fields`; pages with exposures first. With a relations
    /// table, also `via`: whose kind of page it was for this user ("own page", or the
    /// relation's label), never the other person's id.
    pub fn user_pages(&self, user_id: &str) -> Result<DataFrame> {
        let w = self.weight();
        let mut aggs = vec![w.rows().alias("requests")];
        aggs.extend(exposure_aggs(words(self.inventory), w));
        if self.relating().is_some() {
            aggs.push(col(related::VIA).bitwise_or());
        }
        let pages = self
            .disclosing()?
            .filter(col("owner_id").eq(lit(user_id)))
            .group_by([col("page_id")])
            .agg(aggs)
            .with_columns([
                field_list(self.inventory, "exp")?.alias("exposed_fields"),
                field_list(self.inventory, "pot")?.alias("disclosed_fields"),
            ])
            .sort_by_exprs(
                [col("exposures"), col("page_id")],
                SortMultipleOptions::default().with_order_descending_multi([true, false]),
            )
            .collect()
            .map_err(polars_bug)?;
        match self.relating() {
            Some(_) => related::with_via_labels(pages, self.inventory),
            None => Ok(pages),
        }
    }

    /// Whether a user appears in the log at all (as owner, in the window).
    pub fn owns_rows(&self, user_id: &str) -> Result<bool> {
        let n = self
            .log
            .df
            .clone()
            .lazy()
            .filter(col("owner_id").eq(lit(user_id)))
            .select([len()])
            .collect()
            .map_err(polars_bug)?;
        Ok(n.column("len")
            .ok()
            .and_then(|c| c.u32().ok().and_then(|c| c.get(0)))
            .unwrap_or(0)
            > 0)
    }
}

pub const USERS_COLUMNS: &[&str] = &[
    "user_id",
    "tier",
    "exposed_fields",
    "potential_fields",
    "exposures",
    "distinct_viewers",
    "first_exposed",
    "last_exposed",
    "pages",
];

/// Users in a users frame who were absent from the registered table.
pub fn assumed_users(frame: &DataFrame) -> u64 {
    frame
        .column("assumed_registered")
        .ok()
        .and_then(|c| c.bool().ok().map(|b| b.sum().unwrap_or(0) as u64))
        .unwrap_or(0)
}

fn select(df: &DataFrame, columns: &[&str]) -> Result<DataFrame> {
    df.select(columns.iter().copied()).map_err(polars_bug)
}
