//! Report output: table, CSV, JSON, NDJSON and Parquet, to stdout or to a file written
//! atomically and readable by its owner only (reports hold personal data).

use std::io::{IsTerminal, Write};
use std::path::Path;

use anyhow::{Context, Result};
use comfy_table::{presets::UTF8_BORDERS_ONLY, ContentArrangement, Table};
use polars::prelude::*;

use crate::error::InputError;
use crate::frame::OrBug;
use crate::ingest::Zone;

/// The formats a report is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Csv,
    Json,
    Ndjson,
    Parquet,
}

impl Format {
    /// The format a file's name asks for: Parquet, NDJSON (.ndjson, .jsonl), JSON, else CSV.
    pub fn for_file(path: &Path) -> Format {
        let name = path.to_string_lossy().to_lowercase();
        if name.ends_with(".parquet") {
            Format::Parquet
        } else if name.ends_with(".ndjson") || name.ends_with(".jsonl") {
            Format::Ndjson
        } else if name.ends_with(".json") {
            Format::Json
        } else {
            Format::Csv
        }
    }

    /// Table on a terminal, CSV otherwise (contract).
    pub fn default_for_stdout() -> Format {
        if std::io::stdout().is_terminal() {
            Format::Table
        } else {
            Format::Csv
        }
    }
}

/// The report as text-friendly columns: times as RFC 3339 strings in `zone`, and lists
/// `;`-joined when `join_lists` (CSV and table) or kept as arrays (JSON).
pub fn presentable(df: &DataFrame, zone: &Zone, join_lists: bool) -> Result<DataFrame> {
    let mut df = df.clone();
    // Times and lists become text, the columns side by side on the cores.
    let to_text: Vec<&Column> = df
        .columns()
        .iter()
        .filter(|c| match c.dtype() {
            DataType::Datetime(..) => true,
            dtype => join_lists && dtype.is_list(),
        })
        .collect();
    let replaced = crate::frame::cores::on_every_core(&to_text, |c| match c.dtype() {
        DataType::Datetime(..) => crate::ingest::time_text::rfc3339_column(c, zone),
        _ => joined(c),
    })?;
    for text in replaced {
        df.with_column(text.or_bug()?).or_bug()?;
    }
    Ok(df)
}

/// A list column as `;`-joined text (its items as text); an empty (or absent) list is an
/// empty cell, as in the contract's examples, and an absent item is left out: what
/// `list().join(";", true)` with an empty list as null gives, in a third of its time (17 ms
/// for the three lists of 54,000 users).
fn joined(column: &Column) -> PolarsResult<Column> {
    let lists = column.list()?.rechunk();
    let inner = lists.get_inner().cast(&DataType::String)?;
    let items: Vec<Option<&str>> = inner.str()?.iter().collect();
    let mut cell = String::new();
    let mut out = StringChunkedBuilder::new(column.name().clone(), lists.len());
    for array in lists.downcast_iter() {
        for (row, span) in array.offsets().windows(2).enumerate() {
            let (start, end) = (span[0] as usize, span[1] as usize);
            if start == end || array.validity().is_some_and(|valid| !valid.get_bit(row)) {
                out.append_null();
                continue;
            }
            cell.clear();
            for (n, item) in items[start..end].iter().flatten().enumerate() {
                if n > 0 {
                    cell.push(';');
                }
                cell.push_str(item);
            }
            out.append_value(&cell);
        }
    }
    Ok(out.finish().into_column())
}

/// What a spreadsheet takes as the start of a formula (OWASP, "CSV injection").
pub const FORMULA_STARTS: [&str; 6] = ["=", "+", "-", "@", "\t", "\r"];

/// Text cells that start like a formula get a leading `'`, so a path or user id crafted
/// into the log cannot run when the officer opens the export in a spreadsheet. Numbers
/// are not text and stay as they are (a count is never negative anyway).
pub fn neutralise_formulas(df: DataFrame) -> Result<DataFrame> {
    let mut exprs = Vec::with_capacity(df.width());
    let mut any = false;
    for c in df.columns() {
        let name = c.name().as_str();
        // Looked for first, byte by byte: as an expression on every column, the check
        // cost 15 ms on the 54,000-user report, where no cell needs it.
        let needed = c
            .str()
            .is_ok_and(|text| text.iter().flatten().any(starts_like_formula));
        if !needed {
            exprs.push(col(name));
            continue;
        }
        any = true;
        let formula = FORMULA_STARTS.iter().fold(lit(false), |any, start| {
            any.or(col(name).str().starts_with(lit(*start)))
        });
        exprs.push(
            when(formula)
                .then(concat_str([lit("'"), col(name)], "", false))
                .otherwise(col(name))
                .alias(name),
        );
    }
    if !any {
        return Ok(df);
    }
    df.lazy().select(exprs).collect().or_bug()
}

fn starts_like_formula(text: &str) -> bool {
    FORMULA_STARTS.iter().any(|start| text.starts_with(start))
}

/// Serialises a table in `format` into bytes: times as RFC 3339 in `zone` and text cells
/// guarded against spreadsheet formulas in text formats, native types in Parquet. Every
/// table the tool writes (reports, notice lists, derived logs, TUI exports) goes through
/// here, then `files::write_private`.
pub fn render(df: &DataFrame, format: Format, zone: &Zone) -> Result<Vec<u8>> {
    render_compressed(df, format, zone, ParquetCompression::default())
}

/// As `render`, with the Parquet compression chosen (a derived log, read back once, is
/// written with LZ4: several times faster than the default zstd).
pub fn render_compressed(
    df: &DataFrame,
    format: Format,
    zone: &Zone,
    parquet: ParquetCompression,
) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    match format {
        Format::Csv => {
            let mut df = neutralise_formulas(presentable(df, zone, true)?)?;
            CsvWriter::new(&mut out)
                .include_header(true)
                .finish(&mut df)
                .or_bug()?;
        }
        Format::Json | Format::Ndjson => {
            let mut df = presentable(df, zone, false)?;
            let json = if format == Format::Json {
                JsonFormat::Json
            } else {
                JsonFormat::JsonLines
            };
            JsonWriter::new(&mut out)
                .with_json_format(json)
                .finish(&mut df)
                .or_bug()?;
            if format == Format::Json {
                out.push(b'\n');
            }
        }
        Format::Parquet => {
            let mut df = df.clone();
            ParquetWriter::new(&mut out)
                .with_compression(parquet)
                .finish(&mut df)
                .or_bug()?;
        }
        Format::Table => {
            let df = presentable(df, zone, true)?;
            out.extend_from_slice(table_text(&df).as_bytes());
            out.push(b'\n');
        }
    }
    Ok(out)
}

/// A bordered text table of every row, for a terminal: every cell and name escaped
/// (`text::escape`), so a crafted path or id shows as `\e]0;…` instead of retitling,
/// clearing or reordering the officer's screen, and a line break stays in its cell.
pub fn table_text(df: &DataFrame) -> String {
    let escaped = |text: String| crate::text::escape(&text).into_owned();
    let mut table = Table::new();
    table
        .load_preset(UTF8_BORDERS_ONLY)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(df.columns().iter().map(|c| escaped(c.name().to_string())));
    for row in 0..df.height() {
        table.add_row(df.columns().iter().map(|c| escaped(cell_text(c, row))));
    }
    table.to_string()
}

/// A cell as the text a person reads: empty for null, unquoted strings.
pub fn cell_text(column: &Column, row: usize) -> String {
    match column.get(row) {
        Ok(AnyValue::Null) | Err(_) => String::new(),
        Ok(AnyValue::String(s)) => s.to_string(),
        Ok(AnyValue::StringOwned(s)) => s.to_string(),
        Ok(value) => value.to_string(),
    }
}

/// The first row of a frame as text (for the forced-panic test hook).
pub fn first_row(df: &DataFrame) -> String {
    df.columns()
        .iter()
        .map(|c| cell_text(c, 0))
        .collect::<Vec<_>>()
        .join(",")
}

/// Writes to standard output; a closed pipe (`| head`) is the reader's choice, not an error.
pub fn print_bytes(bytes: &[u8]) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|_| stdout.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to standard output"),
    }
}

/// Writes text meant for a terminal (a letter, `inventory check`, a summary line) to
/// standard output, its control characters escaped (`text::escape_lines`): a path or id
/// from the log must not drive the officer's terminal.
pub fn print_text(text: &str) -> Result<()> {
    print_bytes(crate::text::escape_lines(text).as_bytes())
}

/// Writes a table to `-o FILE` (atomic, 0600) or stdout.
pub fn emit(df: &DataFrame, format: Format, output: Option<&Path>, zone: &Zone) -> Result<()> {
    if format == Format::Parquet && output.is_none() {
        return Err(InputError::usage(
            "--format parquet needs -o FILE (Parquet is not written to a terminal)",
        )
        .into());
    }
    let bytes = render(df, format, zone)?;
    match output {
        Some(path) => crate::files::write_private(path, &bytes),
        None => print_bytes(&bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast join gives what `list().join(";", true)` with empty-as-null gave.
    #[test]
    fn joined_lists_match_the_expression() {
        let lists = Series::new(
            "l".into(),
            [
                Some(Series::new("".into(), [Some("a"), Some("b")])),
                Some(Series::new("".into(), Vec::<Option<&str>>::new())),
                None,
                Some(Series::new("".into(), [None, Some("c"), None])),
                Some(Series::new("".into(), [None::<&str>])),
                Some(Series::new("".into(), [Some(""), Some("a")])),
            ],
        );
        let texts = |c: &Column| -> Vec<Option<String>> {
            c.str()
                .unwrap()
                .iter()
                .map(|v| v.map(String::from))
                .collect()
        };
        let column = Column::from(lists.clone());
        let ours = texts(&joined(&column).unwrap());
        assert_eq!(
            ours,
            [
                Some("a;b".into()),
                None,
                None,
                Some("c".into()),
                Some("".into()),
                Some(";a".into())
            ]
        );
        let theirs = DataFrame::new(6, vec![column])
            .unwrap()
            .lazy()
            .select([when(col("l").list().len().eq(lit(0)))
                .then(lit(NULL).cast(DataType::String))
                .otherwise(col("l").list().join(lit(";"), true))
                .alias("l")])
            .collect()
            .unwrap();
        assert_eq!(ours, texts(theirs.column("l").unwrap()));
    }
}
