//! Line and column numbers for key paths in a YAML document.
//!
//! `serde_yaml` keeps no positions once a document is a `Value`, so the
//! file is read a second time with `yaml-rust2`'s event parser, recording
//! where each node starts under its key path (`rules[3].patterns[1]`).

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// A 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Pos {
    pub(crate) line: usize,
    pub(crate) col: usize,
}

/// Positions of the nodes of one YAML document, by key path.
///
/// A mapping entry is recorded at its key, a sequence item at its first
/// character.
#[derive(Debug, Clone, Default)]
pub(crate) struct SourceMap {
    positions: HashMap<String, Pos>,
}

impl SourceMap {
    /// Map the first document of `source`. A document `yaml-rust2` cannot
    /// read gives an empty map: positions then fall back to 0.
    pub(crate) fn new(source: &str) -> Self {
        let mut builder = Builder::default();
        let mut parser = Parser::new_from_str(source);
        // A parse error leaves the positions recorded so far, which is the
        // most that can be said about a broken document.
        let _ = parser.load(&mut builder, false);
        Self {
            positions: builder.positions,
        }
    }

    /// The position of `path`, or of its nearest recorded ancestor.
    pub(crate) fn lookup(&self, path: &str) -> Pos {
        let mut current = path;
        loop {
            if let Some(pos) = self.positions.get(current) {
                return *pos;
            }
            match parent(current) {
                Some(up) => current = up,
                None => return Pos::default(),
            }
        }
    }
}

/// `a.b[2]` → `a.b`, `a.b` → `a`, `a` → ``.
fn parent(path: &str) -> Option<&str> {
    if path.is_empty() {
        return None;
    }
    let cut = path.rfind(['.', '[']).unwrap_or(0);
    Some(&path[..cut])
}

/// Append a mapping key to a path.
pub(crate) fn child_key(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// Append a sequence index to a path.
pub(crate) fn child_index(path: &str, index: usize) -> String {
    format!("{path}[{index}]")
}

#[derive(Debug)]
enum Frame {
    Map {
        path: String,
        key: Option<String>,
        /// Record the map's own position at its first key: for a block
        /// mapping yaml-rust2 marks the start event after the first key.
        locate_at_first_key: bool,
    },
    Seq {
        path: String,
        next: usize,
    },
}

#[derive(Debug, Default)]
struct Builder {
    stack: Vec<Frame>,
    positions: HashMap<String, Pos>,
    root_seen: bool,
}

impl Builder {
    fn record(&mut self, path: String, mark: Marker) {
        // yaml-rust2 counts lines from 1 and columns from 0.
        let pos = Pos {
            line: mark.line(),
            col: mark.col() + 1,
        };
        self.positions.entry(path).or_insert(pos);
    }

    /// Called for every node; returns the path of the node when it is a
    /// value (as opposed to a mapping key).
    fn place_node(&mut self, mark: Marker, scalar: Option<&str>, is_map: bool) -> Option<String> {
        match self.stack.last_mut() {
            None => {
                if self.root_seen {
                    return None;
                }
                self.root_seen = true;
                Some(String::new())
            }
            Some(Frame::Seq { path, next }) => {
                let child = child_index(path, *next);
                *next += 1;
                if !is_map {
                    self.record(child.clone(), mark);
                }
                Some(child)
            }
            Some(Frame::Map {
                path,
                key,
                locate_at_first_key,
            }) => match key.take() {
                Some(key) => Some(child_key(path, &key)),
                None => {
                    // A key: complex (non-scalar) keys get a placeholder.
                    let name = scalar.unwrap_or("?").to_owned();
                    let child = child_key(path, &name);
                    let own = std::mem::take(locate_at_first_key).then(|| path.clone());
                    *key = Some(name);
                    self.record(child, mark);
                    if let Some(own) = own {
                        self.record(own, mark);
                    }
                    None
                }
            },
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::Scalar(value, ..) => {
                self.place_node(mark, Some(&value), false);
            }
            Event::Alias(_) => {
                self.place_node(mark, Some("*"), false);
            }
            Event::MappingStart(..) => {
                let path = self.place_node(mark, None, true).unwrap_or_default();
                self.stack.push(Frame::Map {
                    path,
                    key: None,
                    locate_at_first_key: true,
                });
            }
            Event::SequenceStart(..) => {
                let path = self.place_node(mark, None, false).unwrap_or_default();
                self.stack.push(Frame::Seq { path, next: 0 });
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

    const DOC: &str = "\
rules:
  - id: first
    patterns:
      - pattern: foo()
      - pattern-regex: 'a+'
  - id: second
    languages: [python, go]
";

    #[test]
    fn records_keys_and_items() {
        let map = SourceMap::new(DOC);
        assert_eq!(map.lookup("rules"), Pos { line: 1, col: 1 });
        assert_eq!(map.lookup("rules[0]"), Pos { line: 2, col: 5 });
        assert_eq!(map.lookup("rules[0].patterns"), Pos { line: 3, col: 5 });
        assert_eq!(map.lookup("rules[0].patterns[1]"), Pos { line: 5, col: 9 });
        assert_eq!(
            map.lookup("rules[0].patterns[1].pattern-regex"),
            Pos { line: 5, col: 9 }
        );
        assert_eq!(map.lookup("rules[1].id"), Pos { line: 6, col: 5 });
        assert_eq!(
            map.lookup("rules[1].languages[1]"),
            Pos { line: 7, col: 25 }
        );
    }

    #[test]
    fn unknown_paths_fall_back_to_ancestors() {
        let map = SourceMap::new(DOC);
        assert_eq!(map.lookup("rules[1].message"), Pos { line: 6, col: 5 });
        assert_eq!(map.lookup("nothing.here"), Pos { line: 1, col: 1 });
    }

    #[test]
    fn parent_paths() {
        assert_eq!(parent("a.b[2]"), Some("a.b"));
        assert_eq!(parent("a.b"), Some("a"));
        assert_eq!(parent("a"), Some(""));
        assert_eq!(parent(""), None);
    }
}
