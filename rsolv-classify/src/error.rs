//! The crate's error type.

use std::path::PathBuf;

/// Everything that can go wrong in rsolv-classify.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A line of a JSONL data file is not a valid labeled sample.
    #[error("{}:{line}: {message}", path.display())]
    BadSample {
        /// The data file.
        path: PathBuf,
        /// The 1-based line number.
        line: usize,
        /// What is wrong with it.
        message: String,
    },
    /// A line of the generator's template files is malformed.
    #[error("template {file}:{line}: {message}")]
    BadTemplate {
        /// The template file name.
        file: &'static str,
        /// The 1-based line number.
        line: usize,
        /// What is wrong with it.
        message: String,
    },
    /// A model file is malformed, truncated or of another format version.
    #[error("{}: invalid model file: {message}", path.display())]
    BadModel {
        /// The model file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// An argument is out of range (an empty training set, zero samples
    /// per label, …).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An [`Error::Io`] for `path`.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
