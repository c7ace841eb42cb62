//! Retiring duplicates: rules equivalent to an older one, or subsumed by
//! another rule that matches all of their examples.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rsolv_core::Language;
use rsolv_rules::Rule;
use rsolv_store::{StoredRule, TestCaseKind};

use crate::check::{engine_for, snippet_path};
use crate::{Result, RuleCatalog, parse_stored};

/// Rules equivalent to an older one (same languages, same formula up to
/// metavariable names) or subsumed by another (it matches all of their
/// vulnerable examples and none of their safe ones).
pub(super) async fn duplicates(
    catalog: &RuleCatalog,
    rules: &[StoredRule],
    retired: &BTreeSet<String>,
) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut live: Vec<(&StoredRule, Rule)> = Vec::new();
    for stored in rules.iter().filter(|r| !retired.contains(&r.rule_id)) {
        if let Some(rule) = parse_stored(stored)?.rules.into_iter().next() {
            live.push((stored, rule));
        }
    }
    // Oldest first: the older rule survives.
    live.sort_by(|a, b| (&a.0.created_at, &a.0.rule_id).cmp(&(&b.0.created_at, &b.0.rule_id)));
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut gone: BTreeSet<String> = BTreeSet::new();
    for (stored, rule) in &live {
        let key = canonical_formula(rule);
        if let Some(first) = seen.get(&key) {
            out.push((
                stored.rule_id.clone(),
                format!("optimize: equivalent to `{first}`"),
            ));
            gone.insert(stored.rule_id.clone());
        } else {
            seen.insert(key, stored.rule_id.clone());
        }
    }
    let store = catalog.store();
    for (stored, rule) in &live {
        if gone.contains(&stored.rule_id) {
            continue;
        }
        let cases = store.test_cases(catalog.org(), &stored.rule_id).await?;
        if !cases.iter().any(|c| c.kind == TestCaseKind::Positive) {
            continue;
        }
        let Some(lang) = rule
            .languages()
            .iter()
            .find_map(|l| l.parse::<Language>().ok())
        else {
            continue;
        };
        for (other_stored, other) in &live {
            if other_stored.rule_id == stored.rule_id
                || gone.contains(&other_stored.rule_id)
                || other.languages() != rule.languages()
                || other.fix.is_none() && rule.fix.is_some()
            {
                continue;
            }
            let Ok(engine) = engine_for(other) else {
                continue;
            };
            let path = snippet_path(lang, Some(Path::new("case")));
            if super::refine::examples_hold(&engine, &path, lang, &cases, &rule.id) {
                out.push((
                    stored.rule_id.clone(),
                    format!("optimize: subsumed by `{}`", other_stored.rule_id),
                ));
                gone.insert(stored.rule_id.clone());
                break;
            }
        }
    }
    Ok(out)
}

/// The formula with metavariables renamed in order of appearance, so rules
/// that differ only in names compare equal.
fn canonical_formula(rule: &Rule) -> String {
    let formula = Rule {
        id: String::new(),
        languages: rule.languages.clone(),
        pattern: rule.pattern.clone(),
        patterns: rule.patterns.clone(),
        pattern_either: rule.pattern_either.clone(),
        pattern_regex: rule.pattern_regex.clone(),
        ..Rule::default()
    };
    let text = serde_yaml::to_string(&formula).unwrap_or_default();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let tail = &rest[i + 1..];
        let len = tail
            .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(tail.len());
        if len == 0 {
            out.push('$');
            rest = tail;
            continue;
        }
        let next = names.len();
        let canonical = names
            .entry(tail[..len].to_owned())
            .or_insert_with(|| format!("$M{next}"));
        out.push_str(canonical);
        rest = &tail[len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_formulas_ignore_metavariable_names() {
        let a = Rule {
            pattern: Some("yaml.load($DATA, $X)".into()),
            languages: vec!["python".into()],
            ..Rule::default()
        };
        let b = Rule {
            pattern: Some("yaml.load($F, $Y)".into()),
            ..a.clone()
        };
        let c = Rule {
            pattern: Some("yaml.load($F, $F)".into()),
            ..a.clone()
        };
        assert_eq!(canonical_formula(&a), canonical_formula(&b));
        assert_ne!(canonical_formula(&a), canonical_formula(&c));
    }
}
