//! An organization's rule catalog: validated Semgrep rule files in, stored
//! versioned rules out, and back to Semgrep YAML.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rsolv_core::OrgId;
use rsolv_rules::{Diagnostic, LoadedRules, Rule, RuleFile};
use rsolv_store::{ChangeInfo, NewRule, PutOutcome, RuleFilter, RuleStore, StoredRule};
use serde::Serialize;

use crate::{Error, Result};

/// What to do with a rule whose id is already stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddMode {
    /// Refuse the whole batch ([`Error::AlreadyExists`]).
    CreateOnly,
    /// Store a new version when the rule changed; keep it when it did not.
    Upsert,
}

/// What an add or import did, rule by rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ImportReport {
    /// Rules stored for the first time.
    pub created: Vec<String>,
    /// Rules that got a new version.
    pub updated: Vec<String>,
    /// Rules that were already stored exactly so.
    pub unchanged: Vec<String>,
    /// Warnings from validation (for example a language the embedded engine
    /// does not scan); they do not stop the import.
    pub warnings: Vec<Diagnostic>,
}

/// The rules of one organization, on top of any [`RuleStore`].
#[derive(Clone)]
pub struct RuleCatalog {
    store: Arc<dyn RuleStore>,
    org: OrgId,
}

impl std::fmt::Debug for RuleCatalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleCatalog")
            .field("org", &self.org)
            .finish_non_exhaustive()
    }
}

impl RuleCatalog {
    /// The catalog of `org` in `store`.
    pub fn new(store: Arc<dyn RuleStore>, org: OrgId) -> Self {
        Self { store, org }
    }

    /// The organization this catalog belongs to.
    pub fn org(&self) -> &OrgId {
        &self.org
    }

    /// The underlying store.
    pub fn store(&self) -> &Arc<dyn RuleStore> {
        &self.store
    }

    /// Validate rule files and store every rule in them, in one transaction.
    ///
    /// Directories are searched (sorted, recursively) for `*.yaml`/`*.yml`.
    /// Any error-level diagnostic in any file, a rule that names another
    /// organization in `metadata.organization_id`, or a duplicate id stops
    /// the whole batch before anything is written.
    pub async fn add_files(
        &self,
        paths: &[PathBuf],
        mode: AddMode,
        change: &ChangeInfo,
    ) -> Result<ImportReport> {
        let mut report = ImportReport::default();
        let mut batch = Vec::new();
        let mut seen = BTreeSet::new();
        for path in collect_rule_files(paths)? {
            let loaded = rsolv_rules::load_rules(&path)?;
            let rules = self.checked_rules(&path, loaded, &mut report.warnings)?;
            for rule in rules {
                if !seen.insert(rule.id.clone()) {
                    return Err(Error::DuplicateId {
                        path,
                        rule_id: rule.id.clone(),
                    });
                }
                if mode == AddMode::CreateOnly
                    && self.store.get_rule(&self.org, &rule.id).await?.is_some()
                {
                    return Err(Error::AlreadyExists {
                        path,
                        rule_id: rule.id.clone(),
                    });
                }
                batch.push(new_rule_from(&rule)?);
            }
        }
        for (stored, outcome) in self.store.put_rules(&self.org, batch, change).await? {
            let list = match outcome {
                PutOutcome::Created => &mut report.created,
                PutOutcome::Updated => &mut report.updated,
                PutOutcome::Unchanged => &mut report.unchanged,
            };
            list.push(stored.rule_id);
        }
        Ok(report)
    }

    fn checked_rules(
        &self,
        path: &Path,
        loaded: LoadedRules,
        warnings: &mut Vec<Diagnostic>,
    ) -> Result<Vec<Rule>> {
        if loaded.has_errors() {
            let count = loaded.errors().count();
            return Err(Error::InvalidRules {
                path: path.to_owned(),
                count,
                diagnostics: loaded.diagnostics,
            });
        }
        for rule in &loaded.file.rules {
            if let Some(declared) = rule.metadata().organization_id()
                && declared != self.org.as_str()
            {
                return Err(Error::ForeignRule {
                    path: path.to_owned(),
                    rule_id: rule.id.clone(),
                    declared: declared.to_owned(),
                    org: self.org.to_string(),
                });
            }
        }
        warnings.extend(loaded.diagnostics);
        Ok(loaded.file.rules)
    }

    /// The stored rules as one Semgrep rule file, sorted by id.
    ///
    /// Disabled rules are left out unless `include_disabled` is set.
    pub async fn export(&self, include_disabled: bool) -> Result<RuleFile> {
        let filter = RuleFilter {
            enabled: if include_disabled { None } else { Some(true) },
            ..Default::default()
        };
        let mut stored = self.store.list_rules(&self.org, &filter).await?;
        stored.sort_by(|a, b| a.rule_id.cmp(&b.rule_id));
        let mut rules = Vec::with_capacity(stored.len());
        for rule in &stored {
            rules.extend(parse_stored(rule)?.rules);
        }
        Ok(RuleFile { rules })
    }

    /// The enabled rules compiled for the engine. Rules the engine cannot
    /// run (only Semgrep-only languages, join mode, …) are left out.
    pub async fn compiled_rules(&self) -> Result<Vec<rsolv_rules::CompiledRule>> {
        let file = self.export(false).await?;
        Ok(file
            .rules
            .iter()
            .filter_map(|r| rsolv_rules::CompiledRule::compile(r).ok())
            .collect())
    }

    /// [`RuleCatalog::export`] written as YAML that `semgrep --config` reads.
    pub async fn export_yaml(&self, include_disabled: bool) -> Result<String> {
        Ok(rsolv_rules::write_rules(
            &self.export(include_disabled).await?,
        )?)
    }
}

/// Parse the YAML of a stored rule back into the rule model.
pub fn parse_stored(rule: &StoredRule) -> Result<RuleFile> {
    let origin = PathBuf::from(format!("<stored rule {}>", rule.rule_id));
    let loaded =
        rsolv_rules::parse_rules(&rule.yaml, &origin).map_err(|e| Error::CorruptStoredRule {
            rule_id: rule.rule_id.clone(),
            reason: e.to_string(),
        })?;
    if let Some(first) = loaded.errors().next() {
        return Err(Error::CorruptStoredRule {
            rule_id: rule.rule_id.clone(),
            reason: first.to_string(),
        });
    }
    Ok(loaded.file)
}

/// The store record for a validated rule: its own one-rule YAML file plus
/// the fields the store indexes.
pub fn new_rule_from(rule: &Rule) -> Result<NewRule> {
    let yaml = rsolv_rules::write_rules(&RuleFile {
        rules: vec![rule.clone()],
    })?;
    let metadata = rule.metadata();
    Ok(NewRule {
        rule_id: rule.id.clone(),
        yaml,
        message: rule.message().to_owned(),
        // Validation guarantees a severity outside `extract` mode.
        severity: rule.severity.unwrap_or(rsolv_core::Severity::Info),
        languages: rule.languages().to_vec(),
        vulnerability_type: metadata.vuln_class(),
        created_from_issue: metadata.created_from_issue(),
        confidence: metadata.confidence(),
    })
}

/// The rule files named by `paths`: files as given, directories searched
/// (sorted, recursively) for `*.yaml` and `*.yml`.
pub fn collect_rule_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk_dir(path, &mut files).map_err(|source| rsolv_rules::Error::Io {
                path: path.clone(),
                source,
            })?;
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

fn walk_dir(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk_dir(&path, files)?;
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        ) {
            files.push(path);
        }
    }
    Ok(())
}
