//! pii-audit: joins a page-to-field inventory with an exposure log (and optionally a
//! registered-fields table) to say whose personal data was seen by whom.
//!
//! The rooms, lowest first (each uses only those before it; `tests/it/layers.rs` checks):
//! `error`, `frame` (polars helpers), `inventory`, `exposure` (reading), `audit` (the
//! figures), `cdn` (owners derived from CDN logs), `report` and `notice` (writing),
//! `load` (inputs to a ready audit), `generate`, `tui`, then `cli` and `commands`.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod audit;
pub mod cdn;
pub mod cli;
pub mod commands;
pub mod error;
pub mod exposure;
pub mod frame;
pub mod generate;
pub mod hooks;
pub mod inventory;
pub mod load;
pub mod notice;
pub mod progress;
pub mod report;
pub mod tui;

use anyhow::Result;

use crate::cli::{Cli, Command, InventoryCommand, ReportName};

/// Runs one command.
pub fn run(cli: Cli) -> Result<()> {
    let colour = cli.color.colour(std::env::var_os("NO_COLOR").as_deref());
    let Some(command) = cli.command else {
        return commands::tui::sample(colour);
    };
    match command {
        Command::Tui { input } => commands::tui::run(&input, colour),
        Command::Completions { shell } => commands::shell::completions(shell),
        Command::Man => commands::shell::man(),
        Command::Report {
            kind: ReportName::Audit(kind),
            input,
            format,
            regulator,
            output,
            by,
        } => commands::report::run(kind, &input, format, &regulator, output, by),
        Command::Report {
            kind: ReportName::Regulator,
            input,
            format,
            regulator,
            output,
            by,
        } => commands::regulator::run(&input, format, &regulator, output, by),
        Command::Check {
            user_id,
            input,
            lang,
        } => commands::check::run(&user_id, &input, lang),
        Command::Notices {
            input,
            out_dir,
            lang,
            tiers,
            format,
            force,
        } => {
            let request = commands::notices::Request {
                out_dir,
                lang,
                tiers,
                format,
                force,
            };
            commands::notices::run(&input, request)
        }
        Command::Inventory {
            command:
                InventoryCommand::Check {
                    inventory,
                    log,
                    tz,
                    suggest,
                    dialect,
                },
        } => commands::inventory::check(inventory.path()?, &log, &tz, suggest, &dialect),
        Command::Inventory {
            command:
                InventoryCommand::Fmt {
                    inventory,
                    comments_to_notes,
                    drop_comments,
                },
        } => commands::inventory::fmt(inventory.path()?, comments_to_notes, drop_comments),
        Command::DeriveOwners {
            log,
            output,
            derive,
            dialect,
            tz,
        } => commands::derive::run(&log, &output, &derive, &dialect, &tz),
        Command::Generate {
            users,
            rows,
            seed,
            out_dir,
            log_format,
            relations,
            cdn,
            ts_text,
        } => {
            let spec = generate::Spec {
                users,
                rows,
                seed,
                log_format,
                relations,
                cdn,
                ts_text,
            };
            commands::generate::run(&spec, &out_dir)
        }
    }
}
