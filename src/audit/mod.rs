//! The polars pipeline. Distinct paths are matched to pages once (in Rust, over the
//! route trie), then joined back; every figure is a lazy aggregation over the enriched
//! log, collected once per report. The TUI and the CLI both call these functions.
//!
//! Fields travel as bitmasks: one u64 word per 64 inventory fields (`pm*` what the page
//! renders, `reg*` what the owner has registered, `dm*` what the row disclosed); pages
//! too, where a set of pages is needed (`pg*`, one bit per inventory page).

pub mod codes;
mod related;

pub use related::OWN;

use std::borrow::Cow;
use std::time::{Duration, Instant};

use anyhow::Result;
use polars::prelude::*;

use crate::exposure::registered::{mask_name, mask_words};
use crate::exposure::{polars_bug, Log, Registered, Relations, Zone};
use crate::inventory::{normalise_path, suggest_route, Inventory};

/// Notice tiers, in notice-priority order.
pub const TIERS: [&str; 3] = ["direct", "notice", "potential"];

/// Everything an audit needs, matched and ready to aggregate.
pub struct Audit<'a> {
    pub inventory: &'a Inventory,
    pub log: &'a Log,
    pub registered: Option<&'a Registered>,
    /// The relations table (`with_relations`): who is shown on whose pages.
    pub relations: Option<&'a Relations>,
    pub zone: Zone,
    pub window: (Option<i64>, Option<i64>),
    /// The path values (`codes::encode`): `path`, `norm_path`, `page_id` (null = unmapped), `pm*`, `pg*`.
    paths: DataFrame,
    /// Per log row, the position of its path in `paths`.
    codes: IdxCa,
    /// Time spent matching routes.
    pub match_time: Duration,
    /// The enriched log, once collected (`keep_enriched`): for a caller that runs every
    /// report on one audit (the TUI), so the joins run once.
    enriched: std::sync::OnceLock<DataFrame>,
}

/// A report: typed columns (times as UTC datetimes, lists as lists), formatted by the writers.
#[derive(Debug, Clone)]
pub struct Report {
    pub kind: &'static str,
    pub df: DataFrame,
}

fn words(inventory: &Inventory) -> usize {
    mask_words(inventory.fields.len())
}

fn page_words(inventory: &Inventory) -> usize {
    mask_words(inventory.pages.len())
}

fn mask_names(prefix: &str, words: usize) -> Vec<String> {
    (0..words).map(|w| mask_name(prefix, w)).collect()
}

/// The bits of word `word` for fields that satisfy `keep`.
pub(crate) fn word_bits(inventory: &Inventory, word: usize, keep: impl Fn(usize) -> bool) -> u64 {
    (0..inventory.fields.len())
        .filter(|&i| i / 64 == word && keep(i))
        .fold(0u64, |acc, i| acc | (1u64 << (i % 64)))
}

fn bit_set(column: &str, index: usize) -> Expr {
    col(column).and(lit(1u64 << (index % 64))).neq(lit(0u64))
}

/// True when any word of a mask intersects the given per-word bits.
fn any_bits(prefix: &str, bits: &[u64]) -> Expr {
    bits.iter().enumerate().fold(lit(false), |acc, (word, &b)| {
        acc.or(col(mask_name(prefix, word)).and(lit(b)).neq(lit(0u64)))
    })
}

fn any_set(prefix: &str, words: usize) -> Expr {
    (0..words).fold(lit(false), |acc, w| {
        acc.or(col(mask_name(prefix, w)).neq(lit(0u64)))
    })
}

/// A sorted list of the field ids whose bits are set in a mask.
fn field_list(inventory: &Inventory, prefix: &str) -> Result<Expr> {
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
fn with_id_list(df: &mut DataFrame, name: &str, prefix: &str, ids: &[&str]) -> Result<()> {
    let list = id_list(df, name, prefix, ids)?;
    df.with_column(list).map_err(polars_bug)?;
    Ok(())
}

/// The list column `name` of `with_id_list`, for each `(name, prefix, ids)`, the lists
/// built side by side on the machine's cores, then added.
fn with_id_lists(df: &mut DataFrame, lists: &[(&str, &str, &[&str])]) -> Result<()> {
    let built = codes::on_every_core(lists, |&(name, prefix, ids)| id_list(df, name, prefix, ids))?;
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

/// The users frame in notice-priority order: tier, then most distinct viewers, then most
/// exposures, then user id. Sorted here on the four columns' values: polars' sort on
/// them took 16 ms for 54,000 users, most of it encoding the rows for comparison.
fn in_notice_order(users: &DataFrame) -> Result<DataFrame> {
    let column = |name: &str| users.column(name).map_err(polars_bug);
    let number = |name: &str| -> Result<Vec<i64>> {
        Ok(column(name)?
            .cast(&DataType::Int64)
            .map_err(polars_bug)?
            .i64()
            .map_err(polars_bug)?
            .iter()
            .map(|v| v.unwrap_or(0))
            .collect())
    };
    let (tier, viewers, exposures) = (
        number("tier_rank")?,
        number("distinct_viewers")?,
        number("exposures")?,
    );
    let owners = column("owner_id")?;
    let owners: Vec<&str> = owners
        .str()
        .map_err(polars_bug)?
        .iter()
        .map(|v| v.unwrap_or(""))
        .collect();
    let mut order: Vec<IdxSize> = (0..users.height() as IdxSize).collect();
    order.sort_unstable_by(|&a, &b| {
        let (a, b) = (a as usize, b as usize);
        tier[a]
            .cmp(&tier[b])
            .then(viewers[b].cmp(&viewers[a]))
            .then(exposures[b].cmp(&exposures[a]))
            .then(owners[a].cmp(owners[b]))
    });
    users
        .take(&IdxCa::from_vec("order".into(), order))
        .map_err(polars_bug)
}

/// Served to someone other than the owner (an unidentified viewer counts).
fn cross() -> Expr {
    col("viewer_id")
        .is_null()
        .or(col("viewer_id").neq(col("owner_id")))
}

/// How rows count: one response each (a raw log), or `requests` each, the first at `ts`
/// and the last at `last_ts` (an aggregated log).
/// Every figure is a count, a distinct count, a min or a max, so both give the same reports.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Weight {
    weighted: bool,
}

impl Weight {
    pub(crate) fn of(log: &Log) -> Weight {
        Weight {
            weighted: log.weighted,
        }
    }

    /// Responses in the group.
    fn rows(self) -> Expr {
        match self.weighted {
            true => col("requests").sum(),
            false => len(),
        }
        .cast(DataType::UInt32)
    }

    /// Responses in the group for which `condition` holds.
    fn count(self, condition: Expr) -> Expr {
        match self.weighted {
            true => col("requests").filter(condition).sum(),
            false => condition.sum(),
        }
        .cast(DataType::UInt32)
    }

    /// The column holding the last response's time.
    fn last(self) -> &'static str {
        match self.weighted {
            true => "last_ts",
            false => "ts",
        }
    }
}

/// Distinct viewers over exposures: distinct non-empty ids plus one per unidentified view.
fn distinct_viewers(w: Weight) -> Expr {
    col("viewer_id")
        .filter(col("exposure").and(col("viewer_id").is_not_null()))
        .n_unique()
        .cast(DataType::UInt32)
        + w.count(col("exposure").and(col("viewer_id").is_null()))
}

/// What a group of disclosing rows says about exposure: counts, viewers, first and last
/// exposure, and the field masks `pot*` (disclosed) and `exp*` (seen by someone else).
fn exposure_aggs(words: usize, w: Weight) -> Vec<Expr> {
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

fn left_join(validation: JoinValidation) -> JoinArgs {
    JoinArgs {
        validation,
        ..JoinArgs::new(JoinType::Left)
    }
}

impl<'a> Audit<'a> {
    /// Matches the log's path values (`codes::encode`) to their pages.
    pub fn new(
        inventory: &'a Inventory,
        log: &'a Log,
        registered: Option<&'a Registered>,
        zone: Zone,
        window: (Option<i64>, Option<i64>),
    ) -> Result<Audit<'a>> {
        let started = Instant::now();
        let encoded = codes::encode_paths(log)?;
        let mut audit =
            Audit::with_encoded_paths(inventory, log, registered, zone, window, &encoded)?;
        audit.match_time = started.elapsed();
        Ok(audit)
    }

    /// As `new`, with the log's paths already dictionary-encoded: an edited inventory is
    /// matched against the path values in memory, without touching the log again.
    pub fn with_encoded_paths(
        inventory: &'a Inventory,
        log: &'a Log,
        registered: Option<&'a Registered>,
        zone: Zone,
        window: (Option<i64>, Option<i64>),
        encoded: &codes::Encoded,
    ) -> Result<Audit<'a>> {
        let started = Instant::now();
        let paths = match_paths(inventory, &encoded.values)?;
        Ok(Audit {
            inventory,
            log,
            registered,
            relations: None,
            zone,
            window,
            paths,
            codes: encoded.codes.clone(),
            match_time: started.elapsed(),
            enriched: std::sync::OnceLock::new(),
        })
    }

    /// Collects the enriched log once and keeps it for every later report on this audit.
    pub fn keep_enriched(&self) -> Result<()> {
        if self.enriched.get().is_none() {
            let df = self.enriched_plan()?.collect().map_err(polars_bug)?;
            let _ = self.enriched.set(df);
        }
        Ok(())
    }

    /// The log with the given columns of its rows' paths beside it, gathered by position.
    fn with_paths(&self, columns: &[String]) -> Result<LazyFrame> {
        let gathered = self
            .paths
            .select(columns.iter().map(String::as_str))
            .and_then(|paths| paths.take(&self.codes))
            .map_err(polars_bug)?;
        let df = self.log.df.hstack(gathered.columns()).map_err(polars_bug)?;
        Ok(df.lazy())
    }

    /// The log rows whose path satisfies `keep` (an expression over the path table), with
    /// the path columns `need` beside them: the filter runs on the path codes, so only the
    /// kept rows are copied and only they get path columns. `log_columns` narrows the log's
    /// own columns; `row_index` adds `row`, the row's position in the log.
    fn rows_where(
        &self,
        keep: Expr,
        log_columns: Option<&[&str]>,
        row_index: bool,
        need: &[String],
    ) -> Result<DataFrame> {
        let keep = self
            .paths
            .clone()
            .lazy()
            .select([keep.alias("keep")])
            .collect()
            .map_err(polars_bug)?;
        let keep = keep
            .column("keep")
            .map_err(polars_bug)?
            .bool()
            .map_err(polars_bug)?
            .take(&self.codes)
            .map_err(polars_bug)?;
        let mut log = match log_columns {
            Some(columns) => self.log.df.select(columns.iter().copied()),
            None => Ok(self.log.df.clone()),
        }
        .map_err(polars_bug)?;
        if row_index {
            log = log.with_row_index("row".into(), None).map_err(polars_bug)?;
        }
        let log = log.filter(&keep).map_err(polars_bug)?;
        let codes = self.codes.filter(&keep).map_err(polars_bug)?;
        let gathered = self
            .paths
            .select(need.iter().map(String::as_str))
            .and_then(|paths| paths.take(&codes))
            .map_err(polars_bug)?;
        log.hstack(gathered.columns()).map_err(polars_bug)
    }

    /// The registered table as a lazy frame with an `in_registered` marker column.
    fn registered_table(&self) -> Option<LazyFrame> {
        self.registered.map(|registered| {
            registered
                .df
                .clone()
                .lazy()
                .with_column(lit(true).alias("in_registered"))
        })
    }

    /// How many path values were looked up in the routes (`codes::encode`: each distinct
    /// path at least once, mapped or not).
    pub fn path_values(&self) -> usize {
        self.paths.height()
    }

    /// The log with page, disclosed-field masks, `cross` (served to someone other than
    /// the owner) and `exposure` (cross and disclosing at least one field). Every row in
    /// the window is kept, unmapped ones with a null `page_id`.
    pub fn enriched(&self) -> Result<LazyFrame> {
        match self.enriched.get() {
            Some(df) => Ok(df.clone().lazy()),
            None => self.enriched_plan(),
        }
    }

    fn enriched_plan(&self) -> Result<LazyFrame> {
        let mut columns = vec!["norm_path".to_string(), "page_id".to_string()];
        columns.extend(mask_names("pm", words(self.inventory)));
        let mut rows = self.with_paths(&columns)?;
        if self.relating().is_some() {
            rows = rows.with_row_index("row", None);
        }
        self.with_related_exposure(self.with_disclosure(rows))
    }

    /// Only the rows that disclose a field: rows on pages that render none (public pages,
    /// unmapped paths) are dropped before the registered table is joined. What per-user
    /// figures are computed from.
    pub fn disclosing(&self) -> Result<LazyFrame> {
        let words = words(self.inventory);
        let mut columns = vec!["page_id".to_string()];
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
    fn with_registration(&self, mut lf: LazyFrame) -> LazyFrame {
        let words = words(self.inventory);
        let mut masks = Vec::with_capacity(words);
        match self.registered_table() {
            Some(table) => {
                lf = lf.join(
                    table,
                    [col("owner_id")],
                    [col("owner_id")],
                    left_join(JoinValidation::ManyToOne),
                );
                for w in 0..words {
                    let all = word_bits(self.inventory, w, |_| true);
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

    fn with_disclosure(&self, lf: LazyFrame) -> LazyFrame {
        let words = words(self.inventory);
        self.with_registration(lf)
            .with_column(cross().alias("cross"))
            .with_column(any_set("dm", words).alias("disclosed"))
            .with_column(col("cross").and(col("disclosed")).alias("exposure"))
    }

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
            .map(|w| word_bits(inventory, w, |i| inventory.fields[i].direct_notice))
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

    /// Per inventory field, in inventory order.
    pub fn fields(&self) -> Result<Report> {
        self.fields_from(&self.users_frame()?)
    }

    /// The `fields` report from an already computed users frame.
    pub fn fields_from(&self, users: &DataFrame) -> Result<Report> {
        let inventory = self.inventory;
        let users = users.clone();
        let mut counts = Vec::new();
        for (i, field) in inventory.fields.iter().enumerate() {
            let word = i / 64;
            counts.push(
                bit_set(&mask_name("exp", word), i)
                    .sum()
                    .alias(format!("ue_{}", field.id)),
            );
            counts.push(
                bit_set(&mask_name("pot", word), i)
                    .sum()
                    .alias(format!("up_{}", field.id)),
            );
        }
        let per_user = users.lazy().select(counts).collect().map_err(polars_bug)?;
        let w = self.weight();
        let exposures_by_field: Vec<Expr> = inventory
            .fields
            .iter()
            .enumerate()
            .map(|(i, field)| {
                w.count(col("exposure").and(bit_set(&mask_name("dm", i / 64), i)))
                    .alias(format!("ex_{}", field.id))
            })
            .collect();
        let per_row = if exposures_by_field.is_empty() {
            DataFrame::empty()
        } else {
            self.disclosing()?
                .filter(col("exposure"))
                .select(exposures_by_field)
                .collect()
                .map_err(polars_bug)?
        };
        let count = |df: &DataFrame, name: String| -> u32 {
            df.column(&name)
                .ok()
                .and_then(|c| c.cast(&DataType::UInt32).ok())
                .and_then(|c| c.u32().ok().and_then(|c| c.get(0)))
                .unwrap_or(0)
        };
        let ids: Vec<&str> = inventory.fields.iter().map(|f| f.id.as_str()).collect();
        let df = DataFrame::new(
            ids.len(),
            vec![
                Column::new("field_id".into(), &ids),
                Column::new(
                    "label".into(),
                    inventory
                        .fields
                        .iter()
                        .map(|f| f.label.as_str())
                        .collect::<Vec<_>>(),
                ),
                Column::new(
                    "category".into(),
                    inventory
                        .fields
                        .iter()
                        .map(|f| f.category.as_str())
                        .collect::<Vec<_>>(),
                ),
                Column::new(
                    "direct_notice".into(),
                    inventory
                        .fields
                        .iter()
                        .map(|f| f.direct_notice)
                        .collect::<Vec<_>>(),
                ),
                Column::new(
                    "users_exposed".into(),
                    ids.iter()
                        .map(|id| count(&per_user, format!("ue_{id}")))
                        .collect::<Vec<_>>(),
                ),
                Column::new(
                    "users_potential".into(),
                    ids.iter()
                        .map(|id| count(&per_user, format!("up_{id}")))
                        .collect::<Vec<_>>(),
                ),
                Column::new(
                    "exposures".into(),
                    ids.iter()
                        .map(|id| count(&per_row, format!("ex_{id}")))
                        .collect::<Vec<_>>(),
                ),
            ],
        )
        .map_err(polars_bug)?;
        Ok(Report { kind: "fields", df })
    }

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

    /// Unmapped normalised paths: requests descending, then path.
    pub fn unmapped(&self) -> Result<Report> {
        let w = self.weight();
        let df = self
            .enriched()?
            .filter(col("page_id").is_null())
            .group_by([col("norm_path")])
            .agg([
                w.rows().alias("requests"),
                w.count(col("cross")).alias("cross_user"),
            ])
            .sort_by_exprs(
                [col("requests"), col("norm_path")],
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
            kind: "unmapped",
            df,
        })
    }

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
                w.rows().alias("requests"),
                w.count(col("exposure")).alias("exposures"),
                col("owner_id")
                    .filter(col(self.own_exposure()))
                    .n_unique()
                    .cast(DataType::UInt32)
                    .alias("users_exposed"),
            ])
            .sort(["minute"], SortMultipleOptions::default())
            .collect()
            .map_err(polars_bug)?;
        Ok(Report {
            kind: "timeline",
            df,
        })
    }

    /// The timeline, or an empty one when the log cannot give it (the TUI says why in its
    /// warnings).
    pub fn timeline_or_empty(&self) -> Result<Report> {
        if self.has_timeline() {
            return self.timeline();
        }
        let utc = crate::exposure::utc_micros();
        let df = DataFrame::new(
            0,
            vec![
                Column::new_empty("minute".into(), &utc),
                Column::new_empty("requests".into(), &DataType::UInt32),
                Column::new_empty("exposures".into(), &DataType::UInt32),
                Column::new_empty("users_exposed".into(), &DataType::UInt32),
            ],
        )
        .map_err(polars_bug)?;
        Ok(Report {
            kind: "timeline",
            df,
        })
    }

    /// Whether the log keeps each response's minute: a raw log, or a weighted one per minute.
    pub fn has_timeline(&self) -> bool {
        !self.log.weighted || self.log.minutes
    }

    /// How this audit's log rows count.
    pub(crate) fn weight(&self) -> Weight {
        Weight::of(self.log)
    }

    /// The headline figures, computed from the users frame and the log.
    pub fn summary(&self) -> Result<Summary> {
        let users = self.users_frame()?;
        self.summary_from(&users)
    }

    pub fn summary_from(&self, users: &DataFrame) -> Result<Summary> {
        let inventory = self.inventory;
        let words = words(inventory);
        let direct: Vec<u64> = (0..words)
            .map(|w| word_bits(inventory, w, |i| inventory.fields[i].direct_notice))
            .collect();
        let relating = users.column(related::VIA).is_ok();
        let only_via = if relating {
            any_set("exp", words).and(related::only_via_related())
        } else {
            lit(false)
        };
        let counts = users
            .clone()
            .lazy()
            .select([
                only_via
                    .sum()
                    .cast(DataType::UInt32)
                    .alias("only_via_related"),
                len().cast(DataType::UInt32).alias("potential"),
                any_bits("pot", &direct)
                    .sum()
                    .cast(DataType::UInt32)
                    .alias("direct_potential"),
                any_set("exp", words)
                    .sum()
                    .cast(DataType::UInt32)
                    .alias("confirmed"),
                col("tier_rank")
                    .eq(lit(0u8))
                    .sum()
                    .cast(DataType::UInt32)
                    .alias("direct"),
                col("tier_rank")
                    .eq(lit(1u8))
                    .sum()
                    .cast(DataType::UInt32)
                    .alias("notice"),
                col("assumed_registered")
                    .sum()
                    .cast(DataType::UInt32)
                    .alias("assumed"),
            ])
            .collect()
            .map_err(polars_bug)?;
        let w = self.weight();
        let rows = self
            .enriched()?
            .select([
                w.rows().alias("rows"),
                w.count(col("exposure")).alias("exposures"),
                w.count(col("page_id").is_null()).alias("unmapped"),
                w.count(col("page_id").is_null().and(col("cross")))
                    .alias("unmapped_cross"),
                w.count(col("cross")).alias("cross"),
            ])
            .collect()
            .map_err(polars_bug)?;
        let get = |df: &DataFrame, name: &str| -> u64 {
            df.column(name)
                .ok()
                .and_then(|c| c.u32().ok().and_then(|c| c.get(0)))
                .unwrap_or(0) as u64
        };
        let potential = get(&counts, "potential");
        Ok(Summary {
            users_potentially_affected: potential,
            users_direct_fields_viewable: get(&counts, "direct_potential"),
            users_exposed: get(&counts, "confirmed"),
            users_direct_tier: get(&counts, "direct"),
            users_notice_tier: get(&counts, "notice"),
            users_potential_tier: potential - get(&counts, "direct") - get(&counts, "notice"),
            exposures: get(&rows, "exposures"),
            unmapped_cross_user: get(&rows, "unmapped_cross"),
            rows_in_window: get(&rows, "rows"),
            rows_cross_user: get(&rows, "cross"),
            rows_unmapped: get(&rows, "unmapped"),
            rows_without_owner: self.log.rows_without_owner as u64,
            users_assumed_registered: get(&counts, "assumed"),
            users_exposed_only_via_related: relating.then(|| get(&counts, "only_via_related")),
        })
    }

    /// The headline figures as a `figure, value` report.
    pub fn summary_report(&self) -> Result<Report> {
        let s = self.summary()?;
        let mut figures: Vec<(String, String)> = s
            .figures()
            .into_iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        figures.push(("window_from".into(), self.format_bound(self.window.0)));
        figures.push(("window_to".into(), self.format_bound(self.window.1)));
        figures.push(("time_zone".into(), self.zone.to_string()));
        if let Some(relations) = self.relating() {
            figures.push(("relations_table".into(), relations.file.clone()));
        }
        for (name, value) in self.assumptions(&s) {
            figures.push((name, value));
        }
        let (names, values): (Vec<String>, Vec<String>) = figures.into_iter().unzip();
        let df = DataFrame::new(
            names.len(),
            vec![
                Column::new("figure".into(), names),
                Column::new("value".into(), values),
            ],
        )
        .map_err(polars_bug)?;
        Ok(Report {
            kind: "summary",
            df,
        })
    }

    fn format_bound(&self, bound: Option<i64>) -> String {
        match bound {
            Some(micros) => self.zone.format_micros(micros),
            None => "(every row)".to_string(),
        }
    }

    /// The conservative assumptions the figures rest on, as (figure, value) pairs.
    pub fn assumptions(&self, s: &Summary) -> Vec<(String, String)> {
        match self.registered {
            None => vec![(
                "assumption".into(),
                "no registered-fields table: every user is assumed to have every field".into(),
            )],
            Some(r) => {
                let mut out = vec![("registered_table".into(), r.file.clone())];
                out.push((
                    "users_absent_from_registered".into(),
                    format!(
                        "{} (assumed to have every field)",
                        s.users_assumed_registered
                    ),
                ));
                out.push((
                    "fields_without_registered_column".into(),
                    if r.fields_without_column.is_empty() {
                        "none".into()
                    } else {
                        format!("{} (assumed registered)", r.fields_without_column.join(";"))
                    },
                ));
                out.push((
                    "empty_registered_cells".into(),
                    format!("{} (assumed registered)", r.empty_cells),
                ));
                out
            }
        }
    }

    /// Notes for stderr when the registered-fields defaults were used; `users_absent` when known.
    pub fn assumption_notes(&self, users_absent: Option<u64>) -> Vec<String> {
        let mut notes = Vec::new();
        match self.registered {
            None => notes.push(
                "no registered-fields table (-r): every user is assumed to have every field"
                    .to_string(),
            ),
            Some(r) => {
                if let Some(absent) = users_absent.filter(|&n| n > 0) {
                    notes.push(format!(
                        "{absent} affected users are absent from {} and were assumed to have every field",
                        r.file
                    ));
                }
                if !r.fields_without_column.is_empty() {
                    notes.push(format!(
                        "{} has no column for {}: assumed registered for everyone",
                        r.file,
                        r.fields_without_column.join(", ")
                    ));
                }
                if r.empty_cells > 0 {
                    notes.push(format!(
                        "{} empty cells in {} were assumed registered",
                        r.empty_cells, r.file
                    ));
                }
            }
        }
        notes
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

/// The headline figures and the row counts behind them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub users_potentially_affected: u64,
    pub users_direct_fields_viewable: u64,
    pub users_exposed: u64,
    pub users_direct_tier: u64,
    pub users_notice_tier: u64,
    pub users_potential_tier: u64,
    pub exposures: u64,
    pub unmapped_cross_user: u64,
    pub rows_in_window: u64,
    pub rows_cross_user: u64,
    pub rows_unmapped: u64,
    pub rows_without_owner: u64,
    pub users_assumed_registered: u64,
    /// With a relations table: exposed users whose every exposure was on someone else's page.
    pub users_exposed_only_via_related: Option<u64>,
}

impl Summary {
    /// The figures in the order `report summary` prints them.
    pub fn figures(&self) -> Vec<(&'static str, u64)> {
        let mut figures = vec![
            (
                "users_potentially_affected",
                self.users_potentially_affected,
            ),
            (
                "users_direct_notice_fields_viewable",
                self.users_direct_fields_viewable,
            ),
            ("users_exposed", self.users_exposed),
        ];
        if let Some(only) = self.users_exposed_only_via_related {
            figures.push(("users_exposed_only_via_related_pages", only));
        }
        figures.extend([
            ("users_direct_tier", self.users_direct_tier),
            ("exposures", self.exposures),
            ("unmapped_cross_user_rows", self.unmapped_cross_user),
            ("users_notice_tier", self.users_notice_tier),
            ("users_potential_tier", self.users_potential_tier),
            ("rows_in_window", self.rows_in_window),
            ("rows_cross_user", self.rows_cross_user),
            ("rows_unmapped", self.rows_unmapped),
            ("rows_without_owner_skipped", self.rows_without_owner),
        ]);
        figures
    }
}

/// Path values → normalised path, page id, the page's field mask and its page bit.
/// The paths are split over the machine's cores; each is normalised and matched once.
fn match_paths(inventory: &Inventory, raw: &StringChunked) -> Result<DataFrame> {
    let words = words(inventory);
    let page_words = page_words(inventory);
    let page_bits: Vec<Vec<u64>> = inventory
        .pages
        .iter()
        .map(|page| {
            (0..words)
                .map(|w| word_bits(inventory, w, |i| page.fields.contains(&i)))
                .collect()
        })
        .collect();
    // Each core matches its share of the paths and builds its share of the columns (an
    // empty log: one empty share, for the columns' types).
    let slices = match raw.len() {
        0 => vec![raw.clone()],
        _ => codes::core_slices(raw),
    };
    let parts = codes::on_every_core(&slices, |part| -> PolarsResult<DataFrame> {
        let n = part.len();
        let mut norm: Vec<Cow<str>> = Vec::with_capacity(n);
        let mut page_ids: Vec<Option<&str>> = Vec::with_capacity(n);
        let mut masks: Vec<Vec<u64>> = vec![Vec::with_capacity(n); words];
        let mut pages: Vec<Vec<u64>> = vec![Vec::with_capacity(n); page_words];
        for path in part.iter() {
            let normalised = normalise_path(path.unwrap_or("/"));
            let page = inventory.match_path(&normalised);
            page_ids.push(page.map(|p| inventory.pages[p].id.as_str()));
            for (w, mask) in masks.iter_mut().enumerate() {
                mask.push(page.map_or(0, |p| page_bits[p][w]));
            }
            for (w, bits) in pages.iter_mut().enumerate() {
                bits.push(page.map_or(0, |p| if p / 64 == w { 1u64 << (p % 64) } else { 0 }));
            }
            norm.push(normalised);
        }
        let mut columns = vec![
            Column::from(part.clone().into_series().with_name("path".into())),
            StringChunked::from_iter_values("norm_path".into(), norm.iter().map(|n| n.as_ref()))
                .into_column(),
            Column::new("page_id".into(), page_ids),
        ];
        for (w, mask) in masks.into_iter().enumerate() {
            columns.push(Column::new(mask_name("pm", w).into(), mask));
        }
        for (w, bits) in pages.into_iter().enumerate() {
            columns.push(Column::new(mask_name("pg", w).into(), bits));
        }
        DataFrame::new(n, columns)
    })?;
    let mut parts = parts.into_iter();
    let mut df = match parts.next() {
        Some(first) => first.map_err(polars_bug)?,
        None => anyhow::bail!("internal error: route matching lost paths"),
    };
    for more in parts {
        df.vstack_mut(&more.map_err(polars_bug)?)
            .map_err(polars_bug)?;
    }
    if df.height() != raw.len() {
        anyhow::bail!("internal error: route matching lost paths");
    }
    // One chunk: every row of the log gathers from this table by code.
    df.rechunk_mut_par();
    Ok(df)
}

/// Drill-downs the TUI asks for: the same aggregations, restricted to one page or field.
impl Audit<'_> {
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

    /// The `users` report restricted to users whose `field_id` was exposed, in
    /// notice-priority order, from an already computed users frame.
    pub fn field_users_from(&self, users: &DataFrame, field_id: &str) -> Result<Report> {
        let Some(i) = self.inventory.field_index(field_id) else {
            anyhow::bail!("no field {field_id:?} in the inventory");
        };
        let df = users
            .clone()
            .lazy()
            .filter(bit_set(&mask_name("exp", i / 64), i))
            .collect()
            .map_err(polars_bug)?;
        self.users_from(&df)
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
            len().cast(DataType::UInt32).alias("paths"),
            col("requests").sum().cast(DataType::UInt32),
            col("cross_user").sum().cast(DataType::UInt32),
        ])
        .sort_by_exprs(
            [col("requests"), col("route")],
            SortMultipleOptions::default().with_order_descending_multi([true, false]),
        )
        .collect()
        .map_err(polars_bug)
}
