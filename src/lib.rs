//! pii-audit: joins a page-to-field inventory with an exposure log (and optionally a
//! registered-fields table) to say whose personal data was seen by whom.

pub mod audit;
pub mod cdn;
pub mod cli;
pub mod error;
pub mod exposure;
pub mod frame;
pub mod generate;
pub mod inventory;
pub mod load;
pub mod notice;
pub mod progress;
pub mod report;
pub mod tui;

use std::time::Instant;

use anyhow::Result;
use clap::CommandFactory;

use crate::audit::Audit;
use crate::cli::{Cli, Command, InventoryCommand, ReportKind};
use crate::progress::Progress;
use crate::report::Format;

/// Runs one command.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        None => {
            need_terminal()?;
            let sample = tui::sample::unpack()?;
            let title = tui::model::Title {
                text: "the bundled sample incident (synthetic) · your own: pii-audit tui -i INVENTORY -e LOG [-r REGISTERED]".into(),
                sample: true,
                unpacked: Some(sample.dir()),
            };
            tui::run(sample.input.clone(), title)
        }
        Some(Command::Tui { input }) => {
            need_terminal()?;
            let title = tui::model::Title {
                text: input_title(&input),
                sample: false,
                unpacked: None,
            };
            tui::run(input, title)
        }
        Some(Command::Report {
            kind,
            input,
            format,
            output,
        }) => {
            let progress = Progress::on_stderr();
            let inputs = load::Inputs::load(&input, &progress)?;
            forced_panic_point("report", || first_row(&inputs.log.df));
            let peak_after_read = peak_rss_mib();
            progress.stage("matching routes");
            let audit = inputs.audit()?;
            progress.done(format!(
                "routes looked up for {} path values",
                indicatif::HumanCount(audit.path_values() as u64)
            ));
            progress.stage("joining and aggregating");
            let started = Instant::now();
            let (mut report, users_absent) = build_report(&audit, kind)?;
            if let (ReportKind::Summary, Some(counts)) = (kind, &inputs.derivation) {
                cdn::add_summary_rows(&mut report, counts)?;
            }
            let aggregate_time = started.elapsed();
            let format = format.unwrap_or_else(|| match &output {
                Some(_) => Format::Csv,
                None => Format::default_for_stdout(),
            });
            let started = Instant::now();
            match &output {
                Some(path) => {
                    progress.stage(&format!("writing {}", path.display()));
                    report::emit(&report, format, output.as_deref(), &inputs.zone)?;
                    progress.done(format!(
                        "wrote {} rows to {}",
                        indicatif::HumanCount(report.df.height() as u64),
                        path.display()
                    ));
                    progress.finish();
                }
                None => {
                    progress.done(format!(
                        "{} rows",
                        indicatif::HumanCount(report.df.height() as u64)
                    ));
                    progress.finish();
                    report::emit(&report, format, None, &inputs.zone)?;
                }
            }
            if std::env::var_os("PII_AUDIT_TIMINGS").is_some() {
                eprintln!(
                    "timings: read {:.3}s, match {:.3}s ({} path values), join+aggregate {:.3}s, write {:.3}s; peak RSS after read {} MiB, at the end {} MiB",
                    inputs.read_time.as_secs_f64(),
                    audit.match_time.as_secs_f64(),
                    audit.path_values(),
                    aggregate_time.as_secs_f64(),
                    started.elapsed().as_secs_f64(),
                    peak_after_read,
                    peak_rss_mib()
                );
            }
            for note in audit.assumption_notes(users_absent) {
                eprintln!("note: {note}");
            }
            Ok(())
        }
        Some(Command::Check {
            user_id,
            input,
            lang,
        }) => {
            let inputs = load::Inputs::load(&input, &Progress::on_stderr())?;
            let audit = inputs.audit()?;
            let lang = lang.or(inputs.inventory.notice.lang).unwrap_or_default();
            let text = notice::check_text_in(&audit, &user_id, lang)?;
            if let Some(user) = audit.user(&user_id)? {
                let tier = notice::text(&user, "tier", 0);
                if tier == notice::Tier::Potential.name() {
                    eprintln!("note: this user is in the potential tier: `pii-audit notices` writes their letter only with --tiers including potential");
                }
            }
            report::print_text(&text)
        }
        Some(Command::Notices {
            input,
            out_dir,
            lang,
            tiers,
            format,
            force,
        }) => {
            let progress = Progress::on_stderr();
            let inputs = load::Inputs::load(&input, &progress)?;
            progress.stage("matching routes and aggregating");
            let audit = inputs.audit()?;
            let users = audit.users_frame()?;
            progress.stage("writing the notices");
            let options = notice::write::Options {
                out_dir,
                lang: lang.or(inputs.inventory.notice.lang).unwrap_or_default(),
                tiers,
                force,
                parquet: format == cli::ListFormat::Parquet,
                now: chrono::Utc::now(),
                only: None,
            };
            let written = notice::write::write(&audit, &users, &options)?;
            progress.done(format!(
                "{} letters",
                indicatif::HumanCount(written.total() as u64)
            ));
            progress.finish();
            for note in audit.assumption_notes(Some(audit::assumed_users(&users))) {
                eprintln!("note: {note}");
            }
            report::print_text(&(written.describe() + "\n"))
        }
        Some(Command::Inventory {
            command:
                InventoryCommand::Check {
                    inventory,
                    log,
                    tz,
                    suggest,
                    dialect,
                },
        }) => inventory_check(&inventory, &log, &tz, suggest, &dialect),
        Some(Command::Inventory {
            command:
                InventoryCommand::Fmt {
                    inventory,
                    comments_to_notes,
                    drop_comments,
                },
        }) => inventory_fmt(&inventory, comments_to_notes, drop_comments),
        Some(Command::DeriveOwners {
            log,
            output,
            derive,
            dialect,
            tz,
        }) => derive_owners(&log, &output, &derive, &dialect, &tz),
        Some(Command::Generate {
            users,
            rows,
            seed,
            out_dir,
            log_format,
            relations,
            cdn,
        }) => {
            let spec = generate::Spec {
                users,
                rows,
                seed,
                log_format,
                relations,
                cdn,
            };
            let written = generate::write(&spec, &out_dir)?;
            report::print_text(&(written.join("\n") + "\n"))
        }
    }
}

/// A test hook: in debug builds (the ones tests run), panics at `place` when
/// `PII_AUDIT_FORCE_PANIC` names it, with `data` (a row's contents) in the panic message,
/// so tests can check that a panic restores the terminal and prints none of it. Release
/// builds compile it to nothing.
/// `data` is only computed when the panic is forced.
#[inline]
pub fn forced_panic_point(place: &str, data: impl FnOnce() -> String) {
    #[cfg(debug_assertions)]
    if std::env::var("PII_AUDIT_FORCE_PANIC").is_ok_and(|p| p == place) {
        panic!("forced panic at {place} for a test; row data: {}", data());
    }
    #[cfg(not(debug_assertions))]
    let _ = (place, data);
}

/// A test hook like `forced_panic_point`, for a crash nothing can clean up after: when
/// `PII_AUDIT_FORCE_KILL` names `place`, the process aborts at once (as if killed).
/// Release builds compile it to nothing.
#[inline]
pub fn forced_kill_point(place: &str) {
    #[cfg(debug_assertions)]
    if std::env::var("PII_AUDIT_FORCE_KILL").is_ok_and(|p| p == place) {
        std::process::abort();
    }
    #[cfg(not(debug_assertions))]
    let _ = place;
}

/// The process's peak resident memory so far in MiB (Linux `VmHWM`; 0 elsewhere), for
/// `PII_AUDIT_TIMINGS`.
fn peak_rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kib| kib / 1024)
}

/// The first row of a frame as text (for the forced-panic test hook).
pub fn first_row(df: &polars::prelude::DataFrame) -> String {
    df.columns()
        .iter()
        .map(|c| report::cell_text(c, 0))
        .collect::<Vec<_>>()
        .join(",")
}

/// `derive-owners`: the CDN log in, the exposure log out; the counts on standard error.
fn derive_owners(
    log: &[String],
    output: &std::path::Path,
    args: &cli::DeriveArgs,
    dialect: &cli::LogDialect,
    tz: &str,
) -> Result<()> {
    let zone = load::parse_zone(tz)?;
    let options = cdn::Options::from_args(args)?;
    load::check_columns(&dialect.columns)?;
    let files = exposure::expand_paths(log)?;
    let read = exposure::ReadOptions {
        zone,
        columns: dialect.columns.clone(),
        ts_format: dialect.ts_format.clone(),
        ..Default::default()
    };
    let progress = Progress::on_stderr();
    progress.stage("reading the CDN log and deriving owners");
    let started = Instant::now();
    let derived = cdn::derive(&files, &read, &options)?;
    let derive_time = started.elapsed();
    progress.rows_read(derived.counts.responses, derive_time);
    progress.stage(&format!("writing {}", output.display()));
    let started = Instant::now();
    cdn::write(&derived.df, output, &zone)?;
    progress.done(format!("wrote {}", output.display()));
    progress.finish();
    if std::env::var_os("PII_AUDIT_TIMINGS").is_some() {
        eprintln!(
            "timings: read+derive {:.3}s, write {:.3}s",
            derive_time.as_secs_f64(),
            started.elapsed().as_secs_f64()
        );
    }
    let c = derived.counts;
    eprintln!("{}", c.unattributed_line());
    report::print_text(&format!(
        "{}: {} responses: {} from the origin, {} from the cache ({} attributed)\n",
        output.display(),
        c.responses,
        c.origin,
        c.cached,
        c.cached - c.unattributed
    ))
}

/// The TUI draws on a terminal; in a pipe it says what to run instead (exit 2).
fn need_terminal() -> Result<()> {
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal() && std::io::stdin().is_terminal() {
        return Ok(());
    }
    let help = cli::Cli::command().render_help();
    Err(error::InputError::usage(format!(
        "the TUI needs a terminal; in scripts use `pii-audit report KIND ...`\n\n{help}"
    ))
    .into())
}

/// The title bar's description of the inputs.
fn input_title(input: &cli::InputArgs) -> String {
    let window = match (&input.from, &input.to) {
        (None, None) => "every row".to_string(),
        (from, to) => format!(
            "[{}, {})",
            from.as_deref().unwrap_or("…"),
            to.as_deref().unwrap_or("…")
        ),
    };
    format!(
        "{} · {} · {window} · {}",
        input.inventory.display(),
        input.log.join(" "),
        input.tz
    )
}

/// The report, and (when the report computed it) how many affected users were absent
/// from the registered table.
fn build_report(audit: &Audit, kind: ReportKind) -> Result<(audit::Report, Option<u64>)> {
    Ok(match kind {
        ReportKind::Users => {
            let frame = audit.users_frame()?;
            (
                audit.users_from(&frame)?,
                Some(audit::assumed_users(&frame)),
            )
        }
        ReportKind::Fields => (audit.fields()?, None),
        ReportKind::Pages => (audit.pages()?, None),
        ReportKind::Unmapped => (audit.unmapped()?, None),
        ReportKind::Timeline => (audit.timeline()?, None),
        ReportKind::Summary => {
            let mut report = audit.summary_report()?;
            notice::deadline::add_summary_rows(&mut report, audit)?;
            (report, None)
        }
    })
}

/// `writeln!` into a String (which cannot fail).
macro_rules! outln {
    ($out:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($out, $($arg)*);
    }};
}

/// `inventory check`: validation, and with a log, coverage and suggested routes.
fn inventory_check(
    path: &std::path::Path,
    log: &[String],
    tz: &str,
    suggest: bool,
    dialect: &cli::LogDialect,
) -> Result<()> {
    let inventory = inventory::Inventory::load(path)?;
    // Custom letter templates are part of the inventory: a bad one is refused here too.
    notice::Letters::new(&inventory)?;
    let mut out = String::new();
    outln!(
        out,
        "{}: valid inventory {:?}: {} fields, {} pages",
        inventory.source,
        inventory.name,
        inventory.fields.len(),
        inventory.pages.len()
    );
    for warning in &inventory.warnings {
        outln!(out, "warning: {warning}");
    }
    if log.is_empty() {
        return report::print_text(&out);
    }
    let zone = load::parse_zone(tz)?;
    load::check_columns(&dialect.columns)?;
    let files = exposure::expand_paths(log)?;
    let options = exposure::ReadOptions {
        zone,
        columns: dialect.columns.clone(),
        ts_format: dialect.ts_format.clone(),
        ..Default::default()
    };
    let log = exposure::Log::read(&files, &options)?;
    let audit = Audit::new(&inventory, &log, None, zone, (None, None))?;
    let s = audit.summary()?;
    let share = |part: u64, whole: u64| {
        if whole == 0 {
            "n/a".to_string()
        } else {
            format!("{:.1}%", 100.0 * part as f64 / whole as f64)
        }
    };
    let rows = s.rows_in_window;
    let mapped = rows - s.rows_unmapped;
    let cross = s.rows_cross_user;
    let cross_mapped = cross - s.unmapped_cross_user;
    outln!(
        out,
        "coverage over {} rows from {} file(s):",
        rows,
        files.len()
    );
    outln!(
        out,
        "  rows matching a page:            {} ({mapped} of {rows})",
        share(mapped, rows)
    );
    outln!(
        out,
        "  cross-user rows matching a page: {} ({cross_mapped} of {cross})",
        share(cross_mapped, cross)
    );
    let unmapped = audit.unmapped()?;
    if unmapped.df.height() == 0 {
        outln!(out, "every path matches a page");
    } else {
        outln!(
            out,
            "unmapped paths ({}), most requested first:",
            unmapped.df.height()
        );
        outln!(
            out,
            "{}",
            report::table_text(&report::presentable(&unmapped.df, &zone, true)?)
        );
        if suggest {
            outln!(out, "{}", suggestions_yaml(&inventory, &unmapped)?);
        }
    }
    report::print_text(&out)
}

/// `--suggest`: one page per suggested route, as YAML to paste under `pages:`.
fn suggestions_yaml(inventory: &inventory::Inventory, unmapped: &audit::Report) -> Result<String> {
    use inventory::document::{page_id_for, pages_yaml, PageEntry};
    let routes = audit::suggested_routes(unmapped)?;
    let column = |name: &str| -> Result<Vec<String>> {
        let c = routes.column(name).map_err(frame::polars_bug)?;
        Ok((0..routes.height())
            .map(|r| report::cell_text(c, r))
            .collect())
    };
    let (route, paths, requests, cross) = (
        column("route")?,
        column("paths")?,
        column("requests")?,
        column("cross_user")?,
    );
    let mut taken: Vec<String> = inventory.pages.iter().map(|p| p.id.clone()).collect();
    let mut pages = Vec::with_capacity(route.len());
    for i in 0..route.len() {
        let id = page_id_for(&route[i], &taken);
        taken.push(id.clone());
        pages.push(PageEntry {
            id,
            route: route[i].clone(),
            fields: Vec::new(),
            note: Some(format!(
                "suggested by pii-audit from {} unmapped requests ({} cross-user) on {} paths; list the personal fields it shows",
                requests[i], cross[i], paths[i]
            )),
        });
    }
    Ok(format!(
        "# {} suggested pages, ready to paste under `pages:` (fill in `fields`):\n{}",
        pages.len(),
        pages_yaml(&pages)
    ))
}

/// `inventory fmt`: the canonical form, written atomically with FILE.bak kept.
fn inventory_fmt(
    path: &std::path::Path,
    comments_to_notes: bool,
    drop_comments: bool,
) -> Result<()> {
    use inventory::document::{comments, save, Document};
    let source = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        error::InputError::at(error::Location::file(&source), format!("cannot read: {e}"))
    })?;
    // Only a valid inventory is rewritten.
    inventory::Inventory::parse(&text, &source)?;
    let mut document = Document::parse(&text, &source)?;
    let found = comments(&text);
    if found.lines > 0 {
        if comments_to_notes {
            document = document.with_comments_as_notes(&found);
        } else if !drop_comments {
            return Err(error::InputError::usage(format!(
                "{source} has {} comment line(s), which the canonical form cannot keep: \
                 --comments-to-notes moves each page's preceding comment into its note (others are dropped), \
                 --drop-comments drops them",
                found.lines
            ))
            .into());
        }
    }
    let canonical = document.to_yaml();
    if canonical == text {
        return report::print_text(&format!("{source}: already in canonical form\n"));
    }
    let backup = save(path, &canonical)?;
    report::print_text(&format!(
        "{source}: rewritten in canonical form (previous version: {})\n",
        backup.display()
    ))
}
