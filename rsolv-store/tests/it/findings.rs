//! Findings, feedback, metrics and test cases.

use rsolv_store::{Feedback, NewTestCase, RuleStore, SqliteStore, TestCaseKind};

use crate::common::{finding, org, rule, who};

#[tokio::test]
async fn findings_upsert_by_fingerprint_and_feed_metrics() -> anyhow::Result<()> {
    let store = SqliteStore::open_in_memory()?;
    let acme = org("acme");
    store.put_rule(&acme, rule("r", "x"), &who("add")).await?;
    let first = store
        .record_findings(&acme, vec![finding("r", "a"), finding("r", "b")])
        .await?;
    assert_eq!(first.len(), 2);
    assert!(
        first
            .iter()
            .all(|f| f.times_seen == 1 && f.feedback.is_none())
    );

    let tp = store
        .set_feedback(
            &acme,
            first[0].id,
            Feedback::TruePositive,
            "ana",
            Some("real".into()),
        )
        .await?;
    let judged = tp.feedback.as_ref();
    assert_eq!(judged.map(|f| f.verdict), Some(Feedback::TruePositive));
    assert_eq!(judged.and_then(|f| f.note.as_deref()), Some("real"));
    assert_eq!(judged.map(|f| f.actor.as_str()), Some("ana"));
    store
        .set_feedback(&acme, first[1].id, Feedback::FalsePositive, "bo", None)
        .await?;

    // Seen again: same row, counted again, feedback kept.
    let mut moved = finding("r", "a");
    moved.start_line = 30;
    let again = store.record_findings(&acme, vec![moved]).await?;
    assert_eq!(again[0].id, first[0].id);
    assert_eq!((again[0].times_seen, again[0].start_line), (2, 30));
    assert_eq!(
        again[0].feedback.as_ref().map(|f| f.verdict),
        Some(Feedback::TruePositive)
    );

    let metrics = store.metrics(&acme, "r").await?;
    let m = metrics.as_ref();
    assert_eq!(
        m.map(|m| (m.matches, m.true_positives, m.false_positives)),
        Some((3, 1, 1))
    );
    assert_eq!(m.and_then(|m| m.precision), Some(0.5));
    assert!(m.and_then(|m| m.last_matched_at.as_ref()).is_some());

    // Changing a verdict moves the count; it is not added twice.
    store
        .set_feedback(&acme, first[1].id, Feedback::TruePositive, "bo", None)
        .await?;
    store
        .set_feedback(&acme, first[1].id, Feedback::TruePositive, "bo", None)
        .await?;
    let m = store.metrics(&acme, "r").await?;
    assert_eq!(
        m.as_ref().map(|m| (m.true_positives, m.false_positives)),
        Some((2, 0))
    );
    assert_eq!(m.and_then(|m| m.precision), Some(1.0));
    store
        .set_feedback(&acme, first[1].id, Feedback::Ignored, "bo", None)
        .await?;
    let m = store.metrics(&acme, "r").await?;
    assert_eq!(
        m.map(|m| (m.true_positives, m.false_positives)),
        Some((1, 0))
    );

    let feedback_log = store.audit_log(&acme, Some("r")).await?;
    assert_eq!(
        feedback_log
            .iter()
            .filter(|e| e.action == "feedback")
            .count(),
        5
    );
    assert_eq!(store.findings(&acme, Some("r")).await?.len(), 2);
    assert!(store.findings(&acme, Some("other")).await?.is_empty());

    // Deleting the rule removes its findings and metrics, not its log.
    store.delete_rule(&acme, "r", &who("gone")).await?;
    assert!(store.findings(&acme, None).await?.is_empty());
    assert!(store.metrics(&acme, "r").await?.is_none());
    assert_eq!(
        store.audit_log(&acme, Some("r")).await?.len(),
        feedback_log.len() + 1
    );
    Ok(())
}

#[tokio::test]
async fn metrics_of_a_fresh_rule_are_zero() -> anyhow::Result<()> {
    let store = SqliteStore::open_in_memory()?;
    let acme = org("acme");
    store.put_rule(&acme, rule("r", "x"), &who("add")).await?;
    let m = store.metrics(&acme, "r").await?;
    assert_eq!(
        m.map(|m| (m.matches, m.true_positives, m.false_positives, m.precision)),
        Some((0, 0, 0, None))
    );
    assert!(store.metrics(&acme, "absent").await?.is_none());
    Ok(())
}

#[tokio::test]
async fn test_cases_attach_to_a_rule() -> anyhow::Result<()> {
    let store = SqliteStore::open_in_memory()?;
    let acme = org("acme");
    store.put_rule(&acme, rule("r", "x"), &who("add")).await?;
    let added = store
        .add_test_cases(
            &acme,
            "r",
            vec![
                NewTestCase {
                    kind: TestCaseKind::Positive,
                    language: "python".into(),
                    code: "cursor.execute(q % x)".into(),
                    description: Some("string formatting".into()),
                },
                NewTestCase {
                    kind: TestCaseKind::Negative,
                    language: "python".into(),
                    code: "cursor.execute(q, (x,))".into(),
                    description: None,
                },
            ],
        )
        .await?;
    assert_eq!(added.len(), 2);
    assert_eq!(store.test_cases(&acme, "r").await?, added);
    assert_eq!(added[1].kind, TestCaseKind::Negative);
    assert!(added.iter().all(|c| c.rule_id == "r"));

    // A bad case rejects the whole batch.
    let bad = vec![
        NewTestCase {
            kind: TestCaseKind::Positive,
            language: "python".into(),
            code: "ok".into(),
            description: None,
        },
        NewTestCase {
            kind: TestCaseKind::Positive,
            language: " ".into(),
            code: "bad".into(),
            description: None,
        },
    ];
    assert!(store.add_test_cases(&acme, "r", bad).await.is_err());
    assert_eq!(store.test_cases(&acme, "r").await?.len(), 2);
    Ok(())
}
