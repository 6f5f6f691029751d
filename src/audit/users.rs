//! Per-user figures: the users frame (one aggregation, collected once per report) and the
//! users report drawn from it, and one user's detail.

use anyhow::Result;
use polars::prelude::*;

use super::id_lists::{with_id_list, with_id_lists};
use super::related;
use super::tier::{in_notice_order, Tier};
use super::{cross, left_join, page_words, words, Audit, Report, ReportKind, Weight};
use crate::frame::bits::any_bits;
use crate::frame::bits::any_set;
use crate::frame::bits::bit_set;
use crate::frame::bits::mask_name;
use crate::frame::bits::mask_names;
use crate::frame::bits::word_bits;
use crate::frame::cells;
use crate::frame::names::{CONFIRMED_FIELDS, POSSIBLE, POSSIBLE_EXPOSURES, POSSIBLE_VIEWERS};
use crate::frame::names::{
    DISTINCT_VIEWERS, EXPOSED_FIELDS, EXPOSURES, FIRST_EXPOSED, LAST_EXPOSED, LAST_TS, OWNER_ID,
    PAGE_ID, POTENTIAL_FIELDS, REQUESTS, TIER_RANK, USER_ID, VIEWER_ID,
};
use crate::frame::OrBug;
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
    Ok(concat_list(items).or_bug()?.list().drop_nulls())
}

/// Distinct viewers over exposures: distinct non-empty ids plus one per unidentified view.
pub(super) fn distinct_viewers(w: Weight) -> Expr {
    col(VIEWER_ID)
        .filter(col("exposure").and(col(VIEWER_ID).is_not_null()))
        .n_unique()
        .cast(DataType::UInt64)
        + w.count(col("exposure").and(col(VIEWER_ID).is_null()))
}

/// Distinct viewers of the rows where `condition` holds: distinct ids plus one per
/// unidentified view.
fn viewers_where(condition: Expr, w: Weight) -> Expr {
    col(VIEWER_ID)
        .filter(condition.clone().and(col(VIEWER_ID).is_not_null()))
        .n_unique()
        .cast(DataType::UInt64)
        + w.count(condition.and(col(VIEWER_ID).is_null()))
}

/// Exposure counts split into confirmed and possible (a candidate owner of an ambiguous
/// response), and the fields seen in confirmed rows (`conf*`).
fn possible_aggs(words: usize, w: Weight) -> Vec<Expr> {
    let confirmed = col(POSSIBLE).not();
    let mut aggs = vec![
        w.count(confirmed.clone()).alias(EXPOSURES),
        viewers_where(confirmed.clone(), w).alias(DISTINCT_VIEWERS),
        w.count(col(POSSIBLE)).alias(POSSIBLE_EXPOSURES),
        viewers_where(col(POSSIBLE), w).alias(POSSIBLE_VIEWERS),
    ];
    aggs.extend((0..words).map(|i| {
        col(mask_name("dm", i))
            .filter(confirmed.clone())
            .bitwise_or()
            .fill_null(lit(0u64))
            .alias(mask_name("conf", i))
    }));
    aggs
}

/// What a group of disclosing rows says about exposure: counts, viewers, first and last
/// exposure, and the field masks `pot*` (disclosed) and `exp*` (seen by someone else).
pub(super) fn exposure_aggs(words: usize, w: Weight) -> Vec<Expr> {
    let mut aggs = vec![
        w.count(col("exposure")).alias(EXPOSURES),
        distinct_viewers(w).alias(DISTINCT_VIEWERS),
        col("ts").filter(col("exposure")).min().alias(FIRST_EXPOSED),
        col(w.last())
            .filter(col("exposure"))
            .max()
            .alias(LAST_EXPOSED),
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
        let (words, page_words) = (words(inventory), page_words(inventory));
        let relating = self.relating().is_some();
        let personal = self.personal_rows(words, page_words)?;
        let potential = self.potential_by_owner(personal.clone(), words, relating);
        let exposures = self.exposures_by_owner(personal, words, page_words, relating);
        let mut filled = vec![
            col(EXPOSURES).fill_null(lit(0u64)),
            col(DISTINCT_VIEWERS).fill_null(lit(0u64)),
        ];
        let mut prefixes = vec!["exp", "pg"];
        if self.possible() {
            filled.push(col(POSSIBLE_EXPOSURES).fill_null(lit(0u64)));
            filled.push(col(POSSIBLE_VIEWERS).fill_null(lit(0u64)));
            prefixes.push("conf");
        }
        for prefix in prefixes {
            let n = if prefix == "pg" { page_words } else { words };
            filled.extend((0..n).map(|w| col(mask_name(prefix, w)).fill_null(lit(0u64))));
        }
        let users = potential
            .join(
                exposures,
                [col(OWNER_ID)],
                [col(OWNER_ID)],
                left_join(JoinValidation::OneToOne),
            )
            .with_columns(filled)
            .with_column(self.tier_rank(words).alias(TIER_RANK))
            .with_column(Tier::name_of_rank(col(TIER_RANK)).alias("tier"))
            .collect_with_engine(Engine::Streaming)
            .or_bug()?
            .unwrap_single();
        self.users_finished(in_notice_order(&users)?, words, relating)
    }

    /// The rows on pages that render a field (the related people's rows added), only the
    /// columns the two aggregations read: made once, the report's largest allocation.
    fn personal_rows(&self, words: usize, page_words: usize) -> Result<LazyFrame> {
        let mut columns = mask_names("pm", words);
        columns.extend(mask_names("pg", page_words));
        let mut keep = vec!["ts", OWNER_ID, VIEWER_ID];
        if self.log.weighted {
            keep.extend([REQUESTS, LAST_TS]);
        }
        if self.possible() {
            keep.push(POSSIBLE);
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
        related::with_related(personal?.lazy(), related?)
    }

    /// Per owner, the fields their pages render and they have on file (`pot*`), and
    /// whether the registered table was assumed; only owners with such a field.
    fn potential_by_owner(&self, personal: LazyFrame, words: usize, relating: bool) -> LazyFrame {
        let mut rendered: Vec<Expr> = (0..words)
            .map(|w| col(mask_name("pm", w)).bitwise_or())
            .collect();
        let mut potential = vec![col(OWNER_ID)];
        potential.extend((0..words).map(|w| col(mask_name("dm", w)).alias(mask_name("pot", w))));
        potential.push(col("in_registered").is_null().alias("assumed_registered"));
        if relating {
            rendered.push(col(related::VIA).bitwise_or());
            potential.push(col(related::VIA).alias("via_pot"));
        }
        self.with_registration(personal.group_by([col(OWNER_ID)]).agg(rendered))
            .select(potential)
            .filter(any_set("pot", words))
    }

    /// Per owner, over the cross-user rows that disclosed a field: exposures, distinct
    /// viewers, first and last, the fields (`exp*`) and pages (`pg*`, `pgo*`) involved.
    fn exposures_by_owner(
        &self,
        personal: LazyFrame,
        words: usize,
        page_words: usize,
        relating: bool,
    ) -> LazyFrame {
        let w = self.weight();
        let mut aggs = if self.possible() {
            possible_aggs(words, w)
        } else {
            vec![
                w.rows().alias(EXPOSURES),
                viewers_where(lit(true), w).alias(DISTINCT_VIEWERS),
            ]
        };
        aggs.extend([
            col("ts").min().alias(FIRST_EXPOSED),
            col(w.last()).max().alias(LAST_EXPOSED),
        ]);
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
        self.with_registration(personal.filter(cross()))
            .filter(any_set("dm", words))
            .group_by([col(OWNER_ID)])
            .agg(aggs)
    }

    /// Whether the log holds possible exposures (candidate owners of ambiguous responses).
    pub fn possible(&self) -> bool {
        self.log.df.column(POSSIBLE).is_ok()
    }

    /// The tier's rank from the exposed fields: a direct-notice field exposed, another
    /// field exposed, or only potential.
    fn tier_rank(&self, words: usize) -> Expr {
        let fields = &self.inventory.fields;
        let direct: Vec<u64> = (0..words)
            .map(|w| word_bits(fields.len(), w, |i| fields[i].direct_notice))
            .collect();
        when(any_bits("exp", &direct))
            .then(lit(Tier::Direct.rank()))
            .when(any_set("exp", words))
            .then(lit(Tier::Notice.rank()))
            .otherwise(lit(Tier::Potential.rank()))
    }

    /// The users in notice order with their lists of pages and fields, the columns in the
    /// users frame's order.
    fn users_finished(
        &self,
        mut users: DataFrame,
        words: usize,
        relating: bool,
    ) -> Result<DataFrame> {
        let inventory = self.inventory;
        let page_ids: Vec<&str> = inventory.pages.iter().map(|p| p.id.as_str()).collect();
        let field_ids: Vec<&str> = inventory.fields.iter().map(|f| f.id.as_str()).collect();
        with_id_lists(
            &mut users,
            &[
                ("pages", "pg", &page_ids),
                (EXPOSED_FIELDS, "exp", &field_ids),
                (POTENTIAL_FIELDS, "pot", &field_ids),
            ],
        )?;
        if relating {
            users = related::with_via(users, &self.via_names())?;
            with_id_list(&mut users, "own_pages", "pgo", &page_ids)?;
        }
        let mut order = vec![
            col(OWNER_ID),
            col(EXPOSURES),
            col(DISTINCT_VIEWERS),
            col(FIRST_EXPOSED),
            col(LAST_EXPOSED),
        ];
        if self.possible() {
            with_id_list(&mut users, CONFIRMED_FIELDS, "conf", &field_ids)?;
            order.extend([
                col(POSSIBLE_EXPOSURES),
                col(POSSIBLE_VIEWERS),
                col(CONFIRMED_FIELDS),
            ]);
        }
        order.extend(mask_names("pot", words).iter().map(|c| col(c.as_str())));
        order.extend(mask_names("exp", words).iter().map(|c| col(c.as_str())));
        order.extend([
            col("pages"),
            col("assumed_registered"),
            col(TIER_RANK),
            col(OWNER_ID).alias(USER_ID),
            col("tier"),
            col(EXPOSED_FIELDS),
            col(POTENTIAL_FIELDS),
        ]);
        if relating {
            order.extend([col(related::VIA), col("via"), col("own_pages")]);
        }
        users.lazy().select(order).collect().or_bug()
    }

    pub fn users(&self) -> Result<Report> {
        self.users_from(&self.users_frame()?)
    }

    /// The `users` report from an already computed users frame.
    pub fn users_from(&self, frame: &DataFrame) -> Result<Report> {
        let mut columns = USERS_COLUMNS.to_vec();
        if frame.column(POSSIBLE_EXPOSURES).is_ok() {
            columns.splice(6..6, [POSSIBLE_EXPOSURES, POSSIBLE_VIEWERS]);
        }
        if frame.column("via").is_ok() {
            columns.push("via");
        }
        Ok(Report {
            kind: ReportKind::Users,
            df: select(frame, &columns)?,
        })
    }

    /// One user's row of the users frame, if they have any potential field.
    pub fn user(&self, user_id: &str) -> Result<Option<DataFrame>> {
        let users = self.users_frame()?;
        let one = users
            .lazy()
            .filter(col(USER_ID).eq(lit(user_id)))
            .collect()
            .or_bug()?;
        Ok((one.height() > 0).then_some(one))
    }

    /// One user's pages that disclosed something: `page_id`, `requests` (disclosing rows),
    /// `exposures`, `distinct_viewers`, `first_exposed`, `last_exposed`, and the field lists
    /// `exposed_fields` / `disclosed_fields`; pages with exposures first. With possible
    /// exposures in the log, `exposures` and `distinct_viewers` count the confirmed ones,
    /// as the users report does, and `possible_exposures` the others. With a relations
    /// table, also `via`: whose kind of page it was for this user ("own page", or the
    /// relation's label), never the other person's id.
    pub fn user_pages(&self, user_id: &str) -> Result<DataFrame> {
        let w = self.weight();
        let mut exposure = exposure_aggs(words(self.inventory), w);
        if self.possible() {
            // The confirmed figures in place of the whole ones (exposure_aggs's first two).
            let confirmed = col("exposure").and(col(POSSIBLE).not());
            exposure[0] = w.count(confirmed.clone()).alias(EXPOSURES);
            exposure[1] = viewers_where(confirmed, w).alias(DISTINCT_VIEWERS);
            exposure.push(
                w.count(col("exposure").and(col(POSSIBLE)))
                    .alias(POSSIBLE_EXPOSURES),
            );
        }
        let mut aggs = vec![w.rows().alias(REQUESTS)];
        aggs.extend(exposure);
        if self.relating().is_some() {
            aggs.push(col(related::VIA).bitwise_or());
        }
        let pages = self
            .disclosing()?
            .filter(col(OWNER_ID).eq(lit(user_id)))
            .group_by([col(PAGE_ID)])
            .agg(aggs)
            .with_columns([
                field_list(self.inventory, "exp")?.alias(EXPOSED_FIELDS),
                field_list(self.inventory, "pot")?.alias("disclosed_fields"),
            ])
            .sort_by_exprs(
                [col(EXPOSURES), col(PAGE_ID)],
                SortMultipleOptions::default().with_order_descending_multi([true, false]),
            )
            .collect()
            .or_bug()?;
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
            .filter(col(OWNER_ID).eq(lit(user_id)))
            .select([len()])
            .collect()
            .or_bug()?;
        Ok(cells::number(&n, "len", 0)? > 0)
    }
}

pub const USERS_COLUMNS: &[&str] = &[
    USER_ID,
    "tier",
    EXPOSED_FIELDS,
    POTENTIAL_FIELDS,
    EXPOSURES,
    DISTINCT_VIEWERS,
    FIRST_EXPOSED,
    LAST_EXPOSED,
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
    df.select(columns.iter().copied()).or_bug()
}
