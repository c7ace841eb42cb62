//! `optimize` refining rules on the files their findings were judged in.

use std::path::Path;
use std::sync::Arc;

use rsolv_core::OrgId;
use rsolv_learn::{AddMode, OptimizeOptions, RuleCatalog, to_new_finding};
use rsolv_rules::Engine;
use rsolv_store::{ChangeInfo, Feedback, RuleStore, SqliteStore};

/// A focused rule: it reports the command, it matches the whole call.
const RULE: &str = "rules:\n- id: shell-command\n  message: m\n  severity: ERROR\n  languages: [python]\n  patterns:\n    - pattern: subprocess.run($CMD, shell=True, ...)\n    - focus-metavariable: $CMD\n";

/// `rule` stored in a fresh catalog, its findings on `code` (written to
/// `dir/app.py`) recorded, and each judged a true positive when it starts
/// on one of `true_lines`, else a false positive.
async fn judged(
    dir: &Path,
    rule: &str,
    code: &str,
    true_lines: &[u32],
) -> (Arc<dyn RuleStore>, RuleCatalog) {
    let store: Arc<dyn RuleStore> = Arc::new(SqliteStore::open_in_memory().expect("test step"));
    let acme = RuleCatalog::new(store.clone(), OrgId::new("acme").expect("test step"));
    let rules = dir.join("rules.yaml");
    std::fs::write(&rules, rule).expect("test step");
    let change = ChangeInfo::new("t", "r");
    acme.add_files(&[rules], AddMode::CreateOnly, &change)
        .await
        .expect("test step");
    let target = dir.join("app.py");
    std::fs::write(&target, code).expect("test step");
    let engine = Engine::new(acme.compiled_rules().await.expect("test step"));
    let matches = engine
        .scan_source(&target, rsolv_core::Language::Python, code)
        .matches;
    assert_eq!(matches.len(), 2, "{matches:?}");
    let findings = matches
        .iter()
        .enumerate()
        .map(|(i, m)| to_new_finding(m, i, None))
        .collect();
    for f in store
        .record_findings(acme.org(), findings)
        .await
        .expect("test step")
    {
        let verdict = if true_lines.contains(&f.start_line) {
            Feedback::TruePositive
        } else {
            Feedback::FalsePositive
        };
        store
            .set_feedback(acme.org(), f.id, verdict, "t", None)
            .await
            .expect("test step");
    }
    (store, acme)
}

/// The rule is stored as an enabled version 2, its refinement.
async fn assert_refined_to_version_2(store: &Arc<dyn RuleStore>, acme: &RuleCatalog) {
    let stored = store
        .get_rule(acme.org(), "shell-command")
        .await
        .expect("test step")
        .expect("test step");
    assert!(stored.enabled && stored.version == 2, "{stored:?}");
}

/// The lines the catalog's enabled rules report in `dir/app.py`.
async fn flagged(acme: &RuleCatalog, dir: &Path) -> Vec<usize> {
    let target = dir.join("app.py");
    let code = std::fs::read_to_string(&target).expect("test step");
    let engine = Engine::new(acme.compiled_rules().await.expect("test step"));
    engine
        .scan_source(&target, rsolv_core::Language::Python, &code)
        .matches
        .iter()
        .map(|m| m.start.line)
        .collect()
}

#[tokio::test]
async fn a_focused_multi_line_false_positive_is_excluded_by_its_call() {
    let dir = tempfile::tempdir().expect("test step");
    // The reported lines (`cmd,`) are not the construct: only the whole
    // call tells the false positive (line 12) from the true one (line 5).
    let code = "import subprocess\n\ndef run(cmd):\n    subprocess.run(\n        cmd,\n        shell=True,\n    )\n\ndef listing():\n    cmd = \"ls /tmp\"\n    subprocess.run(\n        cmd,\n        shell=True,\n        check=True,\n    )\n";
    let (store, acme) = judged(dir.path(), RULE, code, &[5]).await;
    let report = rsolv_learn::optimize(&acme, "t", &OptimizeOptions::default())
        .await
        .expect("test step");
    assert!(report.disabled.is_empty(), "{report:#?}");
    assert_eq!(report.refined.len(), 1, "{report:#?}");
    let refined = &report.refined[0];
    assert_eq!((refined.from_version, refined.to_version), (1, 2));
    assert_eq!(
        refined.added,
        ["subprocess.run(\n    cmd,\n    shell=True,\n    check=True,\n)"]
    );
    assert_eq!(
        (refined.precision_before, refined.precision_after),
        (Some(0.5), Some(1.0))
    );
    assert_eq!(refined.false_positives_left, 0);
    assert_refined_to_version_2(&store, &acme).await;
    assert_eq!(flagged(&acme, dir.path()).await, [5]);
}

#[tokio::test]
async fn a_false_positive_identical_to_a_true_one_disables_the_rule() {
    let dir = tempfile::tempdir().expect("test step");
    let call = "    subprocess.run(\n        cmd,\n        shell=True,\n    )\n";
    let code = format!("import subprocess\n\ndef a(cmd):\n{call}\ndef b(cmd):\n{call}");
    let (store, acme) = judged(dir.path(), RULE, &code, &[5]).await;
    let report = rsolv_learn::optimize(&acme, "t", &OptimizeOptions::default())
        .await
        .expect("test step");
    assert!(report.refined.is_empty(), "{report:#?}");
    assert_eq!(report.disabled.len(), 1, "{report:#?}");
    assert!(
        report.disabled[0]
            .reason
            .contains("no refinement keeps its true positives"),
        "{report:#?}"
    );
    let stored = store
        .get_rule(acme.org(), "shell-command")
        .await
        .expect("test step")
        .expect("the rule is kept");
    assert!(!stored.enabled && stored.version == 1, "{stored:?}");
    assert!(flagged(&acme, dir.path()).await.is_empty());
}

#[tokio::test]
async fn findings_whose_file_is_gone_are_checked_on_their_lines() {
    let dir = tempfile::tempdir().expect("test step");
    let rule = "rules:\n- id: shell-command\n  message: m\n  severity: ERROR\n  languages: [python]\n  pattern: os.system($X)\n";
    let code =
        "import os\n\ndef run(cmd):\n    os.system(cmd)\n\ndef listing():\n    os.system(\"ls\")\n";
    let (_, acme) = judged(dir.path(), rule, code, &[4]).await;
    let target = dir.path().join("app.py");
    std::fs::remove_file(&target).expect("test step");
    let report = rsolv_learn::optimize(&acme, "t", &OptimizeOptions::default())
        .await
        .expect("test step");
    assert_eq!(report.refined.len(), 1, "{report:#?}");
    assert_eq!(report.refined[0].added, ["os.system(\"ls\")"]);
    assert_eq!(report.refined[0].precision_after, Some(1.0));
    std::fs::write(&target, code).expect("test step");
    assert_eq!(flagged(&acme, dir.path()).await, [4]);
}

#[tokio::test]
async fn a_false_positive_after_a_safe_step_is_excluded_by_that_step() {
    let dir = tempfile::tempdir().expect("test step");
    // The two calls are the same text: only the statement before the
    // false positive (line 13) tells it from the true one (line 5).
    let call = "    subprocess.run(\n        cmd,\n        shell=True,\n    )\n";
    let code = format!(
        "import shlex\nimport subprocess\n\ndef run(cmd):\n{call}\ndef quoted(cmd):\n    log(cmd)\n    cmd = shlex.quote(cmd)\n{call}"
    );
    let (store, acme) = judged(dir.path(), RULE, &code, &[6]).await;
    let report = rsolv_learn::optimize(&acme, "t", &OptimizeOptions::default())
        .await
        .expect("test step");
    assert!(report.disabled.is_empty(), "{report:#?}");
    assert_eq!(report.refined.len(), 1, "{report:#?}");
    assert_eq!(report.refined[0].added, ["cmd = shlex.quote(cmd)\n..."]);
    assert_eq!(report.refined[0].false_positives_left, 0);
    assert_refined_to_version_2(&store, &acme).await;
    assert_eq!(flagged(&acme, dir.path()).await, [6]);
}
