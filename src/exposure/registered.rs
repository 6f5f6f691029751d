//! The optional registered-fields table: which fields each user has on file. Missing
//! columns, empty cells and absent users count as registered (when in doubt, it leaked).

use std::collections::HashMap;
use std::path::Path;

use anyhow::Result;
use polars::prelude::*;

use super::{first_true, polars_bug, row_location, scan, schema_of};
use crate::error::{InputError, Location};
use crate::inventory::Inventory;

/// Per-user registration as field bitmasks (`reg0`, `reg1`, … one u64 word per 64 fields),
/// keyed by `owner_id`.
#[derive(Debug, Clone)]
pub struct Registered {
    pub df: DataFrame,
    pub file: String,
    /// Inventory fields with no column in the table: assumed registered for everyone.
    pub fields_without_column: Vec<String>,
    /// Empty cells in field columns: assumed registered.
    pub empty_cells: usize,
    /// Columns that name no inventory field (ignored).
    pub unknown_columns: Vec<String>,
}

/// How many u64 words hold one bit per inventory field.
pub fn mask_words(fields: usize) -> usize {
    fields.div_ceil(64).max(1)
}

pub fn mask_name(prefix: &str, word: usize) -> String {
    format!("{prefix}{word}")
}

const TRUE: [&str; 3] = ["true", "1", "yes"];
const FALSE: [&str; 3] = ["false", "0", "no"];

impl Registered {
    pub fn read(path: &Path, inventory: &Inventory) -> Result<Registered> {
        let (mut lf, format) = scan(path)?;
        let schema = schema_of(&mut lf, path, format)?;
        let file = path.display().to_string();
        if schema.get("user_id").is_none() {
            return Err(InputError::at(
                Location::file(&file).key("user_id"),
                "missing required column `user_id` in the registered-fields table",
            )
            .into());
        }
        let mut read: Vec<&str> = vec!["user_id"];
        read.extend(inventory.fields.iter().map(|f| f.id.as_str()));
        super::refuse_repeated_columns(&schema, path, &read)?;
        let mut present = Vec::new();
        let mut fields_without_column = Vec::new();
        for field in &inventory.fields {
            if schema.get(&field.id).is_some() {
                present.push(field.id.clone());
            } else {
                fields_without_column.push(field.id.clone());
            }
        }
        let unknown_columns = schema
            .iter_names()
            .map(|n| n.to_string())
            .filter(|n| n != "user_id" && inventory.field_index(n).is_none())
            .collect();

        // Every cell as lower-case trimmed text, then one boolean per field: null = unknown.
        let mut select = vec![col("user_id").cast(DataType::String).alias("owner_id")];
        for id in &present {
            let text = col(id.as_str())
                .cast(DataType::String)
                .str()
                .to_lowercase()
                .str()
                .strip_chars(lit(NULL));
            select.push(text.alias(id.as_str()));
        }
        let df = lf
            .select(select)
            .collect()
            .map_err(|e| super::unreadable(path, format, &e))?;

        let ids = df
            .column("owner_id")
            .map_err(polars_bug)?
            .str()
            .map_err(polars_bug)?;
        if let Some(index) = first_true(&ids.is_null()) {
            return Err(InputError::at(
                row_location(path, format, index, "user_id"),
                "empty user_id",
            )
            .into());
        }
        let mut seen = HashMap::with_capacity(ids.len());
        for (index, id) in ids.iter().enumerate() {
            if let Some(first) = seen.insert(id, index) {
                return Err(InputError::at(
                    row_location(path, format, index, "user_id"),
                    format!("user_id repeats the one at row {}", first + 1),
                )
                .into());
            }
        }

        let mut empty_cells = 0;
        for id in &present {
            let cells = df
                .column(id)
                .map_err(polars_bug)?
                .str()
                .map_err(polars_bug)?;
            let known = |v: &str| v.is_empty() || TRUE.contains(&v) || FALSE.contains(&v);
            if let Some(index) = cells.iter().position(|v| v.is_some_and(|v| !known(v))) {
                let value: String = cells
                    .get(index)
                    .unwrap_or_default()
                    .chars()
                    .take(40)
                    .collect();
                return Err(InputError::at(
                    row_location(path, format, index, id),
                    format!("{value:?} is not a boolean (true/false, 1/0, yes/no)"),
                )
                .into());
            }
            empty_cells += cells.iter().filter(|v| v.is_none_or(str::is_empty)).count();
        }

        let words = mask_words(inventory.fields.len());
        let mut masks = vec![col("owner_id")];
        for word in 0..words {
            let mut mask = lit(0u64);
            for (index, field) in inventory.fields.iter().enumerate() {
                if index / 64 != word {
                    continue;
                }
                let bit = lit(1u64 << (index % 64));
                let registered = if present.contains(&field.id) {
                    let says_no = FALSE.iter().fold(lit(false), |acc, no| {
                        acc.or(col(field.id.as_str()).eq(lit(*no)))
                    });
                    when(says_no).then(lit(0u64)).otherwise(bit)
                } else {
                    bit
                };
                mask = mask + registered;
            }
            masks.push(mask.cast(DataType::UInt64).alias(mask_name("reg", word)));
        }
        let df = df.lazy().select(masks).collect().map_err(polars_bug)?;
        Ok(Registered {
            df,
            file,
            fields_without_column,
            empty_cells,
            unknown_columns,
        })
    }
}
