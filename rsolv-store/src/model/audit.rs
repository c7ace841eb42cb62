//! Entries of the append-only audit log.

use rsolv_core::OrgId;
use serde::{Deserialize, Serialize};

/// One record of the audit log: who changed what, when and why.
///
/// The log is append-only: the database refuses to update or delete its
/// rows, and deleting a rule keeps its entries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Position in the log; grows with every entry.
    pub id: i64,
    /// The organization whose data changed.
    pub org_id: OrgId,
    /// The rule concerned, if any.
    pub rule_id: Option<String>,
    /// What happened: a [`ChangeKind`](crate::ChangeKind) id such as
    /// `created` or `rolled_back`.
    pub action: String,
    /// Who did it.
    pub actor: String,
    /// Why.
    pub reason: String,
    /// Action-specific facts, e.g. `{"version": 4, "from_version": 1}`.
    pub detail: serde_json::Value,
    /// When (RFC 3339, UTC).
    pub at: String,
}
