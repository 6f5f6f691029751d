//! A folder as one log: every log file under it, in hive-style partitions or not
//! (`dt=2017-06-22/hour=10/part-0.parquet`). Partitions that name a date (`dt=`, `date=`,
//! or `year=`/`month=`/`day=`) and optionally an hour (`hour=`) cover a span of time; a
//! file whose span lies wholly outside the window is not opened at all. Partition values
//! are read as UTC, as data-lake writers and CDN log exports name them; a file that holds
//! a response outside its partition's span is refused when it is read (the partitions
//! were written in another zone, and pruning by them would lose rows).

use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveTime};

use crate::error::{InputError, InputResult, Location};

/// The files of a folder log: those to read, how many the window pruned, and how many
/// marker and hidden files were left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listing {
    pub files: Vec<PathBuf>,
    pub pruned: usize,
    /// `_SUCCESS`, `.crc` and other names starting with `.` or `_`: what data-lake
    /// writers leave beside the data.
    pub markers: usize,
    /// Files a name would have left out (a CloudFront file's hour) that hold rows of
    /// another time, and were read.
    pub misnamed: usize,
}

/// Every log file under `dir`, sorted. Hidden files and the markers data-lake writers
/// leave (names starting with `.` or `_`, and `.crc` checksums) are counted and skipped;
/// any other file must be a log file, or it is refused by name: a folder read in part
/// would be a silent loss. Files whose partition span misses `[from, to)` are counted,
/// not listed.
pub fn list(dir: &Path, window: (Option<i64>, Option<i64>)) -> InputResult<Listing> {
    let mut found = Vec::new();
    let mut markers = 0;
    walk(dir, &mut found, &mut markers, false)?;
    found.sort();
    if found.is_empty() {
        return Err(InputError::at(
            Location::file(dir.display().to_string()),
            format!(
                "the folder holds no log file ({})",
                super::Format::accepted_text()
            ),
        ));
    }
    let mut listing = Listing {
        markers,
        ..Listing::default()
    };
    for file in found {
        let relative = file.strip_prefix(dir).unwrap_or(&file);
        match span(relative) {
            Some((start, end)) if !overlaps((start, end), window) => listing.pruned += 1,
            _ => listing.files.push(file),
        }
    }
    Ok(listing)
}

/// Whether a file is a marker or hidden file that a data-lake writer leaves beside the data.
fn is_marker(name: &str) -> bool {
    name.starts_with('.') || name.starts_with('_') || name.to_ascii_lowercase().ends_with(".crc")
}

/// Every file under `dir` (markers and hidden files counted, not listed); unless
/// `any_file`, a file that is not a log file pii-audit reads is refused by name.
pub(crate) fn walk(
    dir: &Path,
    found: &mut Vec<PathBuf>,
    markers: &mut usize,
    any_file: bool,
) -> InputResult<()> {
    let location = || Location::file(dir.display().to_string());
    let entries = std::fs::read_dir(dir)
        .map_err(|e| InputError::at(location(), format!("cannot read the folder: {e}")))?;
    for entry in entries {
        let entry = entry
            .map_err(|e| InputError::at(location(), format!("cannot read the folder: {e}")))?;
        let name = entry.file_name().to_string_lossy().to_string();
        let path = entry.path();
        if is_marker(&name) {
            if !path.is_dir() {
                *markers += 1;
            }
            continue;
        }
        if path.is_dir() {
            walk(&path, found, markers, any_file)?;
        } else if any_file {
            found.push(path);
        } else {
            super::format_of(&path).map_err(|_| {
                InputError::at(
                    Location::file(path.display().to_string()),
                    format!(
                        "in the log folder, but not a log file pii-audit reads (expected {}): \
                         move it out of the folder, or name the log files with -e",
                        super::Format::accepted_text()
                    ),
                )
            })?;
            found.push(path);
        }
    }
    Ok(())
}

/// Whether the span `[start, end)` meets the window `[from, to)`.
pub(crate) fn overlaps((start, end): (i64, i64), (from, to): (Option<i64>, Option<i64>)) -> bool {
    from.is_none_or(|from| end > from) && to.is_none_or(|to| start < to)
}

/// The span of time, in UTC microseconds `[start, end)`, that a file's partition folders
/// name, or None when they name no date.
pub fn span(relative: &Path) -> Option<(i64, i64)> {
    let mut date: Option<NaiveDate> = None;
    let (mut year, mut month, mut day, mut hour) = (None, None, None, None);
    for part in relative.parent()?.components() {
        let part = part.as_os_str().to_string_lossy();
        let Some((key, value)) = part.split_once('=') else {
            continue;
        };
        match key.to_ascii_lowercase().as_str() {
            "dt" | "date" => date = NaiveDate::parse_from_str(value, "%Y-%m-%d").ok(),
            "year" => year = value.parse::<i32>().ok(),
            "month" => month = value.parse::<u32>().ok(),
            "day" => day = value.parse::<u32>().ok(),
            "hour" => hour = value.parse::<u32>().ok().filter(|h| *h < 24),
            _ => {}
        }
    }
    let date = date.or_else(|| NaiveDate::from_ymd_opt(year?, month?, day?))?;
    let micros = |h: u32| -> Option<i64> {
        Some(
            date.and_time(NaiveTime::from_hms_opt(h, 0, 0)?)
                .and_utc()
                .timestamp_micros(),
        )
    };
    match hour {
        Some(h) => {
            let start: i64 = micros(h)?;
            Some((start, start + 3_600_000_000))
        }
        None => {
            let start: i64 = micros(0)?;
            Some((start, start + 86_400_000_000))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(text)
            .unwrap()
            .timestamp_micros()
    }

    #[test]
    fn partitions_name_their_span() {
        let hour = span(Path::new("dt=2017-06-22/hour=10/part-0.parquet")).unwrap();
        assert_eq!(
            hour,
            (utc("2017-06-22T10:00:00Z"), utc("2017-06-22T11:00:00Z"))
        );
        let day = span(Path::new("year=2017/month=6/day=22/x.parquet")).unwrap();
        assert_eq!(
            day,
            (utc("2017-06-22T00:00:00Z"), utc("2017-06-23T00:00:00Z"))
        );
        assert_eq!(span(Path::new("region=jp/x.parquet")), None);
        assert_eq!(span(Path::new("dt=June/x.parquet")), None);
        assert_eq!(span(Path::new("x.parquet")), None);
    }

    #[test]
    fn the_window_keeps_partitions_it_touches() {
        let h10 = (utc("2017-06-22T10:00:00Z"), utc("2017-06-22T11:00:00Z"));
        let at = |t: &str| Some(utc(t));
        // [from, to): a partition ending exactly at `from` is out, one starting at `to` too.
        assert!(!overlaps(h10, (at("2017-06-22T11:00:00Z"), None)));
        assert!(!overlaps(h10, (None, at("2017-06-22T10:00:00Z"))));
        assert!(overlaps(h10, (at("2017-06-22T10:59:59Z"), None)));
        assert!(overlaps(h10, (None, at("2017-06-22T10:00:01Z"))));
        assert!(overlaps(h10, (None, None)));
    }
}
