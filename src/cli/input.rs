//! The inputs of an audit (`-i`, `-e`, `-r`, the window, the zone, the log's dialect),
//! flattened into every command that runs one, and turned into `load::Options`.

use std::path::PathBuf;

use clap::Args;

use super::DeriveArgs;
use crate::error::{InputError, InputResult};
use crate::ingest;
use crate::load::{self, Streaming};

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
            ingest::Format::accepted_text()
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
        zone: crate::ingest::Zone,
    ) -> anyhow::Result<crate::ingest::ReadOptions> {
        load::check_columns(&self.columns)?;
        Ok(crate::ingest::ReadOptions {
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
    if !crate::ingest::MAPPABLE_COLUMNS.contains(&contract) {
        return Err(format!(
            "{contract:?} is not a column pii-audit reads; one of {}",
            crate::ingest::MAPPABLE_COLUMNS.join(", ")
        ));
    }
    if source.is_empty() {
        return Err(format!("{text:?}: the log's column name is empty"));
    }
    Ok((contract.to_string(), source.to_string()))
}

fn parse_ts_format(text: &str) -> Result<String, String> {
    crate::ingest::zone::check_pattern(text).map(|()| text.to_string())
}
