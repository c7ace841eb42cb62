//! Rules and their versions: put, read, enable, delete, roll back.

use std::collections::HashSet;

use rsolv_core::OrgId;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde_json::json;

use super::audit;
use super::row::{
    RULE_COLUMNS, RuleRow, check_change, check_rule, encode_languages, now, parse_languages,
    parse_severity, parse_vuln_class,
};
use crate::{
    ChangeInfo, ChangeKind, Error, NewRule, PutOutcome, Result, RuleFilter, RuleVersion, StoredRule,
};

/// Stores one rule as [`put_one`] does, in its own transaction.
pub(super) fn put_rule(
    conn: &mut Connection,
    org: &OrgId,
    rule: NewRule,
    change: &ChangeInfo,
) -> Result<(StoredRule, PutOutcome)> {
    check_change(change)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let now = now(&tx)?;
    let stored = put_one(&tx, org, rule, change, &now)?;
    tx.commit()?;
    Ok(stored)
}

/// Stores each rule as [`put_one`] does, in one transaction.
pub(super) fn put_rules(
    conn: &mut Connection,
    org: &OrgId,
    rules: Vec<NewRule>,
    change: &ChangeInfo,
) -> Result<Vec<(StoredRule, PutOutcome)>> {
    check_change(change)?;
    let mut seen = HashSet::new();
    if let Some(dup) = rules.iter().find(|r| !seen.insert(r.rule_id.as_str())) {
        return Err(Error::Conflict {
            what: format!("rule `{}` appears twice in one batch", dup.rule_id),
        });
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let now = now(&tx)?;
    let stored = rules
        .into_iter()
        .map(|rule| put_one(&tx, org, rule, change, &now))
        .collect::<Result<Vec<_>>>()?;
    tx.commit()?;
    Ok(stored)
}

/// Inserts a rule as version 1, or stores a new version if its content
/// changed; must run inside a transaction.
fn put_one(
    conn: &Connection,
    org: &OrgId,
    rule: NewRule,
    change: &ChangeInfo,
    now: &str,
) -> Result<(StoredRule, PutOutcome)> {
    check_rule(&rule)?;
    let Some((pk, current)) = find(conn, org, &rule.rule_id)? else {
        let pk = insert(conn, org, &rule, now)?;
        record_version(conn, pk, 1, &rule, ChangeKind::Created, change, now)?;
        audit::append(
            conn,
            org,
            Some(&rule.rule_id),
            ChangeKind::Created,
            change,
            &json!({ "version": 1 }),
            now,
        )?;
        return Ok((load(conn, pk)?, PutOutcome::Created));
    };
    if same_content(&current, &rule) {
        return Ok((current, PutOutcome::Unchanged));
    }
    let version = current.version + 1;
    store_version(conn, pk, version, &rule, now)?;
    record_version(conn, pk, version, &rule, ChangeKind::Updated, change, now)?;
    audit::append(
        conn,
        org,
        Some(&rule.rule_id),
        ChangeKind::Updated,
        change,
        &json!({ "version": version, "previous_version": current.version }),
        now,
    )?;
    Ok((load(conn, pk)?, PutOutcome::Updated))
}

/// Whether storing `rule` would change nothing.
fn same_content(current: &StoredRule, rule: &NewRule) -> bool {
    current.yaml == rule.yaml
        && current.message == rule.message
        && current.severity == rule.severity
        && current.languages == rule.languages
        && current.vulnerability_type == rule.vulnerability_type
        && current.created_from_issue == rule.created_from_issue
        && current.confidence == rule.confidence
}

/// Inserts a new rule row (version 1, enabled) and its metrics row.
fn insert(conn: &Connection, org: &OrgId, rule: &NewRule, now: &str) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO organization_rules (org_id, rule_id, yaml, message, severity, languages,
             vulnerability_type, created_from_issue, confidence, enabled, version,
             created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 1, 1, ?10, ?10)",
    )?
    .execute(params![
        org.as_str(),
        rule.rule_id,
        rule.yaml,
        rule.message,
        rule.severity.as_str(),
        encode_languages(&rule.languages)?,
        rule.vulnerability_type.map(|v| v.as_str()),
        rule.created_from_issue,
        rule.confidence,
        now,
    ])?;
    let pk = conn.last_insert_rowid();
    conn.prepare_cached("INSERT INTO rule_metrics (rule_pk) VALUES (?1)")?
        .execute([pk])?;
    Ok(pk)
}

/// Replaces the rule row's content with `content` at `version`.
fn store_version(
    conn: &Connection,
    pk: i64,
    version: u32,
    content: &NewRule,
    now: &str,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE organization_rules
         SET yaml = ?2, message = ?3, severity = ?4, languages = ?5, vulnerability_type = ?6,
             created_from_issue = ?7, confidence = ?8, version = ?9, updated_at = ?10
         WHERE id = ?1",
    )?
    .execute(params![
        pk,
        content.yaml,
        content.message,
        content.severity.as_str(),
        encode_languages(&content.languages)?,
        content.vulnerability_type.map(|v| v.as_str()),
        content.created_from_issue,
        content.confidence,
        version,
        now,
    ])?;
    Ok(())
}

/// Appends a row to the rule's version history.
fn record_version(
    conn: &Connection,
    pk: i64,
    version: u32,
    content: &NewRule,
    kind: ChangeKind,
    change: &ChangeInfo,
    now: &str,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO rule_evolution (rule_pk, version, yaml, message, severity, languages,
             vulnerability_type, created_from_issue, confidence, change_type, reason, actor,
             created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        pk,
        version,
        content.yaml,
        content.message,
        content.severity.as_str(),
        encode_languages(&content.languages)?,
        content.vulnerability_type.map(|v| v.as_str()),
        content.created_from_issue,
        content.confidence,
        kind.as_str(),
        change.reason,
        change.actor,
        now,
    ])?;
    Ok(())
}

/// The organization's rule with this id, with its row key.
pub(super) fn find(
    conn: &Connection,
    org: &OrgId,
    rule_id: &str,
) -> Result<Option<(i64, StoredRule)>> {
    let sql = format!(
        "SELECT {RULE_COLUMNS} FROM organization_rules r WHERE r.org_id = ?1 AND r.rule_id = ?2"
    );
    conn.prepare_cached(&sql)?
        .query_row(params![org.as_str(), rule_id], RuleRow::read)
        .optional()?
        .map(RuleRow::into_rule)
        .transpose()
}

/// Like [`find`], but a missing rule is [`Error::NotFound`].
pub(super) fn require(conn: &Connection, org: &OrgId, rule_id: &str) -> Result<(i64, StoredRule)> {
    find(conn, org, rule_id)?.ok_or_else(|| Error::not_found(format!("rule `{rule_id}`")))
}

/// The rule with this row key, which the caller knows exists.
fn load(conn: &Connection, pk: i64) -> Result<StoredRule> {
    let sql = format!("SELECT {RULE_COLUMNS} FROM organization_rules r WHERE r.id = ?1");
    let row = conn.prepare_cached(&sql)?.query_row([pk], RuleRow::read)?;
    Ok(row.into_rule()?.1)
}

/// The organization's rules that pass `filter`, by id.
pub(super) fn list(conn: &Connection, org: &OrgId, filter: &RuleFilter) -> Result<Vec<StoredRule>> {
    let sql = format!(
        "SELECT {RULE_COLUMNS} FROM organization_rules r
         WHERE r.org_id = ?1
           AND (?2 IS NULL OR r.enabled = ?2)
           AND (?3 IS NULL OR r.vulnerability_type = ?3)
           AND (?4 IS NULL OR EXISTS (SELECT 1 FROM json_each(r.languages) WHERE value = ?4))
         ORDER BY r.rule_id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![
            org.as_str(),
            filter.enabled,
            filter.vulnerability_type.map(|v| v.as_str()),
            filter.language,
        ],
        RuleRow::read,
    )?;
    rows.map(|row| Ok(row?.into_rule()?.1)).collect()
}

/// Switches a rule on or off.
pub(super) fn set_enabled(
    conn: &mut Connection,
    org: &OrgId,
    rule_id: &str,
    enabled: bool,
    change: &ChangeInfo,
) -> Result<StoredRule> {
    check_change(change)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let (pk, current) = require(&tx, org, rule_id)?;
    if current.enabled == enabled {
        return Ok(current);
    }
    let now = now(&tx)?;
    tx.prepare_cached("UPDATE organization_rules SET enabled = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![pk, enabled, now])?;
    let kind = if enabled {
        ChangeKind::Enabled
    } else {
        ChangeKind::Disabled
    };
    audit::append(
        &tx,
        org,
        Some(rule_id),
        kind,
        change,
        &json!({ "version": current.version }),
        &now,
    )?;
    let rule = load(&tx, pk)?;
    tx.commit()?;
    Ok(rule)
}

/// Deletes a rule and, by cascade, its versions, test cases, findings and
/// metrics; the audit entry keeps the final content.
pub(super) fn delete(
    conn: &mut Connection,
    org: &OrgId,
    rule_id: &str,
    change: &ChangeInfo,
) -> Result<bool> {
    check_change(change)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let Some((pk, current)) = find(&tx, org, rule_id)? else {
        return Ok(false);
    };
    let now = now(&tx)?;
    tx.prepare_cached("DELETE FROM organization_rules WHERE id = ?1")?
        .execute([pk])?;
    audit::append(
        &tx,
        org,
        Some(rule_id),
        ChangeKind::Deleted,
        change,
        &json!({ "version": current.version, "yaml": current.yaml }),
        &now,
    )?;
    tx.commit()?;
    Ok(true)
}

/// The rule's versions, oldest first.
pub(super) fn history(conn: &Connection, org: &OrgId, rule_id: &str) -> Result<Vec<RuleVersion>> {
    let mut stmt = conn.prepare_cached(
        "SELECT e.version, e.yaml, e.change_type, e.actor, e.reason, e.created_at
         FROM rule_evolution e JOIN organization_rules r ON r.id = e.rule_pk
         WHERE r.org_id = ?1 AND r.rule_id = ?2
         ORDER BY e.version",
    )?;
    let rows = stmt.query_map(params![org.as_str(), rule_id], |row| {
        Ok((
            row.get::<_, u32>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, String>(3)?,
            row.get::<_, String>(4)?,
            row.get::<_, String>(5)?,
        ))
    })?;
    rows.map(|row| {
        let (version, yaml, change, actor, reason, at) = row?;
        Ok(RuleVersion {
            version,
            yaml,
            change: change.parse()?,
            actor,
            reason,
            at,
        })
    })
    .collect()
}

/// Restores the content of `to_version` as a new version.
pub(super) fn rollback(
    conn: &mut Connection,
    org: &OrgId,
    rule_id: &str,
    to_version: u32,
    change: &ChangeInfo,
) -> Result<StoredRule> {
    check_change(change)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let (pk, current) = require(&tx, org, rule_id)?;
    let content = version_content(&tx, pk, rule_id, to_version)?
        .ok_or_else(|| Error::not_found(format!("version {to_version} of rule `{rule_id}`")))?;
    let now = now(&tx)?;
    let version = current.version + 1;
    store_version(&tx, pk, version, &content, &now)?;
    record_version(
        &tx,
        pk,
        version,
        &content,
        ChangeKind::RolledBack,
        change,
        &now,
    )?;
    audit::append(
        &tx,
        org,
        Some(rule_id),
        ChangeKind::RolledBack,
        change,
        &json!({
            "version": version,
            "previous_version": current.version,
            "from_version": to_version,
        }),
        &now,
    )?;
    let rule = load(&tx, pk)?;
    tx.commit()?;
    Ok(rule)
}

/// The full content of one stored version.
fn version_content(
    conn: &Connection,
    pk: i64,
    rule_id: &str,
    version: u32,
) -> Result<Option<NewRule>> {
    let row = conn
        .prepare_cached(
            "SELECT yaml, message, severity, languages, vulnerability_type,
                    created_from_issue, confidence
             FROM rule_evolution WHERE rule_pk = ?1 AND version = ?2",
        )?
        .query_row(params![pk, version], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, Option<String>>(4)?,
                row.get::<_, Option<String>>(5)?,
                row.get::<_, Option<f64>>(6)?,
            ))
        })
        .optional()?;
    let Some((yaml, message, severity, languages, vuln, origin, confidence)) = row else {
        return Ok(None);
    };
    let what = |field: &str| format!("{field} of version {version} of rule `{rule_id}`");
    Ok(Some(NewRule {
        rule_id: rule_id.to_owned(),
        yaml,
        message,
        severity: parse_severity(&severity, &what("severity"))?,
        languages: parse_languages(&languages, &what("languages"))?,
        vulnerability_type: parse_vuln_class(vuln.as_deref(), &what("vulnerability_type"))?,
        created_from_issue: origin,
        confidence,
    }))
}
