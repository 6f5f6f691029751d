//! Text columns as numbers: each distinct text once, in a table shared by every file of a
//! log, and per row its number. A 5,000,000-row CDN log holds a few hundred thousand
//! paths and viewers and a handful of cache statuses and nodes; the derivation joins and
//! sorts numbers, and the text is put back only for the rows being written.

use anyhow::Result;
use polars::prelude::*;

use crate::frame::OrBug;

/// Memory a text takes in a table besides its bytes: its `String` (24 bytes), the set's
/// entry and index (16), the allocator's rounding and header (about 16), and its share of
/// the column `texts` makes (16).
const ENTRY_COST: u64 = 72;

/// Distinct texts and their numbers (a text's number is its place in the set: each text
/// is kept once).
#[derive(Debug, Default, Clone)]
pub struct Dict {
    values: PlIndexSet<String>,
    /// The texts' bytes in all.
    text_bytes: u64,
    /// The texts as a column, made once when first asked for (`texts`).
    column: std::sync::OnceLock<StringChunked>,
}

impl Dict {
    /// The number of `text`, given when new.
    pub fn code(&mut self, text: &str) -> u32 {
        if let Some(code) = self.values.get_index_of(text) {
            return code as u32;
        }
        self.text_bytes += text.len() as u64;
        self.values.insert_full(text.to_string()).0 as u32
    }

    /// The number of `text`, if it has one.
    pub fn find(&self, text: &str) -> Option<u32> {
        self.values.get_index_of(text).map(|code| code as u32)
    }

    pub fn value(&self, code: u32) -> &str {
        self.values
            .get_index(code as usize)
            .map_or("", String::as_str)
    }

    /// The memory the table takes, as estimated: each text's bytes and `ENTRY_COST`.
    pub fn bytes(&self) -> u64 {
        self.text_bytes + self.values.len() as u64 * ENTRY_COST
    }

    /// How many texts the table holds.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn values(&self) -> impl Iterator<Item = &str> {
        self.values.iter().map(String::as_str)
    }

    /// For each of `other`'s numbers, the number of its text here (added when new).
    pub fn merge(&mut self, other: &Dict) -> Vec<u32> {
        other.values.iter().map(|v| self.code(v)).collect()
    }

    /// The texts of `codes` (null stays null): a gather of the table's column, which
    /// copies 16-byte views and shares the text itself.
    pub fn texts(&self, codes: &UInt32Chunked) -> Result<StringChunked> {
        let column = self.column.get_or_init(|| {
            StringChunked::from_iter_values("".into(), self.values.iter().map(String::as_str))
        });
        let indices: IdxCa = codes.iter().map(|c| c.map(|c| c as IdxSize)).collect();
        column.take(&indices).or_bug()
    }

    /// Numbers for a text column (nulls, and empty texts when `empty_is_null`, stay null),
    /// through `codes::encode` on every core.
    pub fn encode(&mut self, column: &StringChunked, empty_is_null: bool) -> Result<UInt32Chunked> {
        let encoded = crate::frame::codes::encode_nullable(column, "")?;
        self.values.reserve(encoded.values.len());
        let of_value: Vec<Option<u32>> = encoded
            .values
            .iter()
            .map(|v| match v.unwrap_or("") {
                "" if empty_is_null => None,
                v => Some(self.code(v)),
            })
            .collect();
        let codes = encoded
            .codes
            .downcast_iter()
            .flat_map(|a| a.values().iter());
        let codes: UInt32Chunked = if column.null_count() == 0 {
            codes.map(|&code| of_value[code as usize]).collect()
        } else {
            codes
                .zip(column.iter())
                .map(|(&code, value)| value.and(of_value[code as usize]))
                .collect()
        };
        Ok(codes)
    }
}

/// The tables of a CDN log's text columns.
#[derive(Debug, Default, Clone)]
pub struct Dicts {
    pub path: Dict,
    pub viewer: Dict,
    pub status: Dict,
    pub node: Dict,
    pub host: Dict,
    /// Cloudflare's RayID and ParentRayID.
    pub ray: Dict,
}

/// The text columns a frame carries as numbers, by their tables (`renderer` is a viewer;
/// `parent` a ray), in the order `tables` numbers them side by side.
pub const CODED: [&str; 4] = [
    "path",
    crate::frame::names::VIEWER_ID,
    crate::frame::names::CACHE_STATUS,
    super::CACHE_NODE,
];

/// Every coded column and its table's name, the optional ones after `CODED`.
const ALL_CODED: [(&str, &str); 8] = [
    ("path", "path"),
    (crate::frame::names::VIEWER_ID, "viewer"),
    (crate::frame::names::CACHE_STATUS, "status"),
    (super::CACHE_NODE, "node"),
    ("host", "host"),
    ("renderer", "viewer"),
    ("ray", "ray"),
    ("parent", "ray"),
];

impl Dicts {
    /// The memory the tables take, as estimated (`Dict::bytes`).
    pub fn bytes(&self) -> u64 {
        [
            &self.path,
            &self.viewer,
            &self.status,
            &self.node,
            &self.host,
            &self.ray,
        ]
        .iter()
        .map(|d| d.bytes())
        .sum()
    }

    /// A table by its name in `ALL_CODED`.
    fn named(&mut self, table: &str) -> &mut Dict {
        match table {
            "path" => &mut self.path,
            "viewer" => &mut self.viewer,
            "status" => &mut self.status,
            "node" => &mut self.node,
            "host" => &mut self.host,
            _ => &mut self.ray,
        }
    }

    /// The table of one of the `CODED` columns.
    pub fn of(&mut self, column: &str) -> &mut Dict {
        let table = ALL_CODED
            .iter()
            .find(|(c, _)| *c == column)
            .map_or("node", |(_, t)| *t);
        self.named(table)
    }

    /// Every `CODED` column with its table, in `CODED`'s order (each table borrowed once,
    /// so the columns can be numbered side by side).
    pub fn tables(&mut self) -> [(&'static str, &mut Dict); 4] {
        let [path, viewer, status, node] = CODED;
        [
            (path, &mut self.path),
            (viewer, &mut self.viewer),
            (status, &mut self.status),
            (node, &mut self.node),
        ]
    }

    /// `part`'s number columns renumbered into these tables (its own are `local`); a
    /// coded column the part does not have is left out.
    pub fn absorb(&mut self, mut part: DataFrame, local: &Dicts) -> Result<DataFrame> {
        let mut local = local.clone();
        let mut merged: Vec<(&str, Vec<u32>)> = Vec::new();
        for (name, table) in ALL_CODED {
            if part.column(name).is_err() {
                continue;
            }
            let numbers = match merged.iter().find(|(t, _)| *t == table) {
                Some((_, numbers)) => numbers.clone(),
                None => {
                    let numbers = self.named(table).merge(local.named(table));
                    merged.push((table, numbers.clone()));
                    numbers
                }
            };
            let codes = part.column(name).or_bug()?.u32().or_bug()?.clone();
            let renumbered: UInt32Chunked = codes
                .iter()
                .map(|c| c.map(|c| numbers[c as usize]))
                .collect();
            part.with_column(renumbered.with_name(name.into()).into_column())
                .or_bug()?;
        }
        Ok(part)
    }
}
