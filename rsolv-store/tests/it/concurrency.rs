//! Many concurrent writers lose nothing, through one store or several
//! stores on the same file.

use std::collections::BTreeMap;
use std::sync::Arc;

use rsolv_store::{PutOutcome, RuleFilter, RuleStore, SqliteStore};

use crate::common::{count, org, raw, rule, who};

const TASKS: usize = 8;
const WRITES: usize = 200;
const RULES: usize = 4;

/// Runs `TASKS` tasks of `WRITES` puts each, task `t` using store
/// `t % stores.len()`; every put has new content for one of `RULES` shared
/// rule ids, so each is a new version.
async fn hammer(stores: Vec<Arc<SqliteStore>>) -> anyhow::Result<()> {
    let acme = org("acme");
    let mut tasks = Vec::new();
    for t in 0..TASKS {
        let store = Arc::clone(&stores[t % stores.len()]);
        let acme = acme.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..WRITES {
                let id = format!("shared.{}", i % RULES);
                let (_, outcome) = store
                    .put_rule(&acme, rule(&id, &format!("t{t}_i{i}(x)")), &who("load"))
                    .await?;
                anyhow::ensure!(outcome != PutOutcome::Unchanged, "content was new");
            }
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await??;
    }

    let store = &stores[0];
    let rules = store.list_rules(&acme, &RuleFilter::default()).await?;
    assert_eq!(rules.len(), RULES);
    let per_rule = (TASKS * WRITES / RULES) as u32;
    let mut seen_bodies = BTreeMap::new();
    for stored in &rules {
        assert_eq!(stored.version, per_rule, "{}", stored.rule_id);
        let history = store.history(&acme, &stored.rule_id).await?;
        let versions: Vec<u32> = history.iter().map(|v| v.version).collect();
        assert_eq!(versions, (1..=per_rule).collect::<Vec<_>>(), "contiguous");
        assert_eq!(history.last().map(|v| &v.yaml), Some(&stored.yaml));
        for v in history {
            *seen_bodies.entry(v.yaml).or_insert(0) += 1;
        }
    }
    // Every single write is in some history, exactly once.
    assert_eq!(seen_bodies.len(), TASKS * WRITES);
    assert!(seen_bodies.values().all(|&n| n == 1));
    assert_eq!(store.audit_log(&acme, None).await?.len(), TASKS * WRITES);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_on_one_store_lose_nothing() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let store = Arc::new(SqliteStore::open(&dir.path().join("rules.db"))?);
    hammer(vec![store]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_on_two_stores_sharing_a_file_lose_nothing() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("rules.db");
    let first = Arc::new(SqliteStore::open(&path)?);
    let second = Arc::new(SqliteStore::connect(&path).await?);
    hammer(vec![first, second]).await?;

    let conn = raw(&path)?;
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
    assert_eq!(mode, "wal");
    assert_eq!(count(&conn, "rule_evolution")? as usize, TASKS * WRITES);
    Ok(())
}
