//! The simulated responses as lines, in the order a format logs them, made as they are
//! served: each line's details (address, agent, transfer time, size) drawn in the order
//! served, then the lines reordered by the time logged within a window.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use anyhow::Result;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::{address, hash, logs_end, request_target, Line, AGENTS};
use crate::generate::cdn::{Response, Server, MAX_WAIT_US};
use crate::generate::stream::Keyed;
use crate::generate::GeneratedLog;

/// Share of responses whose viewer reads slowly (the end seconds after the page was ready),
/// and of those whose viewer hangs up mid-download, in thousandths.
const SLOW_PER_MILLE: u32 = 20;
const HUNG_UP_PER_MILLE: u32 = 10;

/// A response as a line, its details drawn from `rng` (in the order served).
fn line(r: Response, rng: &mut ChaCha8Rng) -> Line {
    let (stem, query) = request_target(&r.path);
    let (ip, agent) = match hash(&r.viewer) {
        Some(h) => (address(h), AGENTS[(h >> 40) as usize % AGENTS.len()]),
        None => (address(rng.gen()), AGENTS[rng.gen_range(0..AGENTS.len())]),
    };
    // Sending the page takes 1 to 40 ms; a slow viewer's, 1 to 8 s.
    let transfer = if rng.gen_ratio(SLOW_PER_MILLE, 1000) {
        rng.gen_range(1_000..8_000)
    } else {
        rng.gen_range(1..41)
    } * 1000;
    let end = r.served + transfer;
    Line {
        arrival: r.arrival,
        end,
        took: end - r.arrival,
        stem,
        query,
        viewer: r.viewer,
        owner: r.owner,
        status: r.status,
        method: r.method,
        node: r.node,
        ip,
        agent,
        bytes: rng.gen_range(4_000..40_000),
        hung_up: rng.gen_ratio(HUNG_UP_PER_MILLE, 1000),
    }
}

/// A line waiting to be handed out in the order its format logs them: the time logged,
/// then the place in the order served (the order of lines logged at one instant).
type Waiting = Keyed<(i64, u64), Line>;

/// The responses as lines, in the order the format logs them (stable: the lines of one
/// instant in the order they were served). A line is handed out once no later response
/// can be logged before it: a response ends after it is served, and is served at most
/// `MAX_WAIT_US` after its request arrived.
pub(super) struct Lines<'s, 'r> {
    served: Server<'s>,
    rng: &'r mut ChaCha8Rng,
    format: GeneratedLog,
    waiting: BinaryHeap<Reverse<Waiting>>,
    /// Lines taken so far.
    taken: u64,
    /// No line still to come is logged before this.
    floor: i64,
    done: bool,
}

impl<'s, 'r> Lines<'s, 'r> {
    pub(super) fn new(served: Server<'s>, rng: &'r mut ChaCha8Rng, format: GeneratedLog) -> Self {
        Lines {
            served,
            rng,
            format,
            waiting: BinaryHeap::new(),
            taken: 0,
            floor: i64::MIN,
            done: false,
        }
    }
}

impl Iterator for Lines<'_, '_> {
    type Item = Result<Line>;

    fn next(&mut self) -> Option<Result<Line>> {
        loop {
            if let Some(Reverse(top)) = self.waiting.peek() {
                if self.done || top.key.0 < self.floor {
                    return self.waiting.pop().map(|Reverse(w)| Ok(w.value));
                }
            }
            if self.done {
                return None;
            }
            let Some(response) = self.served.next() else {
                self.done = true;
                continue;
            };
            let served = response.served;
            let line = line(response, self.rng);
            let logged = line.logged(self.format);
            if logged < self.floor {
                return Some(Err(anyhow::anyhow!(
                    "internal error: a generated line is logged before one already written"
                )));
            }
            self.floor = if logs_end(self.format) {
                served
            } else {
                served - MAX_WAIT_US
            };
            self.waiting.push(Reverse(Waiting {
                key: (logged, self.taken),
                value: line,
            }));
            self.taken += 1;
        }
    }
}
