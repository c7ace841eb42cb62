//! Refining a rule from feedback: exclude each false positive with the
//! smallest construct around it that keeps every true positive.

use std::path::Path;

use rsolv_core::Language;
use rsolv_rules::{Engine, Operand, Operator, Rule};
use rsolv_store::{Feedback, StoredFinding, StoredRule, TestCase, TestCaseKind};

use super::Refinement;
use super::sites::Sites;
use crate::check::{engine_for, snippet_path};
use crate::testfile::render_cases;
use crate::{Result, parse_stored};

/// The rule with a `pattern-not-inside` for each false positive that one
/// can remove without losing a true positive or a stored example, or
/// `None` when no false positive can be removed.
///
/// Each judged finding is checked in its file when that still holds it
/// (its enclosing constructs are the exclusions tried, smallest first),
/// else as its lines alone. Precision is measured the same way: a false
/// positive counts as removed only when the new version no longer reports
/// it there.
pub(super) fn refine(
    stored: &StoredRule,
    findings: &[StoredFinding],
    cases: &[TestCase],
) -> Result<Option<(Rule, Refinement)>> {
    let file = parse_stored(stored)?;
    let Some(mut rule) = file.rules.into_iter().next() else {
        return Ok(None);
    };
    let Some(lang) = rule
        .languages()
        .iter()
        .find_map(|l| l.parse::<Language>().ok())
    else {
        return Ok(None);
    };
    let Ok(baseline) = engine_for(&rule) else {
        return Ok(None);
    };
    let sites = Sites::collect(findings, lang, &baseline);
    let before = sites.reported(&baseline);
    let formula = formula_as_patterns(&mut rule);
    let with = |exclusions: &[String]| {
        let mut patterns = formula.clone();
        patterns.extend(
            exclusions
                .iter()
                .map(|e| Operator::PatternNotInside(Operand::Pattern(e.clone()))),
        );
        Rule {
            patterns: Some(patterns),
            ..rule.clone()
        }
    };
    // What `engine` reports, if it keeps every true positive the rule
    // reports now and its stored examples.
    let keeps = |engine: &Engine| {
        let now = sites.reported(engine);
        let lost = (0..sites.len())
            .any(|i| sites.verdict(i) == Feedback::TruePositive && before[i] && !now[i]);
        (!lost && examples_hold(engine, &snippet_path(lang, None), lang, cases, &rule.id))
            .then_some(now)
    };
    let mut added: Vec<String> = Vec::new();
    let mut reported = before.clone();
    for i in 0..sites.len() {
        if sites.verdict(i) != Feedback::FalsePositive || !reported[i] {
            continue;
        }
        for exclusion in sites.exclusions(i) {
            if added.contains(&exclusion) {
                continue;
            }
            added.push(exclusion);
            let trial = engine_for(&with(&added)).ok();
            match trial.as_ref().and_then(&keeps) {
                Some(now) if !now[i] => {
                    reported = now;
                    break;
                }
                _ => {
                    added.pop();
                }
            }
        }
    }
    if added.is_empty() {
        return Ok(None);
    }
    let judged = |verdict: Feedback| -> Vec<usize> {
        (0..sites.len())
            .filter(|&i| sites.verdict(i) == verdict)
            .collect()
    };
    let tp = judged(Feedback::TruePositive).len();
    let false_positives = judged(Feedback::FalsePositive);
    let fp = false_positives.len();
    let fp_left = false_positives
        .iter()
        .filter(|&&i| reported[i] || !before[i])
        .count();
    let precision = |tp: usize, fp: usize| (tp + fp > 0).then(|| tp as f64 / (tp + fp) as f64);
    let refinement = Refinement {
        rule_id: stored.rule_id.clone(),
        from_version: stored.version,
        to_version: stored.version,
        precision_before: precision(tp, fp),
        precision_after: precision(tp, fp_left),
        false_positives_left: fp_left,
        added: added.clone(),
    };
    Ok(Some((with(&added), refinement)))
}

/// Whether `engine` still matches every vulnerable example of the rule and
/// none of its safe ones.
pub(super) fn examples_hold(
    engine: &Engine,
    path: &Path,
    lang: Language,
    cases: &[TestCase],
    rule_id: &str,
) -> bool {
    cases.iter().all(|case| {
        let (code, spans) = render_cases(lang, std::slice::from_ref(case), rule_id);
        let found = engine.scan_source(path, lang, &code).matches;
        let hit = spans.first().is_some_and(|(s, e)| {
            found
                .iter()
                .any(|m| m.start.line >= *s && m.start.line <= *e)
        });
        (case.kind == TestCaseKind::Positive) == hit
    })
}

/// The rule's search formula as a `patterns:` list (taking it out of the
/// rule), so exclusions can be appended.
fn formula_as_patterns(rule: &mut Rule) -> Vec<Operator> {
    if let Some(p) = rule.pattern.take() {
        return vec![Operator::Pattern(p)];
    }
    if let Some(list) = rule.patterns.take() {
        return list;
    }
    if let Some(either) = rule.pattern_either.take() {
        return vec![Operator::PatternEither(either)];
    }
    if let Some(regex) = rule.pattern_regex.take() {
        return vec![Operator::PatternRegex(regex)];
    }
    Vec::new()
}
