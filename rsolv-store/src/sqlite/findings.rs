//! Findings, feedback on them, and the rule metrics they feed.

use std::collections::HashMap;

use rsolv_core::OrgId;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde_json::json;

use super::audit;
use super::row::{check_actor, now, parse_org, parse_severity, parse_vuln_class};
use super::rules;
use crate::{
    ChangeInfo, ChangeKind, Error, Feedback, FeedbackRecord, NewFinding, Result, RuleMetrics,
    StoredFinding,
};

/// The columns [`read_finding`] expects, for `findings AS f` joined with
/// `organization_rules AS r`.
const COLUMNS: &str = "f.id, r.org_id, r.rule_id, f.path, f.start_line, f.start_col, \
     f.end_line, f.end_col, f.message, f.severity, f.fingerprint, f.lines, f.vuln_class, \
     f.times_seen, f.first_seen_at, f.last_seen_at, f.feedback, f.feedback_actor, \
     f.feedback_note, f.feedback_at";

/// Upserts findings by `(rule, fingerprint)` and counts each as a match of
/// its rule, in one transaction.
pub(super) fn record(
    conn: &mut Connection,
    org: &OrgId,
    findings: Vec<NewFinding>,
) -> Result<Vec<StoredFinding>> {
    if let Some(bad) = findings.iter().find(|f| f.fingerprint.trim().is_empty()) {
        return Err(Error::invalid(
            format!("finding of rule `{}` in {}", bad.rule_id, bad.path),
            "its fingerprint is empty",
        ));
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let now = now(&tx)?;
    let mut rule_keys: HashMap<String, i64> = HashMap::new();
    let mut ids = Vec::with_capacity(findings.len());
    for finding in &findings {
        let pk = match rule_keys.get(&finding.rule_id) {
            Some(pk) => *pk,
            None => {
                let (pk, _) = rules::require(&tx, org, &finding.rule_id)?;
                rule_keys.insert(finding.rule_id.clone(), pk);
                pk
            }
        };
        ids.push(upsert(&tx, pk, finding, &now)?);
        tx.prepare_cached(
            "UPDATE rule_metrics SET matches = matches + 1, last_matched_at = ?2
             WHERE rule_pk = ?1",
        )?
        .execute(params![pk, now])?;
    }
    let stored = ids
        .iter()
        .map(|id| require(&tx, org, *id))
        .collect::<Result<Vec<_>>>()?;
    tx.commit()?;
    Ok(stored)
}

/// Inserts a finding, or refreshes the one with the same fingerprint;
/// returns its id.
fn upsert(conn: &Connection, rule_pk: i64, finding: &NewFinding, now: &str) -> Result<i64> {
    Ok(conn
        .prepare_cached(
            "INSERT INTO findings (rule_pk, fingerprint, path, start_line, start_col, end_line,
                 end_col, message, severity, lines, vuln_class, first_seen_at, last_seen_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)
             ON CONFLICT (rule_pk, fingerprint) DO UPDATE SET
                 path = excluded.path, start_line = excluded.start_line,
                 start_col = excluded.start_col, end_line = excluded.end_line,
                 end_col = excluded.end_col, message = excluded.message,
                 severity = excluded.severity, lines = excluded.lines,
                 vuln_class = excluded.vuln_class, times_seen = times_seen + 1,
                 last_seen_at = excluded.last_seen_at
             RETURNING id",
        )?
        .query_row(
            params![
                rule_pk,
                finding.fingerprint,
                finding.path,
                finding.start_line,
                finding.start_col,
                finding.end_line,
                finding.end_col,
                finding.message,
                finding.severity.as_str(),
                finding.lines,
                finding.vuln_class.map(|v| v.as_str()),
                now,
            ],
            |row| row.get(0),
        )?)
}

/// Judges a finding and recounts its rule's true and false positives.
pub(super) fn set_feedback(
    conn: &mut Connection,
    org: &OrgId,
    finding_id: i64,
    feedback: Feedback,
    actor: &str,
    note: Option<String>,
) -> Result<StoredFinding> {
    check_actor(actor)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let before = require(&tx, org, finding_id)?;
    let now = now(&tx)?;
    // Scoped by organization again, so a guessed id can never touch
    // another organization's row even if the lookup above changed.
    let rule_pk: i64 = tx
        .prepare_cached(
            "UPDATE findings
             SET feedback = ?3, feedback_actor = ?4, feedback_note = ?5, feedback_at = ?6
             WHERE id = ?1
               AND rule_pk IN (SELECT id FROM organization_rules WHERE org_id = ?2)
             RETURNING rule_pk",
        )?
        .query_row(
            params![
                finding_id,
                org.as_str(),
                feedback.as_str(),
                actor,
                note,
                now
            ],
            |row| row.get(0),
        )
        .optional()?
        .ok_or_else(|| Error::not_found(format!("finding {finding_id}")))?;
    tx.prepare_cached(
        "UPDATE rule_metrics SET
             true_positives = (SELECT count(*) FROM findings
                               WHERE rule_pk = ?1 AND feedback = 'true_positive'),
             false_positives = (SELECT count(*) FROM findings
                                WHERE rule_pk = ?1 AND feedback = 'false_positive')
         WHERE rule_pk = ?1",
    )?
    .execute([rule_pk])?;
    let change = ChangeInfo::new(actor, note.clone().unwrap_or_default());
    audit::append(
        &tx,
        org,
        Some(&before.rule_id),
        ChangeKind::Feedback,
        &change,
        &json!({
            "finding_id": finding_id,
            "feedback": feedback.as_str(),
            "previous": before.feedback.as_ref().map(|f| f.verdict.as_str()),
        }),
        &now,
    )?;
    let after = require(&tx, org, finding_id)?;
    tx.commit()?;
    Ok(after)
}

/// The organization's findings, of one rule or all, by id.
pub(super) fn list(
    conn: &Connection,
    org: &OrgId,
    rule_id: Option<&str>,
) -> Result<Vec<StoredFinding>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM findings f JOIN organization_rules r ON r.id = f.rule_pk
         WHERE r.org_id = ?1 AND (?2 IS NULL OR r.rule_id = ?2)
         ORDER BY f.id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![org.as_str(), rule_id], FindingRow::read)?;
    rows.map(|row| row?.into_finding()).collect()
}

/// The organization's finding with this id; [`Error::NotFound`] otherwise.
fn require(conn: &Connection, org: &OrgId, finding_id: i64) -> Result<StoredFinding> {
    let sql = format!(
        "SELECT {COLUMNS} FROM findings f JOIN organization_rules r ON r.id = f.rule_pk
         WHERE r.org_id = ?1 AND f.id = ?2"
    );
    conn.prepare_cached(&sql)?
        .query_row(params![org.as_str(), finding_id], FindingRow::read)
        .optional()?
        .ok_or_else(|| Error::not_found(format!("finding {finding_id}")))?
        .into_finding()
}

/// The rule's metrics, if the organization has the rule.
pub(super) fn metrics(
    conn: &Connection,
    org: &OrgId,
    rule_id: &str,
) -> Result<Option<RuleMetrics>> {
    Ok(conn
        .prepare_cached(
            "SELECT m.matches, m.true_positives, m.false_positives, m.last_matched_at,
                    m.precision
             FROM rule_metrics m JOIN organization_rules r ON r.id = m.rule_pk
             WHERE r.org_id = ?1 AND r.rule_id = ?2",
        )?
        .query_row(params![org.as_str(), rule_id], |row| {
            // CHECK constraints keep the counters non-negative.
            let count = |i| row.get::<_, i64>(i).map(|n| u64::try_from(n).unwrap_or(0));
            Ok(RuleMetrics {
                rule_id: rule_id.to_owned(),
                matches: count(0)?,
                true_positives: count(1)?,
                false_positives: count(2)?,
                last_matched_at: row.get(3)?,
                precision: row.get(4)?,
            })
        })
        .optional()?)
}

/// A finding row as SQLite returns it, before its text columns are parsed.
#[derive(Debug)]
struct FindingRow {
    id: i64,
    org_id: String,
    rule_id: String,
    path: String,
    start_line: u32,
    start_col: u32,
    end_line: u32,
    end_col: u32,
    message: String,
    severity: String,
    fingerprint: String,
    lines: String,
    vuln_class: Option<String>,
    times_seen: u32,
    first_seen_at: String,
    last_seen_at: String,
    feedback: Option<String>,
    feedback_actor: Option<String>,
    feedback_note: Option<String>,
    feedback_at: Option<String>,
}

impl FindingRow {
    /// Reads [`COLUMNS`].
    fn read(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            org_id: row.get(1)?,
            rule_id: row.get(2)?,
            path: row.get(3)?,
            start_line: row.get(4)?,
            start_col: row.get(5)?,
            end_line: row.get(6)?,
            end_col: row.get(7)?,
            message: row.get(8)?,
            severity: row.get(9)?,
            fingerprint: row.get(10)?,
            lines: row.get(11)?,
            vuln_class: row.get(12)?,
            times_seen: row.get(13)?,
            first_seen_at: row.get(14)?,
            last_seen_at: row.get(15)?,
            feedback: row.get(16)?,
            feedback_actor: row.get(17)?,
            feedback_note: row.get(18)?,
            feedback_at: row.get(19)?,
        })
    }

    /// Parses the text columns.
    fn into_finding(self) -> Result<StoredFinding> {
        let what = |field: &str| format!("{field} of finding {}", self.id);
        let feedback = match (self.feedback, self.feedback_actor, self.feedback_at) {
            (Some(verdict), Some(actor), Some(at)) => Some(FeedbackRecord {
                verdict: verdict.parse()?,
                actor,
                note: self.feedback_note,
                at,
            }),
            _ => None,
        };
        Ok(StoredFinding {
            id: self.id,
            org_id: parse_org(&self.org_id)?,
            severity: parse_severity(&self.severity, &what("severity"))?,
            vuln_class: parse_vuln_class(self.vuln_class.as_deref(), &what("vuln_class"))?,
            rule_id: self.rule_id,
            path: self.path,
            start_line: self.start_line,
            start_col: self.start_col,
            end_line: self.end_line,
            end_col: self.end_col,
            message: self.message,
            fingerprint: self.fingerprint,
            lines: self.lines,
            times_seen: self.times_seen,
            first_seen_at: self.first_seen_at,
            last_seen_at: self.last_seen_at,
            feedback,
        })
    }
}
