//! `run_rule_tests` on the fixtures under `tests/fixtures/ruletest/`.
//!
//! Every fixture was also run with `semgrep --test` (1.160.0): the outcomes
//! asserted here are Semgrep's, except for `todo/exec-fires`, where the
//! legacy runner ignores `todo` lines and osemgrep (`semgrep --test
//! --experimental`) fails the test as rsolv does.

use std::path::{Path, PathBuf};

use rsolv_rules::{CaseStatus, SkipReason, TestCase, TestReport, run_rule_tests};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ruletest")
}

fn run(sub: &str) -> TestReport {
    run_rule_tests(&[fixtures().join(sub)]).expect("fixtures are readable")
}

fn case<'a>(report: &'a TestReport, rule_file: &str) -> &'a TestCase {
    report
        .cases
        .iter()
        .find(|c| c.rule_file.ends_with(rule_file))
        .unwrap_or_else(|| panic!("no case for {rule_file}: {report:#?}"))
}

#[test]
fn a_passing_pair() {
    let report = run("passing");
    assert_eq!(report.summary.to_string(), "1 passed, 0 failed");
    let case = case(&report, "no-eval.yaml");
    assert_eq!(case.status, CaseStatus::Passed);
    assert_eq!(case.targets, [fixtures().join("passing/no-eval.py")]);
    assert_eq!(case.checks.len(), 1);
    let check = &case.checks[0];
    assert_eq!(check.rule_id, "no-eval");
    assert!(check.passed);
    assert_eq!(check.expected_lines, [2, 6]);
    assert_eq!(check.reported_lines, [2, 6]);
}

#[test]
fn a_failing_pair_reports_missed_and_unexpected_lines_per_rule() {
    let report = run("failing");
    assert_eq!(report.summary.to_string(), "0 passed, 1 failed");
    let case = case(&report, "console.yaml");
    assert_eq!(case.status, CaseStatus::Failed);
    assert!(case.errors.is_empty(), "{:?}", case.errors);
    let summary: Vec<_> = case
        .checks
        .iter()
        .map(|c| {
            (
                c.rule_id.as_str(),
                c.passed,
                c.missed_lines.clone(),
                c.unexpected_lines.clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("no-alert", true, vec![], vec![]),
            ("no-console-log", false, vec![4], vec![6]),
        ]
    );
    let log = &case.checks[1];
    assert_eq!(log.expected_lines, [2, 4, 10]);
    assert_eq!(log.reported_lines, [2, 6, 10]);
}

#[test]
fn autofix_pairs_compare_with_the_fixed_file() {
    let report = run("autofix");
    assert_eq!(report.summary.to_string(), "1 passed, 1 failed");

    let good = case(&report, "debug-logging.yaml");
    assert_eq!(good.status, CaseStatus::Passed);
    assert_eq!(good.fix_checks.len(), 1);
    assert!(good.fix_checks[0].passed);
    assert_eq!(good.fix_checks[0].applied, 1);
    assert_eq!(
        good.fix_checks[0].fixed_file,
        fixtures().join("autofix/debug-logging.fixed.js")
    );

    // The lines are right, the fix is not what the fixed file says.
    let bad = case(&report, "wrong-fix.yaml");
    assert_eq!(bad.status, CaseStatus::Failed);
    assert!(bad.checks.iter().all(|c| c.passed));
    let diff = bad.fix_checks[0].diff.as_deref().expect("a diff");
    assert!(
        diff.contains("-home = os.environ[\"HOME\"]")
            && diff.contains("+home = os.getenv(\"HOME\")"),
        "{diff}"
    );
}

#[test]
fn todo_annotations_record_known_engine_limits() {
    let report = run("todo");
    assert_eq!(report.summary.to_string(), "1 passed, 1 failed");

    // `todoruleid` line not reported, `todook` line reported: as expected.
    let exec = case(&report, "exec.yaml");
    assert_eq!(exec.status, CaseStatus::Passed);
    assert_eq!(exec.checks[0].expected_lines, [2, 6]);
    assert_eq!(exec.checks[0].reported_lines, [2, 6]);

    // The rule now finds the `todoruleid` line and no longer the `todook`
    // one: the annotations are out of date.
    let fires = case(&report, "exec-fires.yaml");
    assert_eq!(fires.status, CaseStatus::Failed);
    let check = &fires.checks[0];
    assert_eq!(check.missed_lines, [4]);
    assert_eq!(check.unexpected_lines, [2]);
    assert_eq!(check.todoruleid_reported, [2]);
    assert_eq!(check.todook_missed, [4]);
}

#[test]
fn rules_the_engine_cannot_run_are_skipped_with_a_reason() {
    let report = run("skipped");
    assert_eq!(report.summary.to_string(), "1 passed, 0 failed, 1 skipped");
    assert!(report.all_passed());
    // Taint rules run now (they used to be skipped).
    assert_eq!(case(&report, "taint.yaml").status, CaseStatus::Passed);
    let kotlin = case(&report, "kotlin.yaml");
    assert_eq!(kotlin.status, CaseStatus::Skipped);
    assert!(matches!(
        &kotlin.skip_reason,
        Some(SkipReason::Unsupported { rule_id, .. }) if rule_id == "kotlin-only"
    ));
    assert_eq!(
        report.missing_tests,
        [fixtures().join("skipped/no-target.yaml")]
    );
}

#[test]
fn the_whole_tree_and_its_json() {
    let report = run_rule_tests(&[fixtures()]).unwrap();
    assert_eq!(report.summary.to_string(), "4 passed, 3 failed, 1 skipped");
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["summary"]["failed"], 3);
    let taint = json["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["rule_file"].as_str().unwrap().ends_with("taint.yaml"))
        .unwrap();
    assert_eq!(taint["status"], "passed");
}

#[test]
fn a_single_target_or_rule_file() {
    let by_target = run("failing/console.js");
    assert_eq!(by_target.cases.len(), 1);
    assert_eq!(
        by_target.cases[0].rule_file,
        fixtures().join("failing/console.yaml")
    );
    let by_rule = run("passing/no-eval.yaml");
    assert_eq!(by_rule.summary.passed, 1);
    assert!(run_rule_tests(&[fixtures().join("nope")]).is_err());
}

/// Conformance on semgrep-rules: `SEMGREP_RULES_DIR=/path/to/semgrep-rules
/// cargo test --release -p rsolv-rules --test it -- --ignored conformance
/// --nocapture` prints the counts per language.
#[test]
#[ignore = "needs a checkout of semgrep/semgrep-rules in SEMGREP_RULES_DIR"]
fn conformance_on_semgrep_rules() {
    let root = PathBuf::from(std::env::var("SEMGREP_RULES_DIR").expect("SEMGREP_RULES_DIR"));
    for lang in ["javascript", "typescript", "python", "java", "go", "ruby"] {
        let started = std::time::Instant::now();
        let report = run_rule_tests(&[root.join(lang)]).unwrap();
        let taint = report
            .skips()
            .filter(|c| matches!(c.skip_reason, Some(SkipReason::Taint { .. })))
            .count();
        println!(
            "{lang:<11} {} cases: {} ({taint} taint) in {:.1?}",
            report.cases.len(),
            report.summary,
            started.elapsed()
        );
    }
}
