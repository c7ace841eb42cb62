//! The encoder's hyper-parameters, read from a Hugging Face `config.json`.

use std::path::Path;

use burn::nn::{DropoutConfig, EmbeddingConfig, LayerNormConfig, LinearConfig};
use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use super::{Embeddings, Encoder, EncoderLayer};
use crate::{Error, Result};

/// The hyper-parameters of a BERT-style encoder (BERT, MiniLM), in the field
/// names of a Hugging Face `config.json`; unknown fields are ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EncoderConfig {
    /// `bert` for every model this crate runs.
    #[serde(default = "default_model_type")]
    pub model_type: String,
    /// Vocabulary size.
    pub vocab_size: usize,
    /// Width of the hidden states.
    pub hidden_size: usize,
    /// Number of transformer layers.
    pub num_hidden_layers: usize,
    /// Number of attention heads; divides `hidden_size`.
    pub num_attention_heads: usize,
    /// Width of the feed-forward layer.
    pub intermediate_size: usize,
    /// Feed-forward activation; only `gelu` (the exact, erf-based one) is supported.
    #[serde(default = "default_hidden_act")]
    pub hidden_act: String,
    /// Dropout on hidden states while training.
    #[serde(default = "default_dropout")]
    pub hidden_dropout_prob: f64,
    /// Dropout on attention probabilities while training.
    #[serde(default = "default_dropout")]
    pub attention_probs_dropout_prob: f64,
    /// Longest input the position embeddings cover.
    pub max_position_embeddings: usize,
    /// Number of token types (segments).
    #[serde(default = "default_type_vocab_size")]
    pub type_vocab_size: usize,
    /// Epsilon of every LayerNorm.
    #[serde(default = "default_layer_norm_eps")]
    pub layer_norm_eps: f64,
    /// Id of the padding token.
    #[serde(default)]
    pub pad_token_id: usize,
}

fn default_model_type() -> String {
    "bert".to_owned()
}
fn default_hidden_act() -> String {
    "gelu".to_owned()
}
fn default_dropout() -> f64 {
    0.1
}
fn default_type_vocab_size() -> usize {
    2
}
fn default_layer_norm_eps() -> f64 {
    1e-12
}

impl EncoderConfig {
    /// Reads and validates a `config.json`.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(Error::io_at(path))?;
        let config: Self = serde_json::from_str(&text).map_err(Error::json_at(path, None))?;
        config.validate()?;
        Ok(config)
    }

    /// Checks that this crate can run the model the config describes.
    pub fn validate(&self) -> Result<()> {
        if !matches!(self.model_type.as_str(), "bert") {
            return Err(Error::UnsupportedConfig(format!(
                "model_type `{}` (only `bert` encoders are supported)",
                self.model_type
            )));
        }
        if self.hidden_act != "gelu" {
            return Err(Error::UnsupportedConfig(format!(
                "hidden_act `{}` (only `gelu`)",
                self.hidden_act
            )));
        }
        if self.num_attention_heads == 0
            || !self.hidden_size.is_multiple_of(self.num_attention_heads)
        {
            return Err(Error::UnsupportedConfig(format!(
                "hidden_size {} is not a multiple of num_attention_heads {}",
                self.hidden_size, self.num_attention_heads
            )));
        }
        Ok(())
    }

    /// Builds a randomly initialized encoder (weights are usually loaded
    /// over it right after).
    pub fn init(&self, device: &Device) -> Encoder {
        let h = self.hidden_size;
        let layer_norm = || {
            LayerNormConfig::new(h)
                .with_epsilon(self.layer_norm_eps)
                .init(device)
        };
        let embeddings = Embeddings {
            word_embeddings: EmbeddingConfig::new(self.vocab_size, h).init(device),
            position_embeddings: EmbeddingConfig::new(self.max_position_embeddings, h).init(device),
            token_type_embeddings: EmbeddingConfig::new(self.type_vocab_size, h).init(device),
            layer_norm: layer_norm(),
            dropout: DropoutConfig::new(self.hidden_dropout_prob).init(),
        };
        let layers = (0..self.num_hidden_layers)
            .map(|_| EncoderLayer {
                query: LinearConfig::new(h, h).init(device),
                key: LinearConfig::new(h, h).init(device),
                value: LinearConfig::new(h, h).init(device),
                attn_out: LinearConfig::new(h, h).init(device),
                attn_norm: layer_norm(),
                ffn_in: LinearConfig::new(h, self.intermediate_size).init(device),
                ffn_out: LinearConfig::new(self.intermediate_size, h).init(device),
                ffn_norm: layer_norm(),
                attn_dropout: DropoutConfig::new(self.attention_probs_dropout_prob).init(),
                hidden_dropout: DropoutConfig::new(self.hidden_dropout_prob).init(),
                num_heads: self.num_attention_heads,
            })
            .collect();
        Encoder {
            embeddings,
            layers,
            hidden_size: h,
        }
    }
}
