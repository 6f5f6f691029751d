//! `generate --cdn`: the synthetic incident as a CDN logged it. Every request goes through a
//! simulated cache, so whose page each response carried is known: the truth the derivation
//! is tested against.
//!
//! The cache keys on the normalised path (query ignored: `--cache-key path`). Public pages
//! are cached for a minute. Personal pages are passed to the origin (`PASS`), except during
//! the leak window, when the misconfiguration makes them cacheable for zero seconds with
//! request collapsing (Mercari, 2017); in a vendor's log it reaches each node, and is
//! rolled back from it, at a minute of its own (`NODE_LEAK_MINUTES`): a request that arrives while the origin is building
//! someone's page for the same key is answered with that page when it is ready (`HIT`).
//! Responses are logged when served; a collapsed response is served at the same instant as
//! the origin response it shares. For a vendor format each request goes to one of a few
//! nodes, each with its own cache (keyed by node and path), and a node that misses asks a
//! shared tier (a regional cache, a shield, an upper tier, a cache parent) before the
//! origin: the tier answers with its copy (collapsing on a fetch in flight, as the nodes
//! do) or fetches the page for the request that reached it. Some requests to personal
//! pages are POSTs, which no cache stores. The requests are the same whatever the nodes.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::fmt::Write as _;

use anyhow::Result;
use polars::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::stream::{Arrivals, Keyed};
use super::{request_path, skewed_user, user_id, Spec, LEAK_END, LEAK_START};
use crate::frame::names::{CACHE_STATUS, OWNER_ID, VIEWER_ID};
use crate::frame::utc_micros;
use crate::frame::OrBug;
use crate::inventory::normalise_path;

/// How long public pages stay fresh in the cache.
const PUBLIC_TTL_US: i64 = 60_000_000;
/// Origin render time: 20 to 400 ms.
const LATENCY_MS: std::ops::Range<i64> = 20..401;

/// A cache entry: the origin response it holds.
struct Entry {
    /// Index of the origin response (its request id), and when its request arrived.
    origin: usize,
    origin_arrival: i64,
    /// When the origin response was served (the page is ready).
    ready: i64,
    fresh_until: i64,
    owner: Option<String>,
}

impl Entry {
    /// Whether a request arriving at `at` or later can still be answered from it (in
    /// flight or fresh); an entry past that is never read again.
    fn live(&self, at: i64) -> bool {
        at < self.ready.max(self.fresh_until)
    }
}

/// One served response.
pub(super) struct Response {
    /// When it was served (UTC µs, whole milliseconds).
    pub served: i64,
    /// Arrival of the request the origin rendered, then of this request: orders responses
    /// served at the same instant (an origin before the responses collapsed onto it).
    origin_arrival: i64,
    pub arrival: i64,
    pub path: String,
    pub viewer: String,
    pub owner: Option<String>,
    /// `MISS`, `PASS` (rendered by the origin), `HIT` (served from the node's cache) or
    /// `TIER` (from the shared tier's copy).
    pub status: &'static str,
    /// `GET`, or `POST` (never cached).
    pub method: &'static str,
    origin: usize,
    /// The cache node (POP) that served it; 0 when there is one cache.
    pub node: usize,
}

impl Response {
    /// The order responses are served in: by time served; at one instant, origin responses
    /// in the order their requests arrived, each followed by the responses collapsed onto
    /// it (then by arrival, then by request).
    fn key(&self, index: usize) -> (i64, i64, bool, i64, usize) {
        (
            self.served,
            self.origin_arrival,
            matches!(self.status, "HIT" | "TIER"),
            self.arrival,
            index,
        )
    }
}

/// A response waiting to be handed out in the order served.
type Waiting = Keyed<(i64, i64, bool, i64, usize), Response>;

/// The longest a response is served after its request arrived: the origin's render time
/// and a hop to the tier (a collapsed or tier response waits on a fetch that began no
/// earlier than its own request).
pub(super) const MAX_WAIT_US: i64 = (LATENCY_MS.end + HOP_MS.end) * 1000;

/// How often (log time) the caches drop the entries no request can read any more.
const SWEEP_US: i64 = 10_000_000;

/// Salt of the random stream that picks each request's node, so that the requests are the
/// same whatever the number of nodes.
const NODE_SALT: u64 = 0x4e4f_4445_5f50_4f50;

/// Salt of the stream that picks POSTs and the tier's hop, drawn only for a vendor's log
/// (the contract CDN log is as it was).
const TIER_SALT: u64 = 0x5449_4552_5f48_4f50;

/// A node's round trip to the shared tier: 2 to 30 ms.
const HOP_MS: std::ops::Range<i64> = 2..31;

/// In a vendor's log the misconfiguration reaches the nodes one after another and the
/// rollback does too: node `i`'s leak runs from `LEAK_START` plus `NODE_LEAK_MINUTES[i].0`
/// minutes to `LEAK_END` less `.1` minutes (a node past the last counts from the first).
/// The contract CDN log has one cache and the whole window.
pub(crate) const NODE_LEAK_MINUTES: [(i64, i64); 3] = [(0, 9), (7, 1), (13, 4)];

/// Node `node`'s leak window (µs); `vendor`: the nodes' own, else the whole window.
pub(crate) fn node_leak(node: usize, vendor: bool) -> std::ops::Range<i64> {
    let (late, early) = match vendor {
        true => NODE_LEAK_MINUTES[node % NODE_LEAK_MINUTES.len()],
        false => (0, 0),
    };
    (LEAK_START + late * 60) * 1_000_000..(LEAK_END - early * 60) * 1_000_000
}

/// The cache simulated over `spec.rows` requests, in pieces: the exposure log (the truth:
/// `ts, path, owner_id, viewer_id`) and the CDN log (`ts, path, viewer_id, cache_status,
/// origin_request_id`), row for row in the same order, `chunk` rows at a time.
pub(super) fn simulate(
    spec: &Spec,
    rng: &mut ChaCha8Rng,
    chunk: usize,
    mut write: impl FnMut(DataFrame, DataFrame) -> Result<()>,
) -> Result<()> {
    let mut server = Server::new(spec, rng, 1, false);
    loop {
        let responses: Vec<Response> = server.by_ref().take(chunk).collect();
        let last = responses.len() < chunk;
        let (exposure, cdn) = frames(&responses)?;
        write(exposure, cdn)?;
        if last {
            return Ok(());
        }
    }
}

/// The requests served through `nodes` caches (one per node, keyed by node and normalised
/// path), handed out in the order served; each request goes to a node drawn from its own
/// seeded stream. With `vendor`, the nodes share a tier and some requests are POSTs. Only
/// the entries a request can still read and the responses not yet handed out are held.
pub(super) struct Server<'r> {
    rng: &'r mut ChaCha8Rng,
    users: u32,
    nodes: usize,
    vendor: bool,
    arrivals: std::iter::Peekable<Arrivals>,
    leaks: Vec<std::ops::Range<i64>>,
    node_rng: ChaCha8Rng,
    tier_rng: ChaCha8Rng,
    cache: HashMap<(usize, String), Entry>,
    tier: HashMap<String, Entry>,
    /// Requests taken so far (the next one's index).
    index: usize,
    next_sweep: i64,
    waiting: BinaryHeap<Reverse<Waiting>>,
    path: String,
}

impl<'r> Server<'r> {
    pub(super) fn new(spec: &Spec, rng: &'r mut ChaCha8Rng, nodes: usize, vendor: bool) -> Self {
        let arrivals = Arrivals::draw(spec.rows, rng);
        Server {
            rng,
            users: spec.users,
            nodes,
            vendor,
            arrivals: arrivals.peekable(),
            leaks: (0..nodes).map(|n| node_leak(n, vendor)).collect(),
            node_rng: ChaCha8Rng::seed_from_u64(spec.seed ^ NODE_SALT),
            tier_rng: ChaCha8Rng::seed_from_u64(spec.seed ^ TIER_SALT),
            cache: HashMap::new(),
            tier: HashMap::new(),
            index: 0,
            next_sweep: i64::MIN,
            waiting: BinaryHeap::new(),
            path: String::with_capacity(64),
        }
    }

    /// Serves the request arriving at `arrival`.
    fn serve_request(&mut self, arrival: i64) -> Response {
        if arrival >= self.next_sweep {
            self.cache.retain(|_, e| e.live(arrival));
            self.tier.retain(|_, e| e.live(arrival));
            self.next_sweep = arrival + SWEEP_US;
        }
        let (index, vendor, nodes) = (self.index, self.vendor, self.nodes);
        self.index += 1;
        let rng = &mut *self.rng;
        let requester = skewed_user(rng, self.users);
        let path = &mut self.path;
        let public = request_path(rng, self.users, requester, path);
        // Who asked: personal pages only their logged-in user (a logged-out visitor is sent
        // to the login page, another URL); public pages anyone, a logged-out session or
        // an unidentified visitor too. The origin renders the page for whoever asked.
        let mut viewer = String::new();
        match rng.gen_range(0..10) {
            0..=6 => user_id(&mut viewer, requester),
            _ if !public => user_id(&mut viewer, requester),
            7 | 8 => {
                let _ = write!(viewer, "s-{:016x}", rng.gen::<u64>());
            }
            _ => {}
        }
        let own = (!viewer.is_empty()).then(|| viewer.clone());
        let latency = rng.gen_range(LATENCY_MS) * 1000;
        let node = if nodes > 1 {
            self.node_rng.gen_range(0..nodes)
        } else {
            0
        };
        let key = (node, normalise_path(path).into_owned());
        let cacheable = public || self.leaks[node].contains(&arrival);
        let post = vendor && !public && self.tier_rng.gen_ratio(1, 40);
        let hop = if vendor {
            self.tier_rng.gen_range(HOP_MS) * 1000
        } else {
            0
        };
        let response = |served, origin_arrival, owner, status, origin| Response {
            served,
            origin_arrival,
            arrival,
            path: path.clone(),
            viewer: viewer.clone(),
            owner,
            status,
            method: if post { "POST" } else { "GET" },
            origin,
            node,
        };
        if post {
            // A form sent to a personal page: past every cache, to the origin.
            return response(arrival + latency, arrival, own, "PASS", index);
        }
        let entry = self.cache.get(&key);
        // A fetch in flight takes every request for its key, whatever the configuration
        // says by now: the collapsed requests are already waiting on it.
        if let Some(e) = entry.filter(|e| arrival < e.ready) {
            return response(e.ready, e.origin_arrival, e.owner.clone(), "HIT", e.origin);
        }
        if !cacheable {
            return response(arrival + latency, arrival, own, "PASS", index);
        }
        if let Some(e) = entry.filter(|e| arrival < e.fresh_until) {
            return response(arrival, e.origin_arrival, e.owner.clone(), "HIT", e.origin);
        }
        let ttl = if public { PUBLIC_TTL_US } else { 0 };
        // The node missed: the shared tier's copy (in flight or fresh), else the origin.
        let from_tier = self
            .tier
            .get(&key.1)
            .filter(|t| vendor && nodes > 1 && arrival < t.fresh_until.max(t.ready))
            .map(|t| {
                let ready = t.ready.max(arrival + hop);
                (t.origin, t.origin_arrival, ready, t.owner.clone())
            });
        if let Some((origin, origin_arrival, ready, owner)) = from_tier {
            let filled = Entry {
                origin,
                origin_arrival,
                ready,
                fresh_until: ready + ttl,
                owner: owner.clone(),
            };
            self.cache.insert(key, filled);
            return response(ready, origin_arrival, owner, "TIER", origin);
        }
        let ready = arrival + latency + hop;
        let filled = Entry {
            origin: index,
            origin_arrival: arrival,
            ready,
            fresh_until: ready + ttl,
            owner: own.clone(),
        };
        if vendor && nodes > 1 {
            let copy = Entry {
                owner: own.clone(),
                ..filled
            };
            self.tier.insert(key.1.clone(), copy);
        }
        self.cache.insert(key, filled);
        response(ready, arrival, own, "MISS", index)
    }
}

impl Iterator for Server<'_> {
    type Item = Response;

    /// The next response served. A response is served no earlier than its request arrived,
    /// so one served before the next arrival is the next in order.
    fn next(&mut self) -> Option<Response> {
        loop {
            let next_arrival = self.arrivals.peek().copied();
            if let Some(Reverse(top)) = self.waiting.peek() {
                if next_arrival.is_none_or(|a| top.key.0 < a) {
                    return self.waiting.pop().map(|Reverse(w)| w.value);
                }
            }
            let arrival = self.arrivals.next()?;
            let index = self.index;
            let response = self.serve_request(arrival);
            self.waiting.push(Reverse(Waiting {
                key: response.key(index),
                value: response,
            }));
        }
    }
}

/// The exposure log's and the CDN log's rows of `responses` (in the order served).
fn frames(responses: &[Response]) -> Result<(DataFrame, DataFrame)> {
    let rows = responses.len();
    let ts: Vec<i64> = responses.iter().map(|r| r.served).collect();
    let ts = Int64Chunked::from_vec("ts".into(), ts)
        .into_series()
        .cast(&utc_micros())
        .or_bug()?;
    let mut paths = StringChunkedBuilder::new("path".into(), rows);
    let mut owners = StringChunkedBuilder::new(OWNER_ID.into(), rows);
    let mut viewers = StringChunkedBuilder::new(VIEWER_ID.into(), rows);
    let mut statuses = StringChunkedBuilder::new(CACHE_STATUS.into(), rows);
    let mut origins = StringChunkedBuilder::new("origin_request_id".into(), rows);
    let mut id = String::with_capacity(12);
    for r in responses {
        paths.append_value(&r.path);
        owners.append_value(r.owner.as_deref().unwrap_or(""));
        viewers.append_value(&r.viewer);
        statuses.append_value(r.status);
        id.clear();
        let _ = write!(id, "r{:010}", r.origin);
        origins.append_value(&id);
    }
    let paths = paths.finish().into_series();
    let viewers = viewers.finish().into_series();
    let exposure = DataFrame::new(
        rows,
        vec![
            ts.clone().into(),
            paths.clone().into(),
            owners.finish().into_series().into(),
            viewers.clone().into(),
        ],
    )
    .or_bug()?;
    let cdn = DataFrame::new(
        rows,
        vec![
            ts.into(),
            paths.into(),
            viewers.into(),
            statuses.finish().into_series().into(),
            origins.finish().into_series().into(),
        ],
    )
    .or_bug()?;
    Ok((exposure, cdn))
}
