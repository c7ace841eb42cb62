//! Writing and reading the append-only audit log.

use rsolv_core::OrgId;
use rusqlite::{Connection, params};

use super::row::parse_org;
use crate::{AuditEntry, ChangeInfo, ChangeKind, Error, Result};

/// Appends one entry; runs inside the caller's transaction so the entry
/// commits or rolls back with the change it describes.
pub(super) fn append(
    conn: &Connection,
    org: &OrgId,
    rule_id: Option<&str>,
    action: ChangeKind,
    change: &ChangeInfo,
    detail: &serde_json::Value,
    now: &str,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO audit_log (org_id, rule_id, action, actor, reason, detail, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        org.as_str(),
        rule_id,
        action.as_str(),
        change.actor,
        change.reason,
        detail.to_string(),
        now
    ])?;
    Ok(())
}

/// The organization's entries, of one rule id or all, oldest first.
pub(super) fn list(
    conn: &Connection,
    org: &OrgId,
    rule_id: Option<&str>,
) -> Result<Vec<AuditEntry>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, org_id, rule_id, action, actor, reason, detail, created_at
         FROM audit_log
         WHERE org_id = ?1 AND (?2 IS NULL OR rule_id = ?2)
         ORDER BY id",
    )?;
    let rows = stmt.query_map(params![org.as_str(), rule_id], |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, Option<String>>(2)?,
            row.get::<_, String>(3)?,
            row.get::<_, String>(4)?,
            row.get::<_, String>(5)?,
            row.get::<_, String>(6)?,
            row.get::<_, String>(7)?,
        ))
    })?;
    let mut entries = Vec::new();
    for row in rows {
        let (id, org_id, rule_id, action, actor, reason, detail, at) = row?;
        let detail = serde_json::from_str(&detail)
            .map_err(|e| Error::invalid(format!("detail of audit entry {id}"), e.to_string()))?;
        entries.push(AuditEntry {
            id,
            org_id: parse_org(&org_id)?,
            rule_id,
            action,
            actor,
            reason,
            detail,
            at,
        });
    }
    Ok(entries)
}
