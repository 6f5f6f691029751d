//! `pii-audit report window`: when a CDN log's caches served pages with personal fields,
//! per node and in all, read over the whole log (`--from`/`--to` do not narrow it).

use anyhow::Result;

use crate::cdn::{self, resolution_text};
use crate::cli::TableArgs;
use crate::error::InputError;
use crate::load::Inputs;
use crate::progress::Progress;

/// Runs `report window`.
pub fn run(args: &TableArgs) -> Result<()> {
    let TableArgs {
        input,
        format,
        output,
    } = args;
    if !input.derive_owners {
        return Err(InputError::usage(
            "report window reads when the cache served pages with personal fields, which only a CDN log shows (its cache_status column): add --derive-owners (and --log-format for a log as the vendor delivers it); an exposure log has no cache status",
        )
        .into());
    }
    let mut options = input.options()?;
    let narrowed = options.from.is_some() || options.to.is_some();
    // The whole log: a window given would hide the very responses this report looks for.
    options.from = None;
    options.to = None;
    let progress = Progress::on_stderr();
    let inputs = Inputs::load(&options, &progress)?;
    let Some(window) = inputs.cache_window.as_ref() else {
        anyhow::bail!("internal error: a derived log without its cache window");
    };
    let table = cdn::window::table(window)?;
    super::report::write(&table, *format, output.as_deref(), &inputs, &progress)?;
    let mut notes = Vec::new();
    if narrowed {
        notes.push("report window reads the whole log: --from and --to do not narrow it (report summary warns of the cached personal responses they leave out)".to_string());
    }
    if let Some((from, to)) = window.suggested() {
        notes.push(format!(
            "the log suggests --from {} --to {} (the first and the last widened by the log's resolution, {}): --from auto and --to auto take them",
            inputs.zone.format_micros(from),
            inputs.zone.format_micros(to),
            resolution_text(window.width)
        ));
    }
    super::print_notes(notes);
    Ok(())
}
