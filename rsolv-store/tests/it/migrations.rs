//! Opening, creating and migrating database files.

use rsolv_store::{Error, RuleStore, SqliteStore};

use crate::common::{org, raw, rule, who};

#[tokio::test]
async fn fresh_file_in_missing_directory_gets_latest_schema() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("deep").join("er").join("rules.db");
    let store = SqliteStore::open(&path)?;
    assert!(path.exists());
    assert_eq!(store.schema_version(), SqliteStore::SCHEMA_VERSION);
    const { assert!(SqliteStore::SCHEMA_VERSION >= 3) };
    let conn = raw(&path)?;
    let version: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    assert_eq!(version, SqliteStore::SCHEMA_VERSION);
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
    assert_eq!(mode, "wal");
    Ok(())
}

#[tokio::test]
async fn reopening_is_idempotent_and_keeps_data() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("rules.db");
    {
        let store = SqliteStore::open(&path)?;
        store
            .put_rule(&org("acme"), rule("kept", "x"), &who("a"))
            .await?;
    }
    for _ in 0..3 {
        let store = SqliteStore::connect(&path).await?;
        assert_eq!(store.schema_version(), SqliteStore::SCHEMA_VERSION);
        assert!(store.get_rule(&org("acme"), "kept").await?.is_some());
    }
    Ok(())
}

#[tokio::test]
async fn newer_schema_is_refused_with_a_clear_error() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("future.db");
    let newer = SqliteStore::SCHEMA_VERSION + 1;
    raw(&path)?.pragma_update(None, "user_version", newer)?;

    let err = SqliteStore::open(&path).err();
    match &err {
        Some(Error::SchemaTooNew {
            found, supported, ..
        }) => assert_eq!((*found, *supported), (newer, SqliteStore::SCHEMA_VERSION)),
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
    let text = err.map(|e| e.to_string()).unwrap_or_default();
    assert!(
        text.contains("future.db") && text.contains("newer"),
        "{text}"
    );
    assert!(matches!(
        SqliteStore::connect(&path).await,
        Err(Error::SchemaTooNew { .. })
    ));

    let conn = raw(&path)?;
    let version: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    assert_eq!(version, newer, "the file is left alone");
    let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?;
    assert_eq!(tables, 0);
    Ok(())
}

#[tokio::test]
async fn a_file_that_is_not_a_database_is_a_database_error() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("notes.txt");
    std::fs::write(
        &path,
        "this is not SQLite, just some text that is long enough".repeat(50),
    )?;
    let err = SqliteStore::open(&path).err();
    assert!(
        matches!(&err, Some(Error::Database { operation: "open", path: p, .. }) if p.ends_with("notes.txt")),
        "{err:?}"
    );
    Ok(())
}

#[test]
fn a_directory_that_cannot_be_created_is_an_io_error() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, "")?;
    let err = SqliteStore::open(&blocker.join("sub").join("rules.db")).err();
    assert!(matches!(err, Some(Error::Io { .. })), "{err:?}");
    Ok(())
}
