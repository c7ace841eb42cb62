//! Semgrep rule files for rsolv.
//!
//! Rules live in two layers:
//!
//! 1. **The serde model** ([`RuleFile`], [`Rule`], [`Operator`],
//!    [`TaintItem`], [`Metadata`], …) mirrors Semgrep's YAML key for key, so
//!    a rule read with [`parse_rules`] and written with [`write_rules`]
//!    comes back unchanged and stays valid for `semgrep --validate`.
//! 2. **The compiled form** ([`CompiledRule`]) is what the matching engine
//!    consumes: a [`Matcher`] tree (`All`, `Any`, `Not`, `Inside`, `Regex`,
//!    …) or a [`TaintSpec`], with every regex compiled. Pattern strings stay
//!    strings; parsing them is the engine's job.
//!
//! Between the two sits a validator that does what Semgrep's JSON schema
//! does, but reports every problem at once as a [`Diagnostic`] with file,
//! line, column, rule id and key path (`rules[3].patterns[1].pattern-regex`).
//! Languages Semgrep knows but rsolv's engine does not run (`kt`, `yaml`, …)
//! are warnings: such rules are valid, round-trip and export, and the
//! scanner skips them.
//!
//! ```
//! use std::path::Path;
//! use rsolv_rules::{Matcher, RuleKind, parse_rules, write_rules};
//!
//! let yaml = r#"
//! rules:
//!   - id: no-eval
//!     message: eval() runs arbitrary code
//!     severity: ERROR
//!     languages: [python]
//!     patterns:
//!       - pattern: eval($X)
//!       - pattern-not: eval("...")
//!     metadata:
//!       cwe: "CWE-95: Eval Injection"
//! "#;
//! let loaded = parse_rules(yaml, Path::new("rules.yaml"))?;
//! assert!(!loaded.has_errors());
//! let rule = &loaded.file.rules[0];
//! assert_eq!(rule.metadata().vuln_class().map(|c| c.as_str()), Some("rce"));
//!
//! let compiled = loaded.compile()?;
//! let RuleKind::Search(Matcher::All(children)) = &compiled[0].kind else {
//!     panic!("a `patterns` rule compiles to All");
//! };
//! assert_eq!(children[0], Matcher::Pattern("eval($X)".into()));
//!
//! // Writing and reading back gives the same rules.
//! let again = parse_rules(&write_rules(&loaded.file)?, Path::new("out.yaml"))?;
//! assert_eq!(again.file, loaded.file);
//!
//! // Problems are diagnostics with positions, not a failed parse.
//! let bad = parse_rules("rules:\n  - id: x\n    message: m\n    languages: [cobol]\n    severity: ERROR\n    pattern: f()\n", Path::new("bad.yaml"))?;
//! assert_eq!(bad.errors().next().map(|d| d.to_string()).as_deref(),
//!            Some("bad.yaml:4:17: error[x]: unknown language `cobol`"));
//! # Ok::<(), rsolv_rules::Error>(())
//! ```
#![deny(missing_docs)]

mod autofix;
mod backend;
mod compile;
mod diagnostic;
mod engine;
mod error;
mod language;
mod load;
mod raw;
mod regex;
mod report;
mod ruletest;
mod source_map;
mod validate;
mod write;

pub use autofix::{FixedSource, apply_fixes, unified_diff, write_atomically};
pub use backend::{Scanner, SemgrepCli};
pub use compile::{
    CompiledFixRegex, CompiledRule, Matcher, RuleKind, TaintPropagator, TaintSanitizer, TaintSink,
    TaintSource, TaintSpec,
};
pub use diagnostic::{Diagnostic, DiagnosticLevel};
pub use engine::{
    DataflowTrace, Engine, EngineError, FileResult, MetavarValue, NoProgress, RuleMatch,
    ScanOptions, ScanProgress, ScanReport, SkippedPath, TraceLocation, tree_sitter_language,
};
pub use error::{Error, Result};
pub use load::{LoadedRules, load_rules, parse_rules};
pub use raw::{
    BySideEffect, FixRegex, Metadata, MetavariableAnalysis, MetavariableComparison,
    MetavariableName, MetavariablePattern, MetavariableRegex, MetavariableType, Mode, Operand,
    Operator, PathFilter, Rule, RuleFile, StringOrList, TaintItem, TaintRole,
};
pub use regex::RuleRegex;
pub use report::{fingerprint, to_sarif, to_semgrep_json, write_semgrep_json};
pub use ruletest::{
    Annotation, AnnotationEngine, AnnotationKind, CaseStatus, FixCheck, RuleCheck, SkipReason,
    TestCase, TestReport, TestSummary, parse_annotations, run_rule_tests,
};
pub use write::write_rules;
