//! Reading rule files: YAML → per-rule validation → the serde model.

use std::path::{Path, PathBuf};

use serde_yaml::Value;

use crate::raw::{Rule, RuleFile};
use crate::source_map::{SourceMap, child_index, child_key};
use crate::validate::{Checker, check_rule};
use crate::{CompiledRule, Diagnostic, DiagnosticLevel, Error, Result};

/// A parsed rule file with everything the validator found.
#[derive(Debug, Clone)]
pub struct LoadedRules {
    /// The file the rules came from.
    pub path: PathBuf,
    /// The rules that could be read. A rule whose shape serde cannot read
    /// at all is left out (and has an error diagnostic); a rule with only
    /// semantic errors is kept.
    pub file: RuleFile,
    /// Errors and warnings, in file order.
    pub diagnostics: Vec<Diagnostic>,
    /// For each rule in `file.rules`, its index in the YAML `rules:` list.
    origins: Vec<usize>,
    source_map: SourceMap,
}

impl LoadedRules {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The error-level diagnostics.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }

    /// The warning-level diagnostics.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| !d.is_error())
    }

    /// Compile every rule the embedded engine can run.
    ///
    /// Fails with [`Error::InvalidRules`] when the file has errors. Rules
    /// that are valid Semgrep but that the engine does not run (only
    /// unsupported languages, `join`/`extract` modes) are skipped; they
    /// were reported as warnings.
    pub fn compile(&self) -> Result<Vec<CompiledRule>> {
        if self.has_errors() {
            return Err(Error::InvalidRules {
                path: self.path.clone(),
                diagnostics: self.errors().cloned().collect(),
            });
        }
        let mut compiled = Vec::new();
        let mut problems = Vec::new();
        for (rule, origin) in self.file.rules.iter().zip(&self.origins) {
            match CompiledRule::try_from(rule) {
                Ok(c) => compiled.push(c),
                Err(Error::Unsupported { .. }) => {}
                Err(Error::Compile {
                    key_path, message, ..
                }) => {
                    let rule_path = child_index("rules", *origin);
                    let full = if key_path.is_empty() {
                        rule_path
                    } else {
                        child_key(&rule_path, &key_path)
                    };
                    let mut ck = Checker::new(&self.path, &self.source_map);
                    ck.rule_id = Some(rule.id.clone());
                    problems.push(ck.diagnostic(DiagnosticLevel::Error, &full, message));
                }
                Err(other) => return Err(other),
            }
        }
        if problems.is_empty() {
            Ok(compiled)
        } else {
            Err(Error::InvalidRules {
                path: self.path.clone(),
                diagnostics: problems,
            })
        }
    }
}

/// Parse and validate the rule file text `source`; `path` is used in
/// diagnostics only.
///
/// Fails only when the text is not YAML or has no top-level `rules:` list.
/// Problems in rules become [`Diagnostic`]s; one bad rule never stops the
/// others from being read.
pub fn parse_rules(source: &str, path: &Path) -> Result<LoadedRules> {
    let document: Value = serde_yaml::from_str(source).map_err(|e| {
        let (line, col) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
        Error::Yaml {
            path: path.to_path_buf(),
            line,
            col,
            message: e.to_string(),
        }
    })?;
    let source_map = SourceMap::new(source);
    let not_rule_file = |key_path: &str| {
        let pos = source_map.lookup(key_path);
        Error::NotRuleFile {
            path: path.to_path_buf(),
            line: pos.line.max(1),
            col: pos.col.max(1),
        }
    };
    let Some(top) = document.as_mapping() else {
        return Err(not_rule_file(""));
    };
    let Some(items) = top.get("rules") else {
        return Err(not_rule_file(""));
    };
    let Some(items) = items.as_sequence() else {
        return Err(not_rule_file("rules"));
    };

    let mut ck = Checker::new(path, &source_map);
    for key in top.keys() {
        if key.as_str() != Some("rules") {
            let name = key.as_str().unwrap_or("?");
            ck.warning(
                &child_key("", name),
                format!("top-level key `{name}` is ignored"),
            );
        }
    }

    let mut rules = Vec::new();
    let mut origins = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let rule_path = child_index("rules", index);
        let errors_before = ck.error_count();
        check_rule(&mut ck, item, &rule_path);
        match serde_yaml::from_value::<Rule>(item.clone()) {
            Ok(rule) => {
                check_duplicate(&mut ck, &rules, &origins, &rule, &rule_path);
                rules.push(rule);
                origins.push(index);
            }
            // The validator explains most shapes serde rejects, and better;
            // serde's message is the fallback for anything it missed.
            Err(e) if ck.error_count() == errors_before => {
                ck.error(&rule_path, format!("cannot read rule: {e}"));
            }
            Err(_) => {}
        }
    }
    ck.rule_id = None;
    let mut diagnostics = ck.diagnostics;
    diagnostics.sort_by_key(|d| (d.line, d.col));

    Ok(LoadedRules {
        path: path.to_path_buf(),
        file: RuleFile { rules },
        diagnostics,
        origins,
        source_map,
    })
}

fn check_duplicate(
    ck: &mut Checker<'_>,
    rules: &[Rule],
    origins: &[usize],
    rule: &Rule,
    path: &str,
) {
    if let Some(first) = rules.iter().position(|r| r.id == rule.id) {
        let first_pos = origins.get(first).copied().unwrap_or_default();
        ck.warning(
            &child_key(path, "id"),
            format!("duplicate rule id `{}` (also rules[{first_pos}])", rule.id),
        );
    }
}

/// Read, parse and validate a rule file.
pub fn load_rules(path: &Path) -> Result<LoadedRules> {
    let source = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_rules(&source, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_nesting_fits_the_default_stack() {
        let depth = 40;
        let mut yaml = String::from(
            "rules:\n  - id: deep\n    message: m\n    severity: INFO\n    languages: [python]\n",
        );
        yaml.push_str("    patterns:\n");
        let mut indent = String::from("      ");
        for _ in 0..depth {
            yaml.push_str(&format!("{indent}- pattern: a\n{indent}- patterns:\n"));
            indent.push_str("    ");
        }
        yaml.push_str(&format!("{indent}- pattern: b\n"));
        let loaded = parse_rules(&yaml, Path::new("deep.yaml")).expect("parses");
        assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
        assert_eq!(loaded.file.rules.len(), 1);
    }
}
