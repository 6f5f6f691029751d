//! The command line (clap derive). Input flags are one struct, flattened into each command,
//! and turned here into the plain options the library takes (`load::Options`,
//! `cdn::Options`): nothing below this module knows clap.

use std::path::PathBuf;

use clap::builder::PossibleValue;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::audit::{ReportKind, Tier};
use crate::cdn::{CacheKey, Topology};
use crate::error::{InputError, InputResult};
use crate::exposure;
use crate::generate::LogFormat;
use crate::inventory::{Jurisdiction, Lang};
use crate::load::{self, Streaming};
use crate::notice::regulator::{Stage, Style};
use crate::report::Format;

mod derive;
pub use derive::{DeriveArgs, Share};

/// clap's `ValueEnum` for a library type: each variant with its name on the command line
/// (and its help), so the library's types need not derive anything of clap's.
macro_rules! value_enum {
    ($type:ident { $($variant:ident => $name:literal $(($help:literal))?),+ $(,)? }) => {
        impl ValueEnum for $type {
            fn value_variants<'a>() -> &'a [Self] {
                &[$($type::$variant),+]
            }
            fn to_possible_value(&self) -> Option<PossibleValue> {
                match self {
                    $($type::$variant => Some(PossibleValue::new($name)$(.help($help))?),)+
                    #[allow(unreachable_patterns)]
                    _ => None,
                }
            }
        }
    };
}

/// What `report` prints: one of the audit's tables, the report to the regulator, or when
/// a CDN log's caches served personal pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportName {
    Audit(ReportKind),
    Regulator,
    Window,
}

impl ValueEnum for ReportName {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            ReportName::Audit(ReportKind::Users),
            ReportName::Audit(ReportKind::Fields),
            ReportName::Audit(ReportKind::Pages),
            ReportName::Audit(ReportKind::Unmapped),
            ReportName::Audit(ReportKind::Timeline),
            ReportName::Audit(ReportKind::Summary),
            ReportName::Regulator,
            ReportName::Window,
        ]
    }
    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(match self {
            ReportName::Audit(kind) => PossibleValue::new(kind.name()),
            ReportName::Regulator => PossibleValue::new("regulator").help(
                "The report to the authority (--jurisdiction appi|gdpr), as Markdown or HTML",
            ),
            ReportName::Window => PossibleValue::new("window").help(
                "When a CDN log's caches served pages with personal fields, per node, over the whole log (--derive-owners)",
            ),
        })
    }
}

/// `report`'s --format: the tables' formats, and md or html for `report regulator`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Table(Format),
    Document(Style),
}

impl ValueEnum for ReportFormat {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            ReportFormat::Table(Format::Table),
            ReportFormat::Table(Format::Csv),
            ReportFormat::Table(Format::Json),
            ReportFormat::Table(Format::Ndjson),
            ReportFormat::Table(Format::Parquet),
            ReportFormat::Document(Style::Markdown),
            ReportFormat::Document(Style::Html),
        ]
    }
    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(match self {
            ReportFormat::Table(format) => format.to_possible_value()?,
            ReportFormat::Document(Style::Markdown) => {
                PossibleValue::new("md").help("report regulator: Markdown")
            }
            ReportFormat::Document(Style::Html) => PossibleValue::new("html")
                .help("report regulator: one self-contained HTML page with charts"),
        })
    }
}

value_enum!(Jurisdiction { Appi => "appi", Gdpr => "gdpr" });
value_enum!(Tier {
    Direct => "direct",
    Notice => "notice",
    Potential => "potential",
});
value_enum!(Lang { En => "en", Ja => "ja" });

/// `--stage`: the APPI's words, and the GDPR's as aliases of the same two stages.
impl ValueEnum for Stage {
    fn value_variants<'a>() -> &'a [Self] {
        &[Stage::Preliminary, Stage::Final]
    }
    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(match self {
            Stage::Preliminary => PossibleValue::new("preliminary")
                .alias("initial")
                .help("APPI: the preliminary report (速報); GDPR: the initial notification (also: initial)"),
            Stage::Final => PossibleValue::new("final")
                .alias("follow-up")
                .help("APPI: the final report (確報); GDPR: a follow-up notification (also: follow-up)"),
        })
    }
}
value_enum!(Format {
    Table => "table",
    Csv => "csv",
    Json => "json",
    Ndjson => "ndjson",
    Parquet => "parquet",
});
value_enum!(CacheKey {
    Path => "path" ("The normalised path (scheme, host, query, fragment and trailing slash dropped)"),
    PathQuery => "path+query" ("The normalised path and the query string, as written"),
    HostPath => "host+path" ("The host the request named and the normalised path"),
    HostPathQuery => "host+path+query" ("The host, the normalised path and the query string"),
});
value_enum!(Topology {
    Edge => "edge" ("Every cache node fetches from the origin itself: a miss is the origin's page"),
    Tiered => "tiered" ("Every node fetches through a shared tier (regional caches, a shield, upper tiers, a parent): a miss may be the tier's copy of another node's page"),
});
value_enum!(Streaming {
    Auto => "auto" ("For logs over 256 MiB (Parquet, or plain CSV and NDJSON whose times the fast parser reads), without --relations or --derive-owners"),
    On => "on",
    Off => "off",
});
value_enum!(LogFormat {
    Parquet => "parquet",
    Csv => "csv",
    Ndjson => "ndjson",
    CloudFront => "cloudfront" ("With --cdn: CloudFront standard logs, hourly .gz files in cdn/"),
    Cloudflare => "cloudflare" ("With --cdn: Cloudflare Logpush http_requests JSON lines in cdn/"),
    Akamai => "akamai" ("With --cdn: Akamai DataStream 2 JSON lines in cdn/"),
    Fastly => "fastly" ("With --cdn: Fastly JSON lines (the README's format) in cdn/"),
    Nginx => "nginx" ("With --cdn: an nginx access log in cdn/ (its log_format in README.txt)"),
    Apache => "apache" ("With --cdn: an Apache httpd access log in cdn/ (its LogFormat in README.txt)"),
    W3c => "w3c" ("With --cdn: W3C extended (IIS) files in cdn/"),
});

/// `--version`: the tool's version and the polars it was built with (figures can differ
/// between polars versions, so a report to a regulator should name both).
static VERSION: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!("{} (polars {})", env!("CARGO_PKG_VERSION"), polars::VERSION)
});

#[derive(Debug, Parser)]
#[command(
    name = "pii-audit",
    version = VERSION.as_str(),
    about = "Whose personal data a web service showed to the wrong people: which fields, seen how often and by how many, and who must be told first.",
    after_help = "Exit status: 0 success, 2 bad usage or bad input, 1 anything else.\nColour: off with --color never or the NO_COLOR environment variable (no-color.org)."
)]
pub struct Cli {
    /// When to colour the output: auto (unless NO_COLOR is set), always or never.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// `--color`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// Colour unless the NO_COLOR environment variable is set (and not empty).
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorWhen {
    /// Whether to colour, given the value of NO_COLOR (no-color.org: any non-empty value).
    pub fn colour(self, no_color: Option<&std::ffi::OsStr>) -> bool {
        match self {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => no_color.is_none_or(|v| v.is_empty()),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Browse the audit in the terminal UI (with no command: the bundled sample incident).
    Tui {
        #[command(flatten)]
        input: InputArgs,
    },
    /// Print a report: users, fields, pages, unmapped, timeline, summary, the report to the regulator, or the window a CDN log shows.
    Report {
        /// Which report.
        kind: ReportName,
        #[command(flatten)]
        input: InputArgs,
        /// Output format (default: table on a terminal, csv otherwise; regulator: md, or html for an -o FILE.html).
        #[arg(long, value_enum)]
        format: Option<ReportFormat>,
        #[command(flatten)]
        regulator: RegulatorArgs,
        /// Write to FILE (atomically, owner-only) instead of standard output.
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
        /// `report unmapped`: one row per suggested route (the default), or per path.
        #[arg(long, value_enum, value_name = "ROWS")]
        by: Option<UnmappedRows>,
    },
    /// What one user would be told: the letter `notices` writes for them.
    Check {
        /// The user id, as in the log's owner_id.
        user_id: String,
        #[command(flatten)]
        input: InputArgs,
        /// Language of the letter (default: the inventory's notice.lang, else en).
        #[arg(long, value_enum)]
        lang: Option<Lang>,
    },
    /// Write the notice list, one letter per user in the chosen tiers, and a summary with deadlines.
    Notices {
        #[command(flatten)]
        input: InputArgs,
        /// Folder to write into (created if missing; a non-empty one needs --force).
        #[arg(long, value_name = "DIR")]
        out_dir: PathBuf,
        /// Language of the letters (default: the inventory's notice.lang, else en).
        #[arg(long, value_enum)]
        lang: Option<Lang>,
        /// Tiers that get a letter, comma-separated.
        #[arg(long, value_enum, value_delimiter = ',', default_values_t = [Tier::Direct, Tier::Notice])]
        tiers: Vec<Tier>,
        /// Format of the notice list.
        #[arg(long, value_enum, default_value_t = ListFormat::Csv)]
        format: ListFormat,
        /// Write into a non-empty folder, replacing the notices of an earlier run.
        #[arg(long)]
        force: bool,
    },
    /// Derive whose page each response of a raw CDN log carried: write an exposure log.
    #[command(
        after_help = "An origin response (cache_status in --origin-status) rendered its own viewer's page: owner_id = viewer_id. \
Any other response carried the page of the latest origin response for the same cache key at or before it \
(an origin at the same instant counts as before it), or, with --origin-id, of the origin response with that id. \
A cached response with none is kept with an empty owner_id and counted on standard error. \
Logs as vendors deliver them (--log-format cloudfront, cloudflare, akamai, fastly, nginx:'...', apache:'...', w3c) \
are read with --viewer, per cache node, and at their clock's resolution: a hit the clock cannot pin on one owner is `ambiguous`, \
its candidate owners listed (README: \"When the clock cannot tell\")."
    )]
    DeriveOwners {
        /// CDN log file(s), glob(s) or folder(s): ts, path, viewer_id, cache_status, or a vendor's files (--log-format).
        #[arg(short = 'e', long = "log", value_name = "CDN_LOG", num_args = 1.., required = true)]
        log: Vec<String>,
        #[arg(
            short = 'o',
            long = "output",
            value_name = "EXPOSURE_LOG",
            help = format!(
                "The exposure log to write: {} (atomically, owner-only)",
                exposure::Format::extensions_text()
            )
        )]
        output: PathBuf,
        #[command(flatten)]
        derive: DeriveArgs,
        #[command(flatten)]
        dialect: LogDialect,
        /// IANA zone (Asia/Tokyo) or offset (+09:00): reads naive times, writes the output's times.
        #[arg(long, value_name = "TZ", default_value = "UTC")]
        tz: String,
    },
    /// Print a shell completion script (bash, zsh, fish, powershell or elvish) to standard output.
    #[command(
        after_help = "bash: pii-audit completions bash > ~/.local/share/bash-completion/completions/pii-audit\nzsh: pii-audit completions zsh > \"${fpath[1]}/_pii-audit\"\nfish: pii-audit completions fish > ~/.config/fish/completions/pii-audit.fish"
    )]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) to standard output: `pii-audit man | man -l -`.
    Man,
    /// Inventory tools.
    Inventory {
        #[command(subcommand)]
        command: InventoryCommand,
    },
    /// Write a synthetic incident (inventory, exposure log, registered fields) at any scale.
    Generate {
        /// Number of users.
        #[arg(long)]
        users: u32,
        /// Number of log rows.
        #[arg(long)]
        rows: u64,
        /// Random seed: the same seed gives the same files.
        #[arg(long, default_value_t = 2017)]
        seed: u64,
        /// Folder to write into (created if missing).
        #[arg(long, value_name = "DIR")]
        out_dir: PathBuf,
        /// Format of the exposure log, or with --cdn a vendor's CDN log format
        ///
        /// parquet, csv, ndjson: the exposure log's format, and with --cdn the CDN log's
        /// (cdn.EXT). A vendor's format (with --cdn only): the CDN log as the vendor delivers
        /// it, in the folder cdn/, beside the truth in exposure.parquet; README.txt gives the
        /// derive-owners command that reads it.
        #[arg(long, value_enum, default_value_t = LogFormat::Parquet)]
        log_format: LogFormat,
        /// Also write a relations table of N rows (buyers shown on sellers' transaction
        /// pages; Parquet, or CSV for a text log) and an inventory whose transaction page shows them.
        #[arg(long, value_name = "N", default_value_t = 0)]
        relations: u64,
        /// Simulate the CDN (a cache with request collapsing in the leak window) and also
        /// write its log, without owner_id, as cdn.parquet (or .csv, .ndjson), or in cdn/
        /// in a vendor's --log-format.
        #[arg(long)]
        cdn: bool,
        /// Write `ts` as RFC 3339 text in the Parquet log too, as many exports do (CSV and
        /// NDJSON always carry text).
        #[arg(long)]
        ts_text: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum InventoryCommand {
    /// Validate an inventory; with a log, show coverage and suggested routes.
    Check {
        #[command(flatten)]
        inventory: InventoryFile,
        /// Exposure log file(s) or glob(s) to measure coverage against.
        #[arg(short = 'e', long = "log", value_name = "LOG", num_args = 1..)]
        log: Vec<String>,
        /// Time zone for naive timestamps in the log.
        #[arg(long, default_value = "UTC")]
        tz: String,
        /// With a log: print ready-to-paste YAML pages for the unmapped routes.
        #[arg(long, requires = "log")]
        suggest: bool,
        #[command(flatten)]
        dialect: LogDialect,
    },
    /// Rewrite an inventory in the canonical form the TUI saves (previous file kept as FILE.bak).
    Fmt {
        #[command(flatten)]
        inventory: InventoryFile,
        /// Move each page's preceding comment into its `note` (comments cannot be kept).
        #[arg(long, conflicts_with = "drop_comments")]
        comments_to_notes: bool,
        /// Drop the file's comments.
        #[arg(long)]
        drop_comments: bool,
    },
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

impl Command {
    /// The audit's input flags, for the commands that run one.
    pub fn input(&self) -> Option<&InputArgs> {
        match self {
            Command::Tui { input }
            | Command::Report { input, .. }
            | Command::Check { input, .. }
            | Command::Notices { input, .. } => Some(input),
            _ => None,
        }
    }
}

/// `report regulator`'s own flags.
#[derive(Args, Debug, Clone, Default, PartialEq, Eq)]
#[command(next_help_heading = "The report to the regulator")]
pub struct RegulatorArgs {
    /// Whose authority: the APPI's PPC or a GDPR supervisory authority (default: the
    /// inventory's incident.jurisdictions, when it names one).
    #[arg(long, value_enum)]
    pub jurisdiction: Option<Jurisdiction>,
    /// Language of the report (default: the inventory's notice.lang, else en).
    #[arg(long, value_enum)]
    pub lang: Option<Lang>,
    /// Time left is counted to TIME (RFC 3339, or naive in --tz; default: now).
    #[arg(long, value_name = "TIME")]
    pub as_of: Option<String>,
    /// Which report: preliminary (GDPR: initial, the default) or final (GDPR: follow-up,
    /// which starts with every item still to complete).
    #[arg(long, value_enum)]
    pub stage: Option<Stage>,
}

/// The inputs of an audit, shared by every command that runs one.
#[derive(Debug, Clone, Args)]
pub struct InputArgs {
    /// The inventory YAML file (which page renders which personal fields).
    #[arg(short = 'i', long = "inventory", value_name = "INVENTORY")]
    pub inventory: PathBuf,
    #[arg(
        short = 'e',
        long = "log",
        value_name = "LOG",
        num_args = 1..,
        required = true,
        help = format!(
            "Exposure log file(s), glob(s) or folder(s): {}",
            exposure::Format::accepted_text()
        )
    )]
    pub log: Vec<String>,
    /// Registered-fields table (user_id plus one boolean column per field).
    #[arg(short = 'r', long = "registered", value_name = "REGISTERED")]
    pub registered: Option<PathBuf>,
    /// Relations table (relation, owner_id, related_id; optional path, from, to): whose
    /// data the inventory's `related:` fields show on an owner's page.
    #[arg(long = "relations", value_name = "RELATIONS")]
    pub relations: Option<PathBuf>,
    /// Keep rows served at or after T (RFC 3339, or a naive time in --tz); auto, with
    /// --derive-owners: the first response of a personal page served from the cache, less
    /// the log's resolution.
    #[arg(long, value_name = "T")]
    pub from: Option<String>,
    /// Keep rows served before T (exclusive); auto, with --derive-owners: the last response
    /// of a personal page served from the cache, plus the log's resolution.
    #[arg(long, value_name = "T")]
    pub to: Option<String>,
    /// IANA zone (Asia/Tokyo) or offset (+09:00): reads naive times, writes every output time.
    #[arg(long, value_name = "TZ", default_value = "UTC")]
    pub tz: String,
    /// The logs are raw CDN logs (ts, path, viewer_id, cache_status): derive owner_id
    /// first, as `pii-audit derive-owners` does.
    #[arg(long, help_heading = "Starting from a CDN log")]
    pub derive_owners: bool,
    #[command(flatten)]
    pub derive: DeriveArgs,
    #[command(flatten)]
    pub dialect: LogDialect,
    /// Read the log on polars' streaming engine, the window applied and its paths
    /// dictionary-encoded during the scan (no path text kept per row); auto: for logs over
    /// 256 MiB (Parquet, or plain CSV and NDJSON with RFC 3339 or fixed-zone times)
    #[arg(
        long,
        value_enum,
        value_name = "WHEN",
        num_args = 0..=1,
        require_equals = true,
        default_value_t = Streaming::Auto,
        default_missing_value = "on",
        help_heading = "Reading the log"
    )]
    pub streaming: Streaming,
}

impl InputArgs {
    /// The loader's options; CDN flags without `--derive-owners` are refused.
    pub fn options(&self) -> InputResult<load::Options> {
        let derive = if self.derive_owners {
            Some(self.derive.options()?)
        } else if self.derive != DeriveArgs::default() {
            return Err(InputError::usage(
                "--log-format, --viewer, --cache-node, --ts-resolution, --statuses, --cache-key, --cache-topology, --fill-methods, --max-unidentified, --max-candidates, --origin-status, --cached-status, --max-age and --origin-id need --derive-owners (the logs are CDN logs)",
            ));
        } else {
            None
        };
        Ok(load::Options {
            inventory: self.inventory.clone(),
            log: self.log.clone(),
            registered: self.registered.clone(),
            relations: self.relations.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            tz: self.tz.clone(),
            derive,
            columns: self.dialect.columns.clone(),
            ts_format: self.dialect.ts_format.clone(),
            streaming: self.streaming,
        })
    }
}

/// How to read a log whose columns and times are not the contract's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
#[command(next_help_heading = "Reading the log")]
pub struct LogDialect {
    /// Read the log's column SOURCE as the contract's CONTRACT (repeatable), e.g.
    /// --column owner_id=user_hash --column ts=timestamp
    #[arg(long = "column", value_name = "CONTRACT=SOURCE", value_parser = parse_column)]
    pub columns: Vec<(String, String)>,
    /// strftime pattern of the log's text timestamps, e.g. "%d/%b/%Y:%H:%M:%S %z" (a
    /// pattern without an offset is read in --tz)
    #[arg(long, value_name = "PATTERN", value_parser = parse_ts_format)]
    pub ts_format: Option<String>,
}

impl LogDialect {
    /// How to read a log in this dialect, naive times in `zone`; `--column` is checked.
    pub fn read_options(
        &self,
        zone: crate::exposure::Zone,
    ) -> anyhow::Result<crate::exposure::ReadOptions> {
        load::check_columns(&self.columns)?;
        Ok(crate::exposure::ReadOptions {
            zone,
            columns: self.columns.clone(),
            ts_format: self.ts_format.clone(),
            ..Default::default()
        })
    }
}

fn parse_column(text: &str) -> Result<(String, String), String> {
    let Some((contract, source)) = text.split_once('=') else {
        return Err(format!(
            "{text:?}: expected CONTRACT=SOURCE, e.g. owner_id=user_hash"
        ));
    };
    let (contract, source) = (contract.trim(), source.trim());
    if !crate::exposure::MAPPABLE_COLUMNS.contains(&contract) {
        return Err(format!(
            "{contract:?} is not a column pii-audit reads; one of {}",
            crate::exposure::MAPPABLE_COLUMNS.join(", ")
        ));
    }
    if source.is_empty() {
        return Err(format!("{text:?}: the log's column name is empty"));
    }
    Ok((contract.to_string(), source.to_string()))
}

fn parse_ts_format(text: &str) -> Result<String, String> {
    crate::exposure::zone::check_pattern(text).map(|()| text.to_string())
}

/// The rows of `report unmapped` (`--by`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum UnmappedRows {
    /// One row per suggested route: the blind spots, with their paths summed.
    #[default]
    Route,
    /// One row per unmapped path.
    Path,
}

/// Formats of the notice list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Csv,
    Parquet,
}
