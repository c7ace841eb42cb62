//! Where a fix changed the code: line hunks narrowed to the bytes that
//! differ.

use std::ops::Range;

use serde::Serialize;
use similar::{DiffTag, TextDiff};

/// One changed region of a fix, as byte ranges in the vulnerable and the
/// fixed text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangedRegion {
    /// The bytes of the vulnerable text that the fix replaced (may be empty
    /// for a pure insertion).
    pub before: Range<usize>,
    /// The bytes of the fixed text that replaced them (may be empty for a
    /// pure deletion).
    pub after: Range<usize>,
    /// The whole lines of the vulnerable text the hunk touches.
    pub before_lines: Range<usize>,
    /// The whole lines of the fixed text the hunk touches.
    pub after_lines: Range<usize>,
}

impl ChangedRegion {
    /// Map an offset of the vulnerable text near this region (on its lines)
    /// to the fixed text.
    pub fn map_offset(&self, offset: usize) -> usize {
        if offset <= self.before.start {
            (offset + self.after.start).saturating_sub(self.before.start)
        } else if offset >= self.before.end {
            (offset + self.after.end).saturating_sub(self.before.end)
        } else {
            self.after.start
        }
    }
}

/// The changed regions between `before` and `after`, in order.
///
/// Lines are diffed first (Myers, as `git diff` does), then each hunk is
/// narrowed to the bytes that differ by stripping its common prefix and
/// suffix, so `yaml.load(x)` → `yaml.safe_load(x)` changes just `load`.
pub fn changed_regions(before: &str, after: &str) -> Vec<ChangedRegion> {
    let diff = TextDiff::from_lines(before, after);
    let old_starts = line_starts(before);
    let new_starts = line_starts(after);
    let mut regions: Vec<ChangedRegion> = Vec::new();
    for op in diff.ops() {
        if op.tag() == DiffTag::Equal {
            continue;
        }
        let (old, new) = (op.old_range(), op.new_range());
        let before_lines = old_starts[old.start]..old_starts[old.end];
        let after_lines = new_starts[new.start]..new_starts[new.end];
        // Adjacent ops (a delete then an insert) form one hunk.
        if let Some(last) = regions.last_mut()
            && last.before_lines.end == before_lines.start
            && last.after_lines.end == after_lines.start
        {
            last.before_lines.end = before_lines.end;
            last.after_lines.end = after_lines.end;
            continue;
        }
        regions.push(ChangedRegion {
            before: before_lines.clone(),
            after: after_lines.clone(),
            before_lines,
            after_lines,
        });
    }
    for region in &mut regions {
        narrow(before, after, region);
    }
    regions
}

/// Strip the common prefix and suffix of the hunk's two sides, then any
/// whitespace left at the edges.
fn narrow(before: &str, after: &str, region: &mut ChangedRegion) {
    let old = &before[region.before_lines.clone()];
    let new = &after[region.after_lines.clone()];
    let prefix = common_prefix(old, new);
    let suffix = common_suffix(&old[prefix..], &new[prefix..]);
    let mut b = region.before_lines.start + prefix..region.before_lines.end - suffix;
    let mut a = region.after_lines.start + prefix..region.after_lines.end - suffix;
    trim(before, &mut b);
    trim(after, &mut a);
    region.before = b;
    region.after = a;
}

fn trim(text: &str, range: &mut Range<usize>) {
    let slice = &text[range.clone()];
    let lead = slice.len() - slice.trim_start().len();
    if lead == slice.len() {
        range.end = range.start;
        return;
    }
    let tail = slice.len() - slice.trim_end().len();
    range.start += lead;
    range.end -= tail;
}

fn common_prefix(a: &str, b: &str) -> usize {
    a.char_indices()
        .zip(b.chars())
        .find(|((_, x), y)| x != y)
        .map_or(a.len().min(b.len()), |((i, _), _)| i)
}

fn common_suffix(a: &str, b: &str) -> usize {
    let mut n = 0;
    for (x, y) in a.chars().rev().zip(b.chars().rev()) {
        if x != y {
            break;
        }
        n += x.len_utf8();
    }
    n
}

/// Byte offsets where each line starts, plus the text's length.
fn line_starts(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    if starts.last() != Some(&text.len()) {
        starts.push(text.len());
    }
    starts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrows_to_the_changed_bytes() {
        let before = "import yaml\ncfg = yaml.load(data)\nprint(cfg)\n";
        let after = "import yaml\ncfg = yaml.safe_load(data)\nprint(cfg)\n";
        let regions = changed_regions(before, after);
        assert_eq!(regions.len(), 1);
        let r = &regions[0];
        // The shortest change: `safe_` inserted before `load`.
        assert!(r.before.is_empty());
        assert_eq!(&before[..r.before.start], "import yaml\ncfg = yaml.");
        assert_eq!(&after[r.after.clone()], "safe_");
        assert_eq!(&before[r.before_lines.clone()], "cfg = yaml.load(data)\n");
        let end = before.find("(data)").unwrap();
        assert_eq!(&after[r.map_offset(end)..], "(data)\nprint(cfg)\n");
    }

    #[test]
    fn separate_hunks_and_insertions() {
        let before = "a(1)\nb\nc\nd\ne(2)\n";
        let after = "a(1, x)\nb\nc\nd\ne(3)\n";
        let regions = changed_regions(before, after);
        assert_eq!(regions.len(), 2);
        assert_eq!(regions[0].before, 3..3);
        assert_eq!(&after[regions[0].after.clone()], ", x");
        assert_eq!(&before[regions[1].before.clone()], "2");
        assert!(changed_regions("same\n", "same\n").is_empty());
        // A file without a final newline.
        let r = changed_regions("f(a)", "g(a)");
        assert_eq!(r[0].before, 0..1);
    }
}
