//! Scan output in the formats other tools read: Semgrep's JSON and SARIF.

mod dataflow;
mod sarif;
mod semgrep_json;

use std::collections::HashMap;

use sha2::{Digest, Sha256};

pub use sarif::to_sarif;
pub use semgrep_json::{to_semgrep_json, write_semgrep_json};

use crate::{CompiledRule, RuleMatch};

/// A stable identity for a finding: SHA-256 over the rule id, the path and
/// the matched code with whitespace collapsed, plus the occurrence index of
/// identical code in the file. It survives unrelated edits above the
/// finding, which line numbers do not.
pub fn fingerprint(m: &RuleMatch, occurrence: usize) -> String {
    let mut hasher = Sha256::new();
    hasher.update(m.rule_id.as_bytes());
    hasher.update([0]);
    hasher.update(m.path.to_string_lossy().as_bytes());
    hasher.update([0]);
    for word in m.matched.split_whitespace() {
        hasher.update(word.as_bytes());
        hasher.update([b' ']);
    }
    hasher.update(occurrence.to_le_bytes());
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Fingerprints for a list of matches, in order, numbering repeated
/// identical findings in one file.
pub(crate) fn fingerprints(matches: &[RuleMatch]) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    matches
        .iter()
        .map(|m| {
            let base = fingerprint(m, 0);
            let n = seen.entry(base.clone()).or_insert(0);
            *n += 1;
            if *n == 1 {
                base
            } else {
                fingerprint(m, *n - 1)
            }
        })
        .collect()
}

/// Rules by id, for metadata lookups.
pub(crate) fn by_id<'a>(
    rules: impl Iterator<Item = &'a CompiledRule>,
) -> HashMap<&'a str, &'a CompiledRule> {
    rules.map(|r| (r.id.as_str(), r)).collect()
}
