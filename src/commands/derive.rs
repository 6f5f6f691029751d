//! `pii-audit derive-owners`: the CDN log in, the exposure log out; the counts on standard
//! error.

use std::path::Path;
use std::time::Instant;

use anyhow::Result;

use crate::cli::{DeriveArgs, LogDialect};
use crate::load::parse_zone;
use crate::progress::Progress;
use crate::{cdn, report};

/// Runs `derive-owners`.
pub fn run(
    log: &[String],
    output: &Path,
    args: &DeriveArgs,
    dialect: &LogDialect,
    tz: &str,
) -> Result<()> {
    let zone = parse_zone(tz)?;
    let options = args.options()?;
    let read = dialect.read_options(zone)?;
    let files = cdn::files::list(log, &options.format, (None, None), options.max_age)?.files;
    let progress = Progress::on_stderr();
    progress.stage("reading the CDN log and deriving owners");
    let started = Instant::now();
    let derived = cdn::derive(&files, &read, &options)?;
    let derive_time = started.elapsed();
    progress.rows_read(derived.counts.responses, derive_time);
    progress.stage(&format!("writing {}", output.display()));
    let started = Instant::now();
    cdn::write(&derived, output, &zone)?;
    progress.done(format!("wrote {}", output.display()));
    progress.finish();
    if super::timings_wanted() {
        eprintln!(
            "timings: read+derive {:.3}s, write {:.3}s",
            derive_time.as_secs_f64(),
            started.elapsed().as_secs_f64()
        );
    }
    let c = derived.counts;
    eprintln!("{}", crate::text::escape_lines(&c.unattributed_line()));
    report::print_text(&format!(
        "{}: {} responses: {} from the origin, {} from the cache ({} attributed, {} ambiguous), {} without a page\n",
        output.display(),
        c.responses,
        c.origin,
        c.cached,
        c.attributed(),
        c.ambiguous,
        c.no_page
    ))
}
