//! Positions in source files.

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// A point in a file: 1-based line and column, 0-based byte offset.
///
/// This is the shape of Semgrep's `start`/`end` objects (`line`, `col`,
/// `offset`), so it serializes straight into `semgrep --json` output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Position {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, counted in bytes as Semgrep does.
    pub col: usize,
    /// 0-based byte offset from the start of the file.
    pub offset: usize,
}

impl Position {
    /// A position from its three coordinates.
    pub const fn new(line: usize, col: usize, offset: usize) -> Self {
        Self { line, col, offset }
    }

    /// The position of byte `offset` in `text`.
    ///
    /// Offsets past the end are clamped to the end of the text.
    pub fn from_offset(text: &str, offset: usize) -> Self {
        let offset = offset.min(text.len());
        let before = &text.as_bytes()[..offset];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        Self {
            line,
            col: offset - line_start + 1,
            offset,
        }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// A half-open byte range `[start, end)` with its line/column coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Span {
    /// First position inside the span.
    pub start: Position,
    /// First position after the span.
    pub end: Position,
}

impl Span {
    /// A span between two positions.
    pub const fn new(start: Position, end: Position) -> Self {
        Self { start, end }
    }

    /// The span covering bytes `start..end` of `text`.
    pub fn from_offsets(text: &str, start: usize, end: usize) -> Self {
        Self {
            start: Position::from_offset(text, start),
            end: Position::from_offset(text, end),
        }
    }

    /// The byte range of the span.
    pub const fn byte_range(&self) -> std::ops::Range<usize> {
        self.start.offset..self.end.offset
    }

    /// Whether `other` lies entirely inside this span.
    pub const fn contains(&self, other: &Span) -> bool {
        self.start.offset <= other.start.offset && other.end.offset <= self.end.offset
    }
}

/// A span in a named file.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Location {
    /// The file, as given to the scanner (usually relative to the scan root).
    pub path: PathBuf,
    /// Where in the file.
    #[serde(flatten)]
    pub span: Span,
}

impl Location {
    /// A location from a path and a span.
    pub fn new(path: impl Into<PathBuf>, span: Span) -> Self {
        Self {
            path: path.into(),
            span,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.path.display(), self.span.start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn offsets_to_lines_and_columns() {
        let text = "ab\ncd\n\nef";
        assert_eq!(Position::from_offset(text, 0), Position::new(1, 1, 0));
        assert_eq!(Position::from_offset(text, 3), Position::new(2, 1, 3));
        assert_eq!(Position::from_offset(text, 4), Position::new(2, 2, 4));
        assert_eq!(Position::from_offset(text, 7), Position::new(4, 1, 7));
        assert_eq!(Position::from_offset(text, 99), Position::new(4, 3, 9));
    }

    #[test]
    fn location_serializes_in_semgrep_shape() {
        let loc = Location::new("a.py", Span::from_offsets("x = 1\n", 0, 5));
        let json = serde_json::to_value(&loc).unwrap_or_default();
        assert_eq!(json["start"]["line"], 1);
        assert_eq!(json["end"]["col"], 6);
        assert_eq!(json["end"]["offset"], 5);
        assert_eq!(json["path"], "a.py");
    }

    proptest! {
        #[test]
        fn position_agrees_with_line_split(text in "[a-z\n]{0,60}", at in 0usize..70) {
            let pos = Position::from_offset(&text, at);
            let at = at.min(text.len());
            let lines: Vec<&str> = text[..at].split('\n').collect();
            prop_assert_eq!(pos.line, lines.len());
            prop_assert_eq!(pos.col, lines.last().map_or(0, |l| l.len()) + 1);
        }
    }
}
