//! Rule tests, the way `semgrep --test` runs them.
//!
//! A rule file `X.yaml` is tested on the files beside it named `X.<ext>`.
//! Comments in those files say where each rule must report a finding
//! (`# ruleid: some-rule` on the line before) and where it must not
//! (`# ok: some-rule`); see [`parse_annotations`] for the full grammar and
//! [`AnnotationKind`] for the `todo` variants. A rule passes on a target
//! when the lines its findings start on are exactly the expected ones.
//! When `X.fixed.<ext>` exists, the rules' fixes applied to `X.<ext>` must
//! give exactly that file.
//!
//! Rule files the embedded engine cannot run (only unsupported
//! languages) are skipped, not failed, and say why.

mod annotation;
mod case;
mod discover;
mod report;

use std::path::PathBuf;

use rayon::prelude::*;

pub use annotation::{Annotation, AnnotationEngine, AnnotationKind, parse_annotations};
pub use report::{CaseStatus, FixCheck, RuleCheck, SkipReason, TestCase, TestReport, TestSummary};

use crate::Result;

/// Run the rule tests found under `paths`: directories (searched
/// recursively), rule files, or test targets.
///
/// Fails only when a path cannot be read; a rule file that is invalid or
/// does not run is a failed case of the report.
///
/// ```
/// use rsolv_rules::{CaseStatus, run_rule_tests};
///
/// let dir = tempfile::tempdir()?;
/// std::fs::write(dir.path().join("no-eval.yaml"), "rules:
///   - id: no-eval
///     message: eval
///     severity: ERROR
///     languages: [python]
///     pattern: eval(...)
/// ")?;
/// std::fs::write(dir.path().join("no-eval.py"), "\
/// ## ruleid: no-eval
/// eval(x)
/// ## ok: no-eval
/// print(x)
/// ")?;
///
/// let report = run_rule_tests(&[dir.path().to_path_buf()])?;
/// assert_eq!(report.summary.to_string(), "1 passed, 0 failed");
/// assert_eq!(report.cases[0].status, CaseStatus::Passed);
/// assert_eq!(report.cases[0].checks[0].expected_lines, [2]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn run_rule_tests(paths: &[PathBuf]) -> Result<TestReport> {
    let pairs = discover::find_pairs(paths)?;
    let (pairs, missing): (Vec<_>, Vec<_>) = pairs.into_iter().partition(|p| !p.targets.is_empty());
    let cases = pairs
        .par_iter()
        .map(|pair| {
            // One rule that trips the engine must not hide the others.
            std::panic::catch_unwind(|| case::run_case(pair)).unwrap_or_else(|panic| {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default();
                TestCase {
                    rule_file: pair.rule_file.clone(),
                    targets: pair.targets.clone(),
                    status: CaseStatus::Failed,
                    skip_reason: None,
                    checks: Vec::new(),
                    fix_checks: Vec::new(),
                    errors: vec![format!("the engine panicked: {message}")],
                    warnings: Vec::new(),
                }
            })
        })
        .collect();
    Ok(TestReport::new(
        cases,
        missing.into_iter().map(|p| p.rule_file).collect(),
    ))
}
