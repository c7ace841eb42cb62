//! The learning loop: one fix in, a validated, stored rule out, and every
//! other instance of the same mistake found (and optionally fixed).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use rsolv_core::{Language, VulnClass};
use rsolv_rules::{Engine, RuleMatch, ScanOptions};
use rsolv_store::{ChangeInfo, NewFinding, NewTestCase, PutOutcome, TestCaseKind};
use serde::Serialize;

use crate::generator::{GenerationRequest, RuleGenerator, SynthesizerGenerator};
use crate::synth::{Candidate, locate_fix};
use crate::testfile::snippet;
use crate::validate::{ValidationReport, validate_candidate};
use crate::{Result, RuleCatalog, SecurityFix, new_rule_from};

/// Labels a fix whose vulnerability class was not given (the hook for the
/// finding classifier).
pub trait FixClassifier: Send + Sync {
    /// The class of the vulnerability the fix removes, if it can tell.
    fn classify(&self, fix: &SecurityFix) -> Option<VulnClass>;
}

impl<F> FixClassifier for F
where
    F: Fn(&SecurityFix) -> Option<VulnClass> + Send + Sync,
{
    fn classify(&self, fix: &SecurityFix) -> Option<VulnClass> {
        self(fix)
    }
}

/// How far [`LearningSystem::process_fix`] goes after learning.
#[derive(Debug, Clone, Default)]
pub struct LearnOptions {
    /// Files or directories to scan with the new rule (the codebase).
    pub scan: Vec<PathBuf>,
    /// Write the fix to every other instance instead of only proposing it.
    pub apply: bool,
    /// How to walk the codebase.
    pub scan_options: ScanOptions,
}

/// A candidate that was not stored, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RejectedCandidate {
    /// The generator that proposed it.
    pub generator: String,
    /// Why it was rejected.
    pub reason: String,
    /// Its YAML, when there was one.
    pub yaml: Option<String>,
    /// The validator's report, when it got that far.
    pub validation: Option<ValidationReport>,
}

/// The stored rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LearnedRule {
    /// Its id.
    pub id: String,
    /// Its version after storing.
    pub version: u32,
    /// Whether it was new, changed or already stored.
    pub outcome: PutOutcome,
    /// Which generator made it.
    pub generator: String,
    /// The rule YAML.
    pub yaml: String,
    /// The synthesizer's ladder, when the synthesizer made it.
    pub candidates: Vec<Candidate>,
}

/// Another instance of the mistake, found by the new rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InstanceFound {
    /// The finding's id in the store.
    pub finding_id: Option<i64>,
    /// The file.
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
    /// The matched code.
    pub matched: String,
    /// The replacement, when the rule has a fix.
    pub fix: Option<String>,
}

/// The fix proposed (or applied) to one file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileFix {
    /// The file.
    pub path: PathBuf,
    /// How many instances were fixed.
    pub instances: usize,
    /// The change as a unified diff.
    pub diff: String,
    /// Whether it was written to disk.
    pub applied: bool,
}

/// How the organization's coverage of the scanned code changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CoverageChange {
    /// Enabled rules before learning.
    pub rules_before: usize,
    /// Enabled rules after.
    pub rules_after: usize,
    /// Lines flagged by the organization's rules before learning.
    pub flagged_lines_before: usize,
    /// Lines flagged after.
    pub flagged_lines_after: usize,
}

/// Everything [`LearningSystem::process_fix`] did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LearningResult {
    /// The vulnerability class used (given or classified).
    pub vulnerability_type: Option<VulnClass>,
    /// The stored rule, if a candidate passed validation.
    pub rule: Option<LearnedRule>,
    /// The validation report of the accepted candidate (or the last one).
    pub validation: Option<ValidationReport>,
    /// Candidates that were not stored.
    pub rejected: Vec<RejectedCandidate>,
    /// Other instances the new rule found in the codebase.
    pub additional_findings: Vec<InstanceFound>,
    /// Fixes for them, per file.
    pub fixes: Vec<FileFix>,
    /// How many instances were fixed on disk.
    pub fixes_applied: usize,
    /// How the organization's coverage changed.
    pub coverage: CoverageChange,
}

/// The learning loop of one organization.
pub struct LearningSystem {
    catalog: RuleCatalog,
    generators: Vec<Box<dyn RuleGenerator>>,
    classifier: Option<Box<dyn FixClassifier>>,
    actor: String,
}

impl std::fmt::Debug for LearningSystem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LearningSystem")
            .field("catalog", &self.catalog)
            .field("generators", &self.generators)
            .field("classifier", &self.classifier.is_some())
            .finish()
    }
}

impl LearningSystem {
    /// The loop on `catalog`, with the synthesizer as its only generator.
    pub fn new(catalog: RuleCatalog, actor: impl Into<String>) -> Self {
        Self {
            catalog,
            generators: vec![Box::new(SynthesizerGenerator)],
            classifier: None,
            actor: actor.into(),
        }
    }

    /// Use these generators, tried in order, instead.
    pub fn with_generators(mut self, generators: Vec<Box<dyn RuleGenerator>>) -> Self {
        self.generators = generators;
        self
    }

    /// Label unlabeled fixes with `classifier`.
    pub fn with_classifier(mut self, classifier: Box<dyn FixClassifier>) -> Self {
        self.classifier = Some(classifier);
        self
    }

    /// The catalog.
    pub fn catalog(&self) -> &RuleCatalog {
        &self.catalog
    }

    /// Learn from one fix: (1) record it, (2) generate candidates, (3)
    /// validate them, (4) store the first valid one, versioned and audited,
    /// with the fix as its test cases, (5) scan the codebase with it, (6)
    /// propose or apply the same fix to every other instance, (7) record
    /// the findings in the rule's metrics.
    pub async fn process_fix(
        &self,
        mut fix: SecurityFix,
        options: &LearnOptions,
    ) -> Result<LearningResult> {
        if fix.vuln_class.is_none()
            && let Some(classifier) = &self.classifier
        {
            fix.vuln_class = classifier.classify(&fix);
        }
        let site = locate_fix(&fix)?;
        let org = self.catalog.org().clone();
        let request = GenerationRequest {
            fix: &fix,
            org: &org,
            codebase: &options.scan,
        };
        let mut result = LearningResult {
            vulnerability_type: fix.vuln_class,
            rule: None,
            validation: None,
            rejected: Vec::new(),
            additional_findings: Vec::new(),
            fixes: Vec::new(),
            fixes_applied: 0,
            coverage: CoverageChange::default(),
        };
        let mut accepted = None;
        'generators: for generator in &self.generators {
            let generated = match generator.generate(&request).await {
                Ok(g) => g,
                Err(e) => {
                    result.rejected.push(RejectedCandidate {
                        generator: generator.name().to_owned(),
                        reason: e.to_string(),
                        yaml: None,
                        validation: None,
                    });
                    continue;
                }
            };
            for candidate in generated {
                let (rule, report) =
                    validate_candidate(&self.catalog, &candidate.yaml, &fix, &site).await?;
                match rule {
                    Some(rule) => {
                        result.validation = Some(report);
                        accepted = Some((rule, candidate));
                        break 'generators;
                    }
                    None => {
                        result.rejected.push(RejectedCandidate {
                            generator: candidate.generator,
                            reason: report.problems.join("; "),
                            yaml: Some(candidate.yaml),
                            validation: Some(report.clone()),
                        });
                        result.validation = Some(report);
                    }
                }
            }
        }
        let Some((rule, candidate)) = accepted else {
            return Ok(result);
        };

        // Coverage before: the enabled rules, compiled before the new one
        // is stored.
        let existing = self.catalog.compiled_rules().await?;
        let rules_before = existing.len();

        let mut reason = format!("learned from a fix by {}", candidate.generator);
        if let Some(path) = &fix.path {
            reason.push_str(&format!(" in {}", path.display()));
        }
        if let Some(issue) = &fix.issue {
            reason.push_str(&format!(" (issue {issue})"));
        }
        let change = ChangeInfo::new(self.actor.clone(), reason);
        let (stored, outcome) = self
            .catalog
            .store()
            .put_rule(&org, new_rule_from(&rule)?, &change)
            .await?;
        if outcome != PutOutcome::Unchanged {
            let language = fix.language.as_str().to_owned();
            let mut cases = vec![NewTestCase {
                kind: TestCaseKind::Positive,
                language: language.clone(),
                code: snippet(&fix.before, &site.before),
                description: Some("the vulnerable code of the fix".into()),
            }];
            if site.after.is_some() {
                cases.push(NewTestCase {
                    kind: TestCaseKind::Negative,
                    language,
                    code: snippet(&fix.after, &site.after_range()),
                    description: Some("the fixed code".into()),
                });
            }
            // Learning the same fix again adds no duplicate examples.
            let known = self
                .catalog
                .store()
                .test_cases(&org, &stored.rule_id)
                .await?;
            cases.retain(|c| !known.iter().any(|k| k.kind == c.kind && k.code == c.code));
            if !cases.is_empty() {
                self.catalog
                    .store()
                    .add_test_cases(&org, &stored.rule_id, cases)
                    .await?;
            }
        }
        result.rule = Some(LearnedRule {
            id: stored.rule_id.clone(),
            version: stored.version,
            outcome,
            generator: candidate.generator,
            yaml: stored.yaml.clone(),
            candidates: candidate
                .synthesis
                .map(|s| s.candidates)
                .unwrap_or_default(),
        });
        if options.scan.is_empty() {
            result.coverage = CoverageChange {
                rules_before,
                rules_after: rules_before + usize::from(outcome == PutOutcome::Created),
                ..CoverageChange::default()
            };
            return Ok(result);
        }

        // One pass over the codebase with the old rules and the new one.
        let new_rule = rsolv_rules::CompiledRule::compile(&rule)?;
        let mut all = existing;
        all.retain(|r| r.id != rule.id);
        all.push(new_rule);
        let paths = options.scan.clone();
        let scan_options = options.scan_options.clone();
        let report =
            tokio::task::spawn_blocking(move || Engine::new(all).scan_paths(&paths, &scan_options))
                .await
                .map_err(|e| crate::Error::Generator {
                    generator: "scan".into(),
                    message: e.to_string(),
                })?;
        let (mine, theirs): (Vec<RuleMatch>, Vec<RuleMatch>) = report
            .matches
            .into_iter()
            .partition(|m| m.rule_id == rule.id);
        let lines_of = |ms: &[RuleMatch]| -> BTreeSet<(PathBuf, usize)> {
            ms.iter().map(|m| (m.path.clone(), m.start.line)).collect()
        };
        let before_lines = lines_of(&theirs);
        let mut after_lines = before_lines.clone();
        after_lines.extend(lines_of(&mine));
        result.coverage = CoverageChange {
            rules_before,
            rules_after: rules_before + usize::from(outcome == PutOutcome::Created),
            flagged_lines_before: before_lines.len(),
            flagged_lines_after: after_lines.len(),
        };

        // Step 7: the findings feed the rule's metrics.
        let mut occurrences: BTreeMap<String, usize> = BTreeMap::new();
        let findings: Vec<NewFinding> = mine
            .iter()
            .map(|m| {
                let key = format!("{}\0{}", m.path.display(), m.matched);
                let n = occurrences.entry(key).or_insert(0);
                *n += 1;
                to_new_finding(m, *n - 1, fix.vuln_class)
            })
            .collect();
        let stored_findings = if findings.is_empty() {
            Vec::new()
        } else {
            self.catalog.store().record_findings(&org, findings).await?
        };
        for (m, stored) in mine.iter().zip(
            stored_findings
                .iter()
                .map(Some)
                .chain(std::iter::repeat(None)),
        ) {
            result.additional_findings.push(InstanceFound {
                finding_id: stored.map(|s| s.id),
                path: m.path.clone(),
                line: m.start.line,
                col: m.start.col,
                matched: m.matched.clone(),
                fix: m.fix.clone(),
            });
        }

        // Step 6: the same fix everywhere else.
        let needed_imports = crate::added_imports(&fix);
        let mut by_file: BTreeMap<PathBuf, Vec<&RuleMatch>> = BTreeMap::new();
        for m in mine.iter().filter(|m| m.fix.is_some()) {
            by_file.entry(m.path.clone()).or_default().push(m);
        }
        for (path, matches) in by_file {
            let Ok(source) = std::fs::read_to_string(&path) else {
                continue;
            };
            let mut fixed = rsolv_rules::apply_fixes(&source, matches.iter().copied());
            if fixed.applied == 0 {
                continue;
            }
            // The imports the fix added come along where the replacement
            // needs them.
            if !needed_imports.is_empty() && Language::from_path(&path) == Some(fix.language) {
                let used: String = matches
                    .iter()
                    .filter_map(|m| m.fix.as_deref())
                    .collect::<Vec<_>>()
                    .join("\n");
                fixed.text =
                    crate::add_missing_imports(fix.language, &fixed.text, &needed_imports, &used);
            }
            let diff = rsolv_rules::unified_diff(&path, &source, &fixed.text);
            let applied = options.apply
                && rsolv_rules::write_atomically(&path, &fixed.text)
                    .map_err(|source| crate::Error::Io {
                        path: path.clone(),
                        source,
                    })
                    .map(|()| true)?;
            if applied {
                result.fixes_applied += fixed.applied;
            }
            result.fixes.push(FileFix {
                path,
                instances: fixed.applied,
                diff,
                applied,
            });
        }
        Ok(result)
    }
}

/// The store record of a scan match: `occurrence` counts earlier matches
/// with the same fingerprint base, `class` tags the finding.
pub fn to_new_finding(m: &RuleMatch, occurrence: usize, class: Option<VulnClass>) -> NewFinding {
    let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    NewFinding {
        rule_id: m.rule_id.clone(),
        path: m.path.to_string_lossy().into_owned(),
        start_line: clamp(m.start.line),
        start_col: clamp(m.start.col),
        end_line: clamp(m.end.line),
        end_col: clamp(m.end.col),
        message: m.message.clone(),
        severity: m.severity,
        fingerprint: rsolv_rules::fingerprint(m, occurrence),
        lines: m.lines.clone(),
        vuln_class: class,
    }
}
