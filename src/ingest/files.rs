//! The `-e` arguments: files, glob patterns and folders, expanded to the files to read.

use std::path::{Path, PathBuf};

use super::format::check_readable_file;
use super::partitions;
use super::Listing;
use crate::error::{InputError, InputResult, Location};

/// Whether an `-e` argument is a glob pattern.
pub(crate) fn is_glob(arg: &str) -> bool {
    arg.contains(['*', '?', '['])
}

/// The files a glob pattern matches, sorted; a pattern that matches none is refused.
pub(crate) fn glob_files(arg: &str) -> InputResult<Vec<PathBuf>> {
    let pattern = glob::glob(arg)
        .map_err(|e| InputError::at(Location::file(arg), format!("invalid glob pattern: {e}")))?;
    let mut matched = Vec::new();
    for entry in pattern {
        // An entry the pattern cannot read (a folder without permission) would be a
        // part of the log left out without a word.
        let path = entry.map_err(|e| {
            InputError::at(
                Location::file(e.path().display().to_string()),
                format!("cannot read it while matching {arg}: {}", e.error()),
            )
        })?;
        if path.is_file() {
            matched.push(path);
        }
    }
    if matched.is_empty() {
        return Err(InputError::at(
            Location::file(arg),
            "the pattern matches no file",
        ));
    }
    matched.sort();
    Ok(matched)
}

/// Expands the `-e` arguments: plain files, glob patterns that must match something, and
/// folders (every log file under them, see `partitions`).
pub fn expand_paths(args: &[String]) -> InputResult<Vec<PathBuf>> {
    Ok(expand_log(args, (None, None))?.files)
}

/// As `expand_paths`, leaving out the files of a folder's partitions that lie wholly
/// outside the window `[from, to)`.
pub fn expand_log(args: &[String], window: (Option<i64>, Option<i64>)) -> InputResult<Listing> {
    list_args(args, |dir, listing| {
        let folder = partitions::list(dir, window)?;
        listing.files.extend(folder.files);
        listing.pruned += folder.pruned;
        listing.markers += folder.markers;
        Ok(())
    })
}

/// The one lister of what `-e` names, in the order given: a glob (which must match
/// something), a folder (listed into the listing by `folder`), or a file (which must be
/// readable).
pub fn list_args(
    args: &[String],
    mut folder: impl FnMut(&Path, &mut Listing) -> InputResult<()>,
) -> InputResult<Listing> {
    let mut listing = Listing::default();
    for arg in args {
        if is_glob(arg) {
            listing.files.extend(glob_files(arg)?);
        } else if Path::new(arg).is_dir() {
            folder(Path::new(arg), &mut listing)?;
        } else {
            let path = PathBuf::from(arg);
            check_readable_file(&path)?;
            listing.files.push(path);
        }
    }
    Ok(listing)
}
