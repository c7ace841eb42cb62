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
    /// A JSON file (`config.json`, `labels.json`, a JSONL line, …) is malformed.
    #[error("{path}{}: {source}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Json {
        /// The file involved.
        path: PathBuf,
        /// The 1-based line, for JSONL files.
        line: Option<usize>,
        /// The parse error.
        #[source]
        source: serde_json::Error,
    },
    /// A model directory lacks a file the loader needs.
    #[error("{path} is missing (expected config.json, model.safetensors and tokenizer.json)")]
    MissingFile {
        /// The missing file.
        path: PathBuf,
    },
    /// `config.json` describes a model this crate cannot run.
    #[error("unsupported model config: {0}")]
    UnsupportedConfig(String),
    /// Loading or saving safetensors weights failed.
    #[error("{path}: weights: {message}")]
    Weights {
        /// The weights file.
        path: PathBuf,
        /// What the store reported.
        message: String,
    },
    /// The tokenizer could not be loaded or failed on an input.
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    /// A label id is not in the taxonomy.
    #[error("unknown label `{label}`{}", location.as_ref().map(|l| format!(" at {l}")).unwrap_or_default())]
    UnknownLabel {
        /// The label as written.
        label: String,
        /// Where it was read (`file:line`), when known.
        location: Option<String>,
    },
    /// A training or evaluation set is empty or inconsistent.
    #[error("dataset: {0}")]
    Dataset(String),
    /// Training settings are inconsistent.
    #[error("training config: {0}")]
    TrainingConfig(String),
    /// Reading tensor values back from the device failed.
    #[error("tensor data: {0}")]
    TensorData(String),
    /// Saving or restoring optimizer state failed.
    #[error("optimizer state {path}: {message}")]
    OptimizerState {
        /// The state file.
        path: PathBuf,
        /// What burn reported.
        message: String,
    },
    /// Loading, running or exporting a decoder language model failed.
    #[error(transparent)]
    Decoder(#[from] crate::decoder::DecoderError),
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

    /// An [`Error::Io`] for `path`, as a `map_err` closure.
    pub(crate) fn io_at(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source }
    }

    /// An [`Error::Json`] for `path` (and `line`).
    pub(crate) fn json_at(
        path: impl Into<PathBuf>,
        line: Option<usize>,
    ) -> impl FnOnce(serde_json::Error) -> Self {
        let path = path.into();
        move |source| Self::Json { path, line, source }
    }
}
