//! Rules, their versions and the changes that make them.

use rsolv_core::{OrgId, Severity, VulnClass};
use serde::{Deserialize, Serialize};

use super::string_enum;

/// Who made a change and why; written to the audit log and to the rule's
/// version history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeInfo {
    /// The person or system that made the change (must not be empty).
    pub actor: String,
    /// Why, in a sentence (may be empty).
    pub reason: String,
}

impl ChangeInfo {
    /// A change by `actor` for `reason`.
    pub fn new(actor: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            actor: actor.into(),
            reason: reason.into(),
        }
    }
}

/// A rule to store: its Semgrep YAML plus the fields the store indexes.
///
/// The store does not parse the YAML; callers derive `message`, `severity`,
/// `languages` and `vulnerability_type` from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewRule {
    /// The rule id, unique within an organization.
    pub rule_id: String,
    /// The rule as Semgrep YAML.
    pub yaml: String,
    /// The rule's message.
    pub message: String,
    /// The rule's severity.
    pub severity: Severity,
    /// The languages the rule targets, as written in `languages:`.
    pub languages: Vec<String>,
    /// The vulnerability class the rule detects, if known.
    pub vulnerability_type: Option<VulnClass>,
    /// The issue or fix the rule was learned from (a URL or an id).
    pub created_from_issue: Option<String>,
    /// How confident the generator was, in `0.0..=1.0`.
    pub confidence: Option<f64>,
}

impl NewRule {
    /// A rule with no languages, class, origin or confidence.
    pub fn new(
        rule_id: impl Into<String>,
        yaml: impl Into<String>,
        message: impl Into<String>,
        severity: Severity,
    ) -> Self {
        Self {
            rule_id: rule_id.into(),
            yaml: yaml.into(),
            message: message.into(),
            severity,
            languages: Vec::new(),
            vulnerability_type: None,
            created_from_issue: None,
            confidence: None,
        }
    }
}

/// A rule as stored: the current version of its content plus its state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredRule {
    /// The organization that owns the rule.
    pub org_id: OrgId,
    /// The rule id.
    pub rule_id: String,
    /// The current version, counting from 1 without gaps.
    pub version: u32,
    /// The rule as Semgrep YAML.
    pub yaml: String,
    /// The rule's message.
    pub message: String,
    /// The rule's severity.
    pub severity: Severity,
    /// The languages the rule targets.
    pub languages: Vec<String>,
    /// The vulnerability class the rule detects, if known.
    pub vulnerability_type: Option<VulnClass>,
    /// The issue or fix the rule was learned from.
    pub created_from_issue: Option<String>,
    /// How confident the generator was, in `0.0..=1.0`.
    pub confidence: Option<f64>,
    /// Whether scans use the rule.
    pub enabled: bool,
    /// When version 1 was stored (RFC 3339, UTC).
    pub created_at: String,
    /// When the rule last changed, content or state (RFC 3339, UTC).
    pub updated_at: String,
}

/// One entry of a rule's version history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleVersion {
    /// The version number.
    pub version: u32,
    /// The rule's YAML at that version.
    pub yaml: String,
    /// What produced the version: [`ChangeKind::Created`],
    /// [`ChangeKind::Updated`] or [`ChangeKind::RolledBack`].
    pub change: ChangeKind,
    /// Who made it.
    pub actor: String,
    /// Why.
    pub reason: String,
    /// When (RFC 3339, UTC).
    pub at: String,
}

/// A kind of change to a rule.
///
/// `Created`, `Updated` and `RolledBack` produce a new version; the others
/// change the rule's state and are recorded only in the audit log, whose
/// [`action`](crate::AuditEntry::action) is one of these ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ChangeKind {
    /// The rule was stored for the first time (version 1).
    Created,
    /// The rule's content changed (a new version).
    Updated,
    /// The rule was switched on.
    Enabled,
    /// The rule was switched off.
    Disabled,
    /// An earlier version's content was restored as a new version.
    RolledBack,
    /// The rule and everything attached to it were removed.
    Deleted,
    /// A finding of the rule was judged true or false positive.
    Feedback,
}

string_enum!(ChangeKind, "change kind", {
    Created => "created",
    Updated => "updated",
    Enabled => "enabled",
    Disabled => "disabled",
    RolledBack => "rolled_back",
    Deleted => "deleted",
    Feedback => "feedback",
});

impl ChangeKind {
    /// Whether this kind of change produces a new rule version.
    pub const fn creates_version(self) -> bool {
        matches!(
            self,
            ChangeKind::Created | ChangeKind::Updated | ChangeKind::RolledBack
        )
    }
}

/// What [`RuleStore::put_rule`](crate::RuleStore::put_rule) did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PutOutcome {
    /// The rule was new: version 1 was stored.
    Created,
    /// The rule's content differed: a new version was stored.
    Updated,
    /// The content (YAML and indexed fields) was identical: nothing was
    /// written, not even an audit entry.
    Unchanged,
}

/// Which rules [`RuleStore::list_rules`](crate::RuleStore::list_rules)
/// returns; every `None` field matches everything, so the default lists all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleFilter {
    /// Only enabled (`Some(true)`) or disabled (`Some(false)`) rules.
    pub enabled: Option<bool>,
    /// Only rules of this vulnerability class.
    pub vulnerability_type: Option<VulnClass>,
    /// Only rules whose `languages` contain this name exactly.
    pub language: Option<String>,
}

/// One result of a full-text search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    /// The matching rule.
    pub rule: StoredRule,
    /// Relevance: higher is better (the negated BM25 score).
    pub rank: f64,
    /// The best-matching passage, with matched terms in `[` `]`.
    pub snippet: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_kinds_round_trip() {
        for kind in [
            ChangeKind::Created,
            ChangeKind::Updated,
            ChangeKind::Enabled,
            ChangeKind::Disabled,
            ChangeKind::RolledBack,
            ChangeKind::Deleted,
            ChangeKind::Feedback,
        ] {
            assert_eq!(kind.to_string().parse::<ChangeKind>().ok(), Some(kind));
            let json = serde_json::to_value(kind).unwrap_or_default();
            assert_eq!(json, kind.as_str());
        }
        assert!("rollback".parse::<ChangeKind>().is_err());
        assert!(ChangeKind::RolledBack.creates_version());
        assert!(!ChangeKind::Disabled.creates_version());
    }
}
