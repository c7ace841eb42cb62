//! The error type of `rsolv-rules`.

use std::path::PathBuf;

use crate::Diagnostic;

/// Errors raised when reading, writing or compiling rule files.
///
/// Problems inside individual rules are not errors: they are
/// [`Diagnostic`]s collected in [`LoadedRules`](crate::LoadedRules), so that
/// one bad rule never hides the others.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The rule file could not be read.
    #[error("{path}: cannot read rule file: {source}", path = path.display())]
    Io {
        /// The file that could not be read.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not well-formed YAML.
    #[error("{path}:{line}:{col}: error: invalid YAML: {message}", path = path.display())]
    Yaml {
        /// The file being parsed.
        path: PathBuf,
        /// 1-based line of the syntax error (0 when unknown).
        line: usize,
        /// 1-based column of the syntax error (0 when unknown).
        col: usize,
        /// What the YAML parser said.
        message: String,
    },
    /// The YAML is well-formed but has no top-level `rules:` list.
    #[error("{path}:{line}:{col}: error: no top-level `rules:` list", path = path.display())]
    NotRuleFile {
        /// The file being parsed.
        path: PathBuf,
        /// 1-based line where the offending document (or `rules:` key) starts.
        line: usize,
        /// 1-based column of the same place.
        col: usize,
    },
    /// The file has error-level diagnostics, so its rules cannot be compiled.
    #[error(
        "{count} error(s) in rule file {path}; first: {first}",
        count = diagnostics.len(),
        path = path.display(),
        first = diagnostics.first().map(ToString::to_string).unwrap_or_default()
    )]
    InvalidRules {
        /// The file the rules came from.
        path: PathBuf,
        /// The error-level diagnostics, in file order.
        diagnostics: Vec<Diagnostic>,
    },
    /// One rule could not be compiled into a matcher tree.
    #[error("error[{rule_id}] at `{key_path}`: {message}")]
    Compile {
        /// The id of the rule.
        rule_id: String,
        /// Where in the rule the problem is, e.g. `patterns[1].pattern-regex`.
        key_path: String,
        /// What is wrong.
        message: String,
    },
    /// The rule is valid Semgrep, but the embedded engine cannot run it
    /// (only unsupported languages, or a `join`/`extract` rule).
    #[error("rule `{rule_id}` is not supported by the embedded engine: {reason}")]
    Unsupported {
        /// The id of the rule.
        rule_id: String,
        /// Why the engine skips it.
        reason: String,
    },
    /// The rules could not be serialized to YAML.
    #[error("cannot write rules as YAML: {0}")]
    Serialize(#[from] serde_yaml::Error),
    /// An external scanning backend (such as `semgrep`) failed.
    #[error("scanning backend failed: {message}")]
    Backend {
        /// What went wrong, with the backend's last words.
        message: String,
    },
}

/// Result alias for `rsolv-rules`.
pub type Result<T, E = Error> = std::result::Result<T, E>;
