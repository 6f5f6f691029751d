//! How owners are derived from a CDN log: the flags `derive-owners` and every command's
//! `--derive-owners` share, turned into `cdn::Options`.

use std::path::PathBuf;

use clap::Args;

use super::LogDialect;
use crate::cdn::{self, CacheKey, Topology};
use crate::error::{InputError, InputResult};
use crate::ingest;

/// `derive-owners`' flags.
#[derive(Debug, Clone, Args)]
pub struct DeriveOwnersArgs {
    /// CDN log file(s), glob(s) or folder(s): ts, path, viewer_id, cache_status, or a vendor's files (--log-format).
    #[arg(short = 'e', long = "log", value_name = "CDN_LOG", num_args = 1.., required = true)]
    pub log: Vec<String>,
    #[arg(
        short = 'o',
        long = "output",
        value_name = "EXPOSURE_LOG",
        help = format!(
            "The exposure log to write: {} (atomically, owner-only)",
            ingest::Format::extensions_text()
        )
    )]
    pub output: PathBuf,
    #[command(flatten)]
    pub derive: DeriveArgs,
    #[command(flatten)]
    pub dialect: LogDialect,
    /// IANA zone (Asia/Tokyo) or offset (+09:00): reads naive times, writes the output's times.
    #[arg(long, value_name = "TZ", default_value = "UTC")]
    pub tz: String,
}

/// How owners are derived from a CDN log (`derive-owners`, `--derive-owners`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
#[command(next_help_heading = "Starting from a CDN log")]
pub struct DeriveArgs {
    /// What the CDN keys its cache on [default: the format's documented key: contract path, cloudfront host+path, cloudflare, akamai and fastly host+path+query, nginx path+query, apache host+path+query with %v, w3c path+query]
    #[arg(long, value_enum, value_name = "KEY")]
    pub cache_key: Option<CacheKey>,
    /// How caches are arranged between the viewers and the origin [default: the format's: tiered for cloudfront, cloudflare, akamai and fastly (regional edge caches, Tiered Cache, parents, shields); edge for the others]
    #[arg(long, value_enum, value_name = "TOPOLOGY")]
    pub cache_topology: Option<Topology>,
    /// Request methods whose responses fill a page cache; others are counted and never fill it [default: GET,HEAD]
    #[arg(long, value_name = "METHOD,...", value_delimiter = ',')]
    pub fill_methods: Option<Vec<String>>,
    /// The largest share of responses with a page that may name no viewer (e.g. 20% or 0.2); past it, a delivered log is refused as one that does not record who asked [default: 50%]
    #[arg(long, value_name = "SHARE", value_parser = parse_share)]
    pub max_unidentified: Option<Share>,
    /// More possible owners than this and a response is left unattributed, as too many to name [default: 100]
    #[arg(long, value_name = "N")]
    pub max_candidates: Option<usize>,
    /// cache_status values of responses rendered by the origin, comma-separated [default: MISS,PASS]
    #[arg(long, value_name = "STATUS,...", value_delimiter = ',')]
    pub origin_status: Option<Vec<String>>,
    /// cache_status values of responses served from the cache [default: HIT,STALE,UPDATING,REVALIDATED]; any other value is refused
    #[arg(long, value_name = "STATUS,...", value_delimiter = ',')]
    pub cached_status: Option<Vec<String>>,
    /// Oldest origin response a cached one may come from: 500ms, 30s, 5m, 2h, 1d [default: no limit]
    #[arg(long, value_name = "DURATION", value_parser = crate::cdn::parse_duration)]
    pub max_age: Option<i64>,
    /// Column naming the origin request each response came from (request collapsing id): joined on directly, preferred when the CDN logs one
    #[arg(long, value_name = "COLUMN")]
    pub origin_id: Option<String>,
    /// The log as delivered: contract, cloudfront, cloudflare[:'FIELDS'], akamai[:'FIELDS'], fastly, nginx:'LOG_FORMAT', apache:'LOGFORMAT' or w3c [default: contract]
    #[arg(long, value_name = "FORMAT")]
    pub log_format: Option<String>,
    /// Who asked, in a delivered log: cookie:NAME, header:NAME, field:COLUMN, ip or ip+ua
    #[arg(long, value_name = "SOURCE", value_parser = parse_viewer)]
    pub viewer: Option<cdn::Viewer>,
    /// The field naming the cache node (caches are per node), or none [default: the format's own: CloudFront x-edge-location, Cloudflare EdgeColoCode, Fastly pop; else none]
    #[arg(long, value_name = "FIELD|none")]
    pub cache_node: Option<String>,
    /// Resolution of the log's times: exact, or a duration such as 1s or 1ms [default: the format's (CloudFront 1s, nginx $msec 1ms ...), exact for contract logs]
    #[arg(long, value_name = "RESOLUTION", value_parser = crate::cdn::parse_resolution)]
    pub ts_resolution: Option<cdn::Resolution>,
    /// HTTP statuses of responses that carried a page; others are counted, never attributed [default: 200-299]
    #[arg(long, value_name = "LIST", value_parser = crate::cdn::parse_statuses)]
    pub statuses: Option<Vec<(u16, u16)>>,
    /// Memory derive-owners may use (e.g. 1GiB, 512MiB): a bigger log is split by cache key into partitions spilled to --tmp-dir and derived one at a time, with the same output [default: a quarter of the machine's memory, at most 1.5GiB]
    #[arg(long, value_name = "SIZE", value_parser = crate::cdn::spill::parse_size)]
    pub memory_limit: Option<u64>,
    /// Where derive-owners spills a log bigger than --memory-limit: a temporary folder made there is removed afterwards, on an error and on Ctrl-C [default: the system's temporary folder, $TMPDIR]
    #[arg(long, value_name = "DIR")]
    pub tmp_dir: Option<std::path::PathBuf>,
}

fn parse_viewer(text: &str) -> Result<cdn::Viewer, String> {
    cdn::Viewer::parse(text)
}

/// A share from 0 to 1, kept in millionths (so that the flags compare exactly).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Share(u32);

impl Share {
    pub fn value(self) -> f64 {
        f64::from(self.0) / 1_000_000.0
    }
}

/// A share: `20%` or `0.2`, from 0 to 1.
fn parse_share(text: &str) -> Result<Share, String> {
    let text = text.trim();
    let value = match text.strip_suffix('%') {
        Some(percent) => percent.trim().parse::<f64>().map(|p| p / 100.0),
        None => text.parse::<f64>(),
    };
    match value {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(Share((v * 1_000_000.0).round() as u32)),
        _ => Err(format!(
            "{text:?}: expected a share from 0% to 100% (or 0 to 1)"
        )),
    }
}

impl DeriveArgs {
    /// The derivation's options; a status in both lists is refused.
    pub fn options(&self) -> InputResult<cdn::Options> {
        let mut options = cdn::Options::new(
            self.cache_key,
            self.origin_status.as_deref(),
            self.cached_status.as_deref(),
            self.max_age,
            self.origin_id.clone(),
        )?;
        if let Some(format) = &self.log_format {
            options.format = cdn::LogFormat::parse(format)
                .map_err(|why| InputError::usage(format!("--log-format: {why}")))?;
        }
        options.viewer = self.viewer.clone();
        options.node = match self.cache_node.as_deref().map(str::trim) {
            None => cdn::Node::Default,
            Some("none") => cdn::Node::None,
            Some(field) => cdn::Node::Field(field.to_string()),
        };
        options.resolution = self.ts_resolution;
        if let Some(statuses) = &self.statuses {
            options.page_statuses = statuses.clone();
        }
        options.topology = self.cache_topology;
        options.memory_limit = self.memory_limit;
        options.tmp_dir = self.tmp_dir.clone();
        if let Some(methods) = &self.fill_methods {
            options.fill_methods = methods.iter().map(|m| m.trim().to_uppercase()).collect();
        }
        if let Some(share) = self.max_unidentified {
            options.max_unidentified = share.value();
        }
        if let Some(cap) = self.max_candidates {
            if cap == 0 {
                return Err(InputError::usage("--max-candidates: at least 1"));
            }
            options.max_candidates = cap;
        }
        options.check()?;
        Ok(options)
    }
}
