//! Suppressions, per organization.

use rsolv_core::{OrgId, VulnClass};
use rusqlite::{Connection, ErrorCode, TransactionBehavior, params};

use super::row::now;
use crate::{Error, NewSuppression, Result, Suppression};

const COLUMNS: &str = "id, label, path_glob, reason, created_by, created_at";

pub(super) fn add(
    conn: &mut Connection,
    org: &OrgId,
    new: NewSuppression,
    actor: &str,
) -> Result<Suppression> {
    let glob = new.path_glob.trim();
    if glob.is_empty() {
        return Err(Error::invalid("suppression path glob", "it is empty"));
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let now = now(&tx)?;
    let inserted = tx.execute(
        "INSERT INTO suppressions (org_id, label, path_glob, reason, created_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            org.as_str(),
            new.label.as_str(),
            glob,
            new.reason,
            actor,
            now
        ],
    );
    match inserted {
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == ErrorCode::ConstraintViolation => {
            return Err(Error::Conflict {
                what: format!("a suppression of `{}` for `{glob}` exists", new.label),
            });
        }
        other => other?,
    };
    let id = tx.last_insert_rowid();
    let stored = get(&tx, org, id)?.ok_or_else(|| Error::not_found(format!("suppression {id}")))?;
    tx.commit()?;
    Ok(stored)
}

pub(super) fn list(conn: &Connection, org: &OrgId) -> Result<Vec<Suppression>> {
    let sql = format!("SELECT {COLUMNS} FROM suppressions WHERE org_id = ?1 ORDER BY id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([org.as_str()], read)?;
    rows.map(|row| row?).collect()
}

pub(super) fn remove(conn: &mut Connection, org: &OrgId, id: i64) -> Result<bool> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let removed = tx.execute(
        "DELETE FROM suppressions WHERE org_id = ?1 AND id = ?2",
        params![org.as_str(), id],
    )?;
    tx.commit()?;
    Ok(removed > 0)
}

fn get(conn: &Connection, org: &OrgId, id: i64) -> Result<Option<Suppression>> {
    let sql = format!("SELECT {COLUMNS} FROM suppressions WHERE org_id = ?1 AND id = ?2");
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query_map(params![org.as_str(), id], read)?;
    rows.next().transpose()?.transpose()
}

/// A row, with its label parsed (an unknown label is a damaged database).
fn read(row: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Suppression>> {
    let label: String = row.get(1)?;
    let id: i64 = row.get(0)?;
    let parsed = label.parse::<VulnClass>().map_err(|_| {
        Error::invalid(
            format!("label of suppression {id}"),
            format!("unknown label `{label}`"),
        )
    });
    let (glob, reason, by, at) = (row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?);
    Ok(parsed.map(|label| Suppression {
        id,
        label,
        path_glob: glob,
        reason,
        created_by: by,
        created_at: at,
    }))
}
