//! A cheap pass over the YAML events before deserialising: refuses documents nested
//! absurdly deep or whose aliases would expand without bound (a "YAML bomb"), which the
//! YAML crate would otherwise expand into memory. It reads events one at a time and stops
//! at the first excess, so its own cost is linear in the bytes read.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, Parser};

/// An inventory nests five levels at most (`notice.labels.ja.name`); 32 leaves room.
pub const MAX_DEPTH: usize = 32;

/// Nodes that aliases may add in all. A real inventory repeats a field list a few times;
/// a bomb repeats it millions of times.
pub const MAX_ALIAS_NODES: u64 = 100_000;

/// What is wrong, and where (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excess {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Checks depth and alias expansion. A syntax error is not reported here (the
/// deserialiser reports it with its own position), except the scanner's own limit on
/// flow nesting, which it meets while looking ahead, before the events arrive.
pub fn check(text: &str) -> Result<(), Excess> {
    let mut parser = Parser::new_from_str(text);
    // Per open collection: its anchor and the nodes it holds so far, aliases expanded.
    let mut open: Vec<(usize, u64)> = Vec::new();
    // Per anchor: the nodes of its value, aliases expanded.
    let mut sizes: HashMap<usize, u64> = HashMap::new();
    let mut from_aliases: u64 = 0;
    loop {
        let (event, mark) = match parser.next_token() {
            Ok(next) => next,
            Err(e) if e.info().contains("recursion limit") => {
                return Err(Excess {
                    line: e.marker().line(),
                    column: e.marker().col() + 1,
                    message: too_deep(),
                })
            }
            Err(_) => return Ok(()),
        };
        let at = |message: String| Excess {
            line: mark.line(),
            column: mark.col() + 1,
            message,
        };
        // The nodes this event completes, and the anchor they are recorded under.
        let (anchor, nodes) = match event {
            Event::StreamEnd => return Ok(()),
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if open.len() >= MAX_DEPTH {
                    return Err(at(too_deep()));
                }
                open.push((anchor, 1));
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match open.pop() {
                Some(done) => done,
                None => continue,
            },
            Event::Scalar(_, _, anchor, _) => (anchor, 1),
            Event::Alias(anchor) => {
                let nodes = sizes.get(&anchor).copied().unwrap_or(1);
                from_aliases = from_aliases.saturating_add(nodes);
                if from_aliases > MAX_ALIAS_NODES {
                    return Err(at(format!(
                        "aliases (*name) would expand to more than {MAX_ALIAS_NODES} nodes; refusing a document that grows without bound when read (a \"YAML bomb\")"
                    )));
                }
                (0, nodes)
            }
            _ => continue,
        };
        if anchor != 0 {
            sizes.insert(anchor, nodes);
        }
        if let Some((_, parent)) = open.last_mut() {
            *parent = parent.saturating_add(nodes);
        }
    }
}

fn too_deep() -> String {
    format!("nested deeper than {MAX_DEPTH} levels; an inventory needs five at most")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_few_aliases_are_fine() {
        let doc = "a: &f [x, y]\nb: *f\nc: *f\n";
        assert_eq!(check(doc), Ok(()));
    }

    #[test]
    fn refuses_exponential_aliases() {
        let mut doc = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let refs = vec![format!("*a{}", i - 1); 9].join(", ");
            doc.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let e = check(&doc).unwrap_err();
        assert!(e.message.contains("YAML bomb"), "{e:?}");
        // Refused at the alias that crosses the limit, long before the end.
        assert!(e.line <= 7, "{e:?}");
    }

    #[test]
    fn refuses_quadratic_aliases() {
        // One long list referenced by many pages: no nesting, but it multiplies.
        let list = vec!["q"; 2_000].join(", ");
        let mut doc = format!("pages:\n  - {{id: a, fields: &f [{list}]}}\n");
        for i in 0..100 {
            doc.push_str(&format!("  - {{id: p{i}, fields: *f}}\n"));
        }
        assert!(check(&doc).is_err());
    }

    #[test]
    fn refuses_deep_nesting_quickly() {
        let deep_block = format!("x:\n{}y\n", "- ".repeat(1_000));
        let e = check(&deep_block).unwrap_err();
        assert!(e.message.contains("nested deeper"), "{e:?}");
        assert_eq!((e.line, e.column), (2, 2 * MAX_DEPTH - 1));
        let depth = 1_000_000;
        let doc = format!("x: {}{}\n", "[".repeat(depth), "]".repeat(depth));
        let started = std::time::Instant::now();
        let e = check(&doc).unwrap_err();
        assert!(e.message.contains("nested deeper"), "{e:?}");
        assert_eq!(e.line, 1);
        assert!(started.elapsed().as_secs_f64() < 1.0);
    }
}
