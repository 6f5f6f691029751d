//! The `notices` folder: `notice-list.csv` (or `.parquet`), `letters/USER_ID.md` for every
//! user in the chosen tiers, and `summary.md` with the figures and deadlines. Every file is
//! written atomically and owner-only; a non-empty folder is refused unless forced. The
//! folder is rendered (`Rendered::new`) before it is written (`Rendered::write`), so the
//! reports to the regulator, which `crate::regulator::write_notices` adds to it, are
//! rendered before the first file is written too.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::{DateTime, SubsecRound, Utc};
use polars::prelude::*;

use super::deadline::deadlines;
use super::markdown::md_table;
use super::Letters;
use crate::audit::{Audit, Report, Summary, Tier};
use crate::error::InputError;
use crate::frame::cells;
use crate::frame::names::{
    DISTINCT_VIEWERS, EXPOSED_FIELDS, EXPOSURES, FIELD_ID, FIRST_EXPOSED, LAST_EXPOSED,
    USERS_EXPOSED, USER_ID,
};
use crate::frame::OrBug;
use crate::inventory::Lang;
use crate::tables::{self, Format};

/// What to write, and where.
#[derive(Debug, Clone)]
pub struct Options {
    pub out_dir: PathBuf,
    pub lang: Lang,
    pub tiers: Vec<Tier>,
    /// Replace pii-audit's files in a non-empty folder (stale letters are removed).
    pub force: bool,
    /// The notice list as Parquet instead of CSV.
    pub parquet: bool,
    /// The time the summary's "time left" is computed at.
    pub now: DateTime<Utc>,
    /// Only these users (the TUI's current view); None: every user in the tiers.
    pub only: Option<HashSet<String>>,
}

/// What was written.
#[derive(Debug, Clone, Default)]
pub struct Written {
    pub out_dir: PathBuf,
    /// Letters per tier, in tier order.
    pub letters: Vec<(Tier, usize)>,
    pub list: PathBuf,
    pub summary: PathBuf,
    /// The reports to the regulators (`regulator-<jurisdiction>.md` and `.html`), filled in
    /// by `crate::regulator::write_notices`, which writes them.
    pub regulator: Vec<PathBuf>,
    /// Letters of an earlier run that this run does not include, removed under --force.
    pub stale_removed: usize,
}

impl Written {
    pub fn total(&self) -> usize {
        self.letters.iter().map(|(_, n)| n).sum()
    }

    /// "wrote 3 letters (direct 2, notice 1) to out/letters, out/notice-list.csv, out/summary.md"
    pub fn describe(&self) -> String {
        let tiers: Vec<String> = self
            .letters
            .iter()
            .map(|(t, n)| format!("{} {n}", t.name()))
            .collect();
        let mut text = format!(
            "wrote {} letter{} ({}) to {}, {}, {} (owner-only, mode 0600)",
            self.total(),
            if self.total() == 1 { "" } else { "s" },
            tiers.join(", "),
            self.out_dir.join("letters").display(),
            self.list.display(),
            self.summary.display()
        );
        if !self.regulator.is_empty() {
            let names: Vec<String> = self
                .regulator
                .iter()
                .filter_map(|p| p.file_name())
                .map(|n| n.to_string_lossy().into_owned())
                .collect();
            let _ = write!(text, "; reports to the regulator: {}", names.join(", "));
        }
        if self.stale_removed > 0 {
            let _ = write!(
                text,
                "; removed {} letters of an earlier run",
                self.stale_removed
            );
        }
        text
    }
}

/// A user id as a file name: letters, digits, `-`, `_`, `.` and `@` are kept, any other
/// byte (and a leading dot) is written `%XX`, so ids cannot escape the folder or collide.
pub fn file_stem(user_id: &str) -> String {
    let mut out = String::with_capacity(user_id.len());
    for (i, b) in user_id.bytes().enumerate() {
        let keep =
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'@') || (b == b'.' && i > 0);
        if keep {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    if out.is_empty() {
        out.push_str("%00");
    }
    out
}

/// Each user's letter file name, without `.md`: `file_stem` of their id. Names are ASCII
/// (other bytes are `%XX`), so no disk's Unicode normalisation can merge two; where two
/// names differ only in letter case (one file on the default disks of macOS and Windows),
/// each gets `~N`, N its user's place among them in byte order of the ids.
pub fn letter_stems(ids: &[String]) -> Vec<String> {
    let mut stems: Vec<String> = ids.iter().map(|id| file_stem(id)).collect();
    let mut folded: HashMap<String, Vec<usize>> = HashMap::with_capacity(stems.len());
    for (i, stem) in stems.iter().enumerate() {
        folded.entry(stem.to_ascii_lowercase()).or_default().push(i);
    }
    for mut same in folded.into_values().filter(|same| same.len() > 1) {
        same.sort_by(|&a, &b| ids[a].cmp(&ids[b]));
        for (n, i) in same.into_iter().enumerate() {
            stems[i] = format!("{}~{}", stems[i], n + 1);
        }
    }
    stems
}

/// The letter file names of the users of `chosen`, in its order.
fn chosen_stems(chosen: &DataFrame) -> Result<Vec<String>> {
    let ids = (0..chosen.height())
        .map(|row| cells::text(chosen, USER_ID, row))
        .collect::<Result<Vec<_>>>()?;
    Ok(letter_stems(&ids))
}

/// Refuses a non-empty folder unless forced; creates a missing one (owner-only).
fn prepare(dir: &Path, force: bool) -> Result<()> {
    if dir.exists() {
        if !dir.is_dir() {
            return Err(InputError::usage(format!(
                "--out-dir {}: is a file, expected a folder",
                dir.display()
            ))
            .into());
        }
        let entries = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read {}", dir.display()))?
            .count();
        if entries > 0 && !force {
            return Err(InputError::usage(format!(
                "--out-dir {}: the folder is not empty ({entries} entries); choose a new folder or add --force to replace the notices in it",
                dir.display()
            ))
            .into());
        }
    }
    create_private_dir(dir)?;
    create_private_dir(&dir.join("letters"))
}

/// Creates `dir` (and its parents) readable by its owner only, unless it exists.
pub fn create_private_dir(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .with_context(|| format!("cannot create the folder {}", dir.display()))
}

/// The users of `users` (a users frame, notice-priority order) in `tiers` and `only`,
/// in the same order.
pub fn select_users(
    users: &DataFrame,
    tiers: &[Tier],
    only: Option<&HashSet<String>>,
) -> Result<DataFrame> {
    let names: Vec<&str> = tiers.iter().map(|t| t.name()).collect();
    let tier = users.column("tier").or_bug()?.str().or_bug()?;
    let ids = users.column(USER_ID).or_bug()?.str().or_bug()?;
    let mask: BooleanChunked = tier
        .iter()
        .zip(ids.iter())
        .map(|(t, id)| {
            let in_tier = t.is_some_and(|t| names.contains(&t));
            let in_view = match only {
                Some(set) => id.is_some_and(|id| set.contains(id)),
                None => true,
            };
            Some(in_tier && in_view)
        })
        .collect();
    users.filter(&mask).or_bug()
}

fn list_column(name: &str, rows: Vec<Vec<String>>) -> Column {
    if rows.is_empty() {
        return Series::new_empty(name.into(), &DataType::List(Box::new(DataType::String))).into();
    }
    let series: Vec<Series> = rows
        .into_iter()
        .map(|items| Series::new("".into(), items))
        .collect();
    Series::new(name.into(), series).into()
}

/// Why the user is in their tier, in the officer's words.
fn reason(tier: Option<Tier>, direct_labels: &[String]) -> String {
    match tier {
        Some(Tier::Direct) => format!(
            "direct-notice field{} exposed: {}",
            if direct_labels.len() == 1 { "" } else { "s" },
            match direct_labels {
                [init @ .., last] if !init.is_empty() => format!("{} and {last}", init.join(", ")),
                _ => direct_labels.join(""),
            }
        ),
        Some(Tier::Notice) => "exposed, but no direct-notice field".to_string(),
        _ => "only potentially viewable: seen by nobody else".to_string(),
    }
}

/// The notice list: the chosen users in notice-priority order.
pub fn notice_list(audit: &Audit, chosen: &DataFrame) -> Result<Report> {
    let inventory = audit.inventory;
    let n = chosen.height();
    let mut reasons = Vec::with_capacity(n);
    let mut labels = Vec::with_capacity(n);
    let letters: Vec<String> = chosen_stems(chosen)?
        .into_iter()
        .map(|stem| format!("letters/{stem}.md"))
        .collect();
    for row in 0..n {
        let exposed = cells::strings(chosen, EXPOSED_FIELDS, row)?;
        let label = |id: &String| {
            inventory
                .field_index(id)
                .map_or_else(|| id.clone(), |i| inventory.fields[i].label.clone())
        };
        let direct: Vec<String> = exposed
            .iter()
            .filter(|id| {
                inventory
                    .field_index(id)
                    .is_some_and(|i| inventory.fields[i].direct_notice)
            })
            .map(label)
            .collect();
        reasons.push(reason(
            Tier::from_name(&cells::text(chosen, "tier", row)?),
            &direct,
        ));
        labels.push(exposed.iter().map(label).collect::<Vec<_>>());
    }
    let mut df = chosen
        .select([
            USER_ID,
            "tier",
            EXPOSED_FIELDS,
            EXPOSURES,
            DISTINCT_VIEWERS,
            FIRST_EXPOSED,
            LAST_EXPOSED,
        ])
        .or_bug()?;
    df.with_column(Column::new("reason".into(), reasons))
        .or_bug()?;
    df.with_column(list_column("exposed_labels", labels))
        .or_bug()?;
    df.with_column(Column::new("letter".into(), letters))
        .or_bug()?;
    // With a relations table, `via` says whether the user was seen on their own pages
    // (`own`) or through a related person's (the relation ids), as in `report users`.
    let mut columns = NOTICE_LIST_COLUMNS.to_vec();
    if let Ok(via) = chosen.column("via") {
        df.with_column(via.clone()).or_bug()?;
        columns.insert(3, "via");
    }
    let df = df.select(columns).or_bug()?;
    Ok(Report {
        kind: crate::audit::ReportKind::NoticeList,
        df,
    })
}

pub const NOTICE_LIST_COLUMNS: &[&str] = &[
    USER_ID,
    "tier",
    "reason",
    EXPOSED_FIELDS,
    "exposed_labels",
    EXPOSURES,
    DISTINCT_VIEWERS,
    FIRST_EXPOSED,
    LAST_EXPOSED,
    "letter",
];

/// The notices folder for the users of `users` (a users frame) in `options.tiers`,
/// rendered and every check that can refuse made, nothing written yet.
pub struct Rendered<'a> {
    audit: &'a Audit<'a>,
    users: &'a DataFrame,
    options: &'a Options,
    tiers: Vec<Tier>,
    chosen: DataFrame,
    list: Report,
    /// (file stem, letter) per chosen user.
    texts: Vec<(String, String)>,
}

impl<'a> Rendered<'a> {
    /// The letters and the notice list of `users` in `options.tiers`.
    pub fn new(audit: &'a Audit<'a>, users: &'a DataFrame, options: &'a Options) -> Result<Self> {
        let letters = Letters::new(audit.inventory)?;
        let mut tiers = options.tiers.clone();
        tiers.sort();
        tiers.dedup();
        let chosen = select_users(users, &tiers, options.only.as_ref())?;
        let list = notice_list(audit, &chosen)?;
        let mut texts = Vec::with_capacity(chosen.height());
        for (row, stem) in chosen_stems(&chosen)?.into_iter().enumerate() {
            let facts = letters.facts(audit, &chosen, row, options.lang)?;
            texts.push((stem, letters.render(options.lang, &facts)?));
        }
        Ok(Rendered {
            audit,
            users,
            options,
            tiers,
            chosen,
            list,
            texts,
        })
    }

    /// Writes the folder: the letters, the notice list, then the summary.
    pub fn write(self) -> Result<Written> {
        let Rendered {
            audit,
            users,
            options,
            tiers,
            chosen,
            list,
            texts,
        } = self;
        let dir = &options.out_dir;
        prepare(dir, options.force)?;

        let letters_dir = dir.join("letters");
        let mut written_names = HashSet::with_capacity(texts.len());
        for (stem, text) in &texts {
            let name = format!("{stem}.md");
            crate::files::write_private(&letters_dir.join(&name), text.as_bytes())?;
            written_names.insert(name);
        }
        let stale_removed = if options.force {
            remove_stale(&letters_dir, &written_names)?
        } else {
            0
        };

        let (list_name, format) = if options.parquet {
            ("notice-list.parquet", Format::Parquet)
        } else {
            ("notice-list.csv", Format::Csv)
        };
        let list_path = dir.join(list_name);
        crate::files::write_private(&list_path, &tables::render(&list.df, format, &audit.zone)?)?;
        // A list in the other format from an earlier run would disagree with this one.
        let other = dir.join(if options.parquet {
            "notice-list.csv"
        } else {
            "notice-list.parquet"
        });
        if options.force && other.is_file() {
            std::fs::remove_file(&other)
                .with_context(|| format!("cannot remove {}", other.display()))?;
        }

        let chosen_tiers = (0..chosen.height())
            .map(|r| cells::text(&chosen, "tier", r))
            .collect::<Result<Vec<_>>>()?;
        let counts: Vec<(Tier, usize)> = tiers
            .iter()
            .map(|&t| (t, chosen_tiers.iter().filter(|&n| n == t.name()).count()))
            .collect();
        let summary_path = dir.join("summary.md");
        let summary = summary_markdown(audit, users, &counts, options)?;
        crate::files::write_private(&summary_path, summary.as_bytes())?;
        Ok(Written {
            out_dir: dir.clone(),
            letters: counts,
            list: list_path,
            summary: summary_path,
            regulator: Vec::new(),
            stale_removed,
        })
    }
}

/// Removes `letters/*.md` that this run did not write (a user no longer in the tiers
/// must not receive a letter from an earlier run).
fn remove_stale(letters_dir: &Path, written: &HashSet<String>) -> Result<usize> {
    let mut removed = 0;
    for entry in std::fs::read_dir(letters_dir)
        .with_context(|| format!("cannot read {}", letters_dir.display()))?
    {
        let entry = entry.with_context(|| format!("cannot read {}", letters_dir.display()))?;
        let name = entry.file_name().to_string_lossy().to_string();
        if name.ends_with(".md") && !written.contains(&name) && entry.path().is_file() {
            std::fs::remove_file(entry.path())
                .with_context(|| format!("cannot remove {}", entry.path().display()))?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// The deadline table: duty, source, due (in `--tz`), time left at `now`, the rule's words.
pub fn deadline_rows(audit: &Audit, now: DateTime<Utc>) -> Vec<Vec<String>> {
    let Some(incident) = &audit.inventory.incident else {
        return Vec::new();
    };
    deadlines(incident)
        .iter()
        .map(|d| {
            vec![
                d.duty.to_string(),
                d.source.to_string(),
                d.due_text(&audit.zone),
                d.left_text(now),
                d.when.to_string(),
            ]
        })
        .collect()
}

fn summary_markdown(
    audit: &Audit,
    users: &DataFrame,
    counts: &[(Tier, usize)],
    options: &Options,
) -> Result<String> {
    let s = audit.summary_from(users)?;
    let mut out = summary_heading(audit, options);
    out.push_str(&warnings_section(audit, &s));
    out.push_str(&figures_section(audit, &s));
    out.push_str(&tiers_section(&s, counts));
    out.push_str(&fields_section(audit)?);
    out.push_str(&deadlines_section(audit, options.now));
    Ok(out)
}

/// The title, and when, by what and over which window the notices were written.
fn summary_heading(audit: &Audit, options: &Options) -> String {
    let inventory = audit.inventory;
    let zone = &audit.zone;
    let now = options.now.trunc_subsecs(0);
    let mut out = String::new();
    let name = if inventory.name.is_empty() {
        inventory.source.clone()
    } else {
        inventory.name.clone()
    };
    let _ = writeln!(out, "# Notices: {name}\n");
    let bound =
        |b: Option<i64>| b.map_or_else(|| "(every row)".to_string(), |m| zone.format_micros(m));
    let _ = writeln!(
        out,
        "Written {} by pii-audit {}. Window: from {} to {}; times in {zone}. Letters in `{}`.\n",
        zone.format(now),
        env!("CARGO_PKG_VERSION"),
        bound(audit.window.0),
        bound(audit.window.1),
        options.lang.code()
    );
    out
}

/// The warnings about the figures (blind spots, the window's edges), first; nothing when
/// there are none.
fn warnings_section(audit: &Audit, s: &Summary) -> String {
    let alerts = super::alerts::alerts(s, &audit.zone, super::alerts::audit_is_appi(audit));
    if alerts.is_empty() {
        return String::new();
    }
    let mut out = "## Warnings\n\n".to_string();
    for alert in alerts {
        let _ = writeln!(out, "- {}", alert.text);
    }
    out.push('\n');
    out
}

/// The summary report's figures, then the audit's assumptions.
fn figures_section(audit: &Audit, s: &Summary) -> String {
    let mut out = "## Headline figures\n\n".to_string();
    let figures: Vec<Vec<String>> = s
        .figures()
        .into_iter()
        .map(|(f, v)| vec![f.to_string(), v.to_string()])
        .chain(audit.assumptions(s).into_iter().map(|(f, v)| vec![f, v]))
        .collect();
    out.push_str(&md_table(&["figure", "value"], &figures));
    out
}

/// Users per tier, and the letters written for each ("not asked for" for a tier not chosen).
fn tiers_section(s: &Summary, counts: &[(Tier, usize)]) -> String {
    let mut out = "\n## Tiers\n\n".to_string();
    let tier_rows: Vec<Vec<String>> = [
        (Tier::Direct, s.users_direct_tier),
        (Tier::Notice, s.users_notice_tier),
        (Tier::Potential, s.users_potential_tier),
    ]
    .iter()
    .map(|(t, users)| {
        let letters = counts
            .iter()
            .find(|(c, _)| c == t)
            .map_or_else(|| "not asked for".to_string(), |(_, n)| n.to_string());
        vec![t.name().to_string(), users.to_string(), letters]
    })
    .collect();
    out.push_str(&md_table(&["tier", "users", "letters written"], &tier_rows));
    out
}

/// The fields report, most users exposed first.
fn fields_section(audit: &Audit) -> Result<String> {
    let mut out = "\n## Fields by users exposed\n\n".to_string();
    let fields = audit.fields()?.df;
    let cell = |name: &str, row: usize| {
        fields
            .column(name)
            .map(|c| tables::cell_text(c, row))
            .unwrap_or_default()
    };
    let mut order: Vec<usize> = (0..fields.height()).collect();
    // Most users exposed first; ties keep inventory order (the sort is stable).
    let exposed = (0..fields.height())
        .map(|r| cells::number(&fields, USERS_EXPOSED, r))
        .collect::<Result<Vec<_>>>()?;
    order.sort_by_key(|&r| std::cmp::Reverse(exposed[r]));
    let field_rows: Vec<Vec<String>> = order
        .iter()
        .map(|&r| {
            vec![
                cell("label", r),
                cell(FIELD_ID, r),
                if cell("direct_notice", r) == "true" {
                    "yes"
                } else {
                    "no"
                }
                .to_string(),
                cell(USERS_EXPOSED, r),
                cell("users_potential", r),
                cell(EXPOSURES, r),
            ]
        })
        .collect();
    out.push_str(&md_table(
        &[
            "field",
            "id",
            "direct notice",
            "users exposed",
            "users potential",
            EXPOSURES,
        ],
        &field_rows,
    ));
    Ok(out)
}

/// The deadlines of the `incident:` block and the time left as of `now`.
fn deadlines_section(audit: &Audit, now: DateTime<Utc>) -> String {
    let zone = &audit.zone;
    let mut out = "\n## Deadlines\n\n".to_string();
    match &audit.inventory.incident {
        None => out.push_str(
            "The inventory has no `incident:` block (`discovered_at`, `jurisdictions`): no deadlines computed.\n",
        ),
        Some(incident) => {
            let _ = writeln!(
                out,
                "Discovered at {} (`incident.discovered_at`). Time left as of {}.\n",
                zone.format(incident.discovered_at.with_timezone(&Utc)),
                zone.format(now.trunc_subsecs(0))
            );
            out.push_str(&md_table(
                &["duty", "source", "due", "time left", "rule"],
                &deadline_rows(audit, now),
            ));
        }
    }
    out
}
