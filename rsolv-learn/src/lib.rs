//! The rsolv learning orchestrator.
//!
//! An organization's [`RuleCatalog`] holds its Semgrep rules: validated
//! with `rsolv-rules`, stored (versioned and audited) in any `rsolv-store`
//! backend, exported back as one Semgrep rule file.
//!
//! The [`LearningSystem`] turns each security fix into a rule: the
//! [`RuleSynthesizer`] (or any [`RuleGenerator`]) proposes candidates from
//! the code before and after the fix, [`validate_candidate`] accepts only
//! rules that match the vulnerable site and not the fixed one, and the
//! accepted rule is stored, scanned over the codebase and its fix offered
//! for every other instance.
//!
//! ```
//! use std::sync::Arc;
//! use rsolv_core::OrgId;
//! use rsolv_learn::{AddMode, RuleCatalog};
//! use rsolv_store::{ChangeInfo, SqliteStore};
//!
//! # tokio::runtime::Runtime::new()?.block_on(async {
//! let dir = tempfile::tempdir()?;
//! let file = dir.path().join("rules.yaml");
//! std::fs::write(&file, "rules:\n  - id: no-eval\n    message: eval of $X\n    languages: [python]\n    severity: ERROR\n    pattern: eval($X)\n")?;
//!
//! let store = Arc::new(SqliteStore::open_in_memory()?);
//! let catalog = RuleCatalog::new(store, OrgId::new("acme")?);
//! let change = ChangeInfo { actor: "docs".into(), reason: "example".into() };
//! let report = catalog.add_files(&[file], AddMode::CreateOnly, &change).await?;
//! assert_eq!(report.created, ["no-eval"]);
//! assert!(catalog.export_yaml(false).await?.contains("id: no-eval"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod catalog;
mod check;
mod diff;
mod error;
mod fix;
mod generator;
mod imports;
mod optimize;
mod profile;
mod synth;
mod system;
mod testfile;
mod validate;

pub use catalog::{
    AddMode, ImportReport, RuleCatalog, collect_rule_files, new_rule_from, parse_stored,
};
pub use diff::{ChangedRegion, changed_regions};
pub use error::{Error, Result};
pub use fix::SecurityFix;
pub use generator::{
    ExternalCommandGenerator, GeneratedRule, GenerationRequest, RuleGenerator, SynthesizerGenerator,
};
pub use imports::{AddedImport, FIX_IMPORTS_KEY, add_missing_imports, added_imports, fix_imports};
pub use optimize::{OptimizationReport, OptimizeOptions, Refinement, Retired, optimize};
pub use profile::{CurvePoint, RecentLearning, SecurityProfile, now_rfc3339};
pub use synth::{
    Candidate, EXPLOSION_FACTOR, EXPLOSION_SLACK, FixSite, RuleSynthesizer, Synthesis,
    SynthesisOptions, Verdict, locate_fix,
};
pub use system::{
    CoverageChange, FileFix, FixClassifier, InstanceFound, LearnOptions, LearnedRule,
    LearningResult, LearningSystem, RejectedCandidate, to_new_finding,
};
pub use testfile::{SemgrepTest, semgrep_test};
pub use validate::{Collision, ValidationReport, validate_candidate};
