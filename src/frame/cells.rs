//! One cell of a frame read as a Rust value, for the places that turn a computed frame
//! into text (letters, the TUI's detail, the summary's figures). A missing column or a
//! cell of the wrong type is an internal error, never a 0 or an empty text: a letter must
//! not say "shown 0 times" because a column was renamed.

use anyhow::Result;
use polars::prelude::*;

/// The error for a column that is absent or not of the type read.
fn wrong(column: &str, row: usize, expected: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "internal error: column `{column}`, row {}: expected {expected}",
        row + 1
    )
}

fn value<'a>(df: &'a DataFrame, column: &str, row: usize) -> Result<AnyValue<'a>> {
    df.column(column)
        .and_then(|c| c.get(row))
        .map_err(|_| wrong(column, row, "a cell"))
}

/// A whole number (an unsigned or a non-negative integer of any width; 64-bit wide).
pub fn number(df: &DataFrame, column: &str, row: usize) -> Result<u64> {
    let cell = value(df, column, row)?;
    if !cell.dtype().is_integer() {
        return Err(wrong(column, row, "a whole number"));
    }
    cell.extract::<u64>()
        .ok_or_else(|| wrong(column, row, "a whole number, not empty or negative"))
}

/// A text cell; an empty cell reads as "".
pub fn text(df: &DataFrame, column: &str, row: usize) -> Result<String> {
    match value(df, column, row)? {
        AnyValue::Null => Ok(String::new()),
        AnyValue::String(s) => Ok(s.to_string()),
        AnyValue::StringOwned(s) => Ok(s.to_string()),
        _ => Err(wrong(column, row, "text")),
    }
}

/// The texts of a list cell; an empty cell reads as no text.
pub fn strings(df: &DataFrame, column: &str, row: usize) -> Result<Vec<String>> {
    match value(df, column, row)? {
        AnyValue::Null => Ok(Vec::new()),
        AnyValue::List(series) => Ok(series
            .str()
            .map_err(|_| wrong(column, row, "a list of text"))?
            .iter()
            .flatten()
            .map(str::to_string)
            .collect()),
        _ => Err(wrong(column, row, "a list of text")),
    }
}

/// A UTC datetime cell as microseconds since the epoch; an empty cell reads as `None`.
pub fn micros(df: &DataFrame, column: &str, row: usize) -> Result<Option<i64>> {
    match value(df, column, row)? {
        AnyValue::Null => Ok(None),
        AnyValue::Datetime(micros, TimeUnit::Microseconds, _)
        | AnyValue::DatetimeOwned(micros, TimeUnit::Microseconds, _) => Ok(Some(micros)),
        other => Err(wrong(
            column,
            row,
            &format!("a time in microseconds, not {}", other.dtype()),
        )),
    }
}

/// A UTC datetime cell that must hold a time (a figure is drawn at it): an empty cell is
/// an internal error naming `figure`, never the epoch, 1970-01-01 00:00.
pub fn required_micros(df: &DataFrame, column: &str, row: usize, figure: &str) -> Result<i64> {
    micros(df, column, row)?.ok_or_else(|| {
        anyhow::anyhow!(
            "internal error: the figure `{figure}` has no time in column `{column}`, row {}",
            row + 1
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame() -> DataFrame {
        df!(
            "n32" => [Some(3u32), None],
            "n64" => [3_000_000_000u64 * 2, 1],
            "neg" => [-1i64, 2],
            "t" => [Some("a"), None],
        )
        .unwrap()
    }

    #[test]
    fn numbers_are_64_bit_and_never_a_silent_zero() {
        let df = frame();
        assert_eq!(number(&df, "n32", 0).unwrap(), 3);
        assert_eq!(number(&df, "n64", 0).unwrap(), 6_000_000_000);
        assert!(number(&df, "n32", 1).is_err(), "empty");
        assert!(number(&df, "neg", 0).is_err(), "negative");
        assert!(number(&df, "t", 0).is_err(), "text");
        let missing = number(&df, "exposures", 0).unwrap_err().to_string();
        assert!(missing.contains("`exposures`"), "{missing}");
    }

    #[test]
    fn text_reads_empty_as_empty_and_refuses_other_types() {
        let df = frame();
        assert_eq!(text(&df, "t", 0).unwrap(), "a");
        assert_eq!(text(&df, "t", 1).unwrap(), "");
        assert!(text(&df, "n32", 0).is_err());
        assert!(text(&df, "nope", 0).is_err());
        assert!(strings(&df, "t", 0).is_err());
        assert!(micros(&df, "t", 0).is_err());
    }

    #[test]
    fn a_required_time_that_is_empty_names_the_figure_instead_of_reading_1970() {
        let minute = Column::new("minute".into(), [Some(60_000_000i64), None])
            .cast(&crate::frame::utc_micros())
            .unwrap();
        let df = DataFrame::new(2, vec![minute]).unwrap();
        assert_eq!(
            required_micros(&df, "minute", 0, "exposures per minute").unwrap(),
            60_000_000
        );
        let empty = required_micros(&df, "minute", 1, "exposures per minute")
            .unwrap_err()
            .to_string();
        assert!(
            empty.contains("`exposures per minute`") && empty.contains("row 2"),
            "{empty}"
        );
    }
}
