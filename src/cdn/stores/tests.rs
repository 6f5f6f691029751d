//! `stores`'s tests, in a file of their own to keep `stores.rs` under 700 lines.

use super::*;

const S: i64 = 1_000_000;

/// Rows of one node and one key: (lo, source, fill, owner).
fn run(rows: &[(i64, Source, Fill, u32)], rule: Rule) -> Resolved {
    let lo: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let source: Vec<Source> = rows.iter().map(|r| r.1).collect();
    let fill: Vec<Fill> = rows.iter().map(|r| r.2).collect();
    let owner: Vec<u32> = rows.iter().map(|r| r.3).collect();
    let keys = vec![0u32; rows.len()];
    resolve(
        &Rows {
            lo: &lo,
            node_key: &keys,
            tier_key: &keys,
            source: &source,
            fill: &fill,
            owner: &owner,
        },
        &rule,
    )
}

fn rule(width: i64, tiered: bool) -> Rule {
    Rule {
        width,
        max_age: None,
        cap: 100,
        tiered,
    }
}

use Fill::*;
use Source::*;

#[test]
fn exact_clock_is_the_as_of_rule() {
    // Two origins at one instant: the later in the log wins; the hit at that instant
    // is theirs; a pass changes nothing; a hit with no origin before is unattributed.
    let r = run(
        &[
            (0, Node, NotStored, 9),
            (10, Origin, Stored, 1),
            (10, Origin, Stored, 2),
            (10, Node, NotStored, 7),
            (11, Origin, NotStored, 3),
            (12, Node, NotStored, 8),
        ],
        rule(0, false),
    );
    assert_eq!(r.attribution[0], Attribution::Unattributed as u8);
    assert_eq!(r.reason[0], Reason::NoFill as u8);
    assert_eq!((r.owner[3], r.origin_ts[3]), (2, 10));
    assert_eq!(r.owner[5], 2);
    assert_eq!(r.attribution[4], Attribution::Origin as u8);
}

#[test]
fn coarse_clock_keeps_the_grid_rule() {
    // alice at :20, carol at :21, a hit at :21 (either), a hit at :22 (carol).
    let r = run(
        &[
            (20 * S, Origin, Stored, 1),
            (21 * S, Origin, Stored, 3),
            (21 * S, Node, NotStored, 2),
            (22 * S, Node, NotStored, 4),
        ],
        rule(S, false),
    );
    assert_eq!(r.candidates.iter().collect::<Vec<_>>(), [(2, &[1, 3][..])]);
    assert_eq!(r.reason[2], Reason::Clock as u8);
    assert_eq!(r.owner[3], 3);
}

#[test]
fn a_tier_adds_every_page_it_may_hold() {
    // Two edges share a tier (one key); every miss may be the tier's copy. The first
    // miss is its own page (the tier was empty); the second may be the first's; the
    // hit at the second edge's store is the second's page, whichever it was.
    let lo = [0, 5 * S, 6 * S];
    let node_key = [0u32, 1, 1];
    let tier_key = [0u32, 0, 0];
    let source = [OriginOrTier, OriginOrTier, NodeOrTier];
    let fill = [Stored, Stored, NotStored];
    let owner = [1u32, 2, 3];
    let r = resolve(
        &Rows {
            lo: &lo,
            node_key: &node_key,
            tier_key: &tier_key,
            source: &source,
            fill: &fill,
            owner: &owner,
        },
        &rule(S, true),
    );
    assert_eq!(r.attribution[0], Attribution::Origin as u8);
    assert_eq!(
        r.candidates.iter().collect::<Vec<_>>(),
        [(1, &[1, 2][..]), (2, &[1, 2][..])]
    );
    assert_eq!(r.reason[2], Reason::Tier as u8);
}

#[test]
fn too_many_candidates_are_not_named() {
    let rows: Vec<(i64, Source, Fill, u32)> = (0..5)
        .map(|i| (i * 10 * S, OriginOrTier, Stored, i as u32))
        .chain([(45 * S, Tier, NotStored, 99)])
        .collect();
    let r = run(
        &rows,
        Rule {
            cap: 3,
            ..rule(S, true)
        },
    );
    assert_eq!(r.reason[5], Reason::TooMany as u8);
    let bounded = run(
        &rows,
        Rule {
            cap: 3,
            max_age: Some(15 * S),
            ..rule(S, true)
        },
    );
    assert_eq!(bounded.candidates.of(5), Some(&[3, 4][..]));
}

#[test]
fn a_removal_empties_the_store() {
    let r = run(
        &[
            (0, Origin, Stored, 1),
            (S, Origin, Removed, 2),
            (2 * S, Node, NotStored, 3),
        ],
        rule(0, false),
    );
    assert_eq!(r.attribution[2], Attribution::Unattributed as u8);
}

proptest::proptest! {
    /// Galloping from any start, forwards or back, ends where a binary search does.
    #[test]
    fn galloping_finds_what_a_binary_search_finds(
        mut at in proptest::collection::vec(-50i64..50, 0..40),
        from in 0usize..45,
        cut in -55i64..55,
    ) {
        at.sort_unstable();
        let expected = at.partition_point(|&f| f < cut);
        proptest::prop_assert_eq!(gallop(&at, from, |&f| f < cut), expected);
        proptest::prop_assert_eq!(gallop_back(&at, |&f| f < cut), expected);
    }
}
