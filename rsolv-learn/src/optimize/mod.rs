//! Keeping learned rules precise: refine rules that raise false positives,
//! disable the ones that cannot be repaired (never delete), and retire
//! duplicates.

use std::collections::BTreeSet;

use rsolv_store::{Feedback, RuleFilter, StoredFinding, StoredRule};
use serde::Serialize;

mod duplicates;
mod refine;
mod sites;

use crate::{Result, RuleCatalog, new_rule_from};
use duplicates::duplicates;
use refine::refine;

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
    /// The exclusions added (`pattern-not-inside`), one per false positive
    /// removed that no earlier exclusion covered.
    pub added: Vec<String>,
    /// Precision over the judged findings before.
    pub precision_before: Option<f64>,
    /// Precision over the same findings with the new version, measured
    /// where they were found (or on their lines alone when their files are
    /// gone or changed).
    pub precision_after: Option<f64>,
    /// Judged false positives the new version still reports (or that could
    /// not be checked).
    pub false_positives_left: usize,
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
            let refined = refine(stored, &findings, &cases)?;
            // Measured: the false positives the refined version still reports.
            let left = refined.as_ref().map_or(fp, |(_, r)| r.false_positives_left);
            let rate = |fp: usize| fp as f64 / (tp + fp).max(1) as f64;
            match refined {
                Some((rule, mut refinement)) if rate(left) <= options.max_false_positive_rate => {
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
                refined => {
                    let mut reason = format!(
                        "optimize: false-positive rate {:.0}% ({fp} of {})",
                        100.0 * rate(fp),
                        tp + fp
                    );
                    if refined.is_some() {
                        reason.push_str(&format!(
                            ", still {:.0}% ({left} of {}) once the false positives that differ from its true positives are excluded",
                            100.0 * rate(left),
                            tp + left
                        ));
                    } else {
                        reason.push_str(" and no refinement keeps its true positives");
                    }
                    disable(
                        catalog,
                        actor,
                        options,
                        stored,
                        reason,
                        &mut retired,
                        &mut report,
                    )
                    .await?;
                }
            }
        } else if tp == 0 && matches >= options.min_matches {
            report.unconfirmed.push(stored.rule_id.clone());
            if options.disable_unconfirmed {
                let reason = format!("optimize: no true positive in {matches} findings");
                disable(
                    catalog,
                    actor,
                    options,
                    stored,
                    reason,
                    &mut retired,
                    &mut report,
                )
                .await?;
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

/// Switch a rule off (never delete it), with the reason in its audit
/// trail, and report it (only report it in a dry run).
async fn disable(
    catalog: &RuleCatalog,
    actor: &str,
    options: &OptimizeOptions,
    stored: &StoredRule,
    reason: String,
    retired: &mut BTreeSet<String>,
    report: &mut OptimizationReport,
) -> Result<()> {
    if !options.dry_run {
        let change = rsolv_store::ChangeInfo::new(actor, reason.clone());
        catalog
            .store()
            .set_enabled(catalog.org(), &stored.rule_id, false, &change)
            .await?;
    }
    retired.insert(stored.rule_id.clone());
    report.disabled.push(Retired {
        rule_id: stored.rule_id.clone(),
        reason,
    });
    Ok(())
}

fn percent(p: Option<f64>) -> String {
    p.map_or_else(|| "n/a".to_owned(), |p| format!("{:.0}%", 100.0 * p))
}
