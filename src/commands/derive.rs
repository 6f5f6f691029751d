//! `pii-audit derive-owners`: the CDN log in, the exposure log out; the counts on standard
//! error.

use std::time::Instant;

use anyhow::Result;

use crate::cli::DeriveOwnersArgs;
use crate::load::parse_zone;
use crate::progress::Progress;
use crate::{cdn, tables};

/// Runs `derive-owners`.
pub fn run(args: &DeriveOwnersArgs) -> Result<()> {
    let DeriveOwnersArgs {
        log,
        output,
        derive: args,
        dialect,
        tz,
    } = args;
    let zone = parse_zone(tz)?;
    let options = args.options()?;
    let read = dialect.read_options(zone)?;
    let listing = cdn::files::list(log, &options.format, (None, None), options.max_age)?;
    if listing.misnamed > 0 {
        eprintln!(
            "note: read {} file(s) whose name's hour does not match the times they hold",
            listing.misnamed
        );
    }
    let files = listing.files;
    let progress = Progress::on_stderr();
    crate::progress::catch_interrupt();
    progress.stage("reading the CDN log and deriving owners");
    let started = Instant::now();
    let (c, facts) = cdn::derive_to(&files, &read, &options, output, &zone, &progress)?;
    progress.rows_read(c.responses, started.elapsed());
    progress.done(format!("wrote {}", output.display()));
    progress.finish();
    if super::timings_wanted() {
        eprintln!(
            "timings: read+derive+write {:.3}s",
            started.elapsed().as_secs_f64()
        );
    }
    let facts = &facts;
    eprintln!("{}", crate::text::escape_lines(&c.unattributed_line()));
    for hint in facts.hints(&c) {
        eprintln!("hint: {}", crate::text::escape_lines(&hint));
    }
    if let Some((bucket, partition)) = facts.bucket_over_limit {
        let reach = match options.max_age {
            Some(_) => "within --max-age and the clock's width (twice over under a shared tier), which held that many rows",
            None => "and without --max-age (the pages' time to live) a cache with no certain fill reaches back to the log's start",
        };
        eprintln!(
            "note: {bucket} rows of one bucket of cache keys had to be derived together, more than the {partition} rows --memory-limit gives a partition, so the limit was passed: a cache key's rows are cut by time, but each piece is derived with every earlier response its lookups may reach, {reach}"
        );
    }
    let mut text = format!(
        "{}: {} responses: {} from the origin, {} from the cache ({} attributed, {} ambiguous, {} unattributed), {} without a page\n",
        output.display(),
        c.responses,
        c.origin,
        c.cached,
        c.attributed(),
        c.ambiguous,
        c.unattributed,
        c.no_page
    );
    text.push_str(&format!(
        "assumed: {} log, cache topology {}, cache key {}, times to {}",
        facts.format,
        facts.topology,
        facts.cache_key,
        cdn::resolution_text(facts.width)
    ));
    if facts.with_page > 0 {
        text.push_str(&format!(
            "; {} of {} responses with a page named no viewer",
            facts.unidentified, facts.with_page
        ));
    }
    text.push('\n');
    if facts.nodes.len() > 1 || facts.nodes.iter().any(|(n, _)| !n.is_empty()) {
        for (node, n) in &facts.nodes {
            text.push_str(&format!(
                "  node {}: origin {}, cached {}, ambiguous {} (clock {}, tier {}, status {}), unattributed {} (no origin {}, too old {}, too many {}), no page {}\n",
                if node.is_empty() { "(none)" } else { node },
                n.origin,
                n.attributed(),
                n.ambiguous,
                n.ambiguous_clock,
                n.ambiguous_tier,
                n.ambiguous_status,
                n.unattributed,
                n.unattributed - n.too_old - n.too_many,
                n.too_old,
                n.too_many,
                n.no_page
            ));
        }
    }
    tables::print_text(&text)
}
