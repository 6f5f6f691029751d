//! What each vendor's cache status says about the page a response carried, after the
//! vendor's documentation (cited in the README, "CDN logs as delivered"): rendered by the
//! origin for the requester, served from a stored copy, or no page at all. A value a
//! vendor does not document is refused, never guessed.

/// What a response carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Rendered by the origin for the requester: the requester's own page.
    Origin,
    /// Served from a stored copy: the page of an earlier origin response.
    Cached,
    /// No page (an error, a redirect, a response generated at the edge).
    NoPage,
}

/// One vendor's documented statuses, compared as the table says.
pub struct Table {
    pub vendor: &'static str,
    pub field: &'static str,
    pub entries: &'static [(&'static str, Class)],
    /// Whether values are compared ignoring case.
    pub any_case: bool,
    /// Whether an entry matches a value that starts with it (Apache's `cache-status`
    /// texts: "cache miss: attempting entity save").
    pub prefix: bool,
    /// Suffixes that qualify a value without changing its class (Fastly's `-CLUSTER`,
    /// `-REFRESH`, `-WAIT`), stripped before the lookup.
    pub suffixes: &'static [&'static str],
}

use Class::*;

/// CloudFront `x-edge-result-type` (standard log fields, AWS CloudFront Developer Guide).
pub const CLOUDFRONT: Table = Table {
    vendor: "CloudFront",
    field: "x-edge-result-type",
    entries: &[
        ("Hit", Cached),
        ("RefreshHit", Cached),
        ("Miss", Origin),
        ("LimitExceeded", NoPage),
        ("CapacityExceeded", NoPage),
        ("Error", NoPage),
        ("Redirect", NoPage),
    ],
    any_case: false,
    prefix: false,
    suffixes: &[],
};

/// Cloudflare `CacheCacheStatus` (Logpush `http_requests` dataset). `stream_hit`,
/// `ignored` and `deferred` are listed without a meaning: read by their names.
pub const CLOUDFLARE: Table = Table {
    vendor: "Cloudflare",
    field: "CacheCacheStatus",
    entries: &[
        ("hit", Cached),
        ("stale", Cached),
        ("updating", Cached),
        ("revalidated", Cached),
        ("stream_hit", Cached),
        ("miss", Origin),
        ("expired", Origin),
        ("dynamic", Origin),
        ("bypass", Origin),
        ("ignored", Origin),
        ("deferred", Origin),
        ("unknown", Origin),
    ],
    any_case: true,
    prefix: false,
    suffixes: &[],
};

/// Akamai DataStream 2 `cacheStatus`: 1 served from the edge's cache, 0 forwarded to the
/// parent tier or the origin (a parent's cached copy then counts as the origin's).
pub const AKAMAI: Table = Table {
    vendor: "Akamai DataStream 2",
    field: "cacheStatus",
    entries: &[("1", Cached), ("0", Origin)],
    any_case: false,
    prefix: false,
    suffixes: &[],
};

/// Fastly `fastly_info.state`, as the documented JSON format logs it: a state and
/// optional suffixes. `BG-ERROR-*` is a failed background fetch behind a stale hit.
pub const FASTLY: Table = Table {
    vendor: "Fastly",
    field: "cache_state",
    entries: &[
        ("HIT", Cached),
        ("HIT-STALE", Cached),
        ("BG-ERROR-PASS", Cached),
        ("BG-ERROR-RECV", Cached),
        ("BG-ERROR-ERROR", Cached),
        ("MISS", Origin),
        ("PASS", Origin),
        ("HITPASS", Origin),
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

/// nginx `$upstream_cache_status`; `-` is nginx's empty value: no cache on the way.
pub const NGINX: Table = Table {
    vendor: "nginx",
    field: "$upstream_cache_status",
    entries: &[
        ("HIT", Cached),
        ("STALE", Cached),
        ("UPDATING", Cached),
        ("REVALIDATED", Cached),
        ("MISS", Origin),
        ("EXPIRED", Origin),
        ("BYPASS", Origin),
        ("-", Origin),
    ],
    any_case: false,
    prefix: false,
    suffixes: &[],
};

/// Apache httpd mod_cache's `cache-status` note (`%{cache-status}e`), by its leading words.
pub const APACHE: Table = Table {
    vendor: "Apache httpd mod_cache",
    field: "%{cache-status}e",
    entries: &[
        ("cache hit", Cached),
        ("conditional cache hit", Cached),
        ("cache miss", Origin),
        ("cache invalidated", Origin),
        ("-", Origin),
    ],
    any_case: true,
    prefix: true,
    suffixes: &[],
};

impl Table {
    /// The class of a logged value, `None` when the vendor does not document it.
    pub fn class(&self, value: &str) -> Option<Class> {
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
                let (head, rest) = value.split_at(entry.len());
                same(head, entry) && rest.starts_with([':', ' ', ';'])
            } else {
                same(value, entry)
            }
        };
        // The longest entry first: "conditional cache hit" before "cache hit".
        let mut best: Option<(&str, Class)> = None;
        for (entry, class) in self.entries {
            if matches(entry) && best.is_none_or(|(b, _)| entry.len() > b.len()) {
                best = Some((entry, *class));
            }
        }
        best.map(|(_, class)| class)
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
        assert_eq!(CLOUDFRONT.class("RefreshHit"), Some(Cached));
        assert_eq!(CLOUDFRONT.class("hit"), None);
        assert_eq!(CLOUDFLARE.class("HIT"), Some(Cached));
        assert_eq!(NGINX.class("-"), Some(Origin));
        assert_eq!(NGINX.class("WARM"), None);
        assert_eq!(
            APACHE.class("cache miss: attempting entity save"),
            Some(Origin)
        );
        assert_eq!(
            APACHE.class("conditional cache hit: entity refreshed"),
            Some(Cached)
        );
        assert_eq!(APACHE.class("cache hitch"), None);
        assert_eq!(FASTLY.class("HIT-STALE-CLUSTER"), Some(Cached));
        assert_eq!(FASTLY.class("MISS-WAIT"), Some(Origin));
        assert_eq!(FASTLY.class("HIT-SYNTH"), Some(NoPage));
        assert_eq!(FASTLY.class("WARM-CLUSTER"), None);
    }
}
