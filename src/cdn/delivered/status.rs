//! What each vendor's cache status says about the page a response carried, after the
//! vendor's documentation (cited in the README, "CDN logs as delivered"): rendered by the
//! origin (and whether the cache stored it), served from a stored copy, or no page at all.
//! A value a vendor does not document is refused, never guessed.

/// What a documented cache status says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meaning {
    /// Rendered by the origin for the requester; what the cache did with it.
    Origin(Fill),
    /// Served from the node's own stored copy.
    Cached,
    /// Served from the node's stored copy past its freshness (an origin error, a copy
    /// being refreshed): the last page the node stored, which a later miss that stored
    /// nothing does not rule out.
    Stale,
    /// Served from a shared tier's stored copy (CloudFront `OriginShieldHit`).
    Tier,
    /// Documented without saying where the page came from (Cloudflare `ignored`,
    /// `deferred`): from the origin or any cache.
    Unsure,
    /// Made at the edge before any cache (Cloudflare `unknown`: a firewall block, a
    /// redirect, a Worker's own response); a Worker's subrequests carry its pages.
    Generated,
    /// No page (an error, a redirect, a response generated at the edge).
    NoPage,
}

/// What an origin response did to the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    /// Stored: it replaced what the cache held for its key.
    Stored,
    /// May have been stored (nginx `BYPASS`: fetched past the cache, saved unless
    /// `proxy_no_cache` says otherwise).
    Maybe,
    /// Not stored (a pass, an uncacheable response): the cache still holds what it held.
    NotStored,
    /// The cached copy was removed (Apache "cache invalidated by POST").
    Removed,
}

/// One vendor's documented statuses, compared as the table says.
#[derive(Debug)]
pub struct Table {
    pub vendor: &'static str,
    pub field: &'static str,
    pub entries: &'static [(&'static str, Meaning)],
    /// Whether values are compared ignoring case.
    pub any_case: bool,
    /// Whether an entry matches a value that starts with it (Apache's `cache-status`
    /// texts: "cache miss: attempting entity save").
    pub prefix: bool,
    /// Suffixes that qualify a value without changing its meaning (Fastly's `-CLUSTER`,
    /// `-REFRESH`, `-WAIT`), stripped before the lookup.
    pub suffixes: &'static [&'static str],
}

use Fill::*;
use Meaning::*;

/// CloudFront `x-edge-result-type` (standard log fields, AWS CloudFront Developer Guide).
/// `OriginShieldHit` is documented for `x-edge-detailed-result-type`; read here too.
pub const CLOUDFRONT: Table = Table {
    vendor: "CloudFront",
    field: "x-edge-result-type",
    entries: &[
        ("Hit", Cached),
        ("RefreshHit", Cached),
        ("Miss", Origin(Stored)),
        ("OriginShieldHit", Tier),
        ("LimitExceeded", NoPage),
        ("CapacityExceeded", NoPage),
        ("Error", NoPage),
        ("Redirect", NoPage),
        ("LambdaExecutionError", NoPage),
    ],
    any_case: false,
    prefix: false,
    suffixes: &[],
};

/// Cloudflare `CacheCacheStatus` (Logpush `http_requests`; meanings from "Cloudflare cache
/// responses"). `dynamic`: "not eligible for cache"; `bypass`: the origin said not to
/// store it; `unknown` (`none` on the cache-responses page): made before the cache;
/// `stream_hit` read by its name; `ignored` and `deferred` have no documented meaning.
pub const CLOUDFLARE: Table = Table {
    vendor: "Cloudflare",
    field: "CacheCacheStatus",
    entries: &[
        ("hit", Cached),
        ("stale", Stale),
        ("updating", Stale),
        ("revalidated", Cached),
        ("stream_hit", Cached),
        ("miss", Origin(Stored)),
        ("expired", Origin(Stored)),
        ("dynamic", Origin(NotStored)),
        ("bypass", Origin(NotStored)),
        ("ignored", Unsure),
        ("deferred", Unsure),
        ("unknown", Generated),
        ("none", Generated),
    ],
    any_case: true,
    prefix: false,
    suffixes: &[],
};

/// Akamai DataStream 2 `cacheStatus`: "served from edge cache (1) or forwarded to peer,
/// parent or origin (0)" (`breadcrumbs` tell which).
pub const AKAMAI: Table = Table {
    vendor: "Akamai DataStream 2",
    field: "cacheStatus",
    entries: &[("1", Cached), ("0", Origin(Stored))],
    any_case: false,
    prefix: false,
    suffixes: &[],
};

/// Fastly `fastly_info.state`, as the documented JSON format logs it: a state and
/// optional suffixes. `PASS`, `HITPASS`: sent to the backend and not cached;
/// `BG-ERROR-*` is a failed background fetch behind a stale hit.
pub const FASTLY: Table = Table {
    vendor: "Fastly",
    field: "cache_state",
    entries: &[
        ("HIT", Cached),
        ("HIT-STALE", Stale),
        ("BG-ERROR-PASS", Stale),
        ("BG-ERROR-RECV", Stale),
        ("BG-ERROR-ERROR", Stale),
        ("MISS", Origin(Stored)),
        ("PASS", Origin(NotStored)),
        ("HITPASS", Origin(NotStored)),
        ("HIT-SYNTH", NoPage),
        ("ERROR", NoPage),
        ("ERROR-LOSTHDR", NoPage),
        ("UPGRADE", NoPage),
        ("NONE", NoPage),
    ],
    any_case: false,
    prefix: false,
    suffixes: &["-CLUSTER", "-REFRESH", "-WAIT"],
};

/// nginx `$upstream_cache_status`. `BYPASS` is fetched past the cache and may be saved;
/// `-` (not found) means no cache was involved: not proxied, caching off, or a method
/// outside `proxy_cache_methods`.
pub const NGINX: Table = Table {
    vendor: "nginx",
    field: "$upstream_cache_status",
    entries: &[
        ("HIT", Cached),
        ("STALE", Stale),
        ("UPDATING", Stale),
        ("REVALIDATED", Cached),
        ("MISS", Origin(Stored)),
        ("EXPIRED", Origin(Stored)),
        ("BYPASS", Origin(Maybe)),
        ("-", Origin(NotStored)),
    ],
    any_case: false,
    prefix: false,
    suffixes: &[],
};

/// Apache httpd mod_cache's `cache-status` (`%{cache-status}e`), by its leading words, as
/// `modules/cache/mod_cache.c` writes them (2.4); the bare texts are the reasons a response
/// was not cacheable ("Cache-Control: private present": exactly what personal pages log).
/// `-`: mod_cache was not involved.
pub const APACHE: Table = Table {
    vendor: "Apache httpd mod_cache",
    field: "%{cache-status}e",
    entries: &[
        ("cache hit", Cached),
        // "cache hit: 503 status; stale content returned".
        ("cache hit:", Stale),
        ("conditional cache hit", Cached),
        ("cache miss: attempting entity save", Origin(Stored)),
        ("cache miss", Origin(NotStored)),
        ("conditional cache miss", Origin(Removed)),
        ("cache invalidated", Origin(Removed)),
        ("Response status", Origin(NotStored)),
        ("Broken expires header", Origin(NotStored)),
        ("Expires header already expired", Origin(NotStored)),
        (
            "s-maxage or max-age zero and no Last-Modified or Etag",
            Origin(NotStored),
        ),
        (
            "Query string present but no explicit expiration time",
            Origin(NotStored),
        ),
        ("HTTP Status 304 Not Modified", Origin(NotStored)),
        ("No Last-Modified", Origin(NotStored)),
        ("Cache-Control: no-store present", Origin(NotStored)),
        ("Cache-Control: private present", Origin(NotStored)),
        ("Authorization required", Origin(NotStored)),
        ("Vary header contains '*'", Origin(NotStored)),
        ("environment variable 'no-cache' is set", Origin(NotStored)),
        ("r->no_cache present", Origin(NotStored)),
        (
            "updated entity is older than cached entity",
            Origin(NotStored),
        ),
        ("contradiction", Origin(NotStored)),
        ("invalid content length", Origin(NotStored)),
        ("-", Origin(NotStored)),
    ],
    any_case: true,
    prefix: true,
    suffixes: &[],
};

impl Table {
    /// The meaning of a logged value, `None` when the vendor does not document it.
    pub fn meaning(&self, value: &str) -> Option<Meaning> {
        let mut value = value.trim();
        while let Some(base) = self.suffixes.iter().find_map(|s| value.strip_suffix(s)) {
            value = base;
        }
        let same = |a: &str, b: &str| {
            if self.any_case {
                a.eq_ignore_ascii_case(b)
            } else {
                a == b
            }
        };
        let matches = |entry: &str| {
            if self.prefix && value.len() > entry.len() {
                value.is_char_boundary(entry.len()) && {
                    let (head, rest) = value.split_at(entry.len());
                    same(head, entry) && rest.starts_with([':', ' ', ';'])
                }
            } else {
                same(value, entry)
            }
        };
        // The longest entry first: "conditional cache hit" before "cache hit".
        let mut best: Option<(&str, Meaning)> = None;
        for (entry, meaning) in self.entries {
            if matches(entry) && best.is_none_or(|(b, _)| entry.len() > b.len()) {
                best = Some((entry, *meaning));
            }
        }
        best.map(|(_, meaning)| meaning)
    }

    /// The documented values, for messages.
    pub fn values(&self) -> String {
        let values: Vec<&str> = self.entries.iter().map(|(v, _)| *v).collect();
        values.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_values_only() {
        assert_eq!(CLOUDFRONT.meaning("RefreshHit"), Some(Cached));
        assert_eq!(CLOUDFRONT.meaning("OriginShieldHit"), Some(Tier));
        assert_eq!(CLOUDFRONT.meaning("hit"), None);
        assert_eq!(CLOUDFLARE.meaning("HIT"), Some(Cached));
        assert_eq!(CLOUDFLARE.meaning("dynamic"), Some(Origin(NotStored)));
        assert_eq!(CLOUDFLARE.meaning("none"), Some(Generated));
        assert_eq!(NGINX.meaning("-"), Some(Origin(NotStored)));
        assert_eq!(NGINX.meaning("BYPASS"), Some(Origin(Maybe)));
        assert_eq!(NGINX.meaning("WARM"), None);
        assert_eq!(
            APACHE.meaning("cache miss: attempting entity save"),
            Some(Origin(Stored))
        );
        assert_eq!(
            APACHE.meaning("cache miss: cache unwilling to store response"),
            Some(Origin(NotStored))
        );
        assert_eq!(
            APACHE.meaning("conditional cache hit: entity refreshed"),
            Some(Cached)
        );
        assert_eq!(
            APACHE.meaning("Cache-Control: private present"),
            Some(Origin(NotStored))
        );
        assert_eq!(
            APACHE.meaning("Response status 302"),
            Some(Origin(NotStored))
        );
        assert_eq!(
            APACHE.meaning("cache invalidated by POST"),
            Some(Origin(Removed))
        );
        assert_eq!(
            APACHE.meaning("No Last-Modified; Etag; Expires; Cache-Control:max-age or Cache-Control:s-maxage headers"),
            Some(Origin(NotStored))
        );
        assert_eq!(APACHE.meaning("cache hitch"), None);
        assert_eq!(FASTLY.meaning("HIT-STALE-CLUSTER"), Some(Stale));
        assert_eq!(
            APACHE.meaning("cache hit: 503 status; stale content returned"),
            Some(Stale)
        );
        assert_eq!(APACHE.meaning("cache hit"), Some(Cached));
        assert_eq!(FASTLY.meaning("MISS-WAIT"), Some(Origin(Stored)));
        assert_eq!(FASTLY.meaning("PASS"), Some(Origin(NotStored)));
        assert_eq!(FASTLY.meaning("HIT-SYNTH"), Some(NoPage));
        assert_eq!(FASTLY.meaning("WARM-CLUSTER"), None);
    }
}
