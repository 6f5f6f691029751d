//! What a CDN log says about when the leak ran (`cdn::window` reads it off the derived
//! log): per cache node, the first and last response of a personal page served from the
//! cache, how many went to someone other than the owner, the same on pages the inventory
//! does not cover, which part of the log the node had, and how many of those responses
//! the `--from`/`--to` window leaves out. Before the faulty change a personal page is only
//! ever rendered by the origin, so its first copy served from a cache is the leak's start.

/// Less log than this before a node's first cached personal response (or after its last)
/// and the log cannot show where the leak began (or ended) on it: the window-edge rule's
/// minute (`WINDOW_EDGE_MICROS`).
pub const MARGIN_MICROS: i64 = super::WINDOW_EDGE_MICROS;

/// Responses of one kind on one node: the first and last (µs, at the log's resolution),
/// how many, and how many went to someone other than the owner.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Span {
    pub first: Option<i64>,
    pub last: Option<i64>,
    pub responses: u64,
    /// Attributed to one owner who is not the viewer.
    pub confirmed: u64,
    /// Ambiguous, with a candidate owner who is not the viewer.
    pub possible: u64,
}

/// One cache node's part of the log (or the whole log's, `node` "(all)").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeWindow {
    /// The node as the log names it (`""`: the log names none).
    pub node: String,
    /// Responses of pages with personal fields served from the cache.
    pub personal: Span,
    /// Responses of pages the inventory does not cover, served from the cache to someone
    /// other than the owner (`responses` = confirmed + possible).
    pub blind: Span,
    /// The node's first and last line.
    pub log: Option<(i64, i64)>,
    /// The first cached personal response came from a copy stored before the log begins
    /// (no origin response in the log filled it).
    pub stored_before_log: bool,
}

impl NodeWindow {
    /// Whether the log shows where the leak began on this node: its first cached personal
    /// response came from a fill in the log, and the log runs a minute or more before it.
    /// `None` when the node served no personal page from the cache.
    pub fn start_in_log(&self) -> Option<bool> {
        let first = self.personal.first?;
        let (log_first, _) = self.log?;
        Some(!self.stored_before_log && first - log_first >= MARGIN_MICROS)
    }

    /// Whether the log runs a minute or more past the node's last cached personal response.
    pub fn end_in_log(&self) -> Option<bool> {
        let last = self.personal.last?;
        let (_, log_last) = self.log?;
        Some(log_last - last >= MARGIN_MICROS)
    }
}

/// Cached personal responses the `--from`/`--to` window leaves out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outside {
    /// Before `--from`, and at or after `--to`.
    pub before: u64,
    pub after: u64,
    /// Of them, those that went to someone other than the owner (confirmed or possible).
    pub to_others: u64,
    /// The nodes that served them, by name.
    pub nodes: Vec<String>,
    /// Log files left unread because their name puts them outside the window (CloudFront's
    /// hourly files): what they hold is not counted here.
    pub files_unread: usize,
}

impl Outside {
    pub fn responses(&self) -> u64 {
        self.before + self.after
    }
}

/// When the log's caches served personal pages, against the window the figures cover.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CacheWindow {
    /// One per node the log names, by name; empty when it names none.
    pub nodes: Vec<NodeWindow>,
    /// The whole log.
    pub total: NodeWindow,
    /// The clock's resolution (µs; 0: exact): times are floored to it.
    pub resolution: i64,
    /// Each time's uncertainty (µs; 0: exact): the resolution, widened by durations.
    pub width: i64,
    /// Against `--from`/`--to` as resolved (`auto` taken from `suggested`).
    pub outside: Outside,
    /// Whether `--from` and `--to` were `auto`.
    pub auto: (bool, bool),
    /// Cached personal responses to someone other than the owner per minute (µs of the
    /// minute's start), over the whole log, minutes without any left out.
    pub per_minute: Vec<(i64, u64)>,
}

impl CacheWindow {
    /// The window the log suggests, `[first - width, last + width)` (at least a
    /// microsecond past the last, `--to` being exclusive); `None` when no personal page was
    /// served from the cache.
    pub fn suggested(&self) -> Option<(i64, i64)> {
        let (first, last) = (self.total.personal.first?, self.total.personal.last?);
        Some((first - self.width, last + self.width.max(1)))
    }

    /// Whether the log shows where the leak began on every node that served a personal
    /// page from the cache (`None`: none did).
    pub fn start_in_log(&self) -> Option<bool> {
        self.all(NodeWindow::start_in_log)
    }

    pub fn end_in_log(&self) -> Option<bool> {
        self.all(NodeWindow::end_in_log)
    }

    fn all(&self, seen: fn(&NodeWindow) -> Option<bool>) -> Option<bool> {
        let nodes: &[NodeWindow] = match self.nodes.is_empty() {
            true => std::slice::from_ref(&self.total),
            false => &self.nodes,
        };
        let seen: Vec<bool> = nodes.iter().filter_map(seen).collect();
        (!seen.is_empty()).then(|| seen.iter().all(|s| *s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60_000_000;

    fn node(first: i64, last: i64, log: (i64, i64), stored: bool) -> NodeWindow {
        NodeWindow {
            personal: Span {
                first: Some(first),
                last: Some(last),
                responses: 1,
                ..Span::default()
            },
            log: Some(log),
            stored_before_log: stored,
            ..NodeWindow::default()
        }
    }

    #[test]
    fn a_minute_of_log_either_side_shows_the_start_and_the_end() {
        let seen = node(10 * MINUTE, 20 * MINUTE, (9 * MINUTE, 21 * MINUTE), false);
        assert_eq!(
            (seen.start_in_log(), seen.end_in_log()),
            (Some(true), Some(true))
        );
        let short = node(
            10 * MINUTE,
            20 * MINUTE,
            (9 * MINUTE + 1, 21 * MINUTE - 1),
            false,
        );
        assert_eq!(
            (short.start_in_log(), short.end_in_log()),
            (Some(false), Some(false))
        );
        // A copy stored before the log: its start is not in the log, however long before.
        let stored = node(10 * MINUTE, 20 * MINUTE, (0, 21 * MINUTE), true);
        assert_eq!(stored.start_in_log(), Some(false));
        assert_eq!(NodeWindow::default().start_in_log(), None);
    }

    #[test]
    fn the_suggested_window_is_widened_by_the_clock() {
        let window = CacheWindow {
            total: node(10 * MINUTE, 20 * MINUTE, (0, 30 * MINUTE), false),
            width: 1_000_000,
            ..CacheWindow::default()
        };
        assert_eq!(
            window.suggested(),
            Some((10 * MINUTE - 1_000_000, 20 * MINUTE + 1_000_000))
        );
        // An exact clock: a microsecond past the last, --to being exclusive.
        let exact = CacheWindow { width: 0, ..window };
        assert_eq!(exact.suggested(), Some((10 * MINUTE, 20 * MINUTE + 1)));
        assert_eq!(CacheWindow::default().suggested(), None);
    }
}
