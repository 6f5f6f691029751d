//! Turning the inputs of an audit into a ready audit: inventory, log, registered table,
//! zone and window, with the time each stage took. It takes plain `Options`; the command
//! line (`cli`) and the TUI's sample make them.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::audit::Audit;
use crate::cdn;
use crate::error::InputError;
use crate::frame::codes::Encoded;
use crate::ingest::{
    expand_log, format_of, parse_instant, Format, Log, ReadOptions, Registered, Relations, Zone,
};
use crate::inventory::Inventory;
use crate::progress::Progress;

/// What an audit reads, and how: the input flags of every command, as plain values.
#[derive(Debug, Clone)]
pub struct Options {
    pub inventory: PathBuf,
    /// Log files, glob patterns and folders.
    pub log: Vec<String>,
    pub registered: Option<PathBuf>,
    pub relations: Option<PathBuf>,
    /// `--from` and `--to` as given (RFC 3339, or naive in `tz`).
    pub from: Option<String>,
    pub to: Option<String>,
    pub tz: String,
    /// The logs are CDN logs: owners are derived first, with these options.
    pub derive: Option<cdn::Options>,
    /// The log's own names for the contract's columns.
    pub columns: Vec<(String, String)>,
    /// The strftime pattern of the log's text timestamps.
    pub ts_format: Option<String>,
    pub streaming: Streaming,
}

impl Options {
    /// The inputs of an audit of one log file, every other input at its default (no
    /// registered or relations table, no window, UTC).
    pub fn new(inventory: PathBuf, log: &std::path::Path) -> Options {
        Options {
            inventory,
            log: vec![log.display().to_string()],
            registered: None,
            relations: None,
            from: None,
            to: None,
            tz: "UTC".into(),
            derive: None,
            columns: Vec::new(),
            ts_format: None,
            streaming: Streaming::default(),
        }
    }
}

/// When the log is read on polars' streaming engine (`--streaming`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Streaming {
    /// For logs over 256 MiB (Parquet, or plain CSV and NDJSON with times the fast parser
    /// reads), without --relations or --derive-owners.
    #[default]
    Auto,
    On,
    Off,
}

/// Everything an audit reads, loaded and validated.
pub struct Inputs {
    pub inventory: Inventory,
    pub log: Log,
    pub registered: Option<Registered>,
    /// The relations table (`--relations`).
    pub relations: Option<Relations>,
    pub zone: Zone,
    pub window: (Option<i64>, Option<i64>),
    pub read_time: Duration,
    /// Problems worth a look that did not stop loading (inventory and registered table).
    pub warnings: Vec<String>,
    /// The log's path values, encoded on the first audit and kept for the next ones
    /// (an edited inventory is matched again without re-reading or re-encoding the log).
    paths: std::sync::OnceLock<Encoded>,
    /// With `--derive-owners`: what the derivation found in the window, and assumed.
    pub derivation: Option<(cdn::Counts, cdn::Facts)>,
    /// With `--derive-owners`: when the caches served personal pages, over the whole log,
    /// and what the window leaves out of it.
    pub cache_window: Option<crate::audit::CacheWindow>,
    /// Files of a partitioned folder left unread: their partitions lie outside the window.
    pub files_pruned: usize,
    /// Marker and hidden files of a folder left unread (`_SUCCESS`, `.crc`, `.name`).
    pub files_marked: usize,
    /// CDN log files whose name's hour lies about what they hold, read anyway.
    pub files_misnamed: usize,
}

/// Parquet logs larger than this are streamed unless told otherwise: read whole, a log
/// takes about nine times its Parquet size in memory at its peak.
pub const STREAMING_BYTES: u64 = 256 << 20;

/// Whether `--streaming=auto` streams these files: over `STREAMING_BYTES` in all, and
/// Parquet, or plain CSV and NDJSON when their text times can be read on the fast parser
/// (no `--ts-format`, and naive times, if any, in a fixed `--tz`).
fn large_log(files: &[PathBuf], ts_format: Option<&str>, zone: &Zone) -> bool {
    let text_ok = ts_format.is_none() && crate::ingest::fixed_offset(zone).is_some();
    let streamable = |f: &PathBuf| match format_of(f) {
        Ok(Format::Parquet) => true,
        Ok(Format::Csv | Format::Ndjson) => text_ok && !crate::ingest::gzip_named(f),
        Err(_) => false,
    };
    files.iter().all(streamable)
        && files
            .iter()
            .filter_map(|f| std::fs::metadata(f).ok().map(|m| m.len()))
            .sum::<u64>()
            > STREAMING_BYTES
}

/// Checks `--column`: each contract column and each source column named once.
pub fn check_columns(columns: &[(String, String)]) -> Result<()> {
    for (i, (contract, source)) in columns.iter().enumerate() {
        for (other_contract, other_source) in &columns[..i] {
            if contract == other_contract {
                return Err(InputError::usage(format!(
                    "--column maps `{contract}` twice ({other_source} and {source}); keep one"
                ))
                .into());
            }
            if source == other_source {
                return Err(InputError::usage(format!(
                    "--column reads `{source}` as both `{other_contract}` and `{contract}`; keep one"
                ))
                .into());
            }
        }
    }
    Ok(())
}

/// Parses `--tz`.
pub fn parse_zone(text: &str) -> Result<Zone> {
    text.parse::<Zone>()
        .map_err(|why| InputError::usage(format!("--tz: {why}")).into())
}

/// Whether a `--from`/`--to` value asks for the window the CDN log suggests.
fn is_auto(value: Option<&str>) -> bool {
    value.is_some_and(|v| v.trim().eq_ignore_ascii_case("auto"))
}

/// Parses `--from`/`--to` into UTC microseconds (`auto` is left for the log to fill: see
/// `Inputs::load`, and the caller checks it).
pub fn parse_window(
    from: Option<&str>,
    to: Option<&str>,
    zone: &Zone,
) -> Result<(Option<i64>, Option<i64>)> {
    let parse = |flag: &str, value: Option<&str>| -> Result<Option<i64>> {
        match value {
            None => Ok(None),
            Some(_) if is_auto(value) => Ok(None),
            Some(text) => match parse_instant(text, zone) {
                Some(instant) => Ok(Some(instant.timestamp_micros())),
                None => Err(InputError::usage(format!(
                    "{flag} {text:?}: expected RFC 3339 (2017-06-22T10:00:00+09:00), YYYY-MM-DD HH:MM:SS in --tz, or auto (with --derive-owners)"
                ))
                .into()),
            },
        }
    };
    let window = (parse("--from", from)?, parse("--to", to)?);
    if let (Some(a), Some(b)) = window {
        if a >= b {
            return Err(InputError::usage("--from must be earlier than --to").into());
        }
    }
    Ok(window)
}

/// `--from auto`/`--to auto` as asked; refused without `--derive-owners`, which alone
/// reads a log that shows what the cache served.
fn auto_bounds(args: &Options) -> Result<(bool, bool)> {
    let auto = (is_auto(args.from.as_deref()), is_auto(args.to.as_deref()));
    if (auto.0 || auto.1) && args.derive.is_none() {
        let flag = if auto.0 { "--from auto" } else { "--to auto" };
        return Err(InputError::usage(format!(
            "{flag} takes the window from when the cache served pages with personal fields, which only a CDN log shows (its cache_status column): add --derive-owners (and --log-format for a log as the vendor delivers it); an exposure log has no cache status"
        ))
        .into());
    }
    Ok(auto)
}

/// The result of a table read on a thread of its own (`None`: no such table given).
fn finished<T>(reading: Option<std::thread::ScopedJoinHandle<'_, Result<T>>>) -> Option<Result<T>> {
    reading.map(|handle| {
        handle
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("internal error: reading a table failed")))
    })
}

/// The log, raw or derived from a CDN log (with what the derivation found).
fn read_log(
    args: &Options,
    files: &[PathBuf],
    options: &ReadOptions,
    inventory: &Inventory,
    auto: (bool, bool),
) -> Result<(Log, Option<cdn::Derivation>)> {
    match &args.derive {
        Some(derive) => {
            let (log, derivation) = cdn::read_log(files, options, derive, inventory, auto)?;
            Ok((log, Some(derivation)))
        }
        None => Ok((Log::read(files, options)?, None)),
    }
}

impl Inputs {
    /// Loads the inputs and prints the warnings on standard error.
    pub fn load(args: &Options, progress: &Progress) -> Result<Inputs> {
        let inputs = Inputs::load_with(args, progress)?;
        progress.suspend(|| {
            for warning in &inputs.warnings {
                eprintln!("warning: {}", crate::text::escape_lines(warning));
            }
            if inputs.files_pruned > 0 {
                eprintln!(
                    "note: read {} of {} log files: {} lie in partitions outside --from/--to",
                    inputs.log.files.len(),
                    inputs.log.files.len() + inputs.files_pruned,
                    inputs.files_pruned
                );
            }
            if inputs.files_misnamed > 0 {
                eprintln!(
                    "note: read {} CDN log file(s) whose name's hour does not match the times they hold",
                    inputs.files_misnamed
                );
            }
            if inputs.files_marked > 0 {
                eprintln!(
                    "note: left out {} marker or hidden file(s) of the log folder (_SUCCESS, .crc, names starting with . or _)",
                    inputs.files_marked
                );
            }
        });
        Ok(inputs)
    }

    /// Loads the inputs, keeping the warnings for the caller to show (the TUI owns the
    /// terminal, so nothing may be printed).
    pub fn load_quiet(args: &Options) -> Result<Inputs> {
        Inputs::load_with(args, &Progress::hidden())
    }

    fn load_with(args: &Options, progress: &Progress) -> Result<Inputs> {
        let zone = parse_zone(&args.tz)?;
        let window = parse_window(args.from.as_deref(), args.to.as_deref(), &zone)?;
        let auto = auto_bounds(args)?;
        let inventory = Inventory::load(&args.inventory)?;
        let mut warnings = inventory.warnings.clone();
        check_columns(&args.columns)?;
        let listing = match &args.derive {
            Some(derive) => cdn::files::list(&args.log, &derive.format, window, derive.max_age)?,
            None => expand_log(&args.log, window)?,
        };
        let files: Vec<PathBuf> = listing.files;
        let started = Instant::now();
        let special = args.derive.is_some() || args.relations.is_some();
        if args.streaming == Streaming::On && special {
            return Err(InputError::usage(
                "--streaming is a reader for plain Parquet logs; --relations and --derive-owners need every row with its path text, which it does not keep: leave --streaming at auto or off with them",
            )
            .into());
        }
        let streaming = match args.streaming {
            Streaming::On => true,
            Streaming::Off => false,
            Streaming::Auto => !special && large_log(&files, args.ts_format.as_deref(), &zone),
        };
        let options = ReadOptions {
            zone,
            from: window.0,
            to: window.1,
            columns: args.columns.clone(),
            ts_format: args.ts_format.clone(),
            streaming,
        };
        let what = match files.len() {
            1 => "the log".to_string(),
            n => format!("{n} log files"),
        };
        let how = if streaming { " (streaming)" } else { "" };
        progress.stage(&format!("reading {what}{how}"));
        // The registered and relations tables are read on threads of their own meanwhile:
        // reading the log leaves a core idle part of the time.
        let (log, registered, relations) = std::thread::scope(|scope| {
            let registered = args
                .registered
                .as_ref()
                .map(|path| scope.spawn(|| Registered::read(path, &inventory)));
            let relations = args
                .relations
                .as_ref()
                .map(|path| scope.spawn(|| Relations::read(path, &inventory, &zone)));
            let log = read_log(args, &files, &options, &inventory, auto);
            (log, finished(registered), finished(relations))
        });
        let (log, derivation) = log?;
        if let Some(d) = derivation.as_ref().filter(|d| d.counts.unattributed > 0) {
            warnings.push(d.counts.unattributed_line());
        }
        // The window as resolved (`auto` filled from the log), and the files it left unread.
        let window = derivation.as_ref().map_or(window, |d| d.window);
        let (derivation, cache_window) = match derivation {
            Some(d) => {
                let mut cache_window = d.cache_window;
                cache_window.outside.files_unread = listing.pruned;
                (Some((d.counts, d.facts)), Some(cache_window))
            }
            None => (None, None),
        };
        if log.weighted && args.relations.is_some() {
            return Err(InputError::usage(
                "--relations needs each response's time, which an aggregated log does not keep: run it on the raw log",
            )
            .into());
        }
        progress.rows_read(log.responses(), started.elapsed());
        let registered = registered.transpose()?;
        if let Some(registered) = &registered {
            if !registered.unknown_columns.is_empty() {
                warnings.push(format!(
                    "{}: columns {} name no inventory field and were ignored",
                    registered.file,
                    registered.unknown_columns.join(", ")
                ));
            }
        }
        let relations = relations.transpose()?;
        if let Some(relations) = relations.as_ref().filter(|_| !inventory.has_related()) {
            warnings.push(format!(
                "{}: no page of {} lists `related:` fields, so the relations table changes nothing",
                relations.file, inventory.source
            ));
        }
        Ok(Inputs {
            inventory,
            log,
            registered,
            relations,
            zone,
            window,
            read_time: started.elapsed(),
            warnings,
            paths: std::sync::OnceLock::new(),
            derivation,
            cache_window,
            files_pruned: listing.pruned,
            files_marked: listing.markers,
            files_misnamed: listing.misnamed,
        })
    }

    /// Matches routes and prepares the aggregations.
    pub fn audit(&self) -> Result<Audit<'_>> {
        let started = Instant::now();
        let encoded = match self.paths.get() {
            Some(encoded) => encoded,
            None => {
                let encoded = self.log.path_codes()?;
                self.paths.get_or_init(|| encoded)
            }
        };
        let mut audit = Audit::with_encoded_paths(
            &self.inventory,
            &self.log,
            self.registered.as_ref(),
            self.zone,
            self.window,
            encoded,
        )?
        .with_relations(self.relations.as_ref())
        .with_cache_window(self.cache_window.as_ref());
        audit.match_time = started.elapsed();
        Ok(audit)
    }
}
