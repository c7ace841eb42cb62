//! Turning a chosen candidate into a Semgrep rule: id, message, metadata.

use rsolv_core::{Language, OrgId, Severity, VulnClass, VulnFamily};
use rsolv_rules::{
    Metadata, MetavariablePattern, MetavariableRegex, Operand, Operator, Rule, StringOrList,
};
use serde_yaml::Value;
use sha2::{Digest, Sha256};
use tree_sitter::Node;

use super::syntax::{SyntaxKinds, text};
use super::{Candidate, FixSite};
use crate::SecurityFix;

/// `learned.python.insecure-deserialization.yaml-load-1a2b3c4d`: language, class,
/// the called API and a hash of the fix, so the same fix gets the same id.
pub(super) fn derive_id(
    fix: &SecurityFix,
    construct_text: &str,
    construct: Node<'_>,
    kinds: &SyntaxKinds,
) -> String {
    let callee = ["function", "constructor", "type", "name", "method"]
        .iter()
        .find_map(|f| construct.child_by_field_name(f))
        .map(|n| text(n, &fix.before))
        .unwrap_or(construct_text);
    let _ = kinds;
    let mut slug = String::new();
    for c in callee.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
        if slug.len() >= 40 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-');
    let slug = if slug.is_empty() { "construct" } else { slug };
    let mut hash = Sha256::new();
    hash.update(fix.language.as_str().as_bytes());
    hash.update([0]);
    hash.update(fix.before.as_bytes());
    hash.update([0]);
    hash.update(fix.after.as_bytes());
    let digest = hash.finalize();
    let short: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    let class = fix.vuln_class.map_or("security-fix", VulnClass::as_str);
    format!(
        "learned.{}.{}.{slug}-{short}",
        fix.language.as_str(),
        class.replace('_', "-")
    )
}

/// The rule a candidate stands for, without message details or metadata:
/// what the validator runs.
pub(super) fn draft(id: &str, lang: Language, candidate: &Candidate) -> Rule {
    let mut patterns = vec![Operator::Pattern(candidate.pattern.clone())];
    if let Some(not) = &candidate.pattern_not {
        patterns.push(Operator::PatternNot(Operand::Pattern(not.clone())));
    }
    if let Some(not) = &candidate.pattern_not_inside {
        patterns.push(Operator::PatternNotInside(Operand::Pattern(not.clone())));
    }
    if let Some(not) = &candidate.added_not {
        patterns.push(Operator::PatternNot(Operand::Pattern(not.clone())));
    }
    for not in &candidate.constant_not {
        patterns.push(Operator::PatternNot(Operand::Pattern(not.clone())));
    }
    if let Some((metavariable, regex)) = &candidate.sink {
        patterns.push(Operator::MetavariableRegex(MetavariableRegex {
            metavariable: metavariable.clone(),
            regex: regex.clone(),
            constant_propagation: None,
        }));
    }
    if let (Some(mv), Some(p)) = (&candidate.focus, &candidate.focus_pattern) {
        patterns.push(Operator::MetavariablePattern(MetavariablePattern {
            metavariable: mv.clone(),
            language: None,
            pattern: Some(p.clone()),
            patterns: None,
            pattern_either: None,
            pattern_regex: None,
        }));
    }
    if let Some(kinds) = super::kinds(lang) {
        for mv in &candidate.dynamic {
            patterns.push(Operator::MetavariablePattern(MetavariablePattern {
                metavariable: mv.clone(),
                language: None,
                pattern: None,
                patterns: None,
                pattern_either: Some(
                    kinds
                        .dynamic_shapes
                        .iter()
                        .map(|p| Operator::Pattern((*p).to_owned()))
                        .collect(),
                ),
                pattern_regex: None,
            }));
        }
    }
    if let Some(mv) = &candidate.focus {
        patterns.push(Operator::FocusMetavariable(StringOrList::One(mv.clone())));
    }
    // A string built from data and kept in a variable before the sink
    // (`q = "SELECT " + x; cur.execute(q)`) is the same instance: Semgrep's
    // symbolic propagation lets the metavariable-pattern see through it.
    let mut options = serde_yaml::Mapping::new();
    if !candidate.dynamic.is_empty() {
        options.insert("symbolic_propagation".into(), true.into());
    }
    Rule {
        id: id.to_owned(),
        message: Some("learned from a security fix".into()),
        options: (!options.is_empty()).then_some(options),
        severity: Some(Severity::Error),
        languages: vec![lang.as_str().to_owned()],
        patterns: Some(patterns),
        fix: candidate.fix.clone(),
        ..Rule::default()
    }
}

/// The final rule: message, severity and the metadata rsolv reads back.
pub(super) fn finish(
    id: &str,
    fix: &SecurityFix,
    candidate: &Candidate,
    site: &FixSite,
    org: Option<&OrgId>,
) -> Rule {
    let mut rule = draft(id, fix.language, candidate);
    let what = match fix.vuln_class {
        Some(class) => format!("{} ({})", class.as_str(), class.definition()),
        None => "a security issue".to_owned(),
    };
    let fixed = match (&candidate.fix, &site.after_text) {
        (Some(template), _) => format!(" The fix replaced it with `{template}`."),
        (None, Some(after)) => format!(" It was fixed as `{}`.", one_line(after)),
        (None, None) => String::new(),
    };
    rule.message = Some(format!(
        "`{}` repeats code that was fixed as {what}.{fixed}",
        one_line(&candidate.pattern)
    ));
    rule.severity = Some(match fix.vuln_class.map(VulnClass::family) {
        Some(VulnFamily::Injection | VulnFamily::Memory) | None => Severity::Error,
        Some(_) => Severity::Warning,
    });
    let mut metadata = Metadata::new();
    if let Some(issue) = &fix.issue {
        metadata.set("created_from_issue", Value::String(issue.clone()));
    }
    if let Some(org) = org {
        metadata.set("organization_id", Value::String(org.to_string()));
    }
    if let Some(class) = fix.vuln_class {
        metadata.set(
            "vulnerability_type",
            Value::String(class.as_str().to_owned()),
        );
        let cwes: Vec<Value> = class
            .cwes()
            .iter()
            .map(|n| Value::String(format!("CWE-{n}")))
            .collect();
        if !cwes.is_empty() {
            metadata.set("cwe", Value::Sequence(cwes));
        }
    }
    metadata.set_confidence(confidence(fix, candidate));
    metadata.set("generator", Value::String("rsolv-synthesizer".into()));
    metadata.set("generalization", Value::String(candidate.level.clone()));
    // The imports the fix template uses that the fix added.
    if let Some(template) = &candidate.fix {
        let needed: Vec<crate::AddedImport> = crate::added_imports(fix)
            .into_iter()
            .filter(|i| {
                i.names.is_empty()
                    || i.names
                        .iter()
                        .any(|n| crate::imports::mentions(template, n))
            })
            .collect();
        if !needed.is_empty()
            && let Ok(value) = serde_yaml::to_value(&needed)
        {
            metadata.set(crate::FIX_IMPORTS_KEY, value);
        }
    }
    if let Some(path) = &fix.path {
        metadata.set(
            "learned_from",
            Value::String(path.to_string_lossy().into_owned()),
        );
    }
    rule.metadata = metadata;
    rule
}

/// How much to trust the rule, from what the synthesis could check.
fn confidence(fix: &SecurityFix, candidate: &Candidate) -> f64 {
    let mut score: f64 = 0.5;
    if candidate.pattern_not.is_some() {
        score += 0.15;
    }
    if candidate.fix.is_some() {
        score += 0.1;
    }
    if fix.vuln_class.is_some() {
        score += 0.1;
    }
    if candidate.codebase_matches.is_some_and(|n| n > 1) {
        score += 0.05;
    }
    (score.min(0.95) * 100.0).round() / 100.0
}

fn one_line(code: &str) -> String {
    code.split_whitespace().collect::<Vec<_>>().join(" ")
}
