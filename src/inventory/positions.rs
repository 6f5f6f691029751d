//! Line and column of every node in a YAML document, keyed by its path
//! (`pages[2].fields[0]`, `fields.address`). serde_yaml reports positions only for
//! syntax and type errors; semantic checks (duplicate ids, undeclared fields) need them too.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

#[derive(Debug, Default)]
pub struct Positions {
    /// Position of the value at a path.
    values: HashMap<String, (usize, usize)>,
    /// Position of the key that introduces a mapping entry at a path.
    keys: HashMap<String, (usize, usize)>,
    /// Mapping keys given twice: (path, line, column) of the repeat.
    pub duplicate_keys: Vec<(String, usize, usize)>,
}

impl Positions {
    /// Indexes a document; a document the scanner rejects yields an empty index
    /// (serde_yaml reports that error with its own position).
    pub fn index(source: &str) -> Positions {
        let mut builder = Builder::default();
        let mut parser = Parser::new_from_str(source);
        if parser.load(&mut builder, false).is_err() {
            return Positions::default();
        }
        builder.positions
    }

    /// Where the key of a mapping entry is, or else where its value is.
    pub fn key(&self, path: &str) -> Option<(usize, usize)> {
        self.keys
            .get(path)
            .or_else(|| self.values.get(path))
            .copied()
    }

    /// Where a value is.
    pub fn value(&self, path: &str) -> Option<(usize, usize)> {
        self.values
            .get(path)
            .or_else(|| self.keys.get(path))
            .copied()
    }
}

enum Frame {
    Mapping {
        path: String,
        pending_key: Option<String>,
        seen: Vec<String>,
    },
    Sequence {
        path: String,
        next: usize,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    positions: Positions,
}

fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

impl Builder {
    /// Path of the node that starts now, consuming the parent's pending key or index.
    /// Returns None when the event is a mapping key rather than a value.
    fn next_path(&mut self, scalar: Option<&str>, mark: Marker) -> Option<String> {
        let here = (mark.line(), mark.col() + 1);
        match self.stack.last_mut() {
            None => Some(String::new()),
            Some(Frame::Sequence { path, next }) => {
                let p = format!("{path}[{next}]");
                *next += 1;
                Some(p)
            }
            Some(Frame::Mapping {
                path,
                pending_key,
                seen,
            }) => match pending_key.take() {
                Some(key) => Some(join(path, &key)),
                None => {
                    // A key. Non-scalar keys are not used by the inventory; index them as "?".
                    let key = scalar.unwrap_or("?").to_string();
                    let full = join(path, &key);
                    if seen.contains(&key) {
                        self.positions
                            .duplicate_keys
                            .push((full.clone(), here.0, here.1));
                    } else {
                        seen.push(key.clone());
                        self.positions.keys.insert(full, here);
                    }
                    *pending_key = Some(key);
                    None
                }
            },
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        let here = (mark.line(), mark.col() + 1);
        match event {
            Event::Scalar(value, ..) => {
                if let Some(path) = self.next_path(Some(&value), mark) {
                    self.positions.values.insert(path, here);
                }
            }
            Event::Alias(_) => {
                if let Some(path) = self.next_path(None, mark) {
                    self.positions.values.insert(path, here);
                }
            }
            Event::MappingStart(..) => {
                let path = self.next_path(None, mark).unwrap_or_default();
                self.positions.values.insert(path.clone(), here);
                self.stack.push(Frame::Mapping {
                    path,
                    pending_key: None,
                    seen: Vec::new(),
                });
            }
            Event::SequenceStart(..) => {
                let path = self.next_path(None, mark).unwrap_or_default();
                self.positions.values.insert(path.clone(), here);
                self.stack.push(Frame::Sequence { path, next: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_block_and_flow_nodes() {
        let doc = "version: 1\nfields:\n  name:\n    label: Name\npages:\n  - id: a\n    fields: [name, email]\n";
        let p = Positions::index(doc);
        assert_eq!(p.key("version"), Some((1, 1)));
        assert_eq!(p.key("fields.name"), Some((3, 3)));
        assert_eq!(p.value("pages[0].id"), Some((6, 9)));
        assert_eq!(p.value("pages[0].fields[1]"), Some((7, 20)));
    }

    #[test]
    fn reports_duplicate_keys() {
        let doc = "fields:\n  name: {}\n  name: {}\n";
        let p = Positions::index(doc);
        assert_eq!(p.duplicate_keys, vec![("fields.name".to_string(), 3, 3)]);
    }
}
