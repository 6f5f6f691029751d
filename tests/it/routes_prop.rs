//! Properties of route matching, on random route sets and paths: the page chosen is the
//! most specific match, as a slow, obviously correct reference written here finds it,
//! and the routes' order in the inventory changes nothing. 256 cases per property by
//! default; `PROPTEST_CASES=N` for more.

use proptest::prelude::*;

use pii_audit::inventory::route::Segment;
use pii_audit::inventory::{normalise_path, Route, RouteTable};

/// Route segments from a small alphabet, so that routes often overlap.
fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec!["a", "b", "c"]).prop_map(String::from),
        2 => Just("{p}".to_string()),
        1 => Just("{*rest}".to_string()),
    ]
}

/// A route text: up to four segments, `{*rest}` only last, optional trailing slash.
fn route_text() -> impl Strategy<Value = String> {
    (prop::collection::vec(segment(), 0..5), any::<bool>()).prop_map(|(mut segments, slash)| {
        if let Some(rest) = segments.iter().position(|s| s == "{*rest}") {
            segments.truncate(rest + 1);
        }
        // Parameter names must differ within a route.
        let named: Vec<String> = segments
            .iter()
            .enumerate()
            .map(|(i, s)| {
                if s == "{p}" {
                    format!("{{p{i}}}")
                } else {
                    s.clone()
                }
            })
            .collect();
        let mut text = format!("/{}", named.join("/"));
        if slash && text != "/" {
            text.push('/');
        }
        text
    })
}

/// Distinct route shapes (the inventory refuses two pages with the same pattern).
fn route_set() -> impl Strategy<Value = Vec<Route>> {
    prop::collection::vec(route_text(), 1..12).prop_map(|texts| {
        let mut routes: Vec<Route> = Vec::new();
        for text in texts {
            let route = Route::parse(&text).expect("generated routes are well formed");
            if !routes.iter().any(|r| r.shape() == route.shape()) {
                routes.push(route);
            }
        }
        routes
    })
}

/// A request path: segments from the routes' alphabet plus strangers and empty ones,
/// sometimes with a query, a trailing slash or a scheme and host.
fn path() -> impl Strategy<Value = String> {
    let seg = prop::sample::select(vec!["a", "b", "c", "d", "", "a b", "%7B"]);
    (
        prop::collection::vec(seg, 0..6),
        prop::sample::select(vec!["", "/", "?q=1", "/#top", "?x=/a/b"]),
        any::<bool>(),
    )
        .prop_map(|(segments, tail, host)| {
            let prefix = if host { "https://shop.example" } else { "" };
            format!("{prefix}/{}{tail}", segments.join("/"))
        })
}

/// How specific a route is for the path it matched: per path segment, 0 when a literal
/// took it, 1 a parameter, 2 the rest; then 0 when the route ended with the path, 2 when
/// its rest took what was left (possibly nothing). Smaller is more specific.
fn specificity(route: &Route, segments: &[&str]) -> Option<Vec<u8>> {
    let mut key = Vec::new();
    for (i, seg) in route.segments.iter().enumerate() {
        match seg {
            Segment::Rest(_) => {
                key.extend(std::iter::repeat_n(2, segments.len().saturating_sub(i)));
                key.push(2);
                return Some(key);
            }
            Segment::Literal(text) => {
                if segments.get(i) != Some(&text.as_str()) {
                    return None;
                }
                key.push(0);
            }
            Segment::Param(_) => {
                if segments.get(i).is_none_or(|s| s.is_empty()) {
                    return None;
                }
                key.push(1);
            }
        }
    }
    (route.segments.len() == segments.len()).then(|| {
        key.push(0);
        key
    })
}

/// The reference: try every route, keep the most specific that matches.
fn reference(routes: &[Route], normalised: &str) -> Option<usize> {
    let segments: Vec<&str> = if normalised == "/" {
        Vec::new()
    } else {
        normalised.trim_start_matches('/').split('/').collect()
    };
    routes
        .iter()
        .enumerate()
        .filter_map(|(i, r)| specificity(r, &segments).map(|key| (key, i)))
        .min()
        .map(|(_, i)| i)
}

proptest! {
    #[test]
    fn the_chosen_page_is_the_most_specific_match(routes in route_set(), paths in prop::collection::vec(path(), 1..20)) {
        let table = RouteTable::new(&routes).expect("distinct shapes");
        for raw in &paths {
            let normalised = normalise_path(raw);
            prop_assert_eq!(
                table.find(&normalised),
                reference(&routes, &normalised),
                "path {:?} (normalised {:?}) over {:?}",
                raw,
                normalised,
                routes.iter().map(|r| r.to_string()).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn matching_does_not_depend_on_the_routes_order(
        (routes, order) in route_set().prop_flat_map(|routes| {
            let order: Vec<usize> = (0..routes.len()).collect();
            (Just(routes), Just(order).prop_shuffle())
        }),
        paths in prop::collection::vec(path(), 1..20),
    ) {
        let table = RouteTable::new(&routes).expect("distinct shapes");
        let shuffled: Vec<Route> = order.iter().map(|&i| routes[i].clone()).collect();
        let other = RouteTable::new(&shuffled).expect("distinct shapes");
        for raw in &paths {
            let normalised = normalise_path(raw);
            let here = table.find(&normalised);
            let there = other.find(&normalised).map(|j| order[j]);
            prop_assert_eq!(here, there, "path {:?}", raw);
        }
    }

    #[test]
    fn a_route_matches_its_own_example_path(routes in route_set()) {
        // Every route matches a path made from it, choosing itself or a more specific one.
        let table = RouteTable::new(&routes).expect("distinct shapes");
        for route in &routes {
            let example: Vec<String> = route
                .segments
                .iter()
                .map(|s| match s {
                    Segment::Literal(t) => t.clone(),
                    Segment::Param(_) => "x".into(),
                    Segment::Rest(_) => "y/z".into(),
                })
                .collect();
            let path = format!("/{}", example.join("/"));
            prop_assert!(table.find(&normalise_path(&path)).is_some(), "{} does not match {}", route, path);
        }
    }
}

#[test]
fn the_reference_agrees_with_the_contract_examples() {
    let routes: Vec<Route> = [
        "/my/",
        "/my/{tab}/",
        "/my/card/",
        "/my/email/{*rest}",
        "/items/{id}/",
    ]
    .iter()
    .map(|r| Route::parse(r).unwrap())
    .collect();
    for (path, page) in [
        ("/my/", Some(0)),
        ("/my/settings/", Some(1)),
        ("/my/card", Some(2)),
        ("/my/email/", Some(3)),
        ("/my/email/x", Some(3)),
        ("/items/42/", Some(4)),
        ("/search?q=x", None),
    ] {
        assert_eq!(reference(&routes, &normalise_path(path)), page, "{path}");
    }
}
