//! The outcome of a test run, serializable as JSON.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

/// Everything `rsolv test` found out.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TestReport {
    /// One entry per rule file that has at least one test target, sorted
    /// by rule file.
    pub cases: Vec<TestCase>,
    /// Rule files without any test target (Semgrep's
    /// `config_missing_tests`); they are neither passed nor failed.
    pub missing_tests: Vec<PathBuf>,
    /// How many cases passed, failed and were skipped.
    pub summary: TestSummary,
}

/// Case counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TestSummary {
    /// Cases whose every check passed.
    pub passed: usize,
    /// Cases with at least one failed check or error.
    pub failed: usize,
    /// Cases the embedded engine cannot run.
    pub skipped: usize,
}

impl fmt::Display for TestSummary {
    /// `3 passed, 1 failed`, with `, 2 skipped` when some were skipped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} passed, {} failed", self.passed, self.failed)?;
        if self.skipped > 0 {
            write!(f, ", {} skipped", self.skipped)?;
        }
        Ok(())
    }
}

impl TestReport {
    /// Whether no case failed (skipped cases do not count).
    pub fn all_passed(&self) -> bool {
        self.summary.failed == 0
    }

    /// The failed cases.
    pub fn failures(&self) -> impl Iterator<Item = &TestCase> {
        self.cases.iter().filter(|c| c.status == CaseStatus::Failed)
    }

    /// The skipped cases.
    pub fn skips(&self) -> impl Iterator<Item = &TestCase> {
        self.cases
            .iter()
            .filter(|c| c.status == CaseStatus::Skipped)
    }

    pub(crate) fn new(cases: Vec<TestCase>, missing_tests: Vec<PathBuf>) -> Self {
        let count = |status| cases.iter().filter(|c| c.status == status).count();
        let summary = TestSummary {
            passed: count(CaseStatus::Passed),
            failed: count(CaseStatus::Failed),
            skipped: count(CaseStatus::Skipped),
        };
        TestReport {
            cases,
            missing_tests,
            summary,
        }
    }
}

/// Whether a case passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CaseStatus {
    /// Every check passed and nothing went wrong.
    Passed,
    /// A check failed, or the rules could not be loaded or run.
    Failed,
    /// The embedded engine cannot run the rules; see [`SkipReason`].
    Skipped,
}

/// Why a case was skipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SkipReason {
    /// A rule uses taint mode, which the embedded engine does not run yet.
    Taint {
        /// The first taint rule of the file.
        rule_id: String,
    },
    /// A rule is valid Semgrep that the engine does not run: only
    /// unsupported languages, `join`/`extract` mode, …
    Unsupported {
        /// The rule.
        rule_id: String,
        /// Why, as the compiler says.
        reason: String,
    },
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::Taint { rule_id } => write!(
                f,
                "rule `{rule_id}` uses taint mode, which the embedded engine does not run yet"
            ),
            SkipReason::Unsupported { reason, .. } => f.write_str(reason),
        }
    }
}

/// One rule file tested on its targets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestCase {
    /// The rule file.
    pub rule_file: PathBuf,
    /// Its test targets.
    pub targets: Vec<PathBuf>,
    /// The verdict.
    pub status: CaseStatus,
    /// Why the case was skipped, when it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip_reason: Option<SkipReason>,
    /// One check per rule id and target that has an expected or a reported
    /// finding, sorted by rule id then target.
    pub checks: Vec<RuleCheck>,
    /// One autofix check per target with an `X.fixed.<ext>` file.
    pub fix_checks: Vec<FixCheck>,
    /// Problems that fail the case: invalid rules, patterns the engine
    /// cannot parse, unreadable targets.
    pub errors: Vec<String>,
    /// Problems that do not: partial parses of a target, conditions the
    /// engine ignored.
    pub warnings: Vec<String>,
}

/// The findings of one rule in one target against its annotations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleCheck {
    /// The rule id (from the annotations or the findings).
    pub rule_id: String,
    /// The target.
    pub target: PathBuf,
    /// Whether the reported lines are exactly the expected ones.
    pub passed: bool,
    /// Lines that must have a finding (`ruleid:` and `todook:`).
    pub expected_lines: Vec<usize>,
    /// Lines where a finding starts.
    pub reported_lines: Vec<usize>,
    /// Expected but not reported.
    pub missed_lines: Vec<usize>,
    /// Reported but not expected.
    pub unexpected_lines: Vec<usize>,
    /// The unexpected lines annotated `todoruleid:`: the engine finds what
    /// Semgrep misses.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub todoruleid_reported: Vec<usize>,
    /// The missed lines annotated `todook:`: Semgrep's false positive is
    /// not reproduced.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub todook_missed: Vec<usize>,
}

/// The rules' fixes applied to a target, against the expected result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FixCheck {
    /// The target the fixes were applied to (in memory).
    pub target: PathBuf,
    /// The file with the expected result.
    pub fixed_file: PathBuf,
    /// Whether the fixed text equals the expected text.
    pub passed: bool,
    /// How many fixes were applied.
    pub applied: usize,
    /// When it failed, a unified diff from the expected to the actual text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
}
