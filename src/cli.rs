//! The command line (clap derive). Input flags are one struct, flattened into each command,
//! and turned here into the plain options the library takes (`load::Options`,
//! `cdn::Options`): nothing below this module knows clap.

use clap::builder::PossibleValue;
use clap::{Parser, Subcommand, ValueEnum};

use crate::audit::Tier;
use crate::cdn::{CacheKey, Topology};
use crate::generate::GeneratedLog;
use crate::inventory::{Jurisdiction, Lang};
use crate::load::Streaming;
use crate::regulator::{Stage, Style};
use crate::tables::Format;

mod commands;
mod derive;
mod input;
mod report;
pub use commands::{
    CheckArgs, CompletionsArgs, GenerateArgs, InventoryCheckArgs, InventoryCommand, InventoryFile,
    InventoryFmtArgs, ListFormat, NoticesArgs, TuiArgs,
};
pub use derive::{DeriveArgs, DeriveOwnersArgs, Share};
pub use input::{InputArgs, LogDialect};
pub use report::{
    report_command_name, RegulatorReportArgs, ReportCommand, TableArgs, UnmappedArgs, UnmappedRows,
    TABLE_REPORTS,
};

/// clap's `ValueEnum` for a library type: each variant with its name on the command line
/// (and its help), so the library's types need not derive anything of clap's. Every
/// variant must be listed (the `match` is exhaustive).
macro_rules! value_enum {
    ($type:ident { $($variant:ident => $name:literal $(($help:literal))?),+ $(,)? }) => {
        impl ValueEnum for $type {
            fn value_variants<'a>() -> &'a [Self] {
                &[$($type::$variant),+]
            }
            fn to_possible_value(&self) -> Option<PossibleValue> {
                // No wildcard: a variant left out of the list is a compile error here.
                match self {
                    $($type::$variant => Some(PossibleValue::new($name)$(.help($help))?),)+
                }
            }
        }
    };
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
value_enum!(Style {
    Markdown => "md" ("Markdown"),
    Html => "html" ("One self-contained HTML page with charts"),
});
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
value_enum!(GeneratedLog {
    Parquet => "parquet",
    Csv => "csv",
    Ndjson => "ndjson",
    CloudFront => "cloudfront" ("With --cdn: CloudFront standard logs, hourly .gz files in cdn/"),
    Cloudflare => "cloudflare" ("With --cdn: Cloudflare Logpush http_requests JSON lines in cdn/"),
    Akamai => "akamai" ("With --cdn: Akamai DataStream 2 JSON lines in cdn/"),
    Fastly => "fastly" ("With --cdn: Fastly JSON lines (the README's format) in cdn/"),
    Nginx => "nginx" ("With --cdn: an nginx access log in cdn/ (its log_format in README.txt)"),
    Apache => "apache" ("With --cdn: an Apache httpd access log in cdn/ (its GeneratedLog in README.txt)"),
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

/// The commands; each holds its own flags (`cli/*.rs`), so clap refuses a flag given to a
/// command that has none such.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Browse the audit in the terminal UI (with no command: the bundled sample incident).
    Tui(TuiArgs),
    /// Print a report: users, fields, pages, unmapped, timeline, summary, the report to the regulator, or the window a CDN log shows.
    #[command(subcommand)]
    Report(ReportCommand),
    /// What one user would be told: the letter `notices` writes for them.
    Check(CheckArgs),
    /// Write the notice list, one letter per user in the chosen tiers, and a summary with deadlines.
    Notices(NoticesArgs),
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
    DeriveOwners(DeriveOwnersArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell or elvish) to standard output.
    #[command(
        after_help = "bash: pii-audit completions bash > ~/.local/share/bash-completion/completions/pii-audit\nzsh: pii-audit completions zsh > \"${fpath[1]}/_pii-audit\"\nfish: pii-audit completions fish > ~/.config/fish/completions/pii-audit.fish"
    )]
    Completions(CompletionsArgs),
    /// Print the manual page (roff) to standard output: `pii-audit man | man -l -`.
    Man,
    /// Inventory tools.
    #[command(subcommand)]
    Inventory(InventoryCommand),
    /// Write a synthetic incident (inventory, exposure log, registered fields) at any scale.
    Generate(GenerateArgs),
}

impl Command {
    /// The audit's input flags, for the commands that run one.
    pub fn input(&self) -> Option<&InputArgs> {
        match self {
            Command::Tui(TuiArgs { input }) => Some(input),
            Command::Report(report) => Some(report.input()),
            Command::Check(CheckArgs { input, .. })
            | Command::Notices(NoticesArgs { input, .. }) => Some(input),
            _ => None,
        }
    }
}
