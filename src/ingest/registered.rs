//! The optional registered-fields table: which fields each user has on file. Missing
//! columns, empty cells and absent users count as registered (when in doubt, it leaked).

use std::collections::HashMap;
use std::path::Path;

use anyhow::Result;
use polars::prelude::*;

use super::country::{countries, COUNTRY};
use super::{row_location, scan, schema_of};
use crate::error::InputError;
use crate::frame::bits::{mask_name, mask_words, word_bits};
use crate::frame::first_true;
use crate::frame::names::{OWNER_ID, USER_ID};
use crate::frame::OrBug;
use crate::inventory::Inventory;

/// Spellings of yes and no that other tools write, shown as they are when refused: none
/// can name a person. Any other cell is described by its shape (a table exported with
/// the values themselves instead of flags holds addresses and card numbers).
const OTHER_SPELLINGS: [&str; 16] = [
    "y", "n", "t", "f", "on", "off", "x", "-", "?", "n/a", "na", "null", "none", "nan", "2", "-1",
];

/// How an error names a registered cell that is not a boolean.
fn not_a_boolean(cell: &str) -> String {
    match OTHER_SPELLINGS
        .iter()
        .find(|s| cell.eq_ignore_ascii_case(s))
    {
        Some(_) => format!("{cell:?}"),
        None => format!("the value {}", crate::text::shaped(cell)),
    }
}

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
    /// With a `country` column: `owner_id` and `country` (ISO 3166-1 alpha-2, null when
    /// the cell is empty).
    pub countries: Option<DataFrame>,
}

const TRUE: [&str; 3] = ["true", "1", "yes"];
const FALSE: [&str; 3] = ["false", "0", "no"];

impl Registered {
    pub fn read(path: &Path, inventory: &Inventory) -> Result<Registered> {
        let (mut lf, format) = scan(path)?;
        let schema = schema_of(&mut lf, path, format)?;
        let file = path.display().to_string();
        super::require_columns(&schema, &[USER_ID], &file, || {
            " in the registered-fields table".into()
        })?;
        // A field named `country` keeps the column as the field's.
        let with_country =
            schema.get(COUNTRY).is_some() && inventory.field_index(COUNTRY).is_none();
        let mut read: Vec<&str> = vec![USER_ID];
        read.extend(inventory.fields.iter().map(|f| f.id.as_str()));
        if with_country {
            read.push(COUNTRY);
        }
        super::refuse_repeated_columns(&schema, path, &read)?;
        let (present, fields_without_column) = field_columns(&schema, inventory);
        let unknown_columns = schema
            .iter_names()
            .map(|n| n.to_string())
            .filter(|n| !read.contains(&n.as_str()))
            .collect();

        // Every cell as text; each is read below, once, into the field's bit.
        let mut select = vec![col(USER_ID).cast(DataType::String).alias(OWNER_ID)];
        select.extend(
            present
                .iter()
                .map(|id| col(id.as_str()).cast(DataType::String)),
        );
        if with_country {
            select.push(col(COUNTRY).cast(DataType::String));
        }
        let df = lf
            .select(select)
            .collect()
            .map_err(|e| super::unreadable(path, format, &e))?;

        let ids = df.column(OWNER_ID).or_bug()?.str().or_bug()?;
        refuse_empty_or_repeated(ids, path, format)?;
        let countries = match with_country {
            true => Some(countries(&df, path, format)?),
            false => None,
        };
        let (masks, empty_cells) = masks(&df, &present, inventory, path, format)?;
        let mut columns = vec![ids.clone().into_column()];
        columns.extend(
            masks
                .into_iter()
                .enumerate()
                .map(|(word, mask)| Column::new(mask_name("reg", word).into(), mask)),
        );
        let df = DataFrame::new(df.height(), columns).or_bug()?;
        Ok(Registered {
            df,
            file,
            fields_without_column,
            empty_cells,
            unknown_columns,
            countries,
        })
    }
}

/// The inventory's fields split into those with a column in the table and those without,
/// each in inventory order.
fn field_columns(schema: &Schema, inventory: &Inventory) -> (Vec<String>, Vec<String>) {
    let mut present = Vec::new();
    let mut fields_without_column = Vec::new();
    for field in &inventory.fields {
        if schema.get(&field.id).is_some() {
            present.push(field.id.clone());
        } else {
            fields_without_column.push(field.id.clone());
        }
    }
    (present, fields_without_column)
}

/// The first empty `user_id`, then the first repeated one, is refused.
fn refuse_empty_or_repeated(ids: &StringChunked, path: &Path, format: super::Format) -> Result<()> {
    if let Some(index) = first_true(&ids.is_null()) {
        return Err(
            InputError::at(row_location(path, format, index, USER_ID), "empty user_id").into(),
        );
    }
    let mut seen = HashMap::with_capacity(ids.len());
    for (index, id) in ids.iter().enumerate() {
        if let Some(first) = seen.insert(id, index) {
            return Err(InputError::at(
                row_location(path, format, index, USER_ID),
                format!("user_id repeats the one at row {}", first + 1),
            )
            .into());
        }
    }
    Ok(())
}

/// Each user's field bitmasks (one `Vec` per word, one entry per row) and the number of
/// empty cells. Every field registered (a field without a column, an empty cell), then a
/// field's bit cleared where its cell says no.
fn masks(
    df: &DataFrame,
    present: &[String],
    inventory: &Inventory,
    path: &Path,
    format: super::Format,
) -> Result<(Vec<Vec<u64>>, usize)> {
    let words = mask_words(inventory.fields.len());
    let mut masks: Vec<Vec<u64>> = (0..words)
        .map(|word| vec![word_bits(inventory.fields.len(), word, |_| true); df.height()])
        .collect();
    let mut empty_cells = 0;
    for id in present {
        let index = inventory
            .field_index(id)
            .ok_or_else(|| anyhow::anyhow!("internal error: field {id} lost from the inventory"))?;
        let (word, bit) = (index / 64, 1u64 << (index % 64));
        let cells = df.column(id).or_bug()?.str().or_bug()?;
        let said = |v: &str, words: &[&str]| words.iter().any(|w| v.eq_ignore_ascii_case(w));
        for (row, cell) in cells.iter().enumerate() {
            match cell.map(str::trim) {
                None | Some("") => empty_cells += 1,
                Some(v) if said(v, &TRUE) => {}
                Some(v) if said(v, &FALSE) => masks[word][row] &= !bit,
                Some(v) => {
                    return Err(InputError::at(
                        row_location(path, format, row, id),
                        format!(
                            "{} is not a boolean (true/false, 1/0, yes/no)",
                            not_a_boolean(v)
                        ),
                    )
                    .into());
                }
            }
        }
    }
    Ok((masks, empty_cells))
}
