//! The flags of the commands other than `report` and `derive-owners`: one struct each.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use super::{InputArgs, LogDialect};
use crate::audit::Tier;
use crate::error::{InputError, InputResult};
use crate::generate::GeneratedLog;
use crate::inventory::Lang;

/// `tui`'s flags: the audit's inputs.
#[derive(Debug, Clone, Args)]
pub struct TuiArgs {
    #[command(flatten)]
    pub input: InputArgs,
}

/// `check`'s flags.
#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// The user id, as in the log's owner_id.
    pub user_id: String,
    #[command(flatten)]
    pub input: InputArgs,
    /// Language of the letter (default: the inventory's notice.lang, else en).
    #[arg(long, value_enum)]
    pub lang: Option<Lang>,
}

/// `notices`' flags.
#[derive(Debug, Clone, Args)]
pub struct NoticesArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Folder to write into (created if missing; a non-empty one needs --force).
    #[arg(long, value_name = "DIR")]
    pub out_dir: PathBuf,
    /// Language of the letters (default: the inventory's notice.lang, else en).
    #[arg(long, value_enum)]
    pub lang: Option<Lang>,
    /// Tiers that get a letter, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [Tier::Direct, Tier::Notice])]
    pub tiers: Vec<Tier>,
    /// Format of the notice list.
    #[arg(long, value_enum, default_value_t = ListFormat::Csv)]
    pub format: ListFormat,
    /// Write into a non-empty folder, replacing the notices of an earlier run.
    #[arg(long)]
    pub force: bool,
}

/// Formats of the notice list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Csv,
    Parquet,
}

/// `completions`' argument.
#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `generate`'s flags.
#[derive(Debug, Clone, Args)]
pub struct GenerateArgs {
    /// Number of users.
    #[arg(long)]
    pub users: u32,
    /// Number of log rows.
    #[arg(long)]
    pub rows: u64,
    /// Random seed: the same seed gives the same files.
    #[arg(long, default_value_t = 2017)]
    pub seed: u64,
    /// Folder to write into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out_dir: PathBuf,
    /// Format of the exposure log, or with --cdn a vendor's CDN log format
    ///
    /// parquet, csv, ndjson: the exposure log's format, and with --cdn the CDN log's
    /// (cdn.EXT). A vendor's format (with --cdn only): the CDN log as the vendor delivers
    /// it, in the folder cdn/, beside the truth in exposure.parquet; README.txt gives the
    /// derive-owners command that reads it.
    #[arg(long, value_enum, default_value_t = GeneratedLog::Parquet)]
    pub log_format: GeneratedLog,
    /// Also write a relations table of N rows (buyers shown on sellers' transaction
    /// pages; Parquet, or CSV for a text log) and an inventory whose transaction page shows them.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub relations: u64,
    /// Simulate the CDN (a cache with request collapsing in the leak window) and also
    /// write its log, without owner_id, as cdn.parquet (or .csv, .ndjson), or in cdn/
    /// in a vendor's --log-format.
    #[arg(long)]
    pub cdn: bool,
    /// Write `ts` as RFC 3339 text in the Parquet log too, as many exports do (CSV and
    /// NDJSON always carry text).
    #[arg(long)]
    pub ts_text: bool,
}

/// `inventory`'s tools.
#[derive(Debug, Subcommand)]
pub enum InventoryCommand {
    /// Validate an inventory; with a log, show coverage and suggested routes.
    Check(InventoryCheckArgs),
    /// Rewrite an inventory in the canonical form the TUI saves (previous file kept as FILE.bak).
    Fmt(InventoryFmtArgs),
}

/// `inventory check`'s flags.
#[derive(Debug, Clone, Args)]
pub struct InventoryCheckArgs {
    #[command(flatten)]
    pub inventory: InventoryFile,
    /// Exposure log file(s) or glob(s) to measure coverage against.
    #[arg(short = 'e', long = "log", value_name = "LOG", num_args = 1..)]
    pub log: Vec<String>,
    /// Time zone for naive timestamps in the log.
    #[arg(long, default_value = "UTC")]
    pub tz: String,
    /// With a log: print ready-to-paste YAML pages for the unmapped routes.
    #[arg(long, requires = "log")]
    pub suggest: bool,
    #[command(flatten)]
    pub dialect: LogDialect,
}

/// `inventory fmt`'s flags.
#[derive(Debug, Clone, Args)]
pub struct InventoryFmtArgs {
    #[command(flatten)]
    pub inventory: InventoryFile,
    /// Move each page's preceding comment into its `note` (comments cannot be kept).
    #[arg(long, conflicts_with = "drop_comments")]
    pub comments_to_notes: bool,
    /// Drop the file's comments.
    #[arg(long)]
    pub drop_comments: bool,
}

/// The inventory an `inventory` tool works on: given as `-i INVENTORY`, as every other
/// command takes it, or as the one argument.
#[derive(Debug, Clone, Args)]
pub struct InventoryFile {
    /// The inventory YAML file.
    #[arg(
        value_name = "INVENTORY",
        required_unless_present = "inventory_flag",
        conflicts_with = "inventory_flag"
    )]
    inventory: Option<PathBuf>,
    /// The inventory YAML file (the same as the argument).
    #[arg(
        short = 'i',
        long = "inventory",
        value_name = "INVENTORY",
        id = "inventory_flag"
    )]
    inventory_flag: Option<PathBuf>,
}

impl InventoryFile {
    /// The file, however it was given.
    pub fn path(&self) -> InputResult<&std::path::Path> {
        self.inventory
            .as_deref()
            .or(self.inventory_flag.as_deref())
            .ok_or_else(|| InputError::usage("inventory: give the inventory file (-i INVENTORY)"))
    }
}
