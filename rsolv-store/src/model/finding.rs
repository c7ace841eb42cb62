//! Findings, the feedback on them and the per-rule metrics they feed.

use rsolv_core::{Finding, OrgId, Severity, VulnClass};
use serde::{Deserialize, Serialize};

use super::string_enum;

/// A finding to record.
///
/// Findings are keyed by `(organization, rule_id, fingerprint)`: recording
/// the same fingerprint again updates the row (location, message, lines)
/// and keeps its feedback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewFinding {
    /// The rule that matched; it must exist in the organization.
    pub rule_id: String,
    /// The file, as the scanner reported it.
    pub path: String,
    /// 1-based first line.
    pub start_line: u32,
    /// 1-based first column.
    pub start_col: u32,
    /// 1-based last line.
    pub end_line: u32,
    /// 1-based column after the match.
    pub end_col: u32,
    /// The message, with metavariables interpolated.
    pub message: String,
    /// The severity reported.
    pub severity: Severity,
    /// A stable identity, e.g. [`Finding::fingerprint`].
    pub fingerprint: String,
    /// The matched source lines.
    pub lines: String,
    /// The vulnerability class, if known.
    pub vuln_class: Option<VulnClass>,
}

impl From<&Finding> for NewFinding {
    fn from(finding: &Finding) -> Self {
        let span = &finding.location.span;
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Self {
            rule_id: finding.rule_id.clone(),
            path: finding.location.path.to_string_lossy().into_owned(),
            start_line: clamp(span.start.line),
            start_col: clamp(span.start.col),
            end_line: clamp(span.end.line),
            end_col: clamp(span.end.col),
            message: finding.message.clone(),
            severity: finding.severity,
            fingerprint: finding.fingerprint(),
            lines: finding.lines.clone(),
            vuln_class: finding.vuln_class,
        }
    }
}

/// A recorded finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFinding {
    /// The finding's id.
    pub id: i64,
    /// The organization that owns it.
    pub org_id: OrgId,
    /// The rule that matched.
    pub rule_id: String,
    /// The file.
    pub path: String,
    /// 1-based first line.
    pub start_line: u32,
    /// 1-based first column.
    pub start_col: u32,
    /// 1-based last line.
    pub end_line: u32,
    /// 1-based column after the match.
    pub end_col: u32,
    /// The message.
    pub message: String,
    /// The severity.
    pub severity: Severity,
    /// The stable identity.
    pub fingerprint: String,
    /// The matched source lines.
    pub lines: String,
    /// The vulnerability class, if known.
    pub vuln_class: Option<VulnClass>,
    /// How many times it was recorded.
    pub times_seen: u32,
    /// When it was first recorded (RFC 3339, UTC).
    pub first_seen_at: String,
    /// When it was last recorded (RFC 3339, UTC).
    pub last_seen_at: String,
    /// The latest judgement, if any.
    pub feedback: Option<FeedbackRecord>,
}

/// A judgement on a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Feedback {
    /// A real vulnerability: counts for the rule's precision.
    TruePositive,
    /// Not a vulnerability: counts against the rule's precision.
    FalsePositive,
    /// Real but accepted (won't fix, test code): counts neither way.
    Ignored,
}

string_enum!(Feedback, "feedback", {
    TruePositive => "true_positive",
    FalsePositive => "false_positive",
    Ignored => "ignored",
});

/// The latest feedback on a finding and who gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackRecord {
    /// The judgement.
    pub verdict: Feedback,
    /// Who gave it.
    pub actor: String,
    /// An optional remark.
    pub note: Option<String>,
    /// When (RFC 3339, UTC).
    pub at: String,
}

/// How a rule performs, from its recorded findings and their feedback.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleMetrics {
    /// The rule.
    pub rule_id: String,
    /// How many findings were recorded for it, counting repeats.
    pub matches: u64,
    /// Findings currently judged true positives.
    pub true_positives: u64,
    /// Findings currently judged false positives.
    pub false_positives: u64,
    /// When the rule last produced a finding (RFC 3339, UTC).
    pub last_matched_at: Option<String>,
    /// `true_positives / (true_positives + false_positives)`, if any
    /// finding has been judged either way.
    pub precision: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsolv_core::{Location, Position, Span};

    #[test]
    fn new_finding_from_core_finding_keeps_identity() {
        let finding = Finding {
            rule_id: "py.sqli".into(),
            location: Location::new(
                "app/db.py",
                Span::new(Position::new(3, 5, 40), Position::new(3, 30, 65)),
            ),
            message: "SQL built from input".into(),
            severity: Severity::Error,
            lines: "cursor.execute(q + x)".into(),
            fix: None,
            vuln_class: Some(VulnClass::Sqli),
        };
        let new = NewFinding::from(&finding);
        assert_eq!(new.fingerprint, finding.fingerprint());
        assert_eq!((new.start_line, new.start_col), (3, 5));
        assert_eq!((new.end_line, new.end_col), (3, 30));
        assert_eq!(new.path, "app/db.py");
    }

    #[test]
    fn feedback_ids_round_trip() {
        for fb in [
            Feedback::TruePositive,
            Feedback::FalsePositive,
            Feedback::Ignored,
        ] {
            assert_eq!(fb.as_str().parse::<Feedback>().ok(), Some(fb));
        }
        assert!("maybe".parse::<Feedback>().is_err());
    }
}
