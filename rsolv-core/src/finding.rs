//! Findings and code fixes.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{Location, Severity, VulnClass};

/// One match of a rule in a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The id of the rule that matched (Semgrep's `check_id`).
    pub rule_id: String,
    /// Where it matched.
    pub location: Location,
    /// The rule's message, with metavariables interpolated.
    pub message: String,
    /// The rule's severity.
    pub severity: Severity,
    /// The source lines the match covers.
    pub lines: String,
    /// The replacement text proposed by the rule's `fix`, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// The vulnerability class, from the rule's metadata or the classifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vuln_class: Option<VulnClass>,
}

impl Finding {
    /// A stable fingerprint of the finding: SHA-256 over the rule id, the
    /// path and the matched lines with whitespace collapsed.
    ///
    /// It ignores the line number, so that a finding keeps its identity (and
    /// its triage state) when unrelated code above it moves.
    pub fn fingerprint(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(self.rule_id.as_bytes());
        hasher.update([0]);
        hasher.update(self.location.path.to_string_lossy().as_bytes());
        hasher.update([0]);
        for word in self.lines.split_whitespace() {
            hasher.update(word.as_bytes());
            hasher.update([b' ']);
        }
        let digest = hasher.finalize();
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// A change to one file: its content before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeFix {
    /// The file that changed.
    pub path: PathBuf,
    /// The content before the fix (the vulnerable version).
    pub before: String,
    /// The content after the fix.
    pub after: String,
}

impl CodeFix {
    /// A fix from a path and its two versions.
    pub fn new(
        path: impl Into<PathBuf>,
        before: impl Into<String>,
        after: impl Into<String>,
    ) -> Self {
        Self {
            path: path.into(),
            before: before.into(),
            after: after.into(),
        }
    }

    /// The language of the file, judged by its extension.
    pub fn language(&self) -> Option<crate::Language> {
        crate::Language::from_path(&self.path)
    }

    /// Whether the fix changes nothing.
    pub fn is_empty(&self) -> bool {
        self.before == self.after
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Position, Span};

    fn finding(line: usize, lines: &str) -> Finding {
        let start = Position::new(line, 1, 0);
        Finding {
            rule_id: "r".into(),
            location: Location::new("a.py", Span::new(start, start)),
            message: "m".into(),
            severity: Severity::Error,
            lines: lines.into(),
            fix: None,
            vuln_class: None,
        }
    }

    #[test]
    fn fingerprint_ignores_line_moves_and_whitespace() {
        let a = finding(3, "cursor.execute(q  + x)");
        let b = finding(30, "  cursor.execute(q + x)\n");
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_eq!(a.fingerprint().len(), 64);
        assert_ne!(
            a.fingerprint(),
            finding(3, "cursor.execute(q, x)").fingerprint()
        );
    }

    #[test]
    fn code_fix_language() {
        let fix = CodeFix::new("app/views.py", "a", "b");
        assert_eq!(fix.language(), Some(crate::Language::Python));
        assert!(!fix.is_empty());
    }
}
