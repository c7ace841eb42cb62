//! Property tests: version bookkeeping and search input handling.

use proptest::prelude::*;
use rsolv_store::{Error, PutOutcome, RuleStore, SqliteStore};

use crate::common::{org, rule, who};

/// One operation on the rule `r`.
#[derive(Debug, Clone)]
enum Op {
    /// Put one of a few contents.
    Put(u8),
    /// Enable or disable.
    SetEnabled(bool),
    /// Roll back to a version that may or may not exist.
    Rollback(u32),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u8..4).prop_map(Op::Put),
        any::<bool>().prop_map(Op::SetEnabled),
        (0u32..8).prop_map(Op::Rollback),
    ]
}

/// What the store should hold: the content index of every version, and
/// whether the rule is enabled.
#[derive(Debug, Default)]
struct Model {
    versions: Vec<u8>,
    enabled: bool,
    audit_entries: usize,
}

fn body(content: u8) -> String {
    format!("content_{content}(x)")
}

async fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let fail = |e: Error| TestCaseError::fail(e.to_string());
    let store = SqliteStore::open_in_memory().map_err(fail)?;
    let acme = org("acme");
    let mut model = Model::default();
    for op in ops {
        match op {
            Op::Put(content) => {
                let (_, outcome) = store
                    .put_rule(&acme, rule("r", &body(content)), &who("put"))
                    .await
                    .map_err(fail)?;
                let expected = match model.versions.last() {
                    None => {
                        model.enabled = true;
                        PutOutcome::Created
                    }
                    Some(&last) if last == content => PutOutcome::Unchanged,
                    Some(_) => PutOutcome::Updated,
                };
                if expected != PutOutcome::Unchanged {
                    model.versions.push(content);
                    model.audit_entries += 1;
                }
                prop_assert_eq!(outcome, expected);
            }
            Op::SetEnabled(on) => {
                let result = store.set_enabled(&acme, "r", on, &who("toggle")).await;
                if model.versions.is_empty() {
                    prop_assert!(
                        matches!(result, Err(Error::NotFound { .. })),
                        "{:?}",
                        result
                    );
                } else {
                    prop_assert_eq!(result.map_err(fail)?.enabled, on);
                    if model.enabled != on {
                        model.audit_entries += 1;
                    }
                    model.enabled = on;
                }
            }
            Op::Rollback(to) => {
                let result = store.rollback(&acme, "r", to, &who("back")).await;
                let target = usize::try_from(to)
                    .ok()
                    .and_then(|v| v.checked_sub(1))
                    .and_then(|i| model.versions.get(i).copied());
                match target {
                    Some(content) => {
                        let rolled = result.map_err(fail)?;
                        model.versions.push(content);
                        model.audit_entries += 1;
                        prop_assert_eq!(rolled.version as usize, model.versions.len());
                    }
                    None => prop_assert!(
                        matches!(result, Err(Error::NotFound { .. })),
                        "{:?}",
                        result
                    ),
                }
            }
        }

        let history = store.history(&acme, "r").await.map_err(fail)?;
        let numbers: Vec<usize> = history.iter().map(|v| v.version as usize).collect();
        prop_assert_eq!(numbers, (1..=model.versions.len()).collect::<Vec<_>>());
        for (stored, &content) in history.iter().zip(&model.versions) {
            prop_assert!(stored.yaml.contains(&body(content)));
        }
        let current = store.get_rule(&acme, "r").await.map_err(fail)?;
        match (current, history.last()) {
            (Some(rule), Some(last)) => {
                prop_assert_eq!(&rule.yaml, &last.yaml);
                prop_assert_eq!(rule.version, last.version);
                prop_assert_eq!(rule.enabled, model.enabled);
            }
            (None, None) => {}
            (rule, last) => prop_assert!(false, "rule {rule:?} vs history {last:?}"),
        }
        let audit = store.audit_log(&acme, Some("r")).await.map_err(fail)?;
        prop_assert_eq!(audit.len(), model.audit_entries);
    }
    Ok(())
}

fn block_on<F: std::future::Future<Output = Result<(), TestCaseError>>>(
    future: F,
) -> Result<(), TestCaseError> {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| TestCaseError::fail(e.to_string()))?
        .block_on(future)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn versions_stay_contiguous_and_current(ops in prop::collection::vec(op(), 1..24)) {
        block_on(run(ops))?;
    }

    #[test]
    fn search_accepts_any_text(
        query in prop_oneof![
            any::<String>(),
            "[\"*()^:+ {}.,a-zA-Z0-9-]{0,24}",
            "(AND|OR|NOT|NEAR|\\(|\\)|\"|\\*|\\^|:| |x){0,12}",
        ]
    ) {
        block_on(async {
            let store = SqliteStore::open_in_memory()
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let acme = org("acme");
            store
                .put_rule(&acme, rule("r", "needle(x)"), &who("seed"))
                .await
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let result = store.search(&acme, &query, 5).await;
            prop_assert!(result.is_ok(), "{:?}: {:?}", query, result);
            Ok(())
        })?;
    }
}
