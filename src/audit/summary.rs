//! The incident in figures, and the assumptions behind them.

use anyhow::Result;
use polars::prelude::*;

use super::related;
use super::tier::Tier;
use super::unmapped::BlindSpots;
use super::{words, Audit, Report, ReportKind};
use crate::frame::bits::any_bits;
use crate::frame::bits::any_set;
use crate::frame::bits::word_bits;
use crate::frame::cells;
use crate::frame::names::{
    EXPOSURES, FIRST_EXPOSED, LAST_EXPOSED, PAGE_ID, POSSIBLE_EXPOSURES, TIER_RANK, USERS_EXPOSED,
};
use crate::frame::OrBug;

impl Audit<'_> {
    /// The headline figures, computed from the users frame and the log.
    pub fn summary(&self) -> Result<Summary> {
        let users = self.users_frame()?;
        self.summary_from(&users)
    }

    pub fn summary_from(&self, users: &DataFrame) -> Result<Summary> {
        let inventory = self.inventory;
        let words = words(inventory);
        let direct: Vec<u64> = (0..words)
            .map(|w| {
                word_bits(inventory.fields.len(), w, |i| {
                    inventory.fields[i].direct_notice
                })
            })
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
                    .cast(DataType::UInt64)
                    .alias("only_via_related"),
                len().cast(DataType::UInt64).alias("potential"),
                any_bits("pot", &direct)
                    .sum()
                    .cast(DataType::UInt64)
                    .alias("direct_potential"),
                any_set("exp", words)
                    .sum()
                    .cast(DataType::UInt64)
                    .alias("confirmed"),
                col(TIER_RANK)
                    .eq(lit(Tier::Direct.rank()))
                    .sum()
                    .cast(DataType::UInt64)
                    .alias(Tier::Direct.name()),
                col(TIER_RANK)
                    .eq(lit(Tier::Notice.rank()))
                    .sum()
                    .cast(DataType::UInt64)
                    .alias(Tier::Notice.name()),
                col("assumed_registered")
                    .sum()
                    .cast(DataType::UInt64)
                    .alias("assumed"),
            ])
            .collect()
            .or_bug()?;
        let w = self.weight();
        let rows = self
            .enriched()?
            .select([
                w.rows().alias("rows"),
                w.count(col("exposure")).alias(EXPOSURES),
                w.count(col(PAGE_ID).is_null()).alias("unmapped"),
                w.count(col(PAGE_ID).is_null().and(col("cross")))
                    .alias("unmapped_cross"),
                w.count(col("cross")).alias("cross"),
            ])
            .collect()
            .or_bug()?;
        let get = |df: &DataFrame, name: &str| cells::number(df, name, 0);
        let potential = get(&counts, "potential")?;
        let possible = possible_counts(users)?;
        let blind_spots = self.blind_spots_from(users)?;
        Ok(Summary {
            users_potentially_affected: potential,
            users_direct_fields_viewable: get(&counts, "direct_potential")?,
            users_exposed: get(&counts, "confirmed")?,
            users_direct_tier: get(&counts, Tier::Direct.name())?,
            users_notice_tier: get(&counts, Tier::Notice.name())?,
            users_potential_tier: potential
                - get(&counts, Tier::Direct.name())?
                - get(&counts, Tier::Notice.name())?,
            exposures: get(&rows, EXPOSURES)?,
            unmapped_cross_user: get(&rows, "unmapped_cross")?,
            rows_in_window: get(&rows, "rows")?,
            rows_cross_user: get(&rows, "cross")?,
            rows_unmapped: get(&rows, "unmapped")?,
            rows_without_owner: self.log.rows_without_owner as u64,
            users_assumed_registered: get(&counts, "assumed")?,
            users_exposed_only_via_related: match relating {
                true => Some(get(&counts, "only_via_related")?),
                false => None,
            },
            possible,
            blind_spots,
            exposed_between: exposed_between(users)?,
            window: self.window,
            cache_window: self.cache_window.cloned(),
        })
    }

    /// The headline figures as a `figure, value` report.
    pub fn summary_report(&self) -> Result<Report> {
        self.summary_report_of(&self.summary()?)
    }

    /// `s`, this audit's figures, as a `figure, value` report.
    pub fn summary_report_of(&self, s: &Summary) -> Result<Report> {
        let mut figures: Vec<(String, String)> = s
            .figures()
            .into_iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        let auto = s.cache_window.as_ref().map_or((false, false), |w| w.auto);
        let bound = |at: Option<i64>, auto: bool| match auto {
            true => format!(
                "{} (auto: the window the CDN log suggests)",
                self.format_bound(at)
            ),
            false => self.format_bound(at),
        };
        figures.push(("window_from".into(), bound(self.window.0, auto.0)));
        figures.push(("window_to".into(), bound(self.window.1, auto.1)));
        if let Some((from, to)) = s.cache_window.as_ref().and_then(|w| w.suggested()) {
            figures.push((
                "window_suggested_from".into(),
                self.zone.format_micros(from),
            ));
            figures.push(("window_suggested_to".into(), self.zone.format_micros(to)));
        }
        figures.push(("time_zone".into(), self.zone.to_string()));
        if let Some(relations) = self.relating() {
            figures.push(("relations_table".into(), relations.file.clone()));
        }
        for (name, value) in self.assumptions(s) {
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
        .or_bug()?;
        Ok(Report {
            kind: ReportKind::Summary,
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
    /// With possible exposures (ambiguous responses of a coarse-clock CDN log): how many
    /// of the exposures are possible, and the users with only possible ones.
    pub possible: Option<(u64, u64)>,
    /// The owners of cross-user responses on pages the inventory does not cover.
    pub blind_spots: BlindSpots,
    /// The first and the last exposure (microseconds since the epoch), when there is one.
    pub exposed_between: Option<(i64, i64)>,
    /// The `--from`/`--to` window the figures cover.
    pub window: (Option<i64>, Option<i64>),
    /// With a CDN log: when its caches served personal pages, and how many of those
    /// responses the window leaves out.
    pub cache_window: Option<super::CacheWindow>,
}

/// How close to a bound of the window an exposure may lie before the window may have cut
/// the incident short: one minute, inclusive.
pub const WINDOW_EDGE_MICROS: i64 = 60_000_000;

/// Where the exposures reach a bound of the window (README "Report to the regulator").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WindowEdges {
    /// `(--from, first exposure)` when the first lies within a minute after `--from`.
    pub from: Option<(i64, i64)>,
    /// `(--to, last exposure)` when the last lies within a minute before `--to`.
    pub to: Option<(i64, i64)>,
}

impl WindowEdges {
    pub fn any(&self) -> bool {
        self.from.is_some() || self.to.is_some()
    }
}

/// The earliest first exposure and the latest last one over the users frame.
fn exposed_between(users: &DataFrame) -> Result<Option<(i64, i64)>> {
    if users.height() == 0 {
        return Ok(None);
    }
    let df = users
        .clone()
        .lazy()
        .select([
            col(FIRST_EXPOSED)
                .min()
                .cast(DataType::Int64)
                .alias("first"),
            col(LAST_EXPOSED).max().cast(DataType::Int64).alias("last"),
        ])
        .collect()
        .or_bug()?;
    let get = |name: &str| -> Result<Option<i64>> {
        Ok(df.column(name).or_bug()?.i64().or_bug()?.get(0))
    };
    Ok(get("first")?.zip(get("last")?))
}

/// `(possible exposures, users with only possible exposures)` from the users frame.
fn possible_counts(users: &DataFrame) -> Result<Option<(u64, u64)>> {
    if users.column(POSSIBLE_EXPOSURES).is_err() {
        return Ok(None);
    }
    let counts = users
        .clone()
        .lazy()
        .select([
            col(POSSIBLE_EXPOSURES)
                .sum()
                .cast(DataType::UInt64)
                .alias("possible"),
            col(EXPOSURES)
                .eq(lit(0u64))
                .and(col(POSSIBLE_EXPOSURES).gt(lit(0u64)))
                .sum()
                .cast(DataType::UInt64)
                .alias("only"),
        ])
        .collect()
        .or_bug()?;
    Ok(Some((
        cells::number(&counts, "possible", 0)?,
        cells::number(&counts, "only", 0)?,
    )))
}

impl Summary {
    /// Whether the first or last exposure lies within a minute of the window's bounds,
    /// a sign that the window may cut the incident short.
    /// A bound taken from the CDN log (`auto`) where the log shows the leak's start (or
    /// end) lies at the edge by design: it is not warned of.
    pub fn window_edges(&self) -> WindowEdges {
        let Some((first, last)) = self.exposed_between else {
            return WindowEdges::default();
        };
        let (from_seen, to_seen) = match &self.cache_window {
            Some(w) => (
                w.auto.0 && w.start_in_log() == Some(true),
                w.auto.1 && w.end_in_log() == Some(true),
            ),
            None => (false, false),
        };
        WindowEdges {
            from: self
                .window
                .0
                .filter(|&from| !from_seen && first - from <= WINDOW_EDGE_MICROS)
                .map(|from| (from, first)),
            to: self
                .window
                .1
                .filter(|&to| !to_seen && to - last <= WINDOW_EDGE_MICROS)
                .map(|to| (to, last)),
        }
    }

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
            (USERS_EXPOSED, self.users_exposed),
        ];
        if let Some(only) = self.users_exposed_only_via_related {
            figures.push(("users_exposed_only_via_related_pages", only));
        }
        if let Some((_, only)) = self.possible {
            figures.push(("users_only_possibly_exposed", only));
        }
        figures.extend([
            ("users_direct_tier", self.users_direct_tier),
            (EXPOSURES, self.exposures),
        ]);
        if let Some((possible, _)) = self.possible {
            figures.push(("exposures_possible", possible));
        }
        figures.extend([
            ("unmapped_cross_user_rows", self.unmapped_cross_user),
            ("unmapped_cross_user_owners", self.blind_spots.owners),
            (
                "unmapped_cross_user_owners_not_counted",
                self.blind_spots.owners_not_counted,
            ),
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
