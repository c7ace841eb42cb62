//! The error type of `rsolv-core`.

/// Errors raised when parsing or validating core domain values.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A language name that neither rsolv nor Semgrep knows.
    #[error("unknown language `{0}` (expected one of: {langs})", langs = crate::Language::ACCEPTED_NAMES.join(", "))]
    UnknownLanguage(String),
    /// A severity that is not one of Semgrep's levels.
    #[error(
        "unknown severity `{0}` (expected ERROR, WARNING, INFO, CRITICAL, HIGH, MEDIUM or LOW)"
    )]
    UnknownSeverity(String),
    /// A label that is not in the 54-label taxonomy.
    #[error("unknown vulnerability class `{0}`")]
    UnknownVulnClass(String),
    /// A vulnerability family name that is not in the taxonomy.
    #[error("unknown vulnerability family `{0}`")]
    UnknownFamily(String),
    /// An organization id that breaks the naming rules.
    #[error("invalid organization id `{id}`: {reason}")]
    InvalidOrgId {
        /// The rejected id.
        id: String,
        /// Why it was rejected.
        reason: &'static str,
    },
}

/// Result alias for `rsolv-core`.
pub type Result<T, E = Error> = std::result::Result<T, E>;
