//! `pii-audit generate`: a synthetic incident at any scale.

use anyhow::Result;

use crate::cli::GenerateArgs;
use crate::{generate, tables};

/// Runs `generate`; prints what was written, a line per file.
pub fn run(args: &GenerateArgs) -> Result<()> {
    let spec = generate::Spec {
        users: args.users,
        rows: args.rows,
        seed: args.seed,
        log_format: args.log_format,
        relations: args.relations,
        cdn: args.cdn,
        ts_text: args.ts_text,
    };
    let written = generate::write(&spec, &args.out_dir)?;
    tables::print_text(&(written.join("\n") + "\n"))
}
