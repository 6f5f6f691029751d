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

use super::id_lists::with_id_list;
use super::{words, Audit};
use crate::frame::bits::{any_bits, mask_name, mask_names, word_bits};
use crate::frame::cores;
use crate::frame::names::{EXPOSURES, OWNER_ID, PAGE_ID, VIEWER_ID};
use crate::frame::OrBug;
use crate::ingest::Relations;
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
                PAGE_ID.into(),
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
                .map(|e| word_bits(inventory.fields.len(), w, |i| e.2.contains(&i)))
                .collect();
            columns.push(Column::new(mask_name("rm", w).into(), bits));
        }
        DataFrame::new(entries.len(), columns).or_bug()
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
        let page_words = super::page_words(inventory);
        let pm = mask_names("pm", words);
        let pg = mask_names("pg", page_words);
        let mut need: Vec<String> = vec![PAGE_ID.into(), "norm_path".into()];
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
        let rows = self
            .related_page_rows(&need, &pages_bits, log_columns)?
            .join(
                self.related_pages()?.lazy(),
                [col(PAGE_ID)],
                [col(PAGE_ID)],
                JoinArgs::new(JoinType::Inner),
            )
            .collect()
            .or_bug()?;
        let (rows, relevant) = relevant_relations(rows, &relations.df)?;
        // The path columns the sift read and the caller does not want are dropped: the joins
        // below copy every column.
        let unused: Vec<&str> = [PAGE_ID, "norm_path"]
            .into_iter()
            .filter(|c| !columns.iter().any(|wanted| wanted == c))
            .collect();
        let rows = rows.lazy().drop(by_name(unused, true, false));
        let repeated = relevant.repeated;
        let rows = related_people(rows, relevant)?;
        let mut shape = vec![col("row")];
        shape.extend(log_columns.iter().map(|c| col(*c)));
        shape.extend(columns.iter().map(|c| col(c.as_str())));
        shape.push(col(VIA));
        let renamed: Vec<Expr> = (0..words)
            .map(|w| col(mask_name("rm", w)).alias(mask_name("pm", w)))
            .collect();
        if !repeated {
            return Ok(rows.with_columns(renamed).select(shape));
        }
        // A person reached from one row by two relations (two relations, or two
        // transactions without a path) is merged to one row: masks ORed, the rest is the
        // row's. Only relations whose (owner, related person) pair repeats can do that.
        let rows = rows.collect().or_bug()?.lazy();
        let single = rows
            .clone()
            .filter(col("rel_repeated").not())
            .with_columns(renamed)
            .select(shape.clone());
        let mut aggs: Vec<Expr> = log_columns
            .iter()
            .filter(|c| **c != OWNER_ID)
            .map(|c| col(*c).first())
            .collect();
        for c in columns.iter().filter(|c| !pm.contains(c)) {
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
        let merged = rows
            .filter(col("rel_repeated"))
            .group_by([col("row"), col(OWNER_ID)])
            .agg(aggs)
            .select(shape);
        concat([single, merged], UnionArgs::default()).or_bug()
    }

    /// The log rows on pages that show related fields, with `row` (their position in the
    /// log), the log's `log_columns` and those joining and filtering read, and the path
    /// columns `need`.
    fn related_page_rows(
        &self,
        need: &[String],
        pages_bits: &[u64],
        log_columns: &[&str],
    ) -> Result<LazyFrame> {
        let mut columns = vec!["ts", OWNER_ID, VIEWER_ID];
        columns.extend(
            log_columns
                .iter()
                .filter(|c| !["ts", OWNER_ID, VIEWER_ID].contains(c)),
        );
        let keep = any_bits("pg", pages_bits);
        let df = self.rows_where(keep, Some(&columns), true, need)?;
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
        let related = self.related_frame(columns, log_columns)?;
        with_related(own, related)
    }

    /// The related people's rows for `with_related_rows`, collected (callers aggregate
    /// them more than once); none without a relations table.
    pub(super) fn related_frame(
        &self,
        columns: &[String],
        log_columns: &[&str],
    ) -> Result<Option<DataFrame>> {
        let Some(relations) = self.relating() else {
            return Ok(None);
        };
        let related = self
            .related_rows(columns, relations, log_columns)?
            .drop(by_name(["row"], true, false))
            .collect()
            .or_bug()?;
        Ok(Some(related))
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
                &["ts", OWNER_ID, VIEWER_ID],
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

    /// How many distinct owners a group's rows exposed as owners (the pages' and the
    /// timeline's owner counts; with relations, a related person's row is not the owner's).
    pub(super) fn owners_exposed(&self) -> Expr {
        let own = if self.relating().is_some() {
            "own_exposure"
        } else {
            "exposure"
        };
        col(OWNER_ID)
            .filter(col(own))
            .n_unique()
            .cast(DataType::UInt64)
    }
}

/// The number of a row's owner among the rows on pages with related fields.
const OWNER_NUMBER: &str = "rel_owner";

/// The number of a row's (owner, normalised path) among those rows.
const PAGE_NUMBER: &str = "rel_page";

/// The owner's rows with `related` (from `related_frame`) appended and `vb0` on both;
/// unchanged without related rows.
pub(super) fn with_related(own: LazyFrame, related: Option<DataFrame>) -> Result<LazyFrame> {
    let Some(related) = related else {
        return Ok(own);
    };
    // A literal is a dynamic integer until cast.
    let own = own.with_column(lit(1u64).cast(DataType::UInt64).alias(VIA));
    concat([own, related.lazy()], UnionArgs::default()).or_bug()
}

/// Each row joined to the people its relations show, valid at the row's time and other
/// than its owner: the related person becomes the row's owner, and a row served to its
/// owner is given the related person as viewer (potential, never an exposure).
fn related_people(rows: LazyFrame, relevant: Relevant) -> Result<LazyFrame> {
    let table = |df: DataFrame| {
        df.lazy().rename(
            ["relation", "from", "to"],
            ["rel_relation", "rel_from", "rel_to"],
            true,
        )
    };
    let inner = JoinArgs::new(JoinType::Inner);
    // Relations tied to one path join on the number of the row's (owner, path), the
    // others on the number of its owner (joining every relation on the owner, then
    // filtering by path, would multiply the rows).
    let on_path = rows.clone().join(
        table(relevant.on_path),
        [col(PAGE_NUMBER)],
        [col(PAGE_NUMBER)],
        inner.clone(),
    );
    let anywhere = rows.join(
        table(relevant.anywhere),
        [col(OWNER_NUMBER)],
        [col(OWNER_NUMBER)],
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
        .and(col("related_id").neq(col(OWNER_ID)));
    Ok(concat([on_path, anywhere], UnionArgs::default())
        .or_bug()?
        .filter(valid)
        .with_column(
            when(col(VIEWER_ID).eq(col(OWNER_ID)))
                .then(col("related_id"))
                .otherwise(col(VIEWER_ID))
                .alias(VIEWER_ID),
        )
        .with_column(col("related_id").alias(OWNER_ID)))
}

/// The relations that can match some log row on a page with related fields.
struct Relevant {
    /// Tied to one path: `relation`, `related_id`, `from`, `to`, the `rel_page` they are
    /// on and `rel_repeated`.
    on_path: DataFrame,
    /// For every path of the owner: `relation`, `related_id`, `from`, `to`, the owner's
    /// `rel_owner` and `rel_repeated`.
    anywhere: DataFrame,
    /// Whether some (owner, related person) pair is in more than one relevant relation,
    /// marked `rel_repeated`: only such relations can reach one person twice from a row.
    repeated: bool,
}

/// The relations that can match `rows` (the log rows on pages with related fields, with
/// `owner_id` and `norm_path`): the owner of one of those rows and, when tied to a path,
/// that row's path. `rows` is given the numbers the relations are joined on (`rel_owner`,
/// `rel_page`). One pass over the table on every core, by integer lookups and normalising
/// only the paths of owners on those rows; the few kept relations are copied as they are
/// found.
fn relevant_relations(mut rows: DataFrame, relations: &DataFrame) -> Result<(DataFrame, Relevant)> {
    let text = |name: &str| -> Result<StringChunked> {
        Ok(rows.column(name).and_then(|c| c.str()).or_bug()?.clone())
    };
    let (row_owners, row_paths) = (text(OWNER_ID)?, text("norm_path")?);
    let (owners, owner_numbers) = Owners::of(&row_owners);
    let mut pages: PlHashMap<(u32, &str), u32> = PlHashMap::with_capacity(rows.height());
    let page_numbers: Vec<Option<u32>> = owner_numbers
        .iter()
        .zip(row_paths.iter())
        .map(|(owner, path)| {
            let next = pages.len() as u32;
            owner
                .zip(path)
                .map(|page| *pages.entry(page).or_insert(next))
        })
        .collect();
    let table = Table::of(relations)?;
    let ranges = cores::core_ranges(relations.height());
    let parts = cores::on_every_core(&ranges, |range| table.sift(range.clone(), &owners, &pages))?;
    let (mut tied, mut untied) = (Kept::default(), Kept::default());
    for (part_tied, part_untied) in parts {
        tied.append(part_tied);
        untied.append(part_untied);
    }
    // The (owner, related person) pairs of the kept relations, and whether each repeats.
    let mut seen: PlHashMap<(u32, u128), bool> =
        PlHashMap::with_capacity(tied.len() + untied.len());
    for &pair in tied.pair.iter().chain(&untied.pair) {
        seen.entry(pair)
            .and_modify(|again| *again = true)
            .or_insert(false);
    }
    let repeated = seen.values().any(|&again| again);
    let relevant = Relevant {
        on_path: tied.frame(PAGE_NUMBER, &seen)?,
        anywhere: untied.frame(OWNER_NUMBER, &seen)?,
        repeated,
    };
    let numbers = [
        UInt32Chunked::from_iter_options(OWNER_NUMBER.into(), owner_numbers.into_iter()),
        UInt32Chunked::from_iter_options(PAGE_NUMBER.into(), page_numbers.into_iter()),
    ];
    for number in numbers {
        rows.with_column(number.into_column()).or_bug()?;
    }
    Ok((rows, relevant))
}

/// Relations kept by `sift`, column by column.
#[derive(Default)]
struct Kept<'a> {
    relation: Vec<&'a str>,
    related: Vec<&'a str>,
    from: Vec<Option<i64>>,
    to: Vec<Option<i64>>,
    /// What they join on: the number of their (owner, path) or of their owner.
    on: Vec<u32>,
    /// The owner's number and `person_key` of the related person.
    pair: Vec<(u32, u128)>,
}

impl<'a> Kept<'a> {
    fn len(&self) -> usize {
        self.on.len()
    }

    fn append(&mut self, other: Kept<'a>) {
        self.relation.extend(other.relation);
        self.related.extend(other.related);
        self.from.extend(other.from);
        self.to.extend(other.to);
        self.on.extend(other.on);
        self.pair.extend(other.pair);
    }

    /// `relation`, `related_id`, `from`, `to` (UTC µs), `on` named `on` and
    /// `rel_repeated` (the pair is in `seen` more than once).
    fn frame(&self, on: &str, seen: &PlHashMap<(u32, u128), bool>) -> Result<DataFrame> {
        let bound = |name: &str, values: &[Option<i64>]| -> Result<Column> {
            Int64Chunked::from_slice_options(name.into(), values)
                .into_series()
                .cast(&crate::frame::utc_micros())
                .map(Column::from)
                .or_bug()
        };
        let repeated: Vec<bool> = self.pair.iter().map(|pair| seen[pair]).collect();
        DataFrame::new(
            self.len(),
            vec![
                Column::new("relation".into(), &self.relation),
                Column::new("related_id".into(), &self.related),
                bound("from", &self.from)?,
                bound("to", &self.to)?,
                Column::new(on.into(), &self.on),
                Column::new("rel_repeated".into(), repeated),
            ],
        )
        .or_bug()
    }
}

/// The owners of the log rows on pages with related fields, numbered. An id of at most 12
/// bytes is held whole in its 16-byte view (zero-padded, which polars guarantees): such ids
/// are looked up by their view, an integer, with no text read or compared.
#[derive(Default)]
struct Owners<'a> {
    inline: PlHashMap<u128, u32>,
    long: PlHashMap<&'a str, u32>,
}

impl<'a> Owners<'a> {
    /// Every owner of `ids`, numbered in order of first sight; with each row's number.
    fn of(ids: &'a StringChunked) -> (Owners<'a>, Vec<Option<u32>>) {
        let mut owners = Owners::default();
        let mut numbers = Vec::with_capacity(ids.len());
        for array in ids.downcast_iter() {
            for (view, id) in array.views().iter().zip(array.iter()) {
                numbers.push(id.map(|id| {
                    let next = (owners.inline.len() + owners.long.len()) as u32;
                    if view.length <= INLINE {
                        *owners.inline.entry(view.as_u128()).or_insert(next)
                    } else {
                        *owners.long.entry(id).or_insert(next)
                    }
                }));
            }
        }
        (owners, numbers)
    }

    /// The number of the owner whose id is `id`, with `view` its view.
    fn get(&self, view: u128, id: impl FnOnce() -> &'a str) -> Option<u32> {
        if (view as u32) <= INLINE {
            self.inline.get(&view).copied()
        } else {
            self.long.get(id()).copied()
        }
    }
}

/// The longest text a view holds whole.
const INLINE: u32 = 12;

/// An integer for an id with `view` its view: the view itself when it holds the id whole,
/// else a hash of the text (marked so that it is no such view). Equal ids get equal keys;
/// two long ids may share one, rarely: where that can only cost time, not change a result.
fn person_key(view: u128, id: &str) -> u128 {
    if (view as u32) <= INLINE {
        return view;
    }
    let hash = std::hash::BuildHasher::hash_one(
        &std::hash::BuildHasherDefault::<std::hash::DefaultHasher>::default(),
        id,
    );
    (u128::from(hash) << 64) | u128::from(u32::MAX)
}

/// The relations table's columns, borrowed (times as their µs).
struct Table<'a> {
    relation: &'a StringChunked,
    owner: &'a StringChunked,
    related: &'a StringChunked,
    path: &'a StringChunked,
    from: Int64Chunked,
    to: Int64Chunked,
    /// The rows of each chunk (the same in every column).
    chunks: Vec<usize>,
}

impl<'a> Table<'a> {
    fn of(relations: &'a DataFrame) -> Result<Table<'a>> {
        let text = |name: &str| relations.column(name).and_then(|c| c.str());
        let time = |name: &str| -> PolarsResult<Int64Chunked> {
            let micros = relations.column(name)?.cast(&DataType::Int64)?;
            Ok(micros.i64()?.clone())
        };
        let table = Table {
            relation: text("relation").or_bug()?,
            owner: text(OWNER_ID).or_bug()?,
            related: text("related_id").or_bug()?,
            path: text("path").or_bug()?,
            from: time("from").or_bug()?,
            to: time("to").or_bug()?,
            chunks: relations
                .column(OWNER_ID)
                .or_bug()?
                .as_materialized_series()
                .chunk_lengths()
                .collect(),
        };
        let aligned = [
            table.relation.chunk_lengths(),
            table.related.chunk_lengths(),
            table.path.chunk_lengths(),
            table.from.chunk_lengths(),
            table.to.chunk_lengths(),
        ]
        .into_iter()
        .all(|lengths| lengths.eq(table.chunks.iter().copied()));
        if !aligned {
            anyhow::bail!("internal error: the relations table's columns are not aligned");
        }
        Ok(table)
    }

    /// The relations among `rows` (positions in the table) whose owner is in `owners` and,
    /// when tied to a path, whose (owner, normalised path) is in `pages`: path-tied, untied.
    fn sift(
        &self,
        rows: std::ops::Range<usize>,
        owners: &Owners<'a>,
        pages: &PlHashMap<(u32, &str), u32>,
    ) -> (Kept<'a>, Kept<'a>) {
        let (mut tied, mut untied) = (Kept::default(), Kept::default());
        let mut chunk_start = 0;
        for (k, &length) in self.chunks.iter().enumerate() {
            let chunk_rows = chunk_start..chunk_start + length;
            chunk_start += length;
            let local = rows.start.max(chunk_rows.start) - chunk_rows.start
                ..rows
                    .end
                    .min(chunk_rows.end)
                    .saturating_sub(chunk_rows.start);
            if local.is_empty() {
                continue;
            }
            let (owner, path) = (self.owner.downcast_get(k), self.path.downcast_get(k));
            let (relation, related) = (self.relation.downcast_get(k), self.related.downcast_get(k));
            let (from, to) = (self.from.downcast_get(k), self.to.downcast_get(k));
            let (Some(owner), Some(path), Some(relation), Some(related), Some(from), Some(to)) =
                (owner, path, relation, related, from, to)
            else {
                continue;
            };
            for i in local {
                let view = owner.views()[i].as_u128();
                let Some(number) = owners.get(view, || owner.value(i)) else {
                    continue;
                };
                let (kept, on) = match path.get(i) {
                    None => (&mut untied, number),
                    Some(p) => match pages.get(&(number, normalise_path(p).as_ref())) {
                        Some(&page) => (&mut tied, page),
                        None => continue,
                    },
                };
                // Relation and related ids are never null (checked when read).
                let person = related.get(i).unwrap_or_default();
                kept.pair
                    .push((number, person_key(related.views()[i].as_u128(), person)));
                kept.on.push(on);
                kept.relation.push(relation.get(i).unwrap_or_default());
                kept.related.push(person);
                kept.from.push(from.get(i));
                kept.to.push(to.get(i));
            }
        }
        (tied, untied)
    }
}

/// Adds `vb0` and its list `via` to a users frame: the ways the user's data was exposed, or
/// for a user never exposed, the ways it was disclosed (potential).
pub(super) fn with_via(users: DataFrame, names: &[&str]) -> Result<DataFrame> {
    let mut users = users
        .lazy()
        .with_column(
            when(col(EXPOSURES).gt(lit(0u64)))
                .then(col("via_exp"))
                .otherwise(col("via_pot"))
                .fill_null(lit(0u64))
                .alias(VIA),
        )
        .collect()
        .or_bug()?;
    with_id_list(&mut users, "via", "vb", names)?;
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
    let bits = pages.column(VIA).or_bug()?.u64().or_bug()?.clone();
    let labels: Vec<String> = bits
        .iter()
        .map(|b| via_labels(inventory, b.unwrap_or(0)).join("; "))
        .collect();
    pages
        .with_column(Column::new("via".into(), labels))
        .or_bug()?;
    pages.drop_in_place(VIA).or_bug()?;
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
