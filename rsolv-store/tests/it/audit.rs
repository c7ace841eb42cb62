//! The audit log is append-only.

use rsolv_store::{RuleStore, SqliteStore};

use crate::common::{count, org, raw, rule, who};

#[tokio::test]
async fn raw_update_and_delete_are_refused() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("rules.db");
    let store = SqliteStore::open(&path)?;
    let acme = org("acme");
    store
        .put_rule(&acme, rule("r", "x(a)"), &who("first"))
        .await?;
    store
        .put_rule(&acme, rule("r", "x(b)"), &who("second"))
        .await?;
    let before = store.audit_log(&acme, None).await?;
    assert_eq!(before.len(), 2);

    let conn = raw(&path)?;
    for sql in [
        "UPDATE audit_log SET actor = 'someone else'",
        "UPDATE audit_log SET reason = '' WHERE id = 1",
        "DELETE FROM audit_log",
        "DELETE FROM audit_log WHERE id = 2",
    ] {
        let err = conn.execute(sql, []).err();
        let text = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(text.contains("append-only"), "{sql}: {text:?}");
    }
    // Also inside a transaction that otherwise succeeds.
    let tx = conn.unchecked_transaction()?;
    assert!(
        tx.execute("DELETE FROM audit_log WHERE id = 1", [])
            .is_err()
    );
    tx.commit()?;

    assert_eq!(count(&conn, "audit_log")?, 2);
    assert_eq!(store.audit_log(&acme, None).await?, before);
    Ok(())
}

#[tokio::test]
async fn every_change_is_logged_with_who_and_why() -> anyhow::Result<()> {
    let store = SqliteStore::open_in_memory()?;
    let acme = org("acme");
    let change = rsolv_store::ChangeInfo::new("ana@acme", "learned from fix 42");
    store.put_rule(&acme, rule("r", "x(a)"), &change).await?;
    store.set_enabled(&acme, "r", false, &change).await?;
    store.delete_rule(&acme, "r", &change).await?;
    let log = store.audit_log(&acme, None).await?;
    assert_eq!(log.len(), 3);
    for entry in &log {
        assert_eq!(entry.org_id, acme);
        assert_eq!(entry.rule_id.as_deref(), Some("r"));
        assert_eq!(entry.actor, "ana@acme");
        assert_eq!(entry.reason, "learned from fix 42");
        assert!(
            entry.at.ends_with('Z') && entry.at.contains('T'),
            "{}",
            entry.at
        );
    }
    assert!(log.windows(2).all(|w| w[0].id < w[1].id));
    Ok(())
}
