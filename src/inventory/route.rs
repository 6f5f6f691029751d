//! Route patterns (`/my/{tab}/`, `/my/email/{*rest}`), request-path normalisation, and
//! most-specific matching over a segment trie.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    Literal(String),
    /// `{name}`: exactly one non-empty segment.
    Param(String),
    /// `{*name}`: the rest of the path, possibly nothing; only last.
    Rest(String),
}

/// A parsed route pattern. Trailing slashes are ignored, so `/my/` and `/my` are one route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub segments: Vec<Segment>,
}

impl Route {
    /// Parses a route, explaining what is wrong when it is malformed.
    pub fn parse(text: &str) -> Result<Route, String> {
        if !text.starts_with('/') {
            return Err(format!("route {text:?} must start with '/'"));
        }
        let body = text.trim_end_matches('/');
        let mut segments = Vec::new();
        if body.is_empty() {
            return Ok(Route { segments });
        }
        let parts: Vec<&str> = body[1..].split('/').collect();
        let mut names: Vec<&str> = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            if part.is_empty() {
                return Err(format!("route {text:?} has an empty segment ('//')"));
            }
            let segment = if let Some(inner) = part.strip_prefix('{') {
                let Some(inner) = inner.strip_suffix('}') else {
                    return Err(format!(
                        "route {text:?}: segment {part:?} opens '{{' but does not end with '}}'"
                    ));
                };
                let (rest, name) = match inner.strip_prefix('*') {
                    Some(name) => (true, name),
                    None => (false, inner),
                };
                if !is_param_name(name) {
                    return Err(format!(
                        "route {text:?}: parameter name {name:?} must be letters, digits or '_' and not start with a digit"
                    ));
                }
                if names.contains(&name) {
                    return Err(format!(
                        "route {text:?}: parameter {{{name}}} appears twice"
                    ));
                }
                names.push(name);
                if rest {
                    if i + 1 != parts.len() {
                        return Err(format!(
                            "route {text:?}: {{*{name}}} may only be the last segment"
                        ));
                    }
                    Segment::Rest(name.to_string())
                } else {
                    Segment::Param(name.to_string())
                }
            } else {
                if part.contains(['{', '}']) {
                    return Err(format!(
                        "route {text:?}: segment {part:?} mixes text and braces; a parameter must be a whole segment"
                    ));
                }
                if part.contains(['?', '#']) {
                    return Err(format!(
                        "route {text:?}: routes match paths only, without '?' query or '#' fragment"
                    ));
                }
                Segment::Literal(part.to_string())
            };
            segments.push(segment);
        }
        Ok(Route { segments })
    }

    /// The route with parameter names erased: two routes with the same shape are one pattern.
    pub fn shape(&self) -> String {
        if self.segments.is_empty() {
            return "/".to_string();
        }
        let mut out = String::new();
        for segment in &self.segments {
            out.push('/');
            match segment {
                Segment::Literal(text) => out.push_str(text),
                Segment::Param(_) => out.push_str("{}"),
                Segment::Rest(_) => out.push_str("{*}"),
            }
        }
        out
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.segments.is_empty() {
            return write!(f, "/");
        }
        for segment in &self.segments {
            match segment {
                Segment::Literal(text) => write!(f, "/{text}")?,
                Segment::Param(name) => write!(f, "/{{{name}}}")?,
                Segment::Rest(name) => write!(f, "/{{*{name}}}")?,
            }
        }
        Ok(())
    }
}

fn is_param_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Normalises a request path as the contract says: scheme and host dropped, query and
/// fragment dropped, trailing slash dropped (except for `/` itself).
pub fn normalise_path(raw: &str) -> Cow<'_, str> {
    // Most paths are plain: a `/`, then ASCII without space, `:`, `?` or `#`. Such a path
    // only loses its trailing slashes; checking its bytes once costs a fraction of the
    // general rule's searches (a relations table normalises a path per row).
    // Folded without an early exit, so that the compiler checks many bytes at once.
    let plain = raw.starts_with('/')
        && raw.bytes().fold(true, |plain, b| {
            plain & b.is_ascii_graphic() & (b != b':') & (b != b'?') & (b != b'#')
        });
    if plain {
        return Cow::Borrowed(match raw.trim_end_matches('/') {
            "" => "/",
            trimmed => trimmed,
        });
    }
    normalise_any_path(raw)
}

/// `normalise_path` for every path: trims, drops a scheme and host, then query and fragment.
fn normalise_any_path(raw: &str) -> Cow<'_, str> {
    let mut path = raw.trim();
    // A full URL starts with a scheme (letters, digits, `+`, `-`, `.`); a path that only
    // carries a URL further on (`/go/https://elsewhere/x`) is a path.
    let scheme = |s: &str| {
        s.starts_with(|c: char| c.is_ascii_alphabetic())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    };
    if let Some(pos) = path.find("://").filter(|&pos| scheme(&path[..pos])) {
        let after = &path[pos + 3..];
        path = match after.find(['/', '?', '#']) {
            Some(slash) => &after[slash..],
            None => "",
        };
    }
    if let Some(end) = path.find(['?', '#']) {
        path = &path[..end];
    }
    // Space before a trailing slash goes too, so that normalising twice changes nothing.
    let trimmed = path.trim_end_matches(|c: char| c == '/' || c.is_whitespace());
    if trimmed.is_empty() {
        Cow::Borrowed("/")
    } else if trimmed.starts_with('/') {
        Cow::Borrowed(trimmed)
    } else {
        Cow::Owned(format!("/{trimmed}"))
    }
}

/// A segment trie over all routes: matching walks literal children first, then the
/// parameter child, then the rest child, so the first match found is the most specific one
/// (compared segment by segment from the left).
#[derive(Debug, Default)]
pub struct RouteTable {
    root: Node,
}

#[derive(Debug, Default)]
struct Node {
    literal: HashMap<String, Node>,
    param: Option<Box<Node>>,
    /// Page whose route ends here.
    page: Option<usize>,
    /// Page whose route has `{*rest}` here.
    rest_page: Option<usize>,
}

impl RouteTable {
    /// Builds the table; returns the index of an earlier page when two share a pattern.
    pub fn new<'a>(
        routes: impl IntoIterator<Item = &'a Route>,
    ) -> Result<RouteTable, (usize, usize)> {
        let mut table = RouteTable::default();
        for (index, route) in routes.into_iter().enumerate() {
            table.insert(route, index)?;
        }
        Ok(table)
    }

    fn insert(&mut self, route: &Route, index: usize) -> Result<(), (usize, usize)> {
        let mut node = &mut self.root;
        for segment in &route.segments {
            match segment {
                Segment::Literal(text) => node = node.literal.entry(text.clone()).or_default(),
                Segment::Param(_) => node = node.param.get_or_insert_with(Box::default),
                Segment::Rest(_) => {
                    return match node.rest_page {
                        Some(existing) => Err((existing, index)),
                        None => {
                            node.rest_page = Some(index);
                            Ok(())
                        }
                    }
                }
            }
        }
        match node.page {
            Some(existing) => Err((existing, index)),
            None => {
                node.page = Some(index);
                Ok(())
            }
        }
    }

    /// The most specific page matching a normalised path.
    pub fn find(&self, normalised: &str) -> Option<usize> {
        find_in(&self.root, normalised.trim_start_matches('/'))
    }
}

/// `rest` is the path after a '/'; "" means the path has ended. Segments are split on
/// the fly so matching allocates nothing.
fn find_in(node: &Node, rest: &str) -> Option<usize> {
    if rest.is_empty() {
        return node.page.or(node.rest_page);
    }
    let (first, tail) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, ""),
    };
    if let Some(child) = node.literal.get(first) {
        if let Some(found) = find_in(child, tail) {
            return Some(found);
        }
    }
    if !first.is_empty() {
        if let Some(child) = &node.param {
            if let Some(found) = find_in(child, tail) {
                return Some(found);
            }
        }
    }
    node.rest_page
}

/// Proposes a route for an unmapped path: id-like segments become `{id}`.
pub fn suggest_route(normalised: &str) -> String {
    if normalised == "/" {
        return "/".to_string();
    }
    let mut out = String::new();
    for segment in normalised.trim_start_matches('/').split('/') {
        out.push('/');
        if is_id_like(segment) {
            out.push_str("{id}");
        } else {
            out.push_str(segment);
        }
    }
    out
}

/// A segment looks like an identifier when it is all digits (`42`), a short letter
/// prefix before at least four digits (`m123456789`), or a long hex/UUID token.
pub fn is_id_like(segment: &str) -> bool {
    if segment.is_empty() {
        return false;
    }
    if segment.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    let letters = segment
        .bytes()
        .take_while(|b| b.is_ascii_alphabetic())
        .count();
    let digits = &segment[letters..];
    if letters <= 3 && digits.len() >= 4 && digits.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    segment.len() >= 16
        && segment.bytes().any(|b| b.is_ascii_digit())
        && segment.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(routes: &[&str]) -> RouteTable {
        let parsed: Vec<Route> = routes.iter().map(|r| Route::parse(r).unwrap()).collect();
        RouteTable::new(&parsed).unwrap()
    }

    #[test]
    fn normalises_paths() {
        assert_eq!(normalise_path("/my/?ref=mail"), "/my");
        assert_eq!(
            normalise_path("https://shop.example/my/card/#top"),
            "/my/card"
        );
        assert_eq!(normalise_path("https://shop.example"), "/");
        assert_eq!(normalise_path("/"), "/");
        assert_eq!(normalise_path("/search?q=x"), "/search");
        assert_eq!(normalise_path("my/page"), "/my/page");
        assert_eq!(normalise_path(""), "/");
        // Found by fuzzing: a URL inside a path is not a scheme and host.
        assert_eq!(
            normalise_path("/go/https://elsewhere.example/x"),
            "/go/https://elsewhere.example/x"
        );
        assert_eq!(
            normalise_path("https://shop.example/go/https://x/y"),
            "/go/https://x/y"
        );
        assert_eq!(normalise_path("/my /"), "/my");
        assert_eq!(normalise_path(" / /"), "/");
        assert_eq!(normalise_path("///"), "/");
        assert_eq!(
            normalise_path("/jp/transaction/m717502259/"),
            "/jp/transaction/m717502259"
        );
    }

    proptest::proptest! {
        /// The plain paths' shortcut gives what the general rule gives, on paths built
        /// mostly of the characters each treats specially.
        #[test]
        fn the_plain_path_shortcut_agrees_with_the_general_rule(
            path in "[/a:?#. \t\u{3000}\u{a0}é]{0,12}"
        ) {
            proptest::prop_assert_eq!(normalise_path(&path), normalise_any_path(&path));
        }
    }

    #[test]
    fn literal_beats_param_beats_rest() {
        let t = table(&[
            "/my/",
            "/my/{tab}/",
            "/my/card/",
            "/my/email/{*rest}",
            "/items/{id}/",
        ]);
        assert_eq!(t.find("/my"), Some(0));
        assert_eq!(t.find("/my/settings"), Some(1));
        assert_eq!(t.find("/my/card"), Some(2));
        assert_eq!(
            t.find("/my/email"),
            Some(3),
            "literal 'email' beats {{tab}}"
        );
        assert_eq!(t.find("/my/email/x/y"), Some(3));
        assert_eq!(t.find("/items/42"), Some(4));
        assert_eq!(t.find("/items"), None);
        assert_eq!(t.find("/search"), None);
    }

    #[test]
    fn rest_matches_nothing_but_exact_end_wins() {
        let t = table(&["/a/{*rest}", "/a"]);
        assert_eq!(t.find("/a"), Some(1));
        assert_eq!(t.find("/a/b"), Some(0));
        let t = table(&["/{*all}"]);
        assert_eq!(t.find("/"), Some(0));
        assert_eq!(t.find("/x/y"), Some(0));
    }

    #[test]
    fn backtracks_when_a_literal_branch_dead_ends() {
        let t = table(&["/a/b/c", "/a/{x}/d"]);
        assert_eq!(t.find("/a/b/d"), Some(1));
        assert_eq!(t.find("/a/b/c"), Some(0));
    }

    #[test]
    fn param_never_matches_an_empty_segment() {
        let t = table(&["/my/{tab}/x"]);
        assert_eq!(t.find("/my//x"), None);
    }

    #[test]
    fn rejects_malformed_routes() {
        for bad in [
            "my/",
            "/a//b",
            "/a/{b",
            "/a/{*r}/c",
            "/a/x{y}",
            "/a/{}",
            "/a/{1x}",
            "/a/{x}/{x}",
            "/a?b",
        ] {
            assert!(Route::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn same_shape_is_the_same_pattern() {
        let a = Route::parse("/my/{tab}/").unwrap();
        let b = Route::parse("/my/{other}").unwrap();
        assert_eq!(a.shape(), b.shape());
        assert!(RouteTable::new([&a, &b]).is_err());
    }

    #[test]
    fn suggests_routes_for_id_like_segments() {
        assert_eq!(suggest_route("/items/m123456789"), "/items/{id}");
        assert_eq!(
            suggest_route("/transaction/42/review"),
            "/transaction/{id}/review"
        );
        assert_eq!(suggest_route("/api/v2/search"), "/api/v2/search");
        assert_eq!(
            suggest_route("/u/3f2a9c1e-77aa-4b1c-9d2e-0a1b2c3d4e5f"),
            "/u/{id}"
        );
    }
}
