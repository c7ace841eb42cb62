//! Test cases attached to rules.

use rsolv_core::OrgId;
use rusqlite::{Connection, TransactionBehavior, params};

use super::row::now;
use super::rules;
use crate::{Error, NewTestCase, Result, TestCase};

/// The columns of a test case, for `rule_test_cases AS t` joined with
/// `organization_rules AS r`.
const COLUMNS: &str = "t.id, r.rule_id, t.kind, t.language, t.code, t.description, t.created_at";

/// Attaches `cases` to the rule in one transaction.
pub(super) fn add(
    conn: &mut Connection,
    org: &OrgId,
    rule_id: &str,
    cases: Vec<NewTestCase>,
) -> Result<Vec<TestCase>> {
    if let Some(case) = cases.iter().find(|c| c.language.trim().is_empty()) {
        return Err(Error::invalid(
            format!("test case of rule `{rule_id}`"),
            format!("{} case has no language", case.kind),
        ));
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let (pk, _) = rules::require(&tx, org, rule_id)?;
    let now = now(&tx)?;
    let mut ids = Vec::with_capacity(cases.len());
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO rule_test_cases (rule_pk, kind, language, code, description, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for case in &cases {
            insert.execute(params![
                pk,
                case.kind.as_str(),
                case.language,
                case.code,
                case.description,
                now
            ])?;
            ids.push(tx.last_insert_rowid());
        }
    }
    let stored = list_for_rule(&tx, pk)?
        .into_iter()
        .filter(|case| ids.contains(&case.id))
        .collect();
    tx.commit()?;
    Ok(stored)
}

/// The rule's test cases, oldest first.
pub(super) fn list(conn: &Connection, org: &OrgId, rule_id: &str) -> Result<Vec<TestCase>> {
    match rules::find(conn, org, rule_id)? {
        Some((pk, _)) => list_for_rule(conn, pk),
        None => Ok(Vec::new()),
    }
}

/// The test cases of the rule with row key `pk`, oldest first.
fn list_for_rule(conn: &Connection, pk: i64) -> Result<Vec<TestCase>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM rule_test_cases t JOIN organization_rules r ON r.id = t.rule_pk
         WHERE t.rule_pk = ?1 ORDER BY t.id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([pk], |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, String>(3)?,
            row.get::<_, String>(4)?,
            row.get::<_, Option<String>>(5)?,
            row.get::<_, String>(6)?,
        ))
    })?;
    rows.map(|row| {
        let (id, rule_id, kind, language, code, description, created_at) = row?;
        Ok(TestCase {
            id,
            rule_id,
            kind: kind.parse()?,
            language,
            code,
            description,
            created_at,
        })
    })
    .collect()
}
