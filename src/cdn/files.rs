//! The files of a delivered log: named files, globs and folders, whatever the files are
//! called (`E2EXAMPLE.2017-06-22-00.a1b2c3d4.gz`, `access.log.1`). In a folder, hidden
//! files and markers are skipped and counted, as for any log folder. A CloudFront file
//! name's hour (UTC, the hour the requests were made) skips files that cannot hold a
//! response of the window, with an hour's margin on each side; files before `--from` are
//! kept, because an origin response before the window still attributes the cached
//! responses in it, unless `--max-age` puts them out of reach. A file the name would leave
//! out is opened first: if its first or last line is not of the named hour (a file renamed,
//! delayed entries filed elsewhere), the name lies and the file is read.

use std::path::Path;

use chrono::NaiveDateTime;

use crate::error::InputResult;

use crate::ingest::partitions::{overlaps, walk};
use crate::ingest::{expand_log, list_args, Listing};

use super::delivered::LogFormat;

const HOUR: i64 = 3_600_000_000;

/// The files to read for `args`, and how many were left out.
pub fn list(
    args: &[String],
    format: &LogFormat,
    window: (Option<i64>, Option<i64>),
    max_age: Option<i64>,
) -> InputResult<Listing> {
    // Responses before --from may hold the origin responses of the window's hits: only
    // --max-age puts them out of reach.
    let reach = (
        window.0.and_then(|from| max_age.map(|age| from - age)),
        window.1,
    );
    if matches!(format, LogFormat::Contract) {
        return expand_log(args, reach);
    }
    let mut listing = list_args(args, |dir, listing| {
        walk(dir, &mut listing.files, &mut listing.markers, true)
    })?;
    listing.files.sort();
    listing.files.dedup();
    if matches!(format, LogFormat::CloudFront) {
        let mut kept = Vec::with_capacity(listing.files.len());
        for file in std::mem::take(&mut listing.files) {
            match hour_of(&file) {
                Some(start) if !wanted(start, reach) => {
                    if holds_its_hour(&file, start)? {
                        listing.pruned += 1;
                    } else {
                        listing.misnamed += 1;
                        kept.push(file);
                    }
                }
                _ => kept.push(file),
            }
        }
        listing.files = kept;
    }
    Ok(listing)
}

/// Whether a CloudFront text file's first and last lines lie in the hour its name gives
/// (with the hour's margin either side). A file that is not W3C text with `date` and
/// `time` fields cannot be checked this way, and is read.
fn holds_its_hour(path: &Path, start: i64) -> InputResult<bool> {
    let lines = super::delivered::text::read(path, true)?;
    let Some(fields) = lines
        .directives
        .iter()
        .find_map(|d| d.text.strip_prefix("Fields:"))
    else {
        return Ok(lines.rows() == 0);
    };
    let fields: Vec<&str> = fields.split_whitespace().collect();
    let (Some(date), Some(time)) = (
        fields.iter().position(|f| *f == "date"),
        fields.iter().position(|f| *f == "time"),
    ) else {
        return Ok(false);
    };
    let at = |row: usize| -> Option<i64> {
        let line = &lines.bytes[lines.starts[row]..lines.starts[row + 1] - 1];
        let text = std::str::from_utf8(line).ok()?;
        let values: Vec<&str> = text.split('\t').collect();
        let stamp = format!("{} {}", values.get(date)?, values.get(time)?);
        NaiveDateTime::parse_from_str(&stamp, "%Y-%m-%d %H:%M:%S")
            .ok()
            .map(|t| t.and_utc().timestamp_micros())
    };
    let rows = lines.rows();
    if rows == 0 {
        return Ok(true);
    }
    let inside = |t: Option<i64>| t.is_some_and(|t| t >= start - HOUR && t < start + 2 * HOUR);
    Ok(inside(at(0)) && inside(at(rows - 1)))
}

/// Whether a file named for the hour starting at `start` may hold a response in
/// `window`: the hour with an hour's margin each side.
fn wanted(start: i64, window: (Option<i64>, Option<i64>)) -> bool {
    overlaps((start - HOUR, start + 2 * HOUR), window)
}

/// The UTC hour a CloudFront file name gives (`DIST.YYYY-MM-DD-HH.ID[.gz]`), in µs.
pub fn hour_of(path: &Path) -> Option<i64> {
    let name = path.file_name()?.to_string_lossy();
    name.split('.').find_map(|part| {
        if part.len() != 13 {
            return None;
        }
        NaiveDateTime::parse_from_str(&format!("{part}:00"), "%Y-%m-%d-%H:%M")
            .ok()
            .map(|t| t.and_utc().timestamp_micros())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloudfront_hours() {
        let hour = hour_of(Path::new("logs/E2EXAMPLE.2017-06-22-06.a1b2c3d4.gz"));
        assert_eq!(hour, Some(1_498_111_200_000_000));
        assert_eq!(hour_of(Path::new("access.log.1")), None);
        let start = hour.unwrap_or(0);
        // One hour's margin each side.
        assert!(!wanted(start, (Some(start + 2 * HOUR), None)));
        assert!(wanted(start, (Some(start + 2 * HOUR - 1), None)));
        assert!(!wanted(start, (None, Some(start - HOUR))));
        assert!(wanted(start, (None, Some(start - HOUR + 1))));
    }
}
