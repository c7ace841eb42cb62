//! The error type of `rsolv-store`.

use std::path::PathBuf;

/// Errors raised by a [`RuleStore`](crate::RuleStore).
///
/// Callers match on the kind: [`Error::NotFound`] for a rule, version or
/// finding that does not exist *in the caller's organization* (another
/// organization's data is reported exactly like missing data),
/// [`Error::Conflict`] and [`Error::InvalidData`] for requests the store
/// refuses, the rest for failures of the database itself.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The rule, rule version or finding does not exist in this organization.
    #[error("not found: {what}")]
    NotFound {
        /// What was looked up, e.g. `rule \`py.sqli\`` or `finding 42`.
        what: String,
    },
    /// The request contradicts itself or the stored state, e.g. one import
    /// batch that names the same rule id twice.
    #[error("conflict: {what}")]
    Conflict {
        /// What conflicts with what.
        what: String,
    },
    /// A value the store refuses to write, or a stored value it cannot read
    /// back (a damaged database).
    #[error("invalid {what}: {reason}")]
    InvalidData {
        /// The field or record, e.g. `confidence of rule \`py.sqli\``.
        what: String,
        /// Why it is invalid.
        reason: String,
    },
    /// SQLite failed while running an operation.
    #[error("database error in {operation} on {path}")]
    Database {
        /// The store operation that failed, e.g. `put_rules`.
        operation: &'static str,
        /// The database file (`:memory:` for an in-memory store).
        path: String,
        /// The SQLite error.
        #[source]
        source: rusqlite::Error,
    },
    /// A schema migration step failed; the database stays at `version - 1`.
    #[error("migrating {path} to schema version {version} ({name}) failed")]
    Migration {
        /// The database file.
        path: String,
        /// The version the failing step would have produced.
        version: u32,
        /// What the step does.
        name: &'static str,
        /// The SQLite error.
        #[source]
        source: rusqlite::Error,
    },
    /// The database was written by a newer rsolv: its schema version is
    /// higher than any this build knows, so it is not touched.
    #[error(
        "{path} has schema version {found}, newer than the {supported} this rsolv supports; \
         upgrade rsolv to open it"
    )]
    SchemaTooNew {
        /// The database file.
        path: String,
        /// The `user_version` found in the file.
        found: u32,
        /// The newest version this build can migrate to.
        supported: u32,
    },
    /// The directory for the database file could not be created.
    #[error("cannot create the directory for {path}")]
    Io {
        /// The database file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The SQLite worker thread has stopped (it could not start, or an
    /// operation panicked), so the request got no answer.
    #[error("the database worker thread has stopped")]
    WorkerGone,
}

/// Result alias for `rsolv-store`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A [`Error::NotFound`] for `what`.
    pub(crate) fn not_found(what: impl Into<String>) -> Self {
        Error::NotFound { what: what.into() }
    }

    /// An [`Error::InvalidData`] for `what`.
    pub(crate) fn invalid(what: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidData {
            what: what.into(),
            reason: reason.into(),
        }
    }

    /// Names the operation and database on a [`Error::Database`] raised
    /// deep inside the backend, where neither is known.
    pub(crate) fn in_operation(self, operation: &'static str, path: &str) -> Self {
        match self {
            Error::Database {
                operation: "",
                source,
                ..
            } => Error::Database {
                operation,
                path: path.to_owned(),
                source,
            },
            other => other,
        }
    }
}

impl From<rusqlite::Error> for Error {
    /// Wraps a SQLite error; the backend adds the operation and path before
    /// the error leaves the crate.
    fn from(source: rusqlite::Error) -> Self {
        Error::Database {
            operation: "",
            path: String::new(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_errors_gain_context_once() {
        let err = Error::from(rusqlite::Error::QueryReturnedNoRows)
            .in_operation("get_rule", "/tmp/r.db")
            .in_operation("other", "elsewhere");
        assert_eq!(err.to_string(), "database error in get_rule on /tmp/r.db");
        assert!(std::error::Error::source(&err).is_some());
    }

    #[test]
    fn too_new_says_what_to_do() {
        let err = Error::SchemaTooNew {
            path: "r.db".into(),
            found: 9,
            supported: 3,
        };
        let text = err.to_string();
        assert!(text.contains("schema version 9"), "{text}");
        assert!(text.contains("upgrade rsolv"), "{text}");
    }
}
