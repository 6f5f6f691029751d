//! Where each response's page came from, as far as its log line can tell: rendered by the
//! origin, a node's stored copy, the shared tier's stored copy, or one of these where the
//! log cannot say which; and what each origin response did to the caches it went through.

/// Where a response's page came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Rendered by the origin for the request that reached it.
    Origin = 0,
    /// From the node's own stored copy.
    Node = 1,
    /// From the shared tier's stored copy (the edge missed, its parent had the page).
    Tier = 2,
    /// From the node's copy or the shared tier's: the log cannot tell (CloudFront `Hit`:
    /// a regional edge cache acting as Origin Shield is logged `Hit`).
    NodeOrTier = 3,
    /// Rendered by the origin or from the shared tier's copy: the edge missed and the log
    /// cannot tell whether its parent had the page (CloudFront `Miss`, a Fastly edge's
    /// `MISS` under shielding, Akamai `cacheStatus` 0 without breadcrumbs).
    OriginOrTier = 4,
    /// From the origin or any stored copy (a documented status without a documented
    /// meaning; a download the viewer broke off, logged without what the edge did).
    Any = 5,
    /// No page delivered to a viewer (an error, a redirect, an internal request).
    NoPage = 6,
    /// From the node's copy kept past its freshness (nginx `STALE`, Fastly `HIT-STALE`):
    /// any page the node stored earlier, which a miss that stored nothing does not rule out.
    Stale = 7,
}

impl Source {
    pub const ALL: [Source; 8] = [
        Source::Origin,
        Source::Node,
        Source::Tier,
        Source::NodeOrTier,
        Source::OriginOrTier,
        Source::Any,
        Source::NoPage,
        Source::Stale,
    ];

    pub fn of(code: u32) -> Source {
        Source::ALL
            .get(code as usize)
            .copied()
            .unwrap_or(Source::NoPage)
    }

    /// Whether the page may be the origin's rendering for this request.
    pub fn may_be_origin(self) -> bool {
        matches!(self, Source::Origin | Source::OriginOrTier | Source::Any)
    }

    /// Whether the page may come from the node's own copy.
    pub fn may_be_node(self) -> bool {
        matches!(
            self,
            Source::Node | Source::NodeOrTier | Source::Any | Source::Stale
        )
    }

    /// Whether the page may come from the shared tier's copy.
    pub fn may_be_tier(self) -> bool {
        matches!(
            self,
            Source::Tier | Source::NodeOrTier | Source::OriginOrTier | Source::Any
        )
    }
}

/// What a response did to the caches it went through, as its row records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    /// Stored at the node (and, under a shared tier, possibly at the tier).
    Stored = 0,
    /// May have been stored at the node (nginx `BYPASS`).
    Maybe = 1,
    /// Not stored anywhere (a pass, an uncacheable response, a method that is not cached).
    NotStored = 2,
    /// The node's stored copy was removed (Apache "cache invalidated by POST").
    Removed = 3,
    /// Stored at the node and at the shared tier it certainly went through (Akamai
    /// breadcrumbs with a cache parent and the origin).
    StoredViaTier = 4,
}

impl Fill {
    pub const ALL: [Fill; 5] = [
        Fill::Stored,
        Fill::Maybe,
        Fill::NotStored,
        Fill::Removed,
        Fill::StoredViaTier,
    ];

    pub fn of(code: u32) -> Fill {
        Fill::ALL
            .get(code as usize)
            .copied()
            .unwrap_or(Fill::NotStored)
    }
}

/// How caches are arranged between the viewers and the origin (`--cache-topology`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topology {
    /// Every cache node fetches from the origin itself: a miss is the origin's page.
    Edge,
    /// Every node fetches through one shared tier (regional edge caches, a shield, upper
    /// tiers, a parent) that the log does not show: a miss may be the tier's copy of a
    /// page another node's request put there.
    Tiered,
}

impl Topology {
    pub fn name(self) -> &'static str {
        match self {
            Topology::Edge => "edge",
            Topology::Tiered => "tiered",
        }
    }
}
