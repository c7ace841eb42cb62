//! Opening a connection: pragmas, then migrations.

use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::migrations;
use crate::Result;

/// How long a writer waits for another connection's lock before failing
/// with `SQLITE_BUSY`.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Where a store keeps its data.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    /// A database file.
    File(std::path::PathBuf),
    /// A private in-memory database.
    Memory,
}

impl Target {
    /// The name used in error messages.
    pub(crate) fn display(&self) -> String {
        match self {
            Target::File(path) => path.display().to_string(),
            Target::Memory => ":memory:".to_owned(),
        }
    }
}

/// Opens the database, configures the connection and migrates the schema;
/// returns the connection and its schema version.
pub(crate) fn open(target: &Target) -> Result<(Connection, u32)> {
    let name = target.display();
    let context = |err: crate::Error| err.in_operation("open", &name);
    let mut conn = match target {
        Target::File(path) => Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        ),
        Target::Memory => Connection::open_in_memory(),
    }
    .map_err(|e| context(e.into()))?;
    configure(&conn).map_err(|e| context(e.into()))?;
    let version = migrations::migrate(&mut conn, &name).map_err(context)?;
    Ok((conn, version))
}

/// Per-connection settings; `foreign_keys` must be set outside a
/// transaction, so this runs before anything else.
fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // Room for every statement the store prepares, so none is re-parsed.
    conn.set_prepared_statement_cache_capacity(64);
    conn.pragma_update(None, "foreign_keys", true)?;
    // WAL lets readers proceed while one writer commits; in-memory
    // databases answer "memory" and stay as they are.
    let _mode: String = conn.pragma_update_and_check(None, "journal_mode", "wal", |r| r.get(0))?;
    // In WAL mode NORMAL is durable against application crashes and only
    // risks the last commits on power loss.
    conn.pragma_update(None, "synchronous", "normal")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_connections_are_configured() -> Result<()> {
        let dir = match tempfile::tempdir() {
            Ok(dir) => dir,
            Err(err) => panic!("tempdir: {err}"),
        };
        let (conn, version) = open(&Target::File(dir.path().join("r.db")))?;
        assert_eq!(version, migrations::LATEST_VERSION);
        let pragma = |name: &str| -> rusqlite::Result<String> {
            conn.query_row(&format!("PRAGMA {name}"), [], |r| {
                r.get::<_, rusqlite::types::Value>(0).map(|v| match v {
                    rusqlite::types::Value::Integer(n) => n.to_string(),
                    rusqlite::types::Value::Text(t) => t,
                    other => format!("{other:?}"),
                })
            })
        };
        assert_eq!(pragma("foreign_keys")?, "1");
        assert_eq!(pragma("journal_mode")?, "wal");
        assert_eq!(
            pragma("busy_timeout")?,
            BUSY_TIMEOUT.as_millis().to_string()
        );
        assert_eq!(pragma("synchronous")?, "1", "NORMAL");
        Ok(())
    }
}
