//! Turning SQL rows into model values, and the checks on values going in.

use rsolv_core::{OrgId, Severity, VulnClass};
use rusqlite::{Connection, Row};

use crate::{ChangeInfo, Error, NewRule, Result, StoredRule};

/// The columns [`RuleRow::read`] expects, for `organization_rules AS r`.
pub(super) const RULE_COLUMNS: &str = "r.id, r.org_id, r.rule_id, r.version, r.yaml, r.message, \
     r.severity, r.languages, r.vulnerability_type, r.created_from_issue, r.confidence, \
     r.enabled, r.created_at, r.updated_at";

/// The number of columns in [`RULE_COLUMNS`].
pub(super) const RULE_COLUMN_COUNT: usize = 14;

/// The current time as an RFC 3339 UTC string, from SQLite's clock, so that
/// every row of one transaction carries the same timestamp.
pub(super) fn now(conn: &Connection) -> Result<String> {
    Ok(
        conn.query_row("SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now')", [], |r| {
            r.get(0)
        })?,
    )
}

/// A rule row as SQLite returns it, before its text columns are parsed.
#[derive(Debug)]
pub(super) struct RuleRow {
    pk: i64,
    org_id: String,
    rule_id: String,
    version: u32,
    yaml: String,
    message: String,
    severity: String,
    languages: String,
    vulnerability_type: Option<String>,
    created_from_issue: Option<String>,
    confidence: Option<f64>,
    enabled: bool,
    created_at: String,
    updated_at: String,
}

impl RuleRow {
    /// Reads [`RULE_COLUMNS`] starting at column 0.
    pub(super) fn read(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            pk: row.get(0)?,
            org_id: row.get(1)?,
            rule_id: row.get(2)?,
            version: row.get(3)?,
            yaml: row.get(4)?,
            message: row.get(5)?,
            severity: row.get(6)?,
            languages: row.get(7)?,
            vulnerability_type: row.get(8)?,
            created_from_issue: row.get(9)?,
            confidence: row.get(10)?,
            enabled: row.get(11)?,
            created_at: row.get(12)?,
            updated_at: row.get(13)?,
        })
    }

    /// The row key and the parsed rule.
    pub(super) fn into_rule(self) -> Result<(i64, StoredRule)> {
        let what = |field: &str| format!("{field} of stored rule `{}`", self.rule_id);
        let rule = StoredRule {
            org_id: parse_org(&self.org_id)?,
            severity: parse_severity(&self.severity, &what("severity"))?,
            languages: parse_languages(&self.languages, &what("languages"))?,
            vulnerability_type: parse_vuln_class(
                self.vulnerability_type.as_deref(),
                &what("vulnerability_type"),
            )?,
            rule_id: self.rule_id,
            version: self.version,
            yaml: self.yaml,
            message: self.message,
            created_from_issue: self.created_from_issue,
            confidence: self.confidence,
            enabled: self.enabled,
            created_at: self.created_at,
            updated_at: self.updated_at,
        };
        Ok((self.pk, rule))
    }
}

/// Parses a stored organization id.
pub(super) fn parse_org(text: &str) -> Result<OrgId> {
    OrgId::new(text).map_err(|e| Error::invalid("stored organization id", e.to_string()))
}

/// Parses a stored severity.
pub(super) fn parse_severity(text: &str, what: &str) -> Result<Severity> {
    text.parse()
        .map_err(|e: rsolv_core::Error| Error::invalid(what, e.to_string()))
}

/// Parses a stored, optional vulnerability class.
pub(super) fn parse_vuln_class(text: Option<&str>, what: &str) -> Result<Option<VulnClass>> {
    text.map(|t| {
        t.parse()
            .map_err(|e: rsolv_core::Error| Error::invalid(what, e.to_string()))
    })
    .transpose()
}

/// Parses a stored JSON array of language names.
pub(super) fn parse_languages(text: &str, what: &str) -> Result<Vec<String>> {
    serde_json::from_str(text).map_err(|e| Error::invalid(what, e.to_string()))
}

/// Encodes language names for the `languages` column.
pub(super) fn encode_languages(languages: &[String]) -> Result<String> {
    serde_json::to_string(languages).map_err(|e| Error::invalid("languages", e.to_string()))
}

/// Rejects a change without an actor: the audit log must say who.
pub(super) fn check_change(change: &ChangeInfo) -> Result<()> {
    check_actor(&change.actor)
}

/// Rejects an empty actor.
pub(super) fn check_actor(actor: &str) -> Result<()> {
    if actor.trim().is_empty() {
        return Err(Error::invalid(
            "actor",
            "it is empty; the audit log must say who",
        ));
    }
    Ok(())
}

/// The longest rule id accepted.
const MAX_RULE_ID_LEN: usize = 256;

/// Rejects rule content that SQLite's checks would also refuse, with a
/// message that names the rule.
pub(super) fn check_rule(rule: &NewRule) -> Result<()> {
    let id = &rule.rule_id;
    if id.trim().is_empty() {
        return Err(Error::invalid("rule id", "it is empty"));
    }
    if id.len() > MAX_RULE_ID_LEN || id.chars().any(char::is_control) {
        return Err(Error::invalid(
            format!("rule id `{}`", id.escape_debug()),
            "it must be at most 256 bytes without control characters",
        ));
    }
    if rule.yaml.trim().is_empty() {
        return Err(Error::invalid(
            format!("yaml of rule `{id}`"),
            "it is empty",
        ));
    }
    if let Some(confidence) = rule.confidence
        && !(0.0..=1.0).contains(&confidence)
    {
        return Err(Error::invalid(
            format!("confidence of rule `{id}`"),
            format!("{confidence} is not between 0 and 1"),
        ));
    }
    if rule.languages.iter().any(|l| l.trim().is_empty()) {
        return Err(Error::invalid(
            format!("languages of rule `{id}`"),
            "a language name is empty",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(id: &str) -> NewRule {
        NewRule::new(id, "rules: []", "m", Severity::Info)
    }

    #[test]
    fn rule_checks() {
        assert!(check_rule(&rule("ok.rule")).is_ok());
        assert!(check_rule(&rule(" ")).is_err());
        assert!(check_rule(&rule("a\nb")).is_err());
        assert!(check_rule(&rule(&"x".repeat(257))).is_err());
        let mut r = rule("r");
        r.confidence = Some(f64::NAN);
        assert!(check_rule(&r).is_err(), "NaN would be stored as NULL");
        r.confidence = Some(1.5);
        assert!(check_rule(&r).is_err());
        r.confidence = Some(1.0);
        assert!(check_rule(&r).is_ok());
        r.yaml = String::new();
        assert!(check_rule(&r).is_err());
    }

    #[test]
    fn actor_is_required() {
        assert!(check_change(&ChangeInfo::new("", "why")).is_err());
        assert!(check_change(&ChangeInfo::new("ana", "")).is_ok());
    }
}
