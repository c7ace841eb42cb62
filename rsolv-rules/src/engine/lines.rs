//! Byte offsets to lines and columns, in O(log n) per lookup.

use rsolv_core::Position;

/// Start offsets of every line of a text.
#[derive(Debug)]
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub(crate) fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Self { starts }
    }

    /// The 1-based line and column (in bytes) of `offset`.
    pub(crate) fn position(&self, offset: usize) -> Position {
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        Position::new(line, offset - self.starts[line - 1] + 1, offset)
    }

    /// The full lines covering `start..end`, without the final newline.
    pub(crate) fn lines<'a>(&self, text: &'a str, start: usize, end: usize) -> &'a str {
        let first = self.position(start).line;
        let last = self.position(end.saturating_sub(1).max(start)).line;
        let from = self.starts[first - 1];
        let to = self
            .starts
            .get(last)
            .map_or(text.len(), |&s| s.saturating_sub(1));
        text.get(from..to.max(from))
            .unwrap_or("")
            .trim_end_matches('\r')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_core_positions() {
        let text = "a = 1\nbb = f(x)\n\nlast";
        let index = LineIndex::new(text);
        for offset in 0..=text.len() {
            assert_eq!(
                index.position(offset),
                Position::from_offset(text, offset),
                "{offset}"
            );
        }
        assert_eq!(index.lines(text, 8, 10), "bb = f(x)");
        assert_eq!(index.lines(text, 0, 12), "a = 1\nbb = f(x)");
        assert_eq!(index.lines(text, 18, 20), "last");
    }
}
