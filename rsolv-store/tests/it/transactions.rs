//! A failure in the middle of a multi-row write leaves nothing behind.

use std::path::Path;

use rsolv_store::{Error, Feedback, RuleFilter, RuleStore, SqliteStore};

use crate::common::{count, finding, org, raw, rule, who};

/// Row counts of every table a rule write touches, and the FTS index's
/// document count.
fn snapshot(path: &Path) -> anyhow::Result<Vec<(&'static str, i64)>> {
    let conn = raw(path)?;
    // The FTS index must agree with its content table.
    conn.execute(
        "INSERT INTO rules_fts (rules_fts) VALUES ('integrity-check')",
        [],
    )?;
    [
        "organization_rules",
        "rule_evolution",
        "rule_metrics",
        "rule_test_cases",
        "findings",
        "audit_log",
        "rules_fts_docsize",
    ]
    .into_iter()
    .map(|table| Ok((table, count(&conn, table)?)))
    .collect()
}

/// A batch that updates `keep` and adds `batch.1` to `batch.4`.
fn batch() -> Vec<rsolv_store::NewRule> {
    let mut rules = vec![rule("keep", "changed_call(x)")];
    rules.extend((1..=4).map(|i| rule(&format!("batch.{i}"), &format!("quokka{i}(x)"))));
    rules
}

async fn seeded(path: &Path) -> anyhow::Result<SqliteStore> {
    let store = SqliteStore::open(path)?;
    store
        .put_rule(&org("acme"), rule("keep", "kept_call(x)"), &who("seed"))
        .await?;
    Ok(store)
}

async fn assert_only_seed(store: &SqliteStore, path: &Path) -> anyhow::Result<()> {
    let acme = org("acme");
    let rules = store.list_rules(&acme, &RuleFilter::default()).await?;
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0].version, 1);
    assert!(rules[0].yaml.contains("kept_call"));
    assert!(store.search(&acme, "quokka1", 10).await?.is_empty());
    assert!(store.search(&acme, "changed_call", 10).await?.is_empty());
    assert_eq!(store.audit_log(&acme, None).await?.len(), 1);
    assert_eq!(
        snapshot(path)?,
        [
            ("organization_rules", 1),
            ("rule_evolution", 1),
            ("rule_metrics", 1),
            ("rule_test_cases", 0),
            ("findings", 0),
            ("audit_log", 1),
            ("rules_fts_docsize", 1),
        ]
    );
    Ok(())
}

#[tokio::test]
async fn invalid_third_rule_rolls_back_the_whole_batch() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("rules.db");
    let store = seeded(&path).await?;
    let mut rules = batch();
    rules[2].confidence = Some(1.5);

    let err = store
        .put_rules(&org("acme"), rules, &who("import"))
        .await
        .err();
    assert!(
        matches!(&err, Some(Error::InvalidData { what, .. }) if what.contains("batch.2")),
        "{err:?}"
    );
    assert_only_seed(&store, &path).await
}

#[tokio::test]
async fn database_failure_mid_batch_rolls_back_everything() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("rules.db");
    let store = seeded(&path).await?;
    // A failpoint inside SQLite: the audit row of the third new rule fails,
    // after its rule, metrics, evolution and FTS rows were written.
    raw(&path)?.execute_batch(
        "CREATE TRIGGER failpoint BEFORE INSERT ON audit_log WHEN new.rule_id = 'batch.3'
         BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
    )?;

    let err = store
        .put_rules(&org("acme"), batch(), &who("import"))
        .await
        .err();
    match &err {
        Some(Error::Database {
            operation, path: p, ..
        }) => {
            assert_eq!(*operation, "put_rules");
            assert!(p.ends_with("rules.db"), "{p}");
        }
        other => panic!("expected a database error, got {other:?}"),
    }
    assert_only_seed(&store, &path).await?;

    // Without the failpoint the same batch goes through whole.
    raw(&path)?.execute_batch("DROP TRIGGER failpoint")?;
    let stored = store
        .put_rules(&org("acme"), batch(), &who("import"))
        .await?;
    assert_eq!(stored.len(), 5);
    assert_eq!(snapshot(&path)?[0], ("organization_rules", 5));
    assert_eq!(snapshot(&path)?[6], ("rules_fts_docsize", 5));
    assert_eq!(store.search(&org("acme"), "quokka3", 10).await?.len(), 1);
    Ok(())
}

#[tokio::test]
async fn duplicate_ids_in_a_batch_conflict() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("rules.db");
    let store = seeded(&path).await?;
    let mut rules = batch();
    rules.push(rule("batch.1", "again(x)"));
    let err = store
        .put_rules(&org("acme"), rules, &who("import"))
        .await
        .err();
    assert!(matches!(err, Some(Error::Conflict { .. })), "{err:?}");
    assert_only_seed(&store, &path).await
}

#[tokio::test]
async fn findings_batch_with_unknown_rule_writes_nothing() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("rules.db");
    let store = seeded(&path).await?;
    let acme = org("acme");
    let findings = vec![
        finding("keep", "a"),
        finding("keep", "b"),
        finding("no.such.rule", "c"),
    ];
    let err = store.record_findings(&acme, findings).await.err();
    assert!(matches!(err, Some(Error::NotFound { .. })), "{err:?}");
    assert!(store.findings(&acme, None).await?.is_empty());
    let metrics = store.metrics(&acme, "keep").await?;
    assert_eq!(
        metrics.map(|m| (m.matches, m.last_matched_at)),
        Some((0, None))
    );
    assert_only_seed(&store, &path).await
}

#[tokio::test]
async fn feedback_and_metrics_commit_together() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("rules.db");
    let store = seeded(&path).await?;
    let acme = org("acme");
    let recorded = store
        .record_findings(&acme, vec![finding("keep", "a")])
        .await?;
    raw(&path)?.execute_batch(
        "CREATE TRIGGER failpoint BEFORE INSERT ON audit_log WHEN new.action = 'feedback'
         BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
    )?;
    let err = store
        .set_feedback(&acme, recorded[0].id, Feedback::TruePositive, "ana", None)
        .await
        .err();
    assert!(matches!(err, Some(Error::Database { .. })), "{err:?}");
    let after = store.findings(&acme, None).await?;
    assert!(after[0].feedback.is_none());
    let metrics = store.metrics(&acme, "keep").await?;
    assert_eq!(metrics.map(|m| m.true_positives), Some(0));
    Ok(())
}
