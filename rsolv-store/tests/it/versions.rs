//! Versions, history, rollback, enable/disable and delete.

use rsolv_core::Severity;
use rsolv_store::{ChangeKind, Error, PutOutcome, RuleFilter, RuleStore, SqliteStore};

use crate::common::{org, rule, who};

#[tokio::test]
async fn rollback_appends_a_version_with_the_old_content() -> anyhow::Result<()> {
    let store = SqliteStore::open_in_memory()?;
    let acme = org("acme");
    let v1 = rule("py.sqli", "one(x)");
    let mut v2 = rule("py.sqli", "two(x)");
    v2.severity = Severity::Warning;
    let v3 = rule("py.sqli", "three(x)");
    assert_eq!(
        store.put_rule(&acme, v1.clone(), &who("first")).await?.1,
        PutOutcome::Created
    );
    assert_eq!(
        store.put_rule(&acme, v2, &who("second")).await?.1,
        PutOutcome::Updated
    );
    let (third, outcome) = store.put_rule(&acme, v3, &who("third")).await?;
    assert_eq!((third.version, outcome), (3, PutOutcome::Updated));

    let rolled = store
        .rollback(&acme, "py.sqli", 1, &who("v2 and v3 were wrong"))
        .await?;
    assert_eq!(rolled.version, 4);
    assert_eq!(rolled.yaml, v1.yaml);
    assert_eq!(
        rolled.message, v1.message,
        "indexed fields are restored too"
    );
    assert_eq!(rolled.severity, Severity::Error);
    assert_eq!(
        store.get_rule(&acme, "py.sqli").await?,
        Some(rolled.clone())
    );

    let history = store.history(&acme, "py.sqli").await?;
    let summary: Vec<(u32, ChangeKind, &str)> = history
        .iter()
        .map(|v| (v.version, v.change, v.reason.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            (1, ChangeKind::Created, "first"),
            (2, ChangeKind::Updated, "second"),
            (3, ChangeKind::Updated, "third"),
            (4, ChangeKind::RolledBack, "v2 and v3 were wrong"),
        ]
    );
    assert_eq!(history[3].yaml, history[0].yaml);
    assert!(history.iter().all(|v| v.actor == "tester"));

    let audit = store.audit_log(&acme, Some("py.sqli")).await?;
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["created", "updated", "updated", "rolled_back"]);
    assert_eq!(audit[3].detail["from_version"], 1);
    assert_eq!(audit[3].detail["version"], 4);
    assert_eq!(audit[3].reason, "v2 and v3 were wrong");

    let err = store
        .rollback(&acme, "py.sqli", 9, &who("nope"))
        .await
        .err();
    assert!(
        matches!(&err, Some(Error::NotFound { what }) if what.contains("version 9")),
        "{err:?}"
    );
    let err = store
        .rollback(&acme, "py.sqli", 0, &who("nope"))
        .await
        .err();
    assert!(matches!(err, Some(Error::NotFound { .. })), "{err:?}");
    let err = store.rollback(&acme, "absent", 1, &who("nope")).await.err();
    assert!(matches!(err, Some(Error::NotFound { .. })), "{err:?}");
    assert_eq!(
        store.history(&acme, "py.sqli").await?.len(),
        4,
        "failures add nothing"
    );
    Ok(())
}

#[tokio::test]
async fn identical_put_is_unchanged_and_writes_nothing() -> anyhow::Result<()> {
    let store = SqliteStore::open_in_memory()?;
    let acme = org("acme");
    let (first, _) = store.put_rule(&acme, rule("r", "x(y)"), &who("a")).await?;
    let (again, outcome) = store.put_rule(&acme, rule("r", "x(y)"), &who("b")).await?;
    assert_eq!(outcome, PutOutcome::Unchanged);
    assert_eq!(again, first);
    assert_eq!(store.history(&acme, "r").await?.len(), 1);
    assert_eq!(store.audit_log(&acme, None).await?.len(), 1);

    // Same YAML with a different indexed field is a new version.
    let mut changed = rule("r", "x(y)");
    changed.confidence = Some(0.99);
    let (v2, outcome) = store.put_rule(&acme, changed, &who("c")).await?;
    assert_eq!((v2.version, outcome), (2, PutOutcome::Updated));
    Ok(())
}

#[tokio::test]
async fn enable_disable_and_delete() -> anyhow::Result<()> {
    let store = SqliteStore::open_in_memory()?;
    let acme = org("acme");
    store
        .put_rule(&acme, rule("r1", "a(x)"), &who("add"))
        .await?;
    store
        .put_rule(&acme, rule("r2", "b(x)"), &who("add"))
        .await?;

    let off = store.set_enabled(&acme, "r1", false, &who("noisy")).await?;
    assert!(!off.enabled);
    assert_eq!(off.version, 1, "state changes make no version");
    let again = store.set_enabled(&acme, "r1", false, &who("noisy")).await?;
    assert_eq!(again, off);
    let disabled = RuleFilter {
        enabled: Some(false),
        ..RuleFilter::default()
    };
    let ids: Vec<String> = store
        .list_rules(&acme, &disabled)
        .await?
        .into_iter()
        .map(|r| r.rule_id)
        .collect();
    assert_eq!(ids, ["r1"]);
    assert!(
        store
            .set_enabled(&acme, "r1", true, &who("fixed"))
            .await?
            .enabled
    );
    let err = store
        .set_enabled(&acme, "nope", true, &who("x"))
        .await
        .err();
    assert!(matches!(err, Some(Error::NotFound { .. })), "{err:?}");

    assert!(store.delete_rule(&acme, "r1", &who("obsolete")).await?);
    assert!(!store.delete_rule(&acme, "r1", &who("obsolete")).await?);
    assert!(store.get_rule(&acme, "r1").await?.is_none());
    assert!(store.history(&acme, "r1").await?.is_empty());
    assert!(store.search(&acme, "r1", 10).await?.is_empty());

    let actions: Vec<String> = store
        .audit_log(&acme, Some("r1"))
        .await?
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, ["created", "disabled", "enabled", "deleted"]);
    let deleted = store.audit_log(&acme, Some("r1")).await?;
    assert!(
        deleted[3].detail["yaml"]
            .as_str()
            .is_some_and(|y| y.contains("a(x)"))
    );

    // Re-creating a deleted rule starts a new history.
    let (back, outcome) = store
        .put_rule(&acme, rule("r1", "a(x)"), &who("back"))
        .await?;
    assert_eq!((back.version, outcome), (1, PutOutcome::Created));
    Ok(())
}

#[tokio::test]
async fn filters_select_by_class_and_language() -> anyhow::Result<()> {
    let store = SqliteStore::open_in_memory()?;
    let acme = org("acme");
    let mut js = rule("js.xss", "innerHTML");
    js.languages = vec!["javascript".into(), "typescript".into()];
    js.vulnerability_type = Some(rsolv_core::VulnClass::Xss);
    store
        .put_rules(&acme, vec![rule("py.sqli", "q"), js], &who("import"))
        .await?;
    let ids = |rules: Vec<rsolv_store::StoredRule>| -> Vec<String> {
        rules.into_iter().map(|r| r.rule_id).collect()
    };
    let ts = RuleFilter {
        language: Some("typescript".into()),
        ..RuleFilter::default()
    };
    assert_eq!(ids(store.list_rules(&acme, &ts).await?), ["js.xss"]);
    let sqli = RuleFilter {
        vulnerability_type: Some(rsolv_core::VulnClass::Sqli),
        ..RuleFilter::default()
    };
    assert_eq!(ids(store.list_rules(&acme, &sqli).await?), ["py.sqli"]);
    let all = store.list_rules(&acme, &RuleFilter::default()).await?;
    assert_eq!(ids(all), ["js.xss", "py.sqli"]);
    Ok(())
}

#[tokio::test]
async fn changes_need_an_actor() -> anyhow::Result<()> {
    let store = SqliteStore::open_in_memory()?;
    let nobody = rsolv_store::ChangeInfo::new(" ", "why");
    let err = store
        .put_rule(&org("acme"), rule("r", "x"), &nobody)
        .await
        .err();
    assert!(matches!(err, Some(Error::InvalidData { .. })), "{err:?}");
    Ok(())
}
