//! Where one row's page came from, from its cache status and the fields that say more
//! (`Tiers`): which tier served it, whether it was a Worker's subrequest or an internal
//! request, and what it did to the caches. A value a vendor does not document, or a row
//! the topology given cannot explain, is refused by field.

use super::format::Tiers;
use super::status::{self, Fill as Said, Meaning};
use crate::cdn::source::{Fill, Source};
use crate::cdn::Topology;

/// The kinds of rows a log mixes (Cloudflare's `ClientRequestSource`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A response to a visitor.
    Visitor = 0,
    /// A visitor's line whose page, if any, its Worker's subrequests carry (Cloudflare
    /// `unknown`: "the main request will be logged with none/unknown status").
    WorkerVisitor = 1,
    /// A Worker's subrequest: one response with its visitor's line.
    Subrequest = 2,
    /// A request no visitor received (a purge, a health check, a crawler, a shield's own
    /// line).
    Internal = 3,
}

/// The names of `Kind`, by number, for messages.
pub const ROW_KINDS: [&str; 4] = ["visitor", "worker_visitor", "subrequest", "internal"];

/// Why a row cannot be classified: the field and what is wrong.
pub struct Refusal {
    pub field: String,
    pub message: String,
}

/// What one row says, beyond its cache status.
pub struct Line<'a> {
    /// The cache status as written, and what the vendor's table (or the lists) says of it.
    pub value: &'a str,
    pub meaning: Meaning,
    /// The HTTP status, when logged and a number.
    pub http: Option<u16>,
    /// The values of the `Tiers` fields, in their order (`None`: absent or `-`).
    pub extra: &'a [Option<&'a str>],
}

/// Where the page of one row came from before the topology is applied.
enum Where {
    Origin(Fill),
    Node,
    Stale,
    Tier,
    NodeOrTier,
    OriginOrTier(Fill),
    Any,
    NoPage,
}

/// The row's source, fill and kind.
pub fn classify(
    row: &Line,
    tiers: &Tiers,
    topology: Topology,
) -> Result<(Source, Fill, Kind), Refusal> {
    let (place, kind) = match tiers {
        Tiers::Status => (baseline(row.meaning), Kind::Visitor),
        Tiers::CloudFront { response, detailed } => {
            (cloudfront(row, response, detailed)?, Kind::Visitor)
        }
        Tiers::Cloudflare {
            tiered_fill,
            upper_tier,
            source,
            subrequest,
            parent,
            ..
        } => cloudflare(row, [tiered_fill, upper_tier, source, subrequest, parent])?,
        Tiers::Akamai {
            breadcrumbs,
            cacheable,
        } => (akamai(row, breadcrumbs, cacheable)?, Kind::Visitor),
        Tiers::Fastly { visits } => fastly(row, visits)?,
    };
    let kind = match (kind, row.meaning) {
        (Kind::Visitor, Meaning::Generated) => Kind::WorkerVisitor,
        (kind, _) => kind,
    };
    if kind == Kind::Internal {
        return Ok((Source::NoPage, Fill::NotStored, kind));
    }
    let (source, fill) = match (place, topology) {
        (Where::Origin(fill), _) => (Source::Origin, fill),
        (Where::Node, _) => (Source::Node, Fill::NotStored),
        (Where::Stale, _) => (Source::Stale, Fill::NotStored),
        (Where::Any, _) => (Source::Any, Fill::Stored),
        (Where::NoPage, _) => (Source::NoPage, Fill::NotStored),
        (Where::NodeOrTier, Topology::Tiered) => (Source::NodeOrTier, Fill::NotStored),
        (Where::NodeOrTier, Topology::Edge) => (Source::Node, Fill::NotStored),
        (Where::OriginOrTier(fill), Topology::Tiered) => (Source::OriginOrTier, fill),
        (Where::OriginOrTier(fill), Topology::Edge) => (Source::Origin, fill),
        (Where::Tier, Topology::Tiered) => (Source::Tier, Fill::Stored),
        (Where::Tier, Topology::Edge) => {
            return Err(Refusal {
                field: String::new(),
                message: "this response was served by a shared cache tier (an Origin Shield, an upper tier, a cache parent), which --cache-topology edge says there is none of: use --cache-topology tiered".into(),
            })
        }
    };
    Ok((source, fill, kind))
}

/// What a status alone says, under a shared tier the log does not show: an origin response
/// that was stored may have been the tier's copy; a pass goes straight to the origin.
fn baseline(meaning: Meaning) -> Where {
    match meaning {
        Meaning::Origin(Said::NotStored) => Where::Origin(Fill::NotStored),
        Meaning::Origin(Said::Removed) => Where::Origin(Fill::Removed),
        Meaning::Origin(Said::Stored) => Where::OriginOrTier(Fill::Stored),
        Meaning::Origin(Said::Maybe) => Where::OriginOrTier(Fill::Maybe),
        Meaning::Cached => Where::Node,
        Meaning::Stale => Where::Stale,
        Meaning::Tier => Where::Tier,
        Meaning::Unsure => Where::Any,
        Meaning::Generated | Meaning::NoPage => Where::NoPage,
    }
}

/// CloudFront: `OriginShieldHit` in `x-edge-detailed-result-type` is the shield's copy; a
/// `Hit` may be the regional edge cache's ("reported as a Hit"); `Error` while
/// `x-edge-response-result-type` is not `Error`, or with status 200, is a viewer who
/// disconnected mid-download: the page was served (and stored) as the response type says.
fn cloudfront(row: &Line, response: &str, detailed: &str) -> Result<Where, Refusal> {
    let (response_value, detailed_value) = (row.extra[0], row.extra[1]);
    match detailed_value {
        Some("OriginShieldHit") => return Ok(Where::Tier),
        Some("MissGeneratedResponse") => return Ok(Where::NoPage),
        _ => {}
    }
    let meaning = if row.value == "Error" {
        match response_value {
            Some(value) if value != "Error" => {
                status::CLOUDFRONT.meaning(value).ok_or_else(|| Refusal {
                    field: response.to_string(),
                    message: format!(
                        "a value {} is not a documented {response} value ({})",
                        crate::text::shaped(value),
                        status::CLOUDFRONT.values()
                    ),
                })?
            }
            // "the HTTP request was successful but the client disconnected before
            // receiving all of the bytes": a hit or a miss, the log does not say.
            _ if row.http == Some(200) => return Ok(Where::Any),
            _ => Meaning::NoPage,
        }
    } else {
        row.meaning
    };
    let _ = detailed;
    Ok(match meaning {
        Meaning::Cached => Where::NodeOrTier,
        other => baseline(other),
    })
}

/// Cloudflare: `CacheTieredFill` ("Tiered Cache was used to serve this request") or a
/// non-zero `UpperTierColoID` puts the upper tier on the way; `ClientRequestSource`,
/// `WorkerSubrequest` and `ParentRayID` tell visitors from subrequests and internal
/// requests.
fn cloudflare(row: &Line, fields: [&String; 5]) -> Result<(Where, Kind), Refusal> {
    let [tiered_fill, upper_tier, source, subrequest, _parent] = fields;
    let [tf, upper, src, sub, par] = [0, 1, 2, 3, 4].map(|i| row.extra[i]);
    let boolean = |field: &String, value: Option<&str>| -> Result<Option<bool>, Refusal> {
        match value.map(str::trim) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") || v == "1" => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") || v == "0" => Ok(Some(false)),
            Some(_) => Err(Refusal {
                field: field.clone(),
                message: format!("{field} is not true or false"),
            }),
        }
    };
    let kind = match src.map(str::trim) {
        Some("eyeball" | "orangeToOrange") => Kind::Visitor,
        Some("edgeWorkerFetch" | "edgeWorkerCacheAPI") => Kind::Subrequest,
        Some(
            "purge" | "alwaysOnline" | "healthcheck" | "edgeWorkerKV" | "imageResizing"
            | "sslDetector" | "earlyHintsCache" | "inBrowserChallenge" | "unknown",
        ) => Kind::Internal,
        Some(other) => {
            return Err(Refusal {
                field: source.clone(),
                message: format!(
                    "a value {} is not a documented {source} value (eyeball, purge, alwaysOnline, healthcheck, edgeWorkerFetch, edgeWorkerCacheAPI, edgeWorkerKV, imageResizing, orangeToOrange, sslDetector, earlyHintsCache, inBrowserChallenge, unknown)",
                    crate::text::shaped(other)
                ),
            })
        }
        None => {
            let has_parent = par.is_some_and(|p| !p.trim().is_empty() && p.trim() != "00");
            if boolean(subrequest, sub)? == Some(true) || has_parent {
                Kind::Subrequest
            } else {
                Kind::Visitor
            }
        }
    };
    let upper_used = match upper.map(str::trim) {
        None => None,
        Some("0" | "") => Some(false),
        Some(v) if v.bytes().all(|b| b.is_ascii_digit()) => Some(true),
        Some(_) => {
            return Err(Refusal {
                field: upper_tier.clone(),
                message: format!("{upper_tier} is not a data center number"),
            })
        }
    };
    let tiered = boolean(tiered_fill, tf)?.or(upper_used);
    let place = match (row.meaning, tiered) {
        (Meaning::Cached, Some(true)) => Where::Tier,
        (Meaning::Cached, Some(false)) => Where::Node,
        (Meaning::Cached, None) => Where::NodeOrTier,
        (Meaning::Origin(Said::Stored), Some(false)) => Where::Origin(Fill::Stored),
        (Meaning::Origin(Said::Maybe), Some(false)) => Where::Origin(Fill::Maybe),
        (meaning, _) => baseline(meaning),
    };
    Ok((place, kind))
}

/// Akamai: `cacheable` 0 is an object the edge did not store; breadcrumbs name each hop:
/// `c=o` the origin, `c=c` a cache parent, `c=p` a peer (Akamai techdocs, "Breadcrumbs").
fn akamai(row: &Line, breadcrumbs: &str, cacheable: &str) -> Result<Where, Refusal> {
    let (crumbs, stored) = (row.extra[0], row.extra[1]);
    let not_stored = match stored.map(str::trim) {
        None => false,
        Some("1") => false,
        Some("0") => true,
        Some(_) => {
            return Err(Refusal {
                field: cacheable.to_string(),
                message: format!("{cacheable} is not 0 or 1"),
            })
        }
    };
    let Meaning::Origin(said) = row.meaning else {
        return Ok(baseline(row.meaning));
    };
    if not_stored {
        return Ok(Where::Origin(Fill::NotStored));
    }
    let hops = match crumbs {
        None => None,
        Some(text) => Some(components(text).ok_or_else(|| Refusal {
            field: breadcrumbs.to_string(),
            message: "not breadcrumbs as DataStream 2 logs them (//BC/[a=...,c=g,...],[c=c,...]; c one of g, p, c, o, w)".to_string(),
        })?),
    };
    let fill = match said {
        Said::Maybe => Fill::Maybe,
        Said::NotStored => Fill::NotStored,
        Said::Removed => Fill::Removed,
        Said::Stored => Fill::Stored,
    };
    Ok(match hops {
        Some(hops) if hops.contains(&'o') => {
            Where::Origin(if hops.contains(&'c') && fill == Fill::Stored {
                Fill::StoredViaTier
            } else {
                fill
            })
        }
        Some(hops) if hops.contains(&'c') || hops.contains(&'p') || hops.contains(&'w') => {
            Where::Tier
        }
        _ => Where::OriginOrTier(fill),
    })
}

/// The component letters of a breadcrumbs value (`//BC/%5Ba=...,c=g,k=0%5D,%5Bc=c%5D`).
fn components(text: &str) -> Option<Vec<char>> {
    let decoded = super::text::percent_decode(text.trim(), true);
    let rest = decoded.strip_prefix("//BC/")?;
    let mut letters = Vec::new();
    for group in rest.split(']') {
        let group = group.trim().trim_start_matches(',').trim();
        if group.is_empty() {
            continue;
        }
        let inner = group.strip_prefix('[')?;
        for pair in inner.split(',') {
            if let Some(c) = pair.trim().strip_prefix("c=") {
                let mut chars = c.trim().chars();
                let letter = chars.next()?;
                if chars.next().is_some() || !"gpcow".contains(letter) {
                    return None;
                }
                letters.push(letter);
            }
        }
    }
    Some(letters)
}

/// Fastly: a shield runs the full VCL and logs its own line (`fastly.ff.visits_this_service`
/// above 0); the visitor's line is the edge's.
fn fastly(row: &Line, visits: &str) -> Result<(Where, Kind), Refusal> {
    let kind = match row.extra[0].map(str::trim) {
        None | Some("0") => Kind::Visitor,
        Some(v) if v.bytes().all(|b| b.is_ascii_digit()) => Kind::Internal,
        Some(_) => {
            return Err(Refusal {
                field: visits.to_string(),
                message: format!("{visits} is not a number"),
            })
        }
    };
    Ok((baseline(row.meaning), kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breadcrumbs_name_the_hops() {
        assert_eq!(
            components("//BC/%5Ba=23.33.41.20,c=g,k=0,l=1%5D"),
            Some(vec!['g'])
        );
        assert_eq!(
            components("//BC/[a=1.2.3.4,b=1,c=g,n=US],[c=c,n=US],[a=5.6.7.8,c=o]"),
            Some(vec!['g', 'c', 'o'])
        );
        assert_eq!(components("//BC/[c=x]"), None);
        assert_eq!(components("cache parent"), None);
    }
}
