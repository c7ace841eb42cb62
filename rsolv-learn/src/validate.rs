//! The one gate every candidate rule passes, whoever generated it: valid
//! YAML, runs in the engine, matches the vulnerable site (+), not the fixed
//! one (−), and breaks no stored test case of the organization's rules.

use std::path::Path;

use rsolv_core::Language;
use rsolv_rules::Rule;
use rsolv_store::{RuleFilter, TestCaseKind};
use serde::Serialize;

use crate::check::{engine_for, matches_in, overlaps, snippet_path};
use crate::synth::FixSite;
use crate::testfile::render_cases;
use crate::{RuleCatalog, SecurityFix};

/// A stored test case the candidate breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Collision {
    /// The rule the test case belongs to.
    pub rule_id: String,
    /// The test case.
    pub test_case_id: i64,
    /// What went wrong.
    pub problem: String,
}

/// Everything the validator checked about one candidate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ValidationReport {
    /// The candidate's rule id, once it parsed.
    pub rule_id: Option<String>,
    /// Whether it passed every check.
    pub valid: bool,
    /// Problems with the YAML or the rule (errors only).
    pub problems: Vec<String>,
    /// Whether it matched the vulnerable construct.
    pub matches_vulnerable: bool,
    /// Whether it matched the fixed construct.
    pub matches_fixed: bool,
    /// Stored test cases checked.
    pub test_cases_checked: usize,
    /// Stored test cases it broke.
    pub collisions: Vec<Collision>,
}

/// Validate candidate rule YAML against a fix and the organization's
/// stored test cases. Returns the parsed rule when it is valid.
pub async fn validate_candidate(
    catalog: &RuleCatalog,
    yaml: &str,
    fix: &SecurityFix,
    site: &FixSite,
) -> crate::Result<(Option<Rule>, ValidationReport)> {
    let mut report = ValidationReport::default();
    let Some(rule) = parse_one(yaml, fix.language, catalog, &mut report) else {
        return Ok((None, report));
    };
    report.rule_id = Some(rule.id.clone());
    let engine = match engine_for(&rule) {
        Ok(engine) => engine,
        Err(message) => {
            report.problems.push(message);
            return Ok((None, report));
        }
    };
    let path = snippet_path(fix.language, fix.path.as_deref());
    report.matches_vulnerable = matches_in(&engine, &path, fix.language, &fix.before)
        .iter()
        .any(|m| overlaps(m, &site.before));
    let after = site.after_range();
    report.matches_fixed = matches_in(&engine, &path, fix.language, &fix.after)
        .iter()
        .any(|m| overlaps(m, &after));
    if !report.matches_vulnerable {
        report
            .problems
            .push("does not match the vulnerable code at the changed site".into());
    }
    if report.matches_fixed {
        report.problems.push("matches the fixed code".into());
    }

    // Test cases of rules it could collide with: every rule in the fix's
    // language. Their safe examples must stay clean; when the candidate
    // replaces a stored rule of the same id, that rule's examples must all
    // still hold.
    let filter = RuleFilter {
        language: Some(fix.language.as_str().to_owned()),
        ..RuleFilter::default()
    };
    let store = catalog.store();
    for other in store.list_rules(catalog.org(), &filter).await? {
        let same = other.rule_id == rule.id;
        for case in store.test_cases(catalog.org(), &other.rule_id).await? {
            if case.kind == TestCaseKind::Positive && !same {
                continue;
            }
            let Ok(lang) = case.language.parse::<Language>() else {
                continue;
            };
            report.test_cases_checked += 1;
            let (code, lines) = render_cases(lang, std::slice::from_ref(&case), &rule.id);
            let file = snippet_path(lang, Some(Path::new("case")));
            let found = matches_in(&engine, &file, lang, &code);
            let hit = lines.first().is_some_and(|(start, end)| {
                found
                    .iter()
                    .any(|m| m.start.line >= *start && m.start.line <= *end)
            });
            let problem = match (case.kind, hit) {
                (TestCaseKind::Negative, true) => Some("matches its safe example"),
                (TestCaseKind::Positive, false) => Some("no longer matches its vulnerable example"),
                _ => None,
            };
            if let Some(problem) = problem {
                report.collisions.push(Collision {
                    rule_id: other.rule_id.clone(),
                    test_case_id: case.id,
                    problem: problem.into(),
                });
            }
        }
    }
    if !report.collisions.is_empty() {
        report.problems.push(format!(
            "breaks {} stored test case(s) of other rules",
            report.collisions.len()
        ));
    }
    report.valid = report.problems.is_empty();
    Ok((report.valid.then_some(rule), report))
}

fn parse_one(
    yaml: &str,
    lang: Language,
    catalog: &RuleCatalog,
    report: &mut ValidationReport,
) -> Option<Rule> {
    let loaded = match rsolv_rules::parse_rules(yaml, Path::new("<candidate>")) {
        Ok(loaded) => loaded,
        Err(e) => {
            report.problems.push(format!("not a rule file: {e}"));
            return None;
        }
    };
    report
        .problems
        .extend(loaded.errors().map(|d| d.to_string()));
    if !report.problems.is_empty() {
        return None;
    }
    let mut rules = loaded.file.rules;
    if rules.len() != 1 {
        report
            .problems
            .push(format!("expected exactly one rule, found {}", rules.len()));
        return None;
    }
    let rule = rules.remove(0);
    if !rule
        .languages()
        .iter()
        .any(|l| l.parse::<Language>().ok() == Some(lang))
    {
        report
            .problems
            .push(format!("the rule does not target {}", lang.as_str()));
    }
    if let Some(declared) = rule.metadata().organization_id()
        && declared != catalog.org().as_str()
    {
        report.problems.push(format!(
            "the rule belongs to organization `{declared}`, not `{}`",
            catalog.org()
        ));
    }
    report.problems.is_empty().then_some(rule)
}
