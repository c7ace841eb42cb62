//! One rule of a rule file.

use serde::{Deserialize, Serialize};
use serde_yaml::{Mapping, Value};

use rsolv_core::Severity;

use super::{FormulaRef, Metadata, Operator, TaintItem};

/// A Semgrep rule, key for key.
///
/// Fields are in the order [`write_rules`](crate::write_rules) writes them.
/// Optional keys that were absent stay absent on output, so a rule
/// round-trips unchanged. Whether the combination of keys makes sense is
/// the validator's job, not serde's.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Rule {
    /// Unique rule id (`[a-zA-Z0-9._-]+`).
    pub id: String,
    /// `search` (default), `taint`, `join` or `extract`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
    /// Earliest Semgrep version that can run the rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_version: Option<String>,
    /// Last Semgrep version that can run the rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_version: Option<String>,
    /// Version of the rule itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Message reported with each finding (required except in `extract`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Severity (required except in `extract`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// Language names as written (`python`, `ts`, `kt`, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<String>,
    /// Paths to include or exclude.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paths: Option<PathFilter>,
    /// Matching options (`symbolic_propagation`, `taint_assume_safe_*`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Mapping>,
    /// Search formula: one pattern.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// Search formula: all of these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patterns: Option<Vec<Operator>>,
    /// Search formula: any of these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern_either: Option<Vec<Operator>>,
    /// Search formula: a regular expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern_regex: Option<String>,
    /// Taint mode: where tainted data comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern_sources: Option<Vec<TaintItem>>,
    /// Taint mode: propagators (taint flows `from` → `to`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern_propagators: Option<Vec<TaintItem>>,
    /// Taint mode: what cleans tainted data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern_sanitizers: Option<Vec<TaintItem>>,
    /// Taint mode: where tainted data must not arrive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern_sinks: Option<Vec<TaintItem>>,
    /// Replacement text for the match (may use metavariables).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// Regex replacement inside the match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix_regex: Option<FixRegex>,
    /// Semgrep's `equivalences` (kept, not run by the embedded engine).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equivalences: Option<Value>,
    /// Experimental new syntax formula (`match:`); kept, not run.
    #[serde(default, rename = "match", skip_serializing_if = "Option::is_none")]
    pub match_: Option<Value>,
    /// Experimental new syntax taint spec (`taint:`); kept, not run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taint: Option<Value>,
    /// `mode: join` specification; kept, not run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join: Option<Value>,
    /// `mode: extract`: the metavariable to extract.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extract: Option<String>,
    /// `mode: extract`: the language of the extracted text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dest_language: Option<String>,
    /// `mode: extract`: rules to run on the extracted text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dest_rules: Option<Value>,
    /// `mode: extract`: `no_transform`, `unquote_string`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transform: Option<String>,
    /// `mode: extract`: `concat` or `separate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reduce: Option<String>,
    /// Secrets validators (experimental); kept, not run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validators: Option<Value>,
    /// Supply-chain dependency condition (experimental); kept, not run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r2c_internal_project_depends_on: Option<Value>,
    /// Free-form metadata.
    #[serde(default, skip_serializing_if = "Metadata::is_empty")]
    pub metadata: Metadata,
}

impl Rule {
    /// Every top-level key a rule may have.
    pub const KEYS: [&'static str; 32] = [
        "id",
        "mode",
        "min-version",
        "max-version",
        "version",
        "message",
        "severity",
        "languages",
        "paths",
        "options",
        "pattern",
        "patterns",
        "pattern-either",
        "pattern-regex",
        "pattern-sources",
        "pattern-propagators",
        "pattern-sanitizers",
        "pattern-sinks",
        "fix",
        "fix-regex",
        "equivalences",
        "match",
        "taint",
        "join",
        "extract",
        "dest-language",
        "dest-rules",
        "transform",
        "reduce",
        "validators",
        "r2c-internal-project-depends-on",
        "metadata",
    ];

    /// The metadata map (empty when the rule has none).
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// The metadata map, for editing.
    pub fn metadata_mut(&mut self) -> &mut Metadata {
        &mut self.metadata
    }

    /// The language names as written.
    pub fn languages(&self) -> &[String] {
        &self.languages
    }

    /// The message, or `""` when absent.
    pub fn message(&self) -> &str {
        self.message.as_deref().unwrap_or_default()
    }

    /// The severity as Semgrep writes it (`ERROR`, `HIGH`, …), if present.
    pub fn severity_str(&self) -> Option<&'static str> {
        self.severity.map(Severity::as_str)
    }

    /// The mode, `search` when absent.
    pub fn mode(&self) -> Mode {
        self.mode.unwrap_or_default()
    }

    /// The top-level search formulas present (exactly one in a valid search
    /// rule).
    pub(crate) fn formulas(&self) -> Vec<FormulaRef<'_>> {
        FormulaRef::collect(
            self.pattern.as_deref(),
            self.patterns.as_deref(),
            self.pattern_either.as_deref(),
            self.pattern_regex.as_deref(),
        )
    }
}

/// A rule's `mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Pattern search (the default).
    #[default]
    Search,
    /// Taint tracking from sources to sinks.
    Taint,
    /// Joins results of several rules (experimental; not run by rsolv).
    Join,
    /// Extracts embedded code for other rules (not run by rsolv).
    Extract,
}

impl Mode {
    /// The name as written in YAML.
    pub const fn as_str(self) -> &'static str {
        match self {
            Mode::Search => "search",
            Mode::Taint => "taint",
            Mode::Join => "join",
            Mode::Extract => "extract",
        }
    }
}

/// `fix-regex`: replace regex matches inside the matched region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixRegex {
    /// The regular expression.
    pub regex: String,
    /// The replacement; may refer to capture groups (`\1`).
    pub replacement: String,
    /// Replace at most this many matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
}

/// `paths`: globs that restrict where a rule runs.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathFilter {
    /// Only files matching one of these globs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
    /// Never files matching one of these globs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
}
