//! One organization can never see or touch another's data.

use rsolv_store::{
    Error, Feedback, NewTestCase, PutOutcome, RuleFilter, RuleStore, SqliteStore, TestCaseKind,
};

use crate::common::{finding, org, rule, who};

fn case(code: &str) -> NewTestCase {
    NewTestCase {
        kind: TestCaseKind::Positive,
        language: "python".into(),
        code: code.into(),
        description: None,
    }
}

#[tokio::test]
async fn org_a_cannot_reach_org_b_rules() -> anyhow::Result<()> {
    let store = SqliteStore::open_in_memory()?;
    let (a, b) = (org("alpha"), org("beta"));
    store
        .put_rule(&b, rule("b.secret", "zanzibar(x)"), &who("b's rule"))
        .await?;
    store
        .add_test_cases(&b, "b.secret", vec![case("zanzibar(1)")])
        .await?;
    let b_findings = store
        .record_findings(
            &b,
            vec![finding("b.secret", "fp1"), finding("b.secret", "fp2")],
        )
        .await?;
    let b_audit = store.audit_log(&b, None).await?;

    // Read.
    assert!(store.get_rule(&a, "b.secret").await?.is_none());
    assert!(
        store
            .list_rules(&a, &RuleFilter::default())
            .await?
            .is_empty()
    );
    assert!(store.search(&a, "zanzibar", 10).await?.is_empty());
    assert!(store.search(&a, "b.secret", 10).await?.is_empty());
    assert!(store.history(&a, "b.secret").await?.is_empty());
    assert!(store.test_cases(&a, "b.secret").await?.is_empty());
    assert!(store.findings(&a, None).await?.is_empty());
    assert!(store.findings(&a, Some("b.secret")).await?.is_empty());
    assert!(store.metrics(&a, "b.secret").await?.is_none());
    assert!(store.audit_log(&a, None).await?.is_empty());
    assert!(store.audit_log(&a, Some("b.secret")).await?.is_empty());

    // Change.
    let err = store
        .set_enabled(&a, "b.secret", false, &who("disable"))
        .await
        .err();
    assert!(matches!(err, Some(Error::NotFound { .. })), "{err:?}");
    assert!(!store.delete_rule(&a, "b.secret", &who("delete")).await?);
    let err = store
        .rollback(&a, "b.secret", 1, &who("rollback"))
        .await
        .err();
    assert!(matches!(err, Some(Error::NotFound { .. })), "{err:?}");
    let err = store
        .add_test_cases(&a, "b.secret", vec![case("evil")])
        .await
        .err();
    assert!(matches!(err, Some(Error::NotFound { .. })), "{err:?}");
    let err = store
        .record_findings(&a, vec![finding("b.secret", "fp9")])
        .await
        .err();
    assert!(matches!(err, Some(Error::NotFound { .. })), "{err:?}");

    // Guess finding ids, B's real ones included.
    for id in -1..=(b_findings.len() as i64 + 20) {
        let err = store
            .set_feedback(&a, id, Feedback::FalsePositive, "mallory", None)
            .await
            .err();
        assert!(
            matches!(err, Some(Error::NotFound { .. })),
            "id {id}: {err:?}"
        );
    }

    // B's data is exactly as it was.
    let rule_b = store.get_rule(&b, "b.secret").await?;
    assert_eq!(
        rule_b.as_ref().map(|r| (r.version, r.enabled)),
        Some((1, true))
    );
    assert_eq!(store.test_cases(&b, "b.secret").await?.len(), 1);
    let now = store.findings(&b, None).await?;
    assert_eq!(now, b_findings);
    assert!(now.iter().all(|f| f.feedback.is_none()));
    let metrics = store.metrics(&b, "b.secret").await?;
    assert_eq!(
        metrics.map(|m| (m.matches, m.true_positives, m.false_positives)),
        Some((2, 0, 0))
    );
    assert_eq!(store.audit_log(&b, None).await?, b_audit);
    assert_eq!(store.search(&b, "zanzibar", 10).await?.len(), 1);
    Ok(())
}

#[tokio::test]
async fn same_rule_id_in_two_orgs_is_independent() -> anyhow::Result<()> {
    let store = SqliteStore::open_in_memory()?;
    let (a, b) = (org("alpha"), org("beta"));
    let (ra, outcome_a) = store
        .put_rule(&a, rule("shared", "alpha_call(x)"), &who("a"))
        .await?;
    let (rb, outcome_b) = store
        .put_rule(&b, rule("shared", "beta_call(x)"), &who("b"))
        .await?;
    assert_eq!(
        (outcome_a, outcome_b),
        (PutOutcome::Created, PutOutcome::Created)
    );
    assert_eq!((ra.version, rb.version), (1, 1));
    assert_eq!((ra.org_id.as_str(), rb.org_id.as_str()), ("alpha", "beta"));

    store
        .put_rule(&a, rule("shared", "alpha_call(y)"), &who("a v2"))
        .await?;
    store
        .set_enabled(&a, "shared", false, &who("a off"))
        .await?;
    let fa = store
        .record_findings(&a, vec![finding("shared", "same")])
        .await?;
    let fb = store
        .record_findings(&b, vec![finding("shared", "same")])
        .await?;
    assert_ne!(fa[0].id, fb[0].id, "same fingerprint, different orgs");
    store
        .set_feedback(&a, fa[0].id, Feedback::FalsePositive, "ana", None)
        .await?;

    let b_rule = store.get_rule(&b, "shared").await?;
    assert_eq!(
        b_rule.map(|r| (r.version, r.enabled, r.yaml.contains("beta_call"))),
        Some((1, true, true))
    );
    assert_eq!(store.history(&b, "shared").await?.len(), 1);
    assert_eq!(store.history(&a, "shared").await?.len(), 2);
    assert_eq!(
        store
            .metrics(&b, "shared")
            .await?
            .map(|m| m.false_positives),
        Some(0)
    );
    assert!(store.search(&b, "alpha_call", 10).await?.is_empty());

    assert!(store.delete_rule(&a, "shared", &who("a gone")).await?);
    assert!(store.get_rule(&a, "shared").await?.is_none());
    assert!(store.get_rule(&b, "shared").await?.is_some());
    assert_eq!(store.findings(&b, Some("shared")).await?.len(), 1);
    Ok(())
}
