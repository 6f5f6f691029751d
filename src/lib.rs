//! pii-audit: joins a page-to-field inventory with an exposure log (and optionally a
//! registered-fields table) to say whose personal data was seen by whom.

pub mod audit;
pub mod cdn;
pub mod cli;
pub mod error;
pub mod exposure;
pub mod generate;
pub mod inventory;
pub mod load;
pub mod notice;
pub mod report;
pub mod tui;

use std::time::Instant;

use anyhow::Result;
use clap::CommandFactory;

use crate::audit::Audit;
use crate::cli::{Cli, Command, InventoryCommand, ReportKind};
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
            let inputs = load::Inputs::load(&input)?;
            let audit = inputs.audit()?;
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
            report::emit(&report, format, output.as_deref(), &inputs.zone)?;
            if std::env::var_os("PII_AUDIT_TIMINGS").is_some() {
                eprintln!(
                    "timings: read {:.3}s, match {:.3}s ({} distinct paths), join+aggregate {:.3}s, write {:.3}s",
                    inputs.read_time.as_secs_f64(),
                    audit.match_time.as_secs_f64(),
                    audit.distinct_paths(),
                    aggregate_time.as_secs_f64(),
                    started.elapsed().as_secs_f64()
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
            let inputs = load::Inputs::load(&input)?;
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
            let inputs = load::Inputs::load(&input)?;
            let audit = inputs.audit()?;
            let users = audit.users_frame()?;
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
            for note in audit.assumption_notes(Some(audit::assumed_users(&users))) {
                eprintln!("note: {note}");
            }
            report::print_text(&(written.describe() + "\n"))
        }
        Some(Command::Inventory {
            command: InventoryCommand::Check { inventory, log, tz },
        }) => inventory_check(&inventory, &log, &tz),
        Some(Command::DeriveOwners {
            log,
            output,
            derive,
            tz,
        }) => derive_owners(&log, &output, &derive, &tz),
        Some(Command::Generate {
            users,
            rows,
            seed,
            out_dir,
            log_format,
            cdn,
        }) => {
            let spec = generate::Spec {
                users,
                rows,
                seed,
                log_format,
                cdn,
            };
            let written = generate::write(&spec, &out_dir)?;
            report::print_text(&(written.join("\n") + "\n"))
        }
    }
}

/// `derive-owners`: the CDN log in, the exposure log out; the counts on standard error.
fn derive_owners(
    log: &[String],
    output: &std::path::Path,
    args: &cli::DeriveArgs,
    tz: &str,
) -> Result<()> {
    let zone = load::parse_zone(tz)?;
    let options = cdn::Options::from_args(args)?;
    let files = exposure::expand_paths(log)?;
    let started = Instant::now();
    let derived = cdn::derive(&files, &zone, &options)?;
    let derive_time = started.elapsed();
    let started = Instant::now();
    cdn::write(&derived.df, output, &zone)?;
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
fn inventory_check(path: &std::path::Path, log: &[String], tz: &str) -> Result<()> {
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
    let files = exposure::expand_paths(log)?;
    let options = exposure::ReadOptions {
        zone,
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
    }
    report::print_text(&out)
}
