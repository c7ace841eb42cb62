//! Keeping learned rules precise: refine rules that raise false positives,
//! disable the ones that cannot be repaired (never delete), and retire
//! duplicates.

use std::collections::BTreeSet;

use rsolv_core::Language;
use rsolv_rules::{Operand, Operator, Rule};
use rsolv_store::{Feedback, RuleFilter, StoredFinding, StoredRule, TestCase, TestCaseKind};
use serde::Serialize;

mod duplicates;

use crate::check::{engine_for, snippet_path};
use crate::testfile::render_cases;
use crate::{Result, RuleCatalog, new_rule_from, parse_stored};
use duplicates::duplicates;

/// Thresholds of [`optimize`].
#[derive(Debug, Clone)]
pub struct OptimizeOptions {
    /// Rules whose judged false-positive rate exceeds this are refined.
    pub max_false_positive_rate: f64,
    /// Rules with at least this many findings and no true positive are
    /// reported as unconfirmed.
    pub min_matches: u64,
    /// Disable unconfirmed rules too.
    pub disable_unconfirmed: bool,
    /// Report what would change, change nothing.
    pub dry_run: bool,
}

impl Default for OptimizeOptions {
    fn default() -> Self {
        Self {
            max_false_positive_rate: 0.05,
            min_matches: 20,
            disable_unconfirmed: false,
            dry_run: false,
        }
    }
}

/// A rule that got a new, more precise version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Refinement {
    /// The rule.
    pub rule_id: String,
    /// The version refined.
    pub from_version: u32,
    /// The new version (the same in a dry run).
    pub to_version: u32,
    /// The exclusions added (`pattern-not-inside`).
    pub added: Vec<String>,
    /// Precision over the judged findings before.
    pub precision_before: Option<f64>,
    /// Precision over the same findings with the new version.
    pub precision_after: Option<f64>,
}

/// A rule switched off, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Retired {
    /// The rule.
    pub rule_id: String,
    /// Why.
    pub reason: String,
}

/// What [`optimize`] did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OptimizationReport {
    /// Enabled rules examined.
    pub examined: usize,
    /// Rules refined.
    pub refined: Vec<Refinement>,
    /// Rules disabled because they could not be repaired.
    pub disabled: Vec<Retired>,
    /// Rules disabled as equivalent to, or subsumed by, another.
    pub duplicates: Vec<Retired>,
    /// Rules with many findings and no true positive.
    pub unconfirmed: Vec<String>,
}

/// Refine, disable and deduplicate the organization's enabled rules.
pub async fn optimize(
    catalog: &RuleCatalog,
    actor: &str,
    options: &OptimizeOptions,
) -> Result<OptimizationReport> {
    let store = catalog.store();
    let org = catalog.org();
    let filter = RuleFilter {
        enabled: Some(true),
        ..RuleFilter::default()
    };
    let rules = store.list_rules(org, &filter).await?;
    let mut report = OptimizationReport {
        examined: rules.len(),
        ..OptimizationReport::default()
    };
    let mut retired: BTreeSet<String> = BTreeSet::new();
    for stored in &rules {
        let findings = store.findings(org, Some(&stored.rule_id)).await?;
        let verdict = |f: &StoredFinding| f.feedback.as_ref().map(|r| r.verdict);
        let tp = findings
            .iter()
            .filter(|f| verdict(f) == Some(Feedback::TruePositive))
            .count();
        let fp = findings
            .iter()
            .filter(|f| verdict(f) == Some(Feedback::FalsePositive))
            .count();
        let matches = store
            .metrics(org, &stored.rule_id)
            .await?
            .map_or(0, |m| m.matches);
        if fp > 0 && fp as f64 / (tp + fp) as f64 > options.max_false_positive_rate {
            let cases = store.test_cases(org, &stored.rule_id).await?;
            match refine(stored, &findings, &cases)? {
                Some((rule, mut refinement)) => {
                    if !options.dry_run {
                        let reason = format!(
                            "optimize: excluded {} false-positive site(s); precision {} -> {}",
                            refinement.added.len(),
                            percent(refinement.precision_before),
                            percent(refinement.precision_after)
                        );
                        let change = rsolv_store::ChangeInfo::new(actor, reason);
                        let (saved, _) =
                            store.put_rule(org, new_rule_from(&rule)?, &change).await?;
                        refinement.to_version = saved.version;
                    }
                    report.refined.push(refinement);
                }
                None => {
                    let reason = format!(
                        "optimize: false-positive rate {:.0}% ({fp} of {}) and no refinement keeps its true positives",
                        100.0 * fp as f64 / (tp + fp) as f64,
                        tp + fp
                    );
                    if !options.dry_run {
                        let change = rsolv_store::ChangeInfo::new(actor, reason.clone());
                        store
                            .set_enabled(org, &stored.rule_id, false, &change)
                            .await?;
                    }
                    retired.insert(stored.rule_id.clone());
                    report.disabled.push(Retired {
                        rule_id: stored.rule_id.clone(),
                        reason,
                    });
                }
            }
        } else if tp == 0 && matches >= options.min_matches {
            report.unconfirmed.push(stored.rule_id.clone());
            if options.disable_unconfirmed {
                let reason = format!("optimize: no true positive in {matches} findings");
                if !options.dry_run {
                    let change = rsolv_store::ChangeInfo::new(actor, reason.clone());
                    store
                        .set_enabled(org, &stored.rule_id, false, &change)
                        .await?;
                }
                retired.insert(stored.rule_id.clone());
                report.disabled.push(Retired {
                    rule_id: stored.rule_id.clone(),
                    reason,
                });
            }
        }
    }
    for (rule_id, reason) in duplicates(catalog, &rules, &retired).await? {
        if !options.dry_run {
            let change = rsolv_store::ChangeInfo::new(actor, reason.clone());
            store.set_enabled(org, &rule_id, false, &change).await?;
        }
        report.duplicates.push(Retired { rule_id, reason });
    }
    Ok(report)
}

fn dedent(code: &str) -> String {
    crate::testfile::snippet(code, &(0..code.len()))
}

fn percent(p: Option<f64>) -> String {
    p.map_or_else(|| "n/a".to_owned(), |p| format!("{:.0}%", 100.0 * p))
}

/// The rule with a `pattern-not-inside` for every false-positive line, if
/// it still matches every true positive and its own vulnerable examples.
fn refine(
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
    let verdict = |f: &StoredFinding| f.feedback.as_ref().map(|r| r.verdict);
    let mut added: Vec<String> = Vec::new();
    for f in findings
        .iter()
        .filter(|f| verdict(f) == Some(Feedback::FalsePositive))
    {
        let line = f.lines.trim().to_owned();
        if !line.is_empty() && !added.contains(&line) {
            added.push(line);
        }
    }
    let mut patterns = formula_as_patterns(&mut rule);
    for line in &added {
        patterns.push(Operator::PatternNotInside(Operand::Pattern(line.clone())));
    }
    rule.patterns = Some(patterns);
    let Ok(engine) = engine_for(&rule) else {
        return Ok(None);
    };
    let path = snippet_path(lang, None);
    let hits = |code: &str| !engine.scan_source(&path, lang, code).matches.is_empty();
    let (mut tp_before, mut fp_before, mut tp_after, mut fp_after) = (0, 0, 0, 0);
    for f in findings {
        match verdict(f) {
            Some(Feedback::TruePositive) => {
                tp_before += 1;
                tp_after += usize::from(hits(&dedent(&f.lines)));
            }
            Some(Feedback::FalsePositive) => {
                fp_before += 1;
                fp_after += usize::from(hits(&dedent(&f.lines)));
            }
            _ => {}
        }
    }
    // Every true positive and every vulnerable example must survive.
    let examples_hold = cases.iter().all(|case| {
        let (code, spans) = render_cases(lang, std::slice::from_ref(case), &rule.id);
        let found = engine.scan_source(&path, lang, &code).matches;
        let hit = spans.first().is_some_and(|(s, e)| {
            found
                .iter()
                .any(|m| m.start.line >= *s && m.start.line <= *e)
        });
        (case.kind == TestCaseKind::Positive) == hit
    });
    if tp_after < tp_before || fp_after >= fp_before || !examples_hold {
        return Ok(None);
    }
    let precision = |tp: usize, fp: usize| (tp + fp > 0).then(|| tp as f64 / (tp + fp) as f64);
    let refinement = Refinement {
        rule_id: stored.rule_id.clone(),
        from_version: stored.version,
        to_version: stored.version,
        added,
        precision_before: precision(tp_before, fp_before),
        precision_after: precision(tp_after, fp_after),
    };
    Ok(Some((rule, refinement)))
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
