//! `stores`'s tests, in a file of their own to keep `stores.rs` under 700 lines.

use super::*;
use std::ops::Range;

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
            earlier: &[],
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
            earlier: &[],
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

/// Random rows of a few nodes sharing a few keys, in time order with ties, every source
/// and fill among them.
/// A random row: (lo, node store, tier store, source, fill, owner).
type Random = (i64, u32, u32, Source, Fill, u32);

fn random_rows(seed: u64) -> Vec<Random> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let n = rng.gen_range(1..160);
    let mut lo = 0i64;
    (0..n)
        .map(|_| {
            // Often the same instant, else a step of up to ten clock widths.
            if rng.gen_bool(0.7) {
                lo += rng.gen_range(0..10);
            }
            let key = rng.gen_range(0..3u32);
            let node = rng.gen_range(0..3u32);
            let source = Source::ALL[rng.gen_range(0..Source::ALL.len())];
            let fill = Fill::ALL[rng.gen_range(0..Fill::ALL.len())];
            (
                lo,
                node * 3 + key,
                key,
                source,
                fill,
                rng.gen_range(0..6u32),
            )
        })
        .collect()
}

/// What `resolve` says of row `i`, to compare.
fn said(r: &Resolved, i: usize) -> (u32, i64, u8, bool, u8, Option<Vec<u32>>) {
    (
        r.owner[i],
        r.origin_ts[i],
        r.attribution[i],
        r.too_old[i],
        r.reason[i],
        r.candidates.of(i as IdxSize).map(<[u32]>::to_vec),
    )
}

#[test]
fn pieces_of_time_say_what_the_whole_says() {
    let mut cut = 0;
    for seed in 0..400u64 {
        let rows = random_rows(seed);
        let column = |f: fn(&Random) -> u32| -> Vec<u32> { rows.iter().map(f).collect() };
        let lo: Vec<i64> = rows.iter().map(|r| r.0).collect();
        let (node_key, tier_key, owner) = (column(|r| r.1), column(|r| r.2), column(|r| r.5));
        let source: Vec<Source> = rows.iter().map(|r| r.3).collect();
        let fill: Vec<Fill> = rows.iter().map(|r| r.4).collect();
        let all = |range: Range<usize>| Rows {
            lo: &lo[range.clone()],
            node_key: &node_key[range.clone()],
            tier_key: &tier_key[range.clone()],
            source: &source[range.clone()],
            fill: &fill[range.clone()],
            owner: &owner[range],
            earlier: &[],
        };
        let rule = Rule {
            width: [0, 3][seed as usize % 2],
            max_age: [None, Some(12)][seed as usize / 2 % 2],
            cap: [2, 100][seed as usize / 4 % 2],
            tiered: seed / 8 % 2 == 1,
        };
        let whole = resolve(&all(0..rows.len()), &rule);
        let size = [1, 4, 17][seed as usize / 16 % 3];
        let pieces = pieces(&all(0..rows.len()), &rule, size);
        assert_eq!(
            pieces.iter().map(|p| p.main.len()).sum::<usize>(),
            rows.len()
        );
        for piece in &pieces {
            cut += usize::from(piece.read.start > 0);
            let rows = Rows {
                earlier: &piece.earlier,
                ..all(piece.read.clone())
            };
            let part = resolve(&rows, &rule);
            for i in piece.main.clone() {
                assert_eq!(
                    said(&part, i - piece.read.start),
                    said(&whole, i),
                    "seed {seed}, row {i}, piece {piece:?}, {rule:?}"
                );
            }
        }
    }
    // The pieces did leave rows out: the test holds cuts, not only whole logs.
    assert!(cut > 1000, "{cut} pieces left earlier rows out");
}
