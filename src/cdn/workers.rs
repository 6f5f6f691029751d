//! Cloudflare Workers: a visitor's request to a Worker is logged on one line (its cache
//! status `unknown`: "the main request did not hit cache, since Workers sits in front of
//! cache") and each `fetch()` the Worker makes on another (`WorkerSubrequest`,
//! `ClientRequestSource` `edgeWorkerFetch`), whose `ParentRayID` is the `RayID` of the line
//! that made it ("single-level": chains are followed up). A visitor's line and its
//! subrequests are one response: the subrequest's line says where the page came from and
//! which URL it was cached under; the visitor's line says who received it. The origin
//! rendered the page for whoever the subrequest identifies (its own cookie when logged),
//! else for the visitor (a Worker that forwards the request, as `fetch(request)` does).

use std::path::PathBuf;

use anyhow::Result;
use polars::prelude::*;

use crate::error::{InputError, Location};
use crate::frame::names::VIEWER_ID;
use crate::frame::OrBug;

/// How deep a chain of Workers is followed before it is refused as a loop.
const DEEPEST: usize = 16;

/// Merges each subrequest with its visitor: `viewer_id` becomes the visitor's and
/// `renderer` (whom the origin rendered for) is added. Returns how many visitor lines had
/// subrequests. A subrequest whose parent is not in the log is refused by file and line.
pub(super) fn merge(df: &mut DataFrame, heights: &[(PathBuf, usize)]) -> Result<u64> {
    let u32s = |name: &str| -> Result<Vec<Option<u32>>> {
        Ok(df.column(name).or_bug()?.u32().or_bug()?.iter().collect())
    };
    let kinds = u32s("kind")?;
    let rays = u32s("ray")?;
    let parents = u32s("parent")?;
    let mut viewers = u32s(VIEWER_ID)?;
    let lines = u32s("line")?;
    let subrequest = super::delivered::ROW_KINDS
        .iter()
        .position(|k| *k == "subrequest")
        .map(|k| k as u32);
    let mut by_ray: PlHashMap<u32, usize> = PlHashMap::default();
    for (row, ray) in rays.iter().enumerate() {
        if let Some(ray) = ray {
            by_ray.entry(*ray).or_insert(row);
        }
    }
    let mut renderers = viewers.clone();
    let mut visitors = PlHashSet::default();
    for row in 0..kinds.len() {
        if kinds[row] != subrequest {
            continue;
        }
        // Up the chain to the visitor's line.
        let mut at = row;
        for _ in 0..DEEPEST {
            if kinds[at] != subrequest {
                break;
            }
            let parent = parents[at].and_then(|p| by_ray.get(&p).copied());
            let Some(parent) = parent.filter(|p| *p != at) else {
                return Err(missing_parent(row, &lines, heights));
            };
            at = parent;
        }
        if kinds[at] == subrequest {
            return Err(missing_parent(row, &lines, heights));
        }
        visitors.insert(at);
        renderers[row] = viewers[row].or(viewers[at]);
        viewers[row] = viewers[at];
    }
    let column = |name: &str, values: Vec<Option<u32>>| {
        UInt32Chunked::from_iter_options(name.into(), values.into_iter()).into_column()
    };
    df.with_column(column(VIEWER_ID, viewers)).or_bug()?;
    df.with_column(column("renderer", renderers)).or_bug()?;
    Ok(visitors.len() as u64)
}

/// A subrequest whose visitor's line is not in the log, by file and line.
fn missing_parent(
    row: usize,
    lines: &[Option<u32>],
    heights: &[(PathBuf, usize)],
) -> anyhow::Error {
    let mut start = 0;
    let mut file = String::new();
    for (path, height) in heights {
        if row < start + height {
            file = path.display().to_string();
            break;
        }
        start += height;
    }
    let line = lines.get(row).copied().flatten().unwrap_or(0) as usize;
    InputError::at(
        Location {
            line: Some(line),
            ..Location::file(file)
        }
        .key("ParentRayID"),
        "a Worker subrequest whose parent request is not in the log (no line has its ParentRayID as RayID): give the files that hold the visitor's line",
    )
    .into()
}
