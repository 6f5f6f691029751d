//! `pii-audit report KIND`: one report, to standard output or `-o FILE`.

use std::path::Path;
use std::time::Instant;

use anyhow::Result;
use polars::prelude::DataFrame;

use crate::audit::{self, Audit, ReportKind};
use crate::cli::{TableArgs, UnmappedRows};
use crate::error::InputError;
use crate::load::Inputs;
use crate::progress::Progress;
use crate::tables::{self, Format};
use crate::{cdn, hooks, notice};

/// Runs `report KIND`.
pub fn run(kind: ReportKind, args: &TableArgs, by: UnmappedRows) -> Result<()> {
    let TableArgs {
        input,
        format,
        output,
    } = args;
    let progress = Progress::on_stderr();
    let inputs = Inputs::load(&input.options()?, &progress)?;
    hooks::forced_panic_point("report", || tables::first_row(&inputs.log.df));
    let peak_after_read = peak_rss_mib();
    progress.stage("matching routes");
    let audit = inputs.audit()?;
    progress.done(format!(
        "routes looked up for {} path values",
        indicatif::HumanCount(audit.path_values() as u64)
    ));
    progress.stage("joining and aggregating");
    let started = Instant::now();
    let (mut report, users_absent) = build(&audit, kind, by)?;
    if let (ReportKind::Summary, Some((counts, facts))) = (kind, &inputs.derivation) {
        cdn::add_summary_rows(&mut report, counts, facts)?;
    }
    let aggregate_time = started.elapsed();
    let started = Instant::now();
    write(&report.df, *format, output.as_deref(), &inputs, &progress)?;
    if super::timings_wanted() {
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
    super::print_notes(audit.assumption_notes(users_absent));
    Ok(())
}

/// Writes the report to `output` or standard output (as `format`, else csv to a file and
/// the terminal's default to standard output), the progress line finished first.
pub(super) fn write(
    df: &DataFrame,
    format: Option<Format>,
    output: Option<&Path>,
    inputs: &Inputs,
    progress: &Progress,
) -> Result<()> {
    let format = format.unwrap_or_else(|| match output {
        Some(_) => Format::Csv,
        None => Format::default_for_stdout(),
    });
    let rows = indicatif::HumanCount(df.height() as u64);
    match output {
        Some(path) => {
            progress.stage(&format!("writing {}", path.display()));
            tables::emit(df, format, Some(path), &inputs.zone)?;
            progress.done(format!("wrote {rows} rows to {}", path.display()));
            progress.finish();
        }
        None => {
            progress.done(format!("{rows} rows"));
            progress.finish();
            tables::emit(df, format, None, &inputs.zone)?;
        }
    }
    Ok(())
}

/// The report, and (when the report computed it) how many affected users were absent
/// from the registered table.
fn build(
    audit: &Audit,
    kind: ReportKind,
    by: UnmappedRows,
) -> Result<(audit::Report, Option<u64>)> {
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
        ReportKind::Unmapped => match by {
            UnmappedRows::Route => (audit.unmapped()?, None),
            UnmappedRows::Path => (audit.unmapped_paths()?, None),
        },
        ReportKind::Timeline => (audit.timeline()?, None),
        ReportKind::Summary => {
            let summary = audit.summary()?;
            let mut report = audit.summary_report_of(&summary)?;
            notice::deadline::add_summary_rows(&mut report, audit)?;
            notice::alerts::add_summary_rows(&mut report, audit, &summary)?;
            (report, None)
        }
        ReportKind::NoticeList => {
            return Err(
                InputError::usage("the notice list is written by `pii-audit notices`").into(),
            )
        }
    })
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
