//! The decoder half's error type.

use std::path::PathBuf;

/// What can go wrong loading or running a decoder language model.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecoderError {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// `config.json` is not a usable model configuration.
    #[error("invalid model config {path}: {message}")]
    Config {
        /// The file (or source) of the configuration.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A GGUF file is malformed or uses something this reader does not support.
    #[error("GGUF {path}: {message}")]
    Gguf {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A safetensors file is malformed.
    #[error("safetensors {path}: {message}")]
    Safetensors {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A weight the model needs is missing or has the wrong shape.
    #[error("weight {name}: {message}")]
    Weight {
        /// The tensor name (Hugging Face naming).
        name: String,
        /// What is wrong with it.
        message: String,
    },
    /// The tokenizer could not be built or failed on an input.
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    /// A tensor read-back failed.
    #[error("tensor data: {0}")]
    Tensor(String),
}

/// Result alias of the decoder half.
pub type Result<T, E = DecoderError> = std::result::Result<T, E>;
