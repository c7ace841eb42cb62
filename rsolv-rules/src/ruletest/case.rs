//! Running one rule file on its targets and judging the findings.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rsolv_core::Language;

use super::annotation::{AnnotationKind, parse_annotations};
use super::discover::{Pair, fixed_file_of};
use super::report::{CaseStatus, FixCheck, RuleCheck, SkipReason, TestCase};
use crate::{CompiledRule, Engine, Error, PathFilter, RuleMatch, load_rules};

/// Test one rule file on its targets. Never panics on a bad rule or
/// target: problems become errors of the case.
pub(crate) fn run_case(pair: &Pair) -> TestCase {
    let mut case = TestCase {
        rule_file: pair.rule_file.clone(),
        targets: pair.targets.clone(),
        status: CaseStatus::Failed,
        skip_reason: None,
        checks: Vec::new(),
        fix_checks: Vec::new(),
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    let rules = match runnable_rules(&pair.rule_file) {
        Ok(Ok(rules)) => rules,
        Ok(Err(reason)) => {
            case.status = CaseStatus::Skipped;
            case.skip_reason = Some(reason);
            return case;
        }
        Err(errors) => {
            case.errors = errors;
            return case;
        }
    };
    let engine = Engine::new(rules);
    case.errors
        .extend(engine.rule_errors().iter().map(|e| e.message.clone()));
    for target in &pair.targets {
        match std::fs::read(target) {
            Ok(bytes) => judge_target(&engine, target, &String::from_utf8_lossy(&bytes), &mut case),
            Err(e) => case.errors.push(format!(
                "{}: cannot read test target: {e}",
                target.display()
            )),
        }
    }
    case.checks
        .sort_by(|a, b| (&a.rule_id, &a.target).cmp(&(&b.rule_id, &b.target)));
    let passed = case.errors.is_empty()
        && case.checks.iter().all(|c| c.passed)
        && case.fix_checks.iter().all(|c| c.passed);
    if passed {
        case.status = CaseStatus::Passed;
    }
    case
}

/// The rules of `rule_file` ready for the engine; the reason to skip the
/// file when one of them cannot run; or the errors that fail it.
fn runnable_rules(rule_file: &Path) -> Result<Result<Vec<CompiledRule>, SkipReason>, Vec<String>> {
    let loaded = load_rules(rule_file).map_err(|e| vec![e.to_string()])?;
    let compiled = match loaded.compile() {
        Ok(compiled) => compiled,
        Err(Error::InvalidRules { diagnostics, .. }) => {
            return Err(diagnostics.iter().map(ToString::to_string).collect());
        }
        Err(e) => return Err(vec![e.to_string()]),
    };
    // `compile` leaves out the rules the engine does not run; ask each why.
    if compiled.len() < loaded.file.rules.len() {
        for rule in &loaded.file.rules {
            if let Err(Error::Unsupported { rule_id, reason }) = CompiledRule::try_from(rule) {
                return Ok(Err(SkipReason::Unsupported { rule_id, reason }));
            }
        }
    }
    // `semgrep --test` ignores `paths:`: the target, named after the rule
    // file, need not match the rule's globs (test.py, respect_rule_paths).
    Ok(Ok(compiled
        .into_iter()
        .map(|rule| CompiledRule {
            paths: PathFilter::default(),
            ..rule
        })
        .collect()))
}

fn judge_target(engine: &Engine, target: &Path, text: &str, case: &mut TestCase) {
    let result = engine.scan_text(target, Language::from_path(target), text);
    for error in result.errors {
        let message = match error.start {
            Some(at) if !error.message.contains(&target.display().to_string()) => {
                format!("{}:{}: {}", target.display(), at.line, error.message)
            }
            _ => error.message,
        };
        if error.level == "error" {
            case.errors.push(message);
        } else if !case.warnings.contains(&message) {
            case.warnings.push(message);
        }
    }
    case.checks
        .extend(check_lines(target, text, &result.matches));
    if let Some(fixed_file) = fixed_file_of(target) {
        case.fix_checks
            .push(check_fix(target, text, &fixed_file, &result.matches));
    }
}

/// Compare the findings' start lines with the annotations, rule id by rule
/// id, as osemgrep's `compare_actual_to_expected` does: a rule id is
/// checked when it is expected or reported somewhere in the target.
fn check_lines(target: &Path, text: &str, matches: &[RuleMatch]) -> Vec<RuleCheck> {
    #[derive(Default)]
    struct Lines {
        expected: BTreeSet<usize>,
        reported: BTreeSet<usize>,
        todoruleid: BTreeSet<usize>,
        todook: BTreeSet<usize>,
    }
    let mut by_rule: BTreeMap<String, Lines> = BTreeMap::new();
    for annotation in parse_annotations(text) {
        let expects = annotation.expects_finding();
        let kind = annotation.kind;
        if !expects && kind != AnnotationKind::TodoRuleId {
            continue;
        }
        let lines = by_rule.entry(annotation.rule_id).or_default();
        if expects {
            lines.expected.insert(annotation.line);
        }
        match kind {
            AnnotationKind::TodoRuleId => lines.todoruleid.insert(annotation.line),
            AnnotationKind::TodoOk => lines.todook.insert(annotation.line),
            _ => false,
        };
    }
    for m in matches {
        by_rule
            .entry(m.rule_id.clone())
            .or_default()
            .reported
            .insert(m.start.line);
    }
    by_rule
        .into_iter()
        .filter(|(_, l)| !l.expected.is_empty() || !l.reported.is_empty())
        .map(|(rule_id, l)| {
            let missed: Vec<usize> = l.expected.difference(&l.reported).copied().collect();
            let unexpected: Vec<usize> = l.reported.difference(&l.expected).copied().collect();
            RuleCheck {
                rule_id,
                target: target.to_path_buf(),
                passed: missed.is_empty() && unexpected.is_empty(),
                todoruleid_reported: unexpected
                    .iter()
                    .filter(|n| l.todoruleid.contains(n))
                    .copied()
                    .collect(),
                todook_missed: missed
                    .iter()
                    .filter(|n| l.todook.contains(n))
                    .copied()
                    .collect(),
                expected_lines: l.expected.into_iter().collect(),
                reported_lines: l.reported.into_iter().collect(),
                missed_lines: missed,
                unexpected_lines: unexpected,
            }
        })
        .collect()
}

/// Apply every fix to the target's text and compare with `fixed_file`
/// (pysemgrep applies the fixes of all the file's rules, then diffs).
fn check_fix(target: &Path, text: &str, fixed_file: &PathBuf, matches: &[RuleMatch]) -> FixCheck {
    let expected = std::fs::read(fixed_file)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let fixed = crate::apply_fixes(text, matches);
    let passed = fixed.text == expected;
    FixCheck {
        target: target.to_path_buf(),
        fixed_file: fixed_file.clone(),
        passed,
        applied: fixed.applied,
        diff: (!passed).then(|| {
            similar::TextDiff::from_lines(&expected, &fixed.text)
                .unified_diff()
                .context_radius(2)
                .header(
                    &fixed_file.display().to_string(),
                    &format!("{} (autofixed)", target.display()),
                )
                .to_string()
        }),
    }
}
