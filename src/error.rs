//! Errors the library tells apart: bad input (exit 2) versus everything else (exit 1).

use std::fmt;

/// Where in an input file something went wrong. Every part is optional because
/// formats differ in what they can tell (YAML gives line and column, CSV a row).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub row: Option<usize>,
    /// The offending key or column name.
    pub key: Option<String>,
}

impl Location {
    pub fn file(file: impl Into<String>) -> Self {
        Location {
            file: file.into(),
            ..Default::default()
        }
    }
    pub fn at(mut self, line: usize, column: usize) -> Self {
        self.line = Some(line);
        self.column = Some(column);
        self
    }
    pub fn row(mut self, row: usize) -> Self {
        self.row = Some(row);
        self
    }
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        if let Some(row) = self.row {
            write!(f, ": row {row}")?;
        }
        if let Some(key) = &self.key {
            write!(f, ": {key}")?;
        }
        Ok(())
    }
}

/// Input the user must fix: a file that is missing, malformed or inconsistent,
/// or a flag with a value that cannot be used. Maps to exit status 2.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{location}: {message}")]
    At { location: Location, message: String },
    #[error("{0}")]
    Usage(String),
}

impl InputError {
    pub fn at(location: Location, message: impl Into<String>) -> Self {
        InputError::At {
            location,
            message: message.into(),
        }
    }
    pub fn usage(message: impl Into<String>) -> Self {
        InputError::Usage(message.into())
    }
}

/// Shorthand for results that can only fail with bad input.
pub type InputResult<T> = std::result::Result<T, InputError>;
