//! The error type of `rsolv-learn`.

use std::path::PathBuf;

/// Errors raised by the rule catalog and the learning loop.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A rule file could not be read or parsed at all.
    #[error(transparent)]
    Rules(#[from] rsolv_rules::Error),
    /// The organization's store failed.
    #[error(transparent)]
    Store(#[from] rsolv_store::Error),
    /// A rule file has validation errors; nothing from it was stored.
    #[error("{path}: {count} invalid rule(s); nothing was stored{}", first_line(.diagnostics))]
    InvalidRules {
        /// The file that was rejected.
        path: PathBuf,
        /// How many error-level diagnostics it has.
        count: usize,
        /// Every diagnostic (errors and warnings) of the file.
        diagnostics: Vec<rsolv_rules::Diagnostic>,
    },
    /// A rule declares, in `metadata.organization_id`, another organization.
    #[error(
        "{path}: rule `{rule_id}` belongs to organization `{declared}` (metadata.organization_id), not `{org}`"
    )]
    ForeignRule {
        /// The file the rule came from.
        path: PathBuf,
        /// The rule.
        rule_id: String,
        /// The organization named in its metadata.
        declared: String,
        /// The organization it was being added to.
        org: String,
    },
    /// `add` was asked to create a rule whose id is already stored.
    #[error("{path}: rule `{rule_id}` already exists; use `rules import` to update it")]
    AlreadyExists {
        /// The file the rule came from.
        path: PathBuf,
        /// The rule.
        rule_id: String,
    },
    /// The same rule id appears twice in one batch.
    #[error("{path}: rule id `{rule_id}` appears more than once")]
    DuplicateId {
        /// The file (or the first file) that repeats the id.
        path: PathBuf,
        /// The repeated id.
        rule_id: String,
    },
    /// A stored rule no longer parses (the database was edited by hand or
    /// written by a newer rsolv).
    #[error("stored rule `{rule_id}` is not valid rule YAML: {reason}")]
    CorruptStoredRule {
        /// The rule.
        rule_id: String,
        /// What failed.
        reason: String,
    },
    /// The language has no syntax tree rsolv can learn on.
    #[error("cannot learn rules for `{language}`: no syntax tree support")]
    UnsupportedLanguage {
        /// The language.
        language: rsolv_core::Language,
    },
    /// The language of a file could not be told from its name.
    #[error("{path}: cannot tell the language from the file name; pass --lang")]
    UnknownLanguage {
        /// The file.
        path: PathBuf,
    },
    /// The vulnerable and the fixed code are the same.
    #[error("the vulnerable and the fixed code are identical: nothing to learn")]
    NoChange,
    /// No call or statement could be found at the changed lines.
    #[error("no code construct found at the changed lines")]
    NoConstruct,
    /// Every candidate rule failed validation.
    #[error("no candidate rule passed validation ({})", .reasons.join("; "))]
    NoValidCandidate {
        /// Why each candidate failed.
        reasons: Vec<String>,
    },
    /// A rule generator failed.
    #[error("generator `{generator}`: {message}")]
    Generator {
        /// The generator.
        generator: String,
        /// What happened.
        message: String,
    },
    /// Running git failed.
    #[error("{message}")]
    Git {
        /// What happened.
        message: String,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

fn first_line(diagnostics: &[rsolv_rules::Diagnostic]) -> String {
    diagnostics
        .iter()
        .find(|d| d.level == rsolv_rules::DiagnosticLevel::Error)
        .map(|d| format!("; first: {d}"))
        .unwrap_or_default()
}

/// Result alias for `rsolv-learn`.
pub type Result<T, E = Error> = std::result::Result<T, E>;
