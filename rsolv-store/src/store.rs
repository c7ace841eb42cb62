//! The storage interface, independent of any database.

use async_trait::async_trait;
use rsolv_core::OrgId;

use crate::{
    AuditEntry, ChangeInfo, Feedback, NewFinding, NewRule, NewTestCase, PutOutcome, Result,
    RuleFilter, RuleMetrics, RuleVersion, SearchHit, StoredFinding, StoredRule, TestCase,
};
use crate::{NewSuppression, Suppression};

/// An organization-scoped store of rules, their history, test cases,
/// findings and audit log.
///
/// Every method acts inside one organization: data of another organization
/// behaves exactly as if it did not exist (`None`, an empty list or
/// [`Error::NotFound`](crate::Error::NotFound)). Every write is atomic:
/// when a method fails, nothing it wrote remains. Every change to a rule is
/// recorded in the audit log with the [`ChangeInfo`] given.
#[async_trait]
pub trait RuleStore: Send + Sync {
    /// Stores a rule: version 1 if it is new, a new version if its content
    /// (YAML or indexed fields) differs, nothing if it is identical.
    async fn put_rule(
        &self,
        org: &OrgId,
        rule: NewRule,
        change: &ChangeInfo,
    ) -> Result<(StoredRule, PutOutcome)>;

    /// Stores many rules in one transaction, as [`RuleStore::put_rule`]
    /// would: all of them or, on any error, none. A batch that names one
    /// rule id twice is a [`Error::Conflict`](crate::Error::Conflict).
    async fn put_rules(
        &self,
        org: &OrgId,
        rules: Vec<NewRule>,
        change: &ChangeInfo,
    ) -> Result<Vec<(StoredRule, PutOutcome)>>;

    /// The rule with this id, if the organization has one.
    async fn get_rule(&self, org: &OrgId, rule_id: &str) -> Result<Option<StoredRule>>;

    /// The organization's rules that pass `filter`, ordered by id.
    async fn list_rules(&self, org: &OrgId, filter: &RuleFilter) -> Result<Vec<StoredRule>>;

    /// Switches a rule on or off; does nothing (and logs nothing) if it is
    /// already in that state. [`Error::NotFound`](crate::Error::NotFound)
    /// if the rule does not exist.
    async fn set_enabled(
        &self,
        org: &OrgId,
        rule_id: &str,
        enabled: bool,
        change: &ChangeInfo,
    ) -> Result<StoredRule>;

    /// Removes a rule with its versions, test cases, findings and metrics;
    /// the audit log keeps its entries and records the deletion with the
    /// final YAML. Returns whether the rule existed.
    async fn delete_rule(&self, org: &OrgId, rule_id: &str, change: &ChangeInfo) -> Result<bool>;

    /// The rule's versions, oldest first; empty if the rule does not exist.
    async fn history(&self, org: &OrgId, rule_id: &str) -> Result<Vec<RuleVersion>>;

    /// Restores the content of `to_version` as a new version (history is
    /// never rewritten). [`Error::NotFound`](crate::Error::NotFound) if the
    /// rule or the version does not exist.
    async fn rollback(
        &self,
        org: &OrgId,
        rule_id: &str,
        to_version: u32,
        change: &ChangeInfo,
    ) -> Result<StoredRule>;

    /// Full-text search over rule ids, messages, YAML and vulnerability
    /// types, best match first. Any text is accepted: words are matched as
    /// quoted prefixes, never parsed as query syntax.
    async fn search(&self, org: &OrgId, query: &str, limit: usize) -> Result<Vec<SearchHit>>;

    /// Attaches test cases to a rule, all or none.
    async fn add_test_cases(
        &self,
        org: &OrgId,
        rule_id: &str,
        cases: Vec<NewTestCase>,
    ) -> Result<Vec<TestCase>>;

    /// The rule's test cases, in the order they were added; empty if the
    /// rule does not exist.
    async fn test_cases(&self, org: &OrgId, rule_id: &str) -> Result<Vec<TestCase>>;

    /// Records findings, all or none: a new fingerprint adds a finding, a
    /// known one updates it and keeps its feedback. Each finding counts as
    /// a match in its rule's metrics.
    /// [`Error::NotFound`](crate::Error::NotFound) if a rule does not exist.
    async fn record_findings(
        &self,
        org: &OrgId,
        findings: Vec<NewFinding>,
    ) -> Result<Vec<StoredFinding>>;

    /// Judges a finding and updates its rule's true/false positive counts
    /// in the same transaction. [`Error::NotFound`](crate::Error::NotFound)
    /// if the finding does not exist in this organization.
    async fn set_feedback(
        &self,
        org: &OrgId,
        finding_id: i64,
        feedback: Feedback,
        actor: &str,
        note: Option<String>,
    ) -> Result<StoredFinding>;

    /// The organization's findings, of one rule or of all, by id.
    async fn findings(&self, org: &OrgId, rule_id: Option<&str>) -> Result<Vec<StoredFinding>>;

    /// The rule's metrics, if the rule exists.
    async fn metrics(&self, org: &OrgId, rule_id: &str) -> Result<Option<RuleMetrics>>;

    /// The organization's audit log, of one rule id or of all, oldest first.
    /// Entries of deleted rules remain.
    async fn audit_log(&self, org: &OrgId, rule_id: Option<&str>) -> Result<Vec<AuditEntry>>;

    /// Stores a suppression. [`Error::Conflict`](crate::Error::Conflict) if
    /// the organization already has one for the same label and glob;
    /// [`Error::InvalidData`](crate::Error::InvalidData) for an empty glob.
    async fn add_suppression(
        &self,
        org: &OrgId,
        suppression: NewSuppression,
        actor: &str,
    ) -> Result<Suppression>;

    /// The organization's suppressions, by id.
    async fn suppressions(&self, org: &OrgId) -> Result<Vec<Suppression>>;

    /// Removes a suppression; returns whether the organization had it.
    async fn remove_suppression(&self, org: &OrgId, id: i64) -> Result<bool>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trait_is_usable_as_an_object() {
        fn takes(_: &dyn RuleStore) {}
        let store = crate::SqliteStore::open_in_memory();
        assert!(store.is_ok());
        if let Ok(store) = store {
            takes(&store);
            let shared: std::sync::Arc<dyn RuleStore> = std::sync::Arc::new(store);
            takes(shared.as_ref());
        }
    }
}
