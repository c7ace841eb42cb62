//! Suppressions: stored per organization, unique per label and glob.

use rsolv_core::VulnClass;
use rsolv_store::{Error, NewSuppression, RuleStore, SqliteStore};

use crate::common::{org, raw};

fn tests_info() -> NewSuppression {
    NewSuppression {
        label: VulnClass::InformationDisclosure,
        path_glob: "tests/**".into(),
        reason: Some("test fixtures print stack traces".into()),
    }
}

#[tokio::test]
async fn add_list_remove() -> anyhow::Result<()> {
    let store = SqliteStore::open_in_memory()?;
    let acme = org("acme");
    let added = store.add_suppression(&acme, tests_info(), "ana").await?;
    assert_eq!(added.label, VulnClass::InformationDisclosure);
    assert_eq!(added.created_by, "ana");
    assert!(added.matches(VulnClass::InformationDisclosure, "tests/unit/x.py"));
    assert!(!added.matches(VulnClass::Sqli, "tests/unit/x.py"));
    assert_eq!(store.suppressions(&acme).await?, vec![added.clone()]);
    assert!(store.remove_suppression(&acme, added.id).await?);
    assert!(!store.remove_suppression(&acme, added.id).await?);
    assert!(store.suppressions(&acme).await?.is_empty());
    Ok(())
}

#[tokio::test]
async fn duplicates_conflict_and_empty_globs_are_refused() -> anyhow::Result<()> {
    let store = SqliteStore::open_in_memory()?;
    let acme = org("acme");
    store.add_suppression(&acme, tests_info(), "ana").await?;
    let again = store.add_suppression(&acme, tests_info(), "bo").await;
    assert!(matches!(again, Err(Error::Conflict { .. })), "{again:?}");
    let empty = NewSuppression {
        path_glob: "  ".into(),
        ..tests_info()
    };
    let refused = store.add_suppression(&acme, empty, "ana").await;
    assert!(
        matches!(refused, Err(Error::InvalidData { .. })),
        "{refused:?}"
    );
    assert_eq!(store.suppressions(&acme).await?.len(), 1);
    Ok(())
}

#[tokio::test]
async fn organizations_are_isolated() -> anyhow::Result<()> {
    let store = SqliteStore::open_in_memory()?;
    let (a, b) = (org("alpha"), org("beta"));
    let b_one = store.add_suppression(&b, tests_info(), "bo").await?;
    assert!(store.suppressions(&a).await?.is_empty());
    assert!(!store.remove_suppression(&a, b_one.id).await?);
    assert_eq!(store.suppressions(&b).await?.len(), 1);
    // The same label and glob in another organization is no conflict.
    store.add_suppression(&a, tests_info(), "ana").await?;
    assert_eq!(store.suppressions(&a).await?.len(), 1);
    Ok(())
}

#[tokio::test]
async fn survive_reopening_the_file() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("rsolv.db");
    {
        let store = SqliteStore::open(&path)?;
        store
            .add_suppression(&org("acme"), tests_info(), "ana")
            .await?;
    }
    let store = SqliteStore::open(&path)?;
    assert_eq!(store.suppressions(&org("acme")).await?.len(), 1);
    let version: u32 = raw(&path)?.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    assert!(version >= 4);
    Ok(())
}
