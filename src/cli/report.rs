//! `report`: one subcommand per report, each with its own flags. The tables share
//! `TableArgs`; `unmapped` adds `--by`; `regulator` writes a document with the flags of
//! the report to the authority.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use super::InputArgs;
use crate::audit::ReportKind;
use crate::inventory::{Jurisdiction, Lang};
use crate::regulator::{Stage, Style};
use crate::tables::Format;

/// The reports. Every table of the audit (`ReportKind`) is one of them: `report_kind`
/// below matches them all, so a new kind does not compile until it has its subcommand.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Per user: what of theirs was seen, by how many, and their notice tier.
    Users(TableArgs),
    /// Per field: how many users had it seen.
    Fields(TableArgs),
    /// Per page: requests, exposures and the fields it showed.
    Pages(TableArgs),
    /// Paths the inventory does not map: the blind spots, with suggested routes.
    Unmapped(UnmappedArgs),
    /// Exposures per minute.
    Timeline(TableArgs),
    /// The headline figures, with what they do not cover.
    Summary(TableArgs),
    /// The report to the authority (--jurisdiction appi|gdpr), as Markdown or HTML.
    Regulator(RegulatorReportArgs),
    /// When a CDN log's caches served pages with personal fields, per node, over the whole log (--derive-owners).
    Window(TableArgs),
}

impl ReportCommand {
    pub fn input(&self) -> &InputArgs {
        match self {
            ReportCommand::Users(args)
            | ReportCommand::Fields(args)
            | ReportCommand::Pages(args)
            | ReportCommand::Timeline(args)
            | ReportCommand::Summary(args)
            | ReportCommand::Window(args) => &args.input,
            ReportCommand::Unmapped(args) => &args.table.input,
            ReportCommand::Regulator(args) => &args.input,
        }
    }
}

/// The audit's tables that `report` prints, in the order of its help: the one list the
/// tests draw from (and `scripts/same-output.sh`, through `report --help`). A unit test
/// holds it to `ReportCommand`'s subcommands.
pub const TABLE_REPORTS: [ReportKind; 6] = [
    ReportKind::Users,
    ReportKind::Fields,
    ReportKind::Pages,
    ReportKind::Unmapped,
    ReportKind::Timeline,
    ReportKind::Summary,
];

/// The subcommand that prints a table of the audit, by its name (`None`: a table only
/// other commands write). Exhaustive: a new `ReportKind` must be placed here.
pub const fn report_command_name(kind: ReportKind) -> Option<&'static str> {
    match kind {
        ReportKind::Users => Some("users"),
        ReportKind::Fields => Some("fields"),
        ReportKind::Pages => Some("pages"),
        ReportKind::Unmapped => Some("unmapped"),
        ReportKind::Timeline => Some("timeline"),
        ReportKind::Summary => Some("summary"),
        ReportKind::NoticeList => None,
    }
}

/// The flags of a report written as a table.
#[derive(Debug, Clone, Args)]
pub struct TableArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format (default: table on a terminal, csv otherwise).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write to FILE (atomically, owner-only) instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `report unmapped`'s flags.
#[derive(Debug, Clone, Args)]
pub struct UnmappedArgs {
    #[command(flatten)]
    pub table: TableArgs,
    /// One row per suggested route (the default), or per path.
    #[arg(long, value_enum, value_name = "ROWS", default_value_t = UnmappedRows::Route)]
    pub by: UnmappedRows,
}

/// `report regulator`'s flags.
#[derive(Debug, Clone, Args)]
pub struct RegulatorReportArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format (default: md, or html for an -o FILE.html).
    #[arg(long, value_enum)]
    pub format: Option<Style>,
    /// Write to FILE (atomically, owner-only) instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,

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

/// The rows of `report unmapped` (`--by`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum UnmappedRows {
    /// One row per suggested route: the blind spots, with their paths summed.
    #[default]
    Route,
    /// One row per unmapped path.
    Path,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    /// `report`'s subcommands are the tables of `TABLE_REPORTS`, then the two documents;
    /// every table a kind names is among them.
    #[test]
    fn the_list_of_reports_is_the_subcommands() {
        let cli = crate::cli::Cli::command();
        let report = cli.find_subcommand("report").expect("report");
        let names: Vec<&str> = report.get_subcommands().map(|c| c.get_name()).collect();
        let mut expected: Vec<&str> = TABLE_REPORTS.iter().map(|k| k.name()).collect();
        expected.extend(["regulator", "window"]);
        assert_eq!(names, expected);
        for kind in TABLE_REPORTS {
            assert_eq!(report_command_name(kind), Some(kind.name()));
        }
        assert_eq!(report_command_name(ReportKind::NoticeList), None);
    }
}
