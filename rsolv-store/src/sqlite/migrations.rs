//! Versioned schema migrations, tracked in `PRAGMA user_version`.

use rusqlite::{Connection, TransactionBehavior};

use crate::{Error, Result};

/// One step from schema version `version - 1` to `version`.
#[derive(Debug)]
pub(crate) struct Migration {
    /// The version the step produces.
    pub(crate) version: u32,
    /// What it does, for error messages.
    pub(crate) name: &'static str,
    /// The SQL it runs.
    pub(crate) sql: &'static str,
}

/// Every step, in order; versions count from 1 without gaps. Never edit a
/// released step: add a new one.
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "rules, metrics, test cases and evolution",
        sql: include_str!("migrations/0001_rules.sql"),
    },
    Migration {
        version: 2,
        name: "findings and the append-only audit log",
        sql: include_str!("migrations/0002_findings_audit.sql"),
    },
    Migration {
        version: 3,
        name: "full-text search index",
        sql: include_str!("migrations/0003_search.sql"),
    },
    Migration {
        version: 4,
        name: "suppressions",
        sql: include_str!("migrations/0004_suppressions.sql"),
    },
];

/// The schema version this build creates.
pub(crate) const LATEST_VERSION: u32 = MIGRATIONS.len() as u32;

/// The database's schema version.
pub(crate) fn current_version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
}

/// Brings the database up to `target`, one transaction per step, and
/// returns the version it ends at. A database newer than this build is
/// refused untouched.
pub(crate) fn migrate_to(conn: &mut Connection, path: &str, target: u32) -> Result<u32> {
    let found = current_version(conn)?;
    if found > LATEST_VERSION {
        return Err(Error::SchemaTooNew {
            path: path.to_owned(),
            found,
            supported: LATEST_VERSION,
        });
    }
    for step in MIGRATIONS.iter().filter(|m| m.version <= target) {
        let failed = |source| Error::Migration {
            path: path.to_owned(),
            version: step.version,
            name: step.name,
            source,
        };
        // IMMEDIATE takes the write lock before reading the version, so two
        // processes opening a fresh file cannot both apply the same step.
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(failed)?;
        if current_version(&tx).map_err(failed)? >= step.version {
            continue;
        }
        tx.execute_batch(step.sql).map_err(failed)?;
        tx.pragma_update(None, "user_version", step.version)
            .map_err(failed)?;
        tx.commit().map_err(failed)?;
    }
    Ok(current_version(conn)?)
}

/// Brings the database up to the latest version.
pub(crate) fn migrate(conn: &mut Connection, path: &str) -> Result<u32> {
    migrate_to(conn, path, LATEST_VERSION)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory() -> Connection {
        match Connection::open_in_memory() {
            Ok(conn) => conn,
            Err(err) => panic!("open: {err}"),
        }
    }

    #[test]
    fn versions_are_contiguous() {
        for (i, step) in MIGRATIONS.iter().enumerate() {
            assert_eq!(step.version as usize, i + 1, "{}", step.name);
        }
    }

    #[test]
    fn fresh_database_reaches_latest_and_is_idempotent() -> Result<()> {
        let mut conn = memory();
        assert_eq!(migrate(&mut conn, ":memory:")?, LATEST_VERSION);
        assert_eq!(migrate(&mut conn, ":memory:")?, LATEST_VERSION);
        Ok(())
    }

    #[test]
    fn newer_database_is_refused_untouched() -> Result<()> {
        let mut conn = memory();
        conn.pragma_update(None, "user_version", LATEST_VERSION + 1)?;
        let err = migrate(&mut conn, "x.db").err();
        assert!(
            matches!(err, Some(Error::SchemaTooNew { found, .. }) if found == LATEST_VERSION + 1),
            "{err:?}"
        );
        let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?;
        assert_eq!(tables, 0);
        Ok(())
    }

    #[test]
    fn search_migration_indexes_existing_rules() -> Result<()> {
        let mut conn = memory();
        assert_eq!(migrate_to(&mut conn, ":memory:", 2)?, 2);
        conn.execute(
            "INSERT INTO organization_rules
                 (org_id, rule_id, yaml, message, severity, version, created_at, updated_at)
             VALUES ('acme', 'legacy.rule', 'rules: []', 'an old zebra rule', 'INFO', 1, 'x', 'x')",
            [],
        )?;
        assert_eq!(migrate(&mut conn, ":memory:")?, LATEST_VERSION);
        let hits: i64 = conn.query_row(
            "SELECT count(*) FROM rules_fts WHERE rules_fts MATCH 'zebra'",
            [],
            |r| r.get(0),
        )?;
        assert_eq!(hits, 1);
        Ok(())
    }

    #[test]
    fn suppressions_migration_keeps_existing_rules() -> Result<()> {
        let mut conn = memory();
        assert_eq!(migrate_to(&mut conn, ":memory:", 3)?, 3);
        conn.execute(
            "INSERT INTO organization_rules
                 (org_id, rule_id, yaml, message, severity, version, created_at, updated_at)
             VALUES ('acme', 'kept.rule', 'rules: []', 'm', 'INFO', 1, 'x', 'x')",
            [],
        )?;
        assert_eq!(migrate(&mut conn, ":memory:")?, LATEST_VERSION);
        let rules: i64 =
            conn.query_row("SELECT count(*) FROM organization_rules", [], |r| r.get(0))?;
        let suppressions: i64 =
            conn.query_row("SELECT count(*) FROM suppressions", [], |r| r.get(0))?;
        assert_eq!((rules, suppressions), (1, 0));
        Ok(())
    }

    #[test]
    fn failing_step_leaves_previous_version() -> Result<()> {
        let mut conn = memory();
        migrate_to(&mut conn, ":memory:", 1)?;
        // A table in the way makes step 2 fail half-way through its script.
        conn.execute_batch("CREATE TABLE audit_log (x)")?;
        let err = migrate(&mut conn, ":memory:").err();
        assert!(
            matches!(err, Some(Error::Migration { version: 2, .. })),
            "{err:?}"
        );
        assert_eq!(current_version(&conn)?, 1);
        let findings: i64 = conn.query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name = 'findings'",
            [],
            |r| r.get(0),
        )?;
        assert_eq!(findings, 0, "step 2 must roll back entirely");
        Ok(())
    }
}
