//! Applying fixes to source text.

use std::path::Path;

use crate::RuleMatch;

/// The result of applying fixes to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixedSource {
    /// The new text.
    pub text: String,
    /// How many fixes were applied.
    pub applied: usize,
    /// How many were skipped because they overlap an earlier fix.
    pub skipped_overlapping: usize,
}

/// Apply the `fix` of every match that has one to `source`.
///
/// Matches are taken in source order; a fix whose range overlaps one
/// already applied is skipped (as Semgrep does), so the result never
/// interleaves two replacements.
pub fn apply_fixes<'a>(
    source: &str,
    matches: impl IntoIterator<Item = &'a RuleMatch>,
) -> FixedSource {
    let mut fixes: Vec<(usize, usize, &str)> = matches
        .into_iter()
        .filter_map(|m| m.fix.as_deref().map(|f| (m.start.offset, m.end.offset, f)))
        .filter(|(s, e, _)| s <= e && *e <= source.len())
        .collect();
    fixes.sort_by_key(|(s, e, _)| (*s, *e));
    let mut out = String::with_capacity(source.len());
    let mut cursor = 0;
    let (mut applied, mut skipped) = (0, 0);
    for (start, end, replacement) in fixes {
        if start < cursor || !source.is_char_boundary(start) || !source.is_char_boundary(end) {
            skipped += 1;
            continue;
        }
        out.push_str(&source[cursor..start]);
        out.push_str(replacement);
        cursor = end;
        applied += 1;
    }
    out.push_str(&source[cursor..]);
    FixedSource {
        text: out,
        applied,
        skipped_overlapping: skipped,
    }
}

/// A unified diff between two versions of `path`.
pub fn unified_diff(path: &Path, before: &str, after: &str) -> String {
    let name = path.display().to_string();
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(2)
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_string()
}

/// Replace the file at `path` with `text` atomically: write a temporary
/// file beside it, keep its permissions, then rename over the original.
pub fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.rsolv-{}.tmp", std::process::id()));
    std::fs::write(&tmp, text)?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&tmp, meta.permissions());
    }
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsolv_core::{Position, Severity};
    use std::collections::BTreeMap;

    fn m(start: usize, end: usize, fix: &str) -> RuleMatch {
        RuleMatch {
            rule_id: "r".into(),
            path: "a.py".into(),
            start: Position::new(1, start + 1, start),
            end: Position::new(1, end + 1, end),
            message: String::new(),
            severity: Severity::Error,
            lines: String::new(),
            matched: String::new(),
            fix: Some(fix.into()),
            metavars: BTreeMap::new(),
            dataflow_trace: None,
        }
    }

    #[test]
    fn applies_in_order_and_skips_overlaps() {
        let src = "aaa bbb ccc";
        let fixed = apply_fixes(src, &[m(8, 11, "C"), m(0, 3, "A"), m(1, 5, "X")]);
        assert_eq!(fixed.text, "A bbb C");
        assert_eq!((fixed.applied, fixed.skipped_overlapping), (2, 1));
    }

    #[test]
    fn diff_names_the_file() {
        let diff = unified_diff(Path::new("x.py"), "a\nb\n", "a\nc\n");
        assert!(
            diff.contains("--- a/x.py") && diff.contains("-b") && diff.contains("+c"),
            "{diff}"
        );
    }

    #[test]
    fn atomic_write_replaces_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.txt");
        std::fs::write(&path, "old").unwrap();
        write_atomically(&path, "new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
