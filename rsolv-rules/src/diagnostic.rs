//! Problems found in a rule file, with their position.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

/// How serious a [`Diagnostic`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DiagnosticLevel {
    /// The rule is invalid: Semgrep would reject it and rsolv will not run it.
    Error,
    /// The rule is valid Semgrep but something about it deserves attention,
    /// typically a feature the embedded engine does not support.
    Warning,
}

impl DiagnosticLevel {
    /// `error` or `warning`.
    pub const fn as_str(self) -> &'static str {
        match self {
            DiagnosticLevel::Error => "error",
            DiagnosticLevel::Warning => "warning",
        }
    }
}

impl fmt::Display for DiagnosticLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem in a rule file.
///
/// Displays as `{path}:{line}:{col}: error[rule-id]: message`, the shape
/// compilers use, so editors can jump to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub level: DiagnosticLevel,
    /// The rule file.
    pub path: PathBuf,
    /// 1-based line (0 when the position is unknown).
    pub line: usize,
    /// 1-based column (0 when the position is unknown).
    pub col: usize,
    /// The id of the rule the problem is in, when it has one.
    pub rule_id: Option<String>,
    /// Where in the document the problem is, e.g.
    /// `rules[3].patterns[1].pattern-regex`.
    pub key_path: String,
    /// What is wrong.
    pub message: String,
}

impl Diagnostic {
    /// Whether this is an error (as opposed to a warning).
    pub fn is_error(&self) -> bool {
        self.level == DiagnosticLevel::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.path.display(),
            self.line,
            self.col,
            self.level
        )?;
        if let Some(id) = &self.rule_id {
            write!(f, "[{id}]")?;
        }
        write!(f, ": {}", self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diagnostic(rule_id: Option<&str>) -> Diagnostic {
        Diagnostic {
            level: DiagnosticLevel::Error,
            path: PathBuf::from("rules/a.yaml"),
            line: 7,
            col: 5,
            rule_id: rule_id.map(str::to_owned),
            key_path: "rules[0].pattern-regex".into(),
            message: "invalid regex".into(),
        }
    }

    #[test]
    fn displays_like_a_compiler() {
        assert_eq!(
            diagnostic(Some("no-eval")).to_string(),
            "rules/a.yaml:7:5: error[no-eval]: invalid regex"
        );
        assert_eq!(
            diagnostic(None).to_string(),
            "rules/a.yaml:7:5: error: invalid regex"
        );
    }

    #[test]
    fn serializes_for_json_output() {
        let json = serde_json::to_value(diagnostic(Some("r"))).unwrap_or_default();
        assert_eq!(json["level"], "error");
        assert_eq!(json["line"], 7);
        assert_eq!(json["key_path"], "rules[0].pattern-regex");
    }
}
