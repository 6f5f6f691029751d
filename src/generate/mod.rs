//! `pii-audit generate`: a synthetic incident shaped like Mercari web's of 22 June 2017.
//! A 14-hour log with a six-hour leak window in which a minority of personal pages is
//! served to someone other than their owner; heavy and light users, query strings, slash
//! variants, full URLs, unmapped paths, anonymous viewers, and a registered table in
//! which many users have no bank account or card on file. Deterministic per seed. With
//! `--cdn` the responses go through a simulated cache (`cdn`), and the CDN's log is written
//! in the contract's columns or as a vendor delivers it (`delivered`).

mod cdn;
mod delivered;
mod stream;

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use polars::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::InputError;
use crate::files::{write_private, write_private_with};
use crate::frame::names::{OWNER_ID, USER_ID, VIEWER_ID};
use crate::frame::utc_micros;
use crate::frame::OrBug;
pub use delivered::{APACHE_LOG_FORMAT, NGINX_LOG_FORMAT};
use stream::Table;

/// The bundled inventory the synthetic incident is drawn against.
pub const INVENTORY: &str = include_str!("../../inventory/mercari-2017.yaml");

/// Log span and leak window, in JST (UTC+9), as UTC microseconds.
/// 2017-06-22T00:00:00+09:00 (2017-06-21T15:00:00Z).
const JST_MIDNIGHT: i64 = 1_498_057_200;
pub(crate) const LOG_START: i64 = JST_MIDNIGHT + 6 * 3600;
pub(crate) const LOG_HOURS: i64 = 14;
const LEAK_FROM: &str = "2017-06-22T09:00:00+09:00";
const LEAK_TO: &str = "2017-06-22T15:00:00+09:00";
pub(crate) const LEAK_START: i64 = LOG_START + 3 * 3600;
pub(crate) const LEAK_END: i64 = LEAK_START + 6 * 3600;

/// Share of personal-page responses inside the leak window served to someone else.
const LEAK_RATE: f64 = 0.12;

/// The format of a generated log: the exposure log's file format (and with --cdn the
/// contract CDN log's), or a vendor's delivered CDN log (with --cdn only; the exposure log
/// is then Parquet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeneratedLog {
    Parquet,
    Csv,
    Ndjson,
    CloudFront,
    Cloudflare,
    Akamai,
    Fastly,
    Nginx,
    Apache,
    W3c,
}

impl GeneratedLog {
    /// Whether the format is a vendor's delivered CDN log.
    pub fn is_vendor(self) -> bool {
        !matches!(
            self,
            GeneratedLog::Parquet | GeneratedLog::Csv | GeneratedLog::Ndjson
        )
    }

    /// The name `--log-format` takes.
    pub fn name(self) -> &'static str {
        match self {
            GeneratedLog::Parquet => "parquet",
            GeneratedLog::Csv => "csv",
            GeneratedLog::Ndjson => "ndjson",
            GeneratedLog::CloudFront => "cloudfront",
            GeneratedLog::Cloudflare => "cloudflare",
            GeneratedLog::Akamai => "akamai",
            GeneratedLog::Fastly => "fastly",
            GeneratedLog::Nginx => "nginx",
            GeneratedLog::Apache => "apache",
            GeneratedLog::W3c => "w3c",
        }
    }

    /// The exposure log's file format and extension.
    fn exposure(self) -> (GeneratedLog, &'static str) {
        match self {
            GeneratedLog::Csv => (GeneratedLog::Csv, "csv"),
            GeneratedLog::Ndjson => (GeneratedLog::Ndjson, "ndjson"),
            _ => (GeneratedLog::Parquet, "parquet"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Spec {
    pub users: u32,
    pub rows: u64,
    pub seed: u64,
    pub log_format: GeneratedLog,
    /// Also write the CDN's view, from a simulated cache (`generate --cdn`).
    pub cdn: bool,
    /// Rows of the relations table (buyers shown on sellers' transaction pages); 0 = none,
    /// and then the inventory and every other file are as without the option.
    pub relations: u64,
    /// `ts` as RFC 3339 text in a Parquet log (`--ts-text`).
    pub ts_text: bool,
}

/// What `--relations` adds to the bundled inventory: the transaction page (otherwise a
/// blind spot) showing the buyer's name, address and phone on the seller's page.
const RELATIONS_BLOCK: &str =
    "relations:\n  buyer_of_seller: Buyer shown on the seller's transaction page\n";
const TRANSACTION_PAGE: &str = "  - id: transaction\n    route: /jp/transaction/{item_id}/\n    title: {en: Transaction, ja: 取引画面}\n    fields: []\n    related:\n      - relation: buyer_of_seller\n        fields: [name, address, phone]\n    note: The seller's transaction page shows the buyer's name and address (no anonymous shipping).\n";

/// Personal pages (path template, relative weight). `{s}` is a listings tab.
const PERSONAL: &[(&str, u32)] = &[
    ("/jp/mypage/", 250),
    ("/jp/mypage/personal_info/", 40),
    ("/jp/mypage/delivery_address/", 40),
    ("/jp/mypage/email/", 20),
    ("/jp/mypage/bank/", 20),
    ("/jp/mypage/card/", 30),
    ("/jp/mypage/purchased/", 80),
    ("/jp/mypage/listings/{s}/", 80),
    ("/jp/mypage/sales/", 30),
    ("/jp/mypage/point/", 30),
    ("/jp/mypage/notification/", 60),
    ("/jp/mypage/todo/", 40),
    // Not in the inventory: blind spots the audit must report.
    ("/jp/mypage/coupon/", 12),
    ("/jp/mypage/follow/", 8),
];
const LISTING_TABS: [&str; 3] = ["listing", "in_progress", "completed"];

fn pick<'a>(table: &[(&'a str, u32)], roll: u32) -> &'a str {
    let mut acc = 0;
    for (item, weight) in table {
        acc += weight;
        if roll < acc {
            return item;
        }
    }
    table.last().map_or("/", |(item, _)| item)
}

/// Owner index with a heavy head: a few users account for much of the traffic.
pub(crate) fn skewed_user(rng: &mut ChaCha8Rng, users: u32) -> u32 {
    let u: f64 = rng.gen();
    ((u.powf(2.5) * users as f64) as u32).min(users - 1)
}

/// A stable, scattered 9-digit number for a pool index (looks like Mercari's item ids).
fn item_number(index: u32) -> u32 {
    (index.wrapping_mul(2_654_435_761) ^ 0x5bd1_e995) % 1_000_000_000
}

pub(crate) fn user_id(buf: &mut String, index: u32) {
    buf.clear();
    let _ = write!(buf, "u{:08}", index + 1);
}

/// Writes the incident into `dir`; returns lines describing what was written.
pub fn write(spec: &Spec, dir: &Path) -> Result<Vec<String>> {
    if spec.users < 2 {
        return Err(InputError::usage("--users must be at least 2").into());
    }
    if spec.log_format.is_vendor() && !spec.cdn {
        return Err(InputError::usage(format!(
            "--log-format {} is a CDN's delivered log: add --cdn",
            spec.log_format.name()
        ))
        .into());
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    // With --cdn the exposure log is the truth of a simulated cache, and the CDN's own
    // log (no owner_id) is written beside it: in the contract's columns, or as a vendor
    // delivers it (caches per node when the vendor names its nodes). Each is written a
    // chunk of rows at a time, as the requests are drawn.
    let (_, extension) = spec.log_format.exposure();
    let log_name = format!("exposure.{extension}");
    let (mut written, cdn_note) = if spec.log_format.is_vendor() {
        write_vendor_logs(spec, dir, &mut rng, &log_name)?
    } else {
        write_logs(spec, dir, &mut rng, extension, &log_name)?
    };
    let registered = build_registered(spec, &mut rng)?;
    let users = write_registered(dir, registered)?;
    let written_relations = write_inventory(spec, dir)?;
    write_private(
        &dir.join("README.txt"),
        readme(spec, &log_name, &cdn_note).as_bytes(),
    )?;
    written.extend([
        format!("{}: {users} users", dir.join("registered.csv").display()),
        format!("{}", dir.join("inventory.yaml").display()),
        format!("leak window: --from {LEAK_FROM} --to {LEAK_TO}"),
    ]);
    written.extend(written_relations);
    Ok(written)
}

/// Whether the logs' `ts` is written as text: in a text log, and with `--ts-text`.
fn text_ts(spec: &Spec) -> bool {
    spec.ts_text || spec.log_format.exposure().0 != GeneratedLog::Parquet
}

/// The exposure log and, with --cdn, the CDN's log; returns the lines describing them and
/// the README's paragraph on the CDN log (empty without one).
fn write_logs(
    spec: &Spec,
    dir: &Path,
    rng: &mut ChaCha8Rng,
    extension: &str,
    log_name: &str,
) -> Result<(Vec<String>, String)> {
    let (format, rows) = (spec.log_format, spec.rows);
    let chunk = stream::chunk_rows();
    let mut written = vec![format!(
        "{}: {} rows",
        dir.join(log_name).display(),
        spec.rows
    )];
    if !spec.cdn {
        write_private_with(&dir.join(log_name), |file| {
            let mut log = Table::new(file, format, text_ts(spec), rows);
            build_log(spec, rng, chunk, |df| log.push(df))?;
            log.finish()
        })?;
        return Ok((written, String::new()));
    }
    let cdn_name = format!("cdn.{extension}");
    write_private_with(&dir.join(log_name), |log_file| {
        write_private_with(&dir.join(&cdn_name), |cdn_file| {
            let mut log = Table::new(log_file, format, text_ts(spec), rows);
            let mut cdn_log = Table::new(cdn_file, format, text_ts(spec), rows);
            cdn::simulate(spec, rng, chunk, |exposure, cdn_rows| {
                log.push(exposure)?;
                cdn_log.push(cdn_rows)
            })?;
            cdn_log.finish()?;
            log.finish()
        })
    })?;
    written.push(format!(
        "{}: {} rows (the CDN's view: no owner_id)",
        dir.join(&cdn_name).display(),
        spec.rows
    ));
    let cdn_note = format!(
        "\n{cdn_name} is the same responses as a CDN logged them (ts, path, viewer_id, cache_status,\n\
         origin_request_id; no owner_id): during the leak window personal pages were cached with\n\
         request collapsing. {log_name} holds the true owners. Derive them with:\n\n\
         pii-audit derive-owners -e {cdn_name} -o derived.{extension}\n"
    );
    Ok((written, cdn_note))
}

/// The CDN's log as the vendor delivers it, in `cdn/`, and the truth (Parquet); the lines
/// describing them and the README's paragraph.
fn write_vendor_logs(
    spec: &Spec,
    dir: &Path,
    rng: &mut ChaCha8Rng,
    log_name: &str,
) -> Result<(Vec<String>, String)> {
    let format = spec.log_format;
    let files = delivered::write(spec, rng, dir, log_name)?;
    let folder = dir.join(delivered::FOLDER);
    let written = vec![
        format!(
            "{}: {} rows (the truth: owner_id of every response)",
            dir.join(log_name).display(),
            spec.rows
        ),
        format!(
            "{}: {} rows in {} file(s), as {} delivers them (no owner)",
            folder.display(),
            spec.rows,
            files,
            delivered::name(format)
        ),
    ];
    Ok((written, delivered::readme_note(format, log_name)))
}

/// `registered.csv`; returns its number of users.
fn write_registered(dir: &Path, mut registered: DataFrame) -> Result<usize> {
    let mut reg_bytes = Vec::new();
    CsvWriter::new(&mut reg_bytes)
        .finish(&mut registered)
        .or_bug()?;
    write_private(&dir.join("registered.csv"), &reg_bytes)?;
    Ok(registered.height())
}

/// `inventory.yaml`: the bundled one, or with --relations the one whose transaction page
/// shows the buyer, and the relations table (then returns the line describing it).
fn write_inventory(spec: &Spec, dir: &Path) -> Result<Option<String>> {
    if spec.relations > 0 {
        // The relations block before `pages:`, the transaction page last among the pages
        // (before the `incident:` block that follows them).
        let inventory = INVENTORY
            .replacen("\npages:\n", &format!("\n{RELATIONS_BLOCK}pages:\n"), 1)
            .replacen(
                "\nincident:\n",
                &format!("\n{TRANSACTION_PAGE}incident:\n"),
                1,
            );
        write_private(&dir.join("inventory.yaml"), inventory.as_bytes())?;
        Ok(Some(write_relations(spec, dir)?))
    } else {
        write_private(&dir.join("inventory.yaml"), INVENTORY.as_bytes())?;
        Ok(None)
    }
}

/// `README.txt`: how the files were made and the command that audits them.
fn readme(spec: &Spec, log_name: &str, cdn_note: &str) -> String {
    let command = format!(
        "pii-audit generate --users {} --rows {} --seed {}{}{}",
        spec.users,
        spec.rows,
        spec.seed,
        if spec.cdn { " --cdn" } else { "" },
        if spec.log_format.is_vendor() {
            format!(" --log-format {}", spec.log_format.name())
        } else {
            String::new()
        }
    );
    let leak = if spec.cdn {
        "when personal pages were cached and served to whoever asked for the same URL".to_string()
    } else {
        format!(
            "when {:.0}% of personal pages were served to someone else",
            LEAK_RATE * 100.0
        )
    };
    format!(
        "Synthetic incident made by `{command}`.\n\
         Every id and value is invented. The log covers 2017-06-22 06:00-20:00 JST; the leak\n\
         window, {leak}, is [{LEAK_FROM}, {LEAK_TO}).\n\n\
         pii-audit report summary -i inventory.yaml -e {log_name} -r registered.csv \\\n  --from {LEAK_FROM} --to {LEAK_TO} --tz Asia/Tokyo\n{cdn_note}"
    )
}

/// The relations table: sellers (any user, evenly) and their buyers. Nine in ten tied to one
/// transaction path, a fifth valid for a few hours only. Its own random stream, so the
/// other files are the same with or without it.
fn write_relations(spec: &Spec, dir: &Path) -> Result<String> {
    let format = spec.log_format.exposure().0;
    let name = match format {
        GeneratedLog::Parquet => "relations.parquet",
        _ => "relations.csv",
    };
    let format = match format {
        GeneratedLog::Parquet => GeneratedLog::Parquet,
        _ => GeneratedLog::Csv,
    };
    write_private_with(&dir.join(name), |file| {
        let mut table = Table::new(file, format, false, spec.relations);
        relations_frames(spec, stream::chunk_rows(), |df| {
            if format == GeneratedLog::Parquet {
                return table.push(df);
            }
            let text = df
                .lazy()
                .with_columns(
                    ["from", "to"].map(|c| col(c).dt().to_string("%Y-%m-%dT%H:%M:%S%:z").alias(c)),
                )
                .collect()
                .or_bug()?;
            table.push(text)
        })?;
        table.finish()
    })?;
    Ok(format!(
        "{}: {} relations",
        dir.join(name).display(),
        spec.relations
    ))
}

/// The relations table's rows, drawn from the relations' own random stream, `chunk` rows
/// at a time.
fn relations_frames(
    spec: &Spec,
    chunk: usize,
    mut write: impl FnMut(DataFrame) -> Result<()>,
) -> Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed ^ 0x5245_4c41_5449_4f4e);
    let mut left = spec.relations;
    loop {
        let n = left.min(chunk as u64) as usize;
        left -= n as u64;
        write(relations_frame(spec.users, n, &mut rng)?)?;
        if left == 0 {
            return Ok(());
        }
    }
}

/// `n` rows of the relations table.
fn relations_frame(users: u32, n: usize, rng: &mut ChaCha8Rng) -> Result<DataFrame> {
    let mut owners = StringChunkedBuilder::new(OWNER_ID.into(), n);
    let mut related = StringChunkedBuilder::new("related_id".into(), n);
    let mut paths = StringChunkedBuilder::new("path".into(), n);
    let mut from: Vec<Option<i64>> = Vec::with_capacity(n);
    let mut to: Vec<Option<i64>> = Vec::with_capacity(n);
    let mut id = String::with_capacity(12);
    let mut path = String::with_capacity(32);
    for _ in 0..n {
        let seller = rng.gen_range(0..users);
        let mut buyer = rng.gen_range(0..users);
        if buyer == seller {
            buyer = (buyer + 1) % users;
        }
        user_id(&mut id, seller);
        owners.append_value(&id);
        user_id(&mut id, buyer);
        related.append_value(&id);
        if rng.gen_bool(0.9) {
            let deal = skewed_user(rng, users.saturating_mul(2));
            path.clear();
            let _ = write!(path, "/jp/transaction/m{:09}/", item_number(deal));
            paths.append_value(&path);
        } else {
            paths.append_null();
        }
        if rng.gen_bool(0.2) {
            let start = LOG_START + rng.gen_range(0..LOG_HOURS * 3600);
            from.push(Some(start * 1_000_000));
            to.push(Some((start + rng.gen_range(1..4) * 3600) * 1_000_000));
        } else {
            from.push(None);
            to.push(None);
        }
    }
    let times = |name: &str, values: Vec<Option<i64>>| -> Result<Column> {
        Ok(
            Int64Chunked::from_iter_options(name.into(), values.into_iter())
                .into_series()
                .cast(&utc_micros())
                .or_bug()?
                .into(),
        )
    };
    DataFrame::new(
        n,
        vec![
            Column::new("relation".into(), vec!["buyer_of_seller"; n]),
            owners.finish().into_series().into(),
            related.finish().into_series().into(),
            paths.finish().into_series().into(),
            times("from", from)?,
            times("to", to)?,
        ],
    )
    .or_bug()
}

/// A request path for a user (their profile for `/jp/u/…`), with the URL variants the
/// normaliser must fold; true when the page is public.
pub(crate) fn request_path(
    rng: &mut ChaCha8Rng,
    users: u32,
    owner_index: u32,
    path: &mut String,
) -> bool {
    let personal_total: u32 = PERSONAL.iter().map(|(_, w)| w).sum();
    path.clear();
    let kind: u32 = rng.gen_range(0..100);
    let mut public = false;
    if kind < 70 {
        let template = pick(PERSONAL, rng.gen_range(0..personal_total));
        let tab = LISTING_TABS[rng.gen_range(0..LISTING_TABS.len())];
        path.push_str(&template.replace("{s}", tab));
    } else if kind < 88 {
        public = true;
        // Popular items draw most views: a skewed pool of four items per user.
        let item = skewed_user(rng, users.saturating_mul(4));
        let _ = write!(path, "/jp/items/m{:09}/", item_number(item));
    } else if kind < 94 {
        public = true;
        let _ = write!(
            path,
            "/jp/u/{}/",
            100_000_000 + item_number(owner_index) % 900_000_000
        );
    } else if kind < 97 {
        public = true;
        let deal = skewed_user(rng, users.saturating_mul(2));
        let _ = write!(path, "/jp/transaction/m{:09}/", item_number(deal));
    } else {
        public = true;
        path.push_str("/jp/search/?keyword=");
        let _ = write!(
            path,
            "{}",
            ["shoes", "camera", "switch", "bag"][rng.gen_range(0..4)]
        );
    }
    // Variants the normaliser must fold: missing trailing slash, query, full URL.
    let variant: u32 = rng.gen_range(0..100);
    if variant < 15 && path.ends_with('/') {
        path.pop();
    } else if variant < 25 && !path.contains('?') {
        path.push_str(["?ref=push", "?utm_source=mail", "#top"][rng.gen_range(0..3)]);
    } else if variant < 28 {
        path.insert_str(0, "https://www.mercari.com");
    }
    public
}

/// The exposure log without a CDN, `chunk` rows at a time.
fn build_log(
    spec: &Spec,
    rng: &mut ChaCha8Rng,
    chunk: usize,
    mut write: impl FnMut(DataFrame) -> Result<()>,
) -> Result<()> {
    let users = spec.users;
    let mut times = stream::Arrivals::draw(spec.rows, rng).peekable();
    let mut path = String::with_capacity(64);
    let mut owner = String::with_capacity(12);
    let mut viewer = String::with_capacity(24);
    loop {
        let mut stamps = Vec::with_capacity(chunk);
        let mut paths = StringChunkedBuilder::new("path".into(), chunk);
        let mut owners = StringChunkedBuilder::new(OWNER_ID.into(), chunk);
        let mut viewers = StringChunkedBuilder::new(VIEWER_ID.into(), chunk);
        for ts in times.by_ref().take(chunk) {
            stamps.push(ts);
            let in_leak = (LEAK_START * 1_000_000..LEAK_END * 1_000_000).contains(&ts);
            let owner_index = skewed_user(rng, users);
            user_id(&mut owner, owner_index);
            let public = request_path(rng, users, owner_index, &mut path);
            viewer.clear();
            let mut anonymous = false;
            let cross = public || (in_leak && rng.gen_bool(LEAK_RATE));
            if !cross {
                viewer.push_str(&owner);
            } else {
                match rng.gen_range(0..10) {
                    0..=6 => {
                        let mut v = skewed_user(rng, users);
                        if v == owner_index {
                            v = (v + 1) % users;
                        }
                        user_id(&mut viewer, v);
                    }
                    7 | 8 => {
                        let _ = write!(viewer, "s-{:016x}", rng.gen::<u64>());
                    }
                    _ => anonymous = true,
                }
            }
            paths.append_value(&path);
            owners.append_value(&owner);
            if anonymous {
                viewers.append_value("");
            } else {
                viewers.append_value(&viewer);
            }
        }
        let rows = stamps.len();
        let ts = Int64Chunked::from_vec("ts".into(), stamps)
            .into_series()
            .cast(&utc_micros())
            .or_bug()?;
        let df = DataFrame::new(
            rows,
            vec![
                ts.into(),
                paths.finish().into_series().into(),
                owners.finish().into_series().into(),
                viewers.finish().into_series().into(),
            ],
        )
        .or_bug()?;
        write(df)?;
        if times.peek().is_none() {
            return Ok(());
        }
    }
}

/// Registration cells in the mixed spellings real exports have; a few left empty.
fn cell(rng: &mut ChaCha8Rng, registered: bool) -> Option<&'static str> {
    if rng.gen_bool(0.02) {
        return None;
    }
    Some(match (registered, rng.gen_range(0..3)) {
        (true, 0) => "true",
        (true, 1) => "yes",
        (true, _) => "1",
        (false, 0) => "false",
        (false, 1) => "no",
        (false, _) => "0",
    })
}

fn build_registered(spec: &Spec, rng: &mut ChaCha8Rng) -> Result<DataFrame> {
    // Columns for the fields whose registration varies; the others are on file for
    // everyone and have no column (the audit assumes them registered and says so).
    // card_expiry follows card_last4: a card on file has both.
    let columns: [(&str, f64); 7] = [
        ("phone", 0.9),
        ("bank_account_last4", 0.35),
        ("card_last4", 0.4),
        ("card_expiry", -1.0),
        ("purchase_history", 0.85),
        ("listing_history", 0.6),
        ("sales_balance", 0.5),
    ];
    let mut ids = Vec::new();
    let mut cells: Vec<Vec<Option<&str>>> = vec![Vec::new(); columns.len()];
    let mut id = String::new();
    for index in 0..spec.users {
        // About 1% of users are missing from the export.
        if rng.gen_bool(0.01) {
            continue;
        }
        user_id(&mut id, index);
        ids.push(id.clone());
        let mut has_card = false;
        for (c, (name, share)) in columns.iter().enumerate() {
            let registered = match *name {
                "card_expiry" => has_card,
                _ => rng.gen_bool(*share),
            };
            if *name == "card_last4" {
                has_card = registered;
            }
            cells[c].push(cell(rng, registered));
        }
    }
    let mut out = vec![Column::new(USER_ID.into(), ids.clone())];
    for ((name, _), values) in columns.iter().zip(cells) {
        out.push(Column::new((*name).into(), values));
    }
    DataFrame::new(ids.len(), out).or_bug()
}
