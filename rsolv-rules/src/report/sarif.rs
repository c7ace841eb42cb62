//! SARIF 2.1.0 output, as GitHub code scanning reads it.

use serde_json::{Value, json};

use super::{by_id, fingerprints};
use crate::{CompiledRule, RuleMatch, ScanReport};

/// A scan report as a SARIF 2.1.0 log with one run: every rule that ran
/// (with its CWE tags), every finding with a stable `partialFingerprints`
/// entry, and fixes as `fixes[].artifactChanges`.
pub fn to_sarif<'a>(report: &ScanReport, rules: impl Iterator<Item = &'a CompiledRule>) -> Value {
    let rules: Vec<&CompiledRule> = rules.collect();
    let index = by_id(rules.iter().copied());
    let rule_index = |id: &str| rules.iter().position(|r| r.id == id);
    let descriptors: Vec<Value> = rules.iter().map(|r| rule_descriptor(r)).collect();
    let results: Vec<Value> = report
        .matches
        .iter()
        .zip(fingerprints(&report.matches))
        .map(|(m, fp)| {
            let level = index
                .get(m.rule_id.as_str())
                .map_or("warning", |r| r.severity.sarif_level());
            let mut result = json!({
                "ruleId": m.rule_id,
                "level": level,
                "message": { "text": m.message },
                "locations": [{ "physicalLocation": physical_location(m) }],
                "partialFingerprints": { "rsolv/v1": fp },
            });
            if let Some(i) = rule_index(&m.rule_id) {
                result["ruleIndex"] = json!(i);
            }
            if let Some(flows) = super::dataflow::sarif_code_flows(m, &uri(m)) {
                result["codeFlows"] = flows;
            }
            if let Some(fix) = &m.fix {
                result["fixes"] = json!([{
                    "description": { "text": format!("Replace with: {fix}") },
                    "artifactChanges": [{
                        "artifactLocation": { "uri": uri(m) },
                        "replacements": [{
                            "deletedRegion": region(m, false),
                            "insertedContent": { "text": fix },
                        }],
                    }],
                }]);
            }
            result
        })
        .collect();
    let notifications: Vec<Value> = report
        .errors
        .iter()
        .map(|e| {
            json!({
                "level": if e.level == "error" { "error" } else { "warning" },
                "message": { "text": e.message },
                "descriptor": { "id": e.kind },
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "rsolv",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/rsolv/rsolv",
                "rules": descriptors,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
            }],
        }],
    })
}

fn rule_descriptor(rule: &CompiledRule) -> Value {
    let mut tags: Vec<String> = rule.metadata.cwe();
    if let Some(class) = rule.metadata.vuln_class() {
        tags.push("security".into());
        tags.push(format!("rsolv/{class}"));
    }
    let precision = match rule.metadata.confidence() {
        Some(c) if c >= 0.8 => "high",
        Some(c) if c >= 0.5 => "medium",
        Some(_) => "low",
        None => "medium",
    };
    json!({
        "id": rule.id,
        "name": rule.id,
        "shortDescription": { "text": first_sentence(&rule.message) },
        "fullDescription": { "text": rule.message },
        "help": { "text": rule.message },
        "defaultConfiguration": { "level": rule.severity.sarif_level() },
        "properties": { "tags": tags, "precision": precision },
    })
}

fn first_sentence(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    line.split(". ").next().unwrap_or(line).trim().to_owned()
}

fn uri(m: &RuleMatch) -> String {
    m.path.to_string_lossy().replace('\\', "/")
}

fn physical_location(m: &RuleMatch) -> Value {
    json!({
        "artifactLocation": { "uri": uri(m), "uriBaseId": "%SRCROOT%" },
        "region": region(m, true),
    })
}

/// SARIF columns count code points here (`columnKind`), ours count bytes.
fn region(m: &RuleMatch, with_snippet: bool) -> Value {
    let lines: Vec<&str> = m.lines.split('\n').collect();
    let char_col = |line: &str, byte_col: usize| {
        line.get(..byte_col.saturating_sub(1))
            .map_or(byte_col, |prefix| prefix.chars().count() + 1)
    };
    let first = lines.first().copied().unwrap_or_default();
    let last = lines.last().copied().unwrap_or_default();
    let mut region = json!({
        "startLine": m.start.line,
        "startColumn": char_col(first, m.start.col),
        "endLine": m.end.line,
        "endColumn": char_col(last, m.end.col),
    });
    if with_snippet {
        region["snippet"] = json!({ "text": m.lines });
    }
    region
}
