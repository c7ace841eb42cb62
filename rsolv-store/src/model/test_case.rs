//! Example code attached to a rule.

use serde::{Deserialize, Serialize};

use super::string_enum;

/// Whether the rule should match a test case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestCaseKind {
    /// Vulnerable code the rule must match.
    Positive,
    /// Safe code the rule must not match.
    Negative,
}

string_enum!(TestCaseKind, "test case kind", {
    Positive => "positive",
    Negative => "negative",
});

/// A test case to attach to a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewTestCase {
    /// Whether the rule should match it.
    pub kind: TestCaseKind,
    /// The language of the snippet, as in the rule's `languages:`.
    pub language: String,
    /// The code snippet.
    pub code: String,
    /// What the case shows.
    pub description: Option<String>,
}

/// A stored test case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestCase {
    /// The test case's id.
    pub id: i64,
    /// The rule it belongs to.
    pub rule_id: String,
    /// Whether the rule should match it.
    pub kind: TestCaseKind,
    /// The language of the snippet.
    pub language: String,
    /// The code snippet.
    pub code: String,
    /// What the case shows.
    pub description: Option<String>,
    /// When it was added (RFC 3339, UTC).
    pub created_at: String,
}
