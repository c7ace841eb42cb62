//! The decoder's hyper-parameters, read from a Hugging Face `config.json`.

use std::path::Path;

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use super::error::{DecoderError, Result};
use super::model::Decoder;

/// Hyper-parameters of a Llama-style decoder (Llama, SmolLM2, Granite dense).
///
/// Field names follow Hugging Face's `config.json`, so the file deserialises
/// directly. Granite's four multipliers default to the values that make the
/// model a plain Llama.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecoderConfig {
    /// Vocabulary size (rows of the embedding matrix).
    pub vocab_size: usize,
    /// Width of the residual stream.
    pub hidden_size: usize,
    /// Width of the SwiGLU MLP's hidden layer.
    pub intermediate_size: usize,
    /// Number of decoder layers.
    pub num_hidden_layers: usize,
    /// Number of query heads.
    pub num_attention_heads: usize,
    /// Number of key/value heads (grouped-query attention); defaults to the
    /// number of query heads.
    #[serde(default)]
    pub num_key_value_heads: Option<usize>,
    /// Per-head width; defaults to `hidden_size / num_attention_heads`.
    #[serde(default)]
    pub head_dim: Option<usize>,
    /// Epsilon of the RMS norms.
    #[serde(default = "default_rms_norm_eps")]
    pub rms_norm_eps: f64,
    /// Base of the rotary position embedding's frequencies.
    #[serde(default = "default_rope_theta")]
    pub rope_theta: f64,
    /// Longest sequence the model was trained on.
    #[serde(default = "default_max_position_embeddings")]
    pub max_position_embeddings: usize,
    /// Whether the output projection reuses the token embedding matrix.
    #[serde(default)]
    pub tie_word_embeddings: bool,
    /// Granite: factor applied to the token embeddings.
    #[serde(default = "one")]
    pub embedding_multiplier: f64,
    /// Granite: attention score scale, replacing `1/sqrt(head_dim)`.
    #[serde(default)]
    pub attention_multiplier: Option<f64>,
    /// Granite: factor applied to each block's output before the residual add.
    #[serde(default = "one")]
    pub residual_multiplier: f64,
    /// Granite: the logits are divided by this.
    #[serde(default = "one")]
    pub logits_scaling: f64,
    /// Dropout on the attention probabilities while training (Hugging
    /// Face's `attention_dropout`; LoRA fine-tuning sets it from its
    /// dropout setting). Inference never drops.
    #[serde(default)]
    pub attention_dropout: f64,
    /// Beginning-of-sequence token id, when the config names one.
    #[serde(default)]
    pub bos_token_id: Option<u32>,
    /// End-of-sequence token id, when the config names one (first of a list).
    #[serde(default, deserialize_with = "one_or_first")]
    pub eos_token_id: Option<u32>,
}

fn default_rms_norm_eps() -> f64 {
    1e-6
}
fn default_rope_theta() -> f64 {
    10_000.0
}
fn default_max_position_embeddings() -> usize {
    2048
}
fn one() -> f64 {
    1.0
}

/// `eos_token_id` is an integer in most configs and a list in some.
fn one_or_first<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(u32),
        Many(Vec<u32>),
    }
    Ok(match Option::<OneOrMany>::deserialize(d)? {
        None => None,
        Some(OneOrMany::One(id)) => Some(id),
        Some(OneOrMany::Many(ids)) => ids.first().copied(),
    })
}

impl DecoderConfig {
    /// A plain Llama configuration (no Granite multipliers, untied embeddings).
    pub fn llama(
        vocab_size: usize,
        hidden_size: usize,
        intermediate_size: usize,
        num_hidden_layers: usize,
        num_attention_heads: usize,
        num_key_value_heads: usize,
    ) -> Self {
        Self {
            vocab_size,
            hidden_size,
            intermediate_size,
            num_hidden_layers,
            num_attention_heads,
            num_key_value_heads: Some(num_key_value_heads),
            head_dim: None,
            rms_norm_eps: default_rms_norm_eps(),
            rope_theta: default_rope_theta(),
            max_position_embeddings: default_max_position_embeddings(),
            tie_word_embeddings: false,
            embedding_multiplier: 1.0,
            attention_multiplier: None,
            residual_multiplier: 1.0,
            logits_scaling: 1.0,
            attention_dropout: 0.0,
            bos_token_id: None,
            eos_token_id: None,
        }
    }

    /// Parses a Hugging Face `config.json` text; `origin` names it in errors.
    ///
    /// transformers 5 writes the rotary base inside `rope_parameters`
    /// (`{"rope_theta": …, "rope_type": "default"}`) instead of a top-level
    /// `rope_theta`; both are read. Rotary scaling schemes other than the
    /// default (`llama3`, `yarn`, `linear`, …) are refused rather than
    /// silently computed wrong.
    pub fn from_json_str(json: &str, origin: &Path) -> Result<Self> {
        let fail = |message: String| DecoderError::Config {
            path: origin.to_path_buf(),
            message,
        };
        let value: serde_json::Value =
            serde_json::from_str(json).map_err(|e| fail(e.to_string()))?;
        let mut config: Self =
            serde_json::from_value(value.clone()).map_err(|e| fail(e.to_string()))?;
        for key in ["rope_parameters", "rope_scaling"] {
            let Some(rope) = value.get(key).filter(|v| !v.is_null()) else {
                continue;
            };
            let kind = rope
                .get("rope_type")
                .or_else(|| rope.get("type"))
                .and_then(|t| t.as_str())
                .unwrap_or("default");
            if kind != "default" {
                return Err(fail(format!(
                    "{key}: rotary scaling `{kind}` is not supported (only the default)"
                )));
            }
            if value.get("rope_theta").is_none()
                && let Some(theta) = rope.get("rope_theta").and_then(|t| t.as_f64())
            {
                config.rope_theta = theta;
            }
        }
        config.validate(origin)?;
        Ok(config)
    }

    /// Reads and parses a Hugging Face `config.json` file.
    pub fn from_file(path: &Path) -> Result<Self> {
        let json = std::fs::read_to_string(path).map_err(|source| DecoderError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_json_str(&json, path)
    }

    fn validate(&self, origin: &Path) -> Result<()> {
        let fail = |message: String| {
            Err(DecoderError::Config {
                path: origin.to_path_buf(),
                message,
            })
        };
        if self.num_attention_heads == 0 || self.hidden_size == 0 {
            return fail("hidden_size and num_attention_heads must be positive".into());
        }
        if self.head_dim.is_none() && !self.hidden_size.is_multiple_of(self.num_attention_heads) {
            return fail("hidden_size is not a multiple of num_attention_heads".into());
        }
        if !self.num_attention_heads.is_multiple_of(self.kv_heads()) {
            return fail("num_attention_heads is not a multiple of num_key_value_heads".into());
        }
        if !self.head_dim().is_multiple_of(2) {
            return fail("rotary embeddings need an even head_dim".into());
        }
        Ok(())
    }

    /// Number of key/value heads.
    pub fn kv_heads(&self) -> usize {
        self.num_key_value_heads
            .unwrap_or(self.num_attention_heads)
            .max(1)
    }

    /// Width of one attention head.
    pub fn head_dim(&self) -> usize {
        self.head_dim
            .unwrap_or(self.hidden_size / self.num_attention_heads)
    }

    /// Scale of the attention scores: Granite's multiplier or `1/sqrt(head_dim)`.
    pub fn attention_scale(&self) -> f64 {
        self.attention_multiplier
            .unwrap_or_else(|| 1.0 / (self.head_dim() as f64).sqrt())
    }

    /// Number of parameters of the model this config describes.
    pub fn num_params(&self) -> usize {
        let (h, i, hd) = (self.hidden_size, self.intermediate_size, self.head_dim());
        let attn = h * hd * (2 * self.num_attention_heads + 2 * self.kv_heads());
        let layer = attn + 3 * h * i + 2 * h;
        let head = if self.tie_word_embeddings {
            0
        } else {
            self.vocab_size * h
        };
        self.vocab_size * h + self.num_hidden_layers * layer + h + head
    }

    /// Builds a randomly initialised model on `device`.
    pub fn init(&self, device: &Device) -> Decoder {
        Decoder::new(self, device)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rope_theta_from_rope_parameters_and_refuses_scaling() {
        let base = r#""vocab_size": 10, "hidden_size": 8, "intermediate_size": 16,
            "num_hidden_layers": 2, "num_attention_heads": 4"#;
        let parse = |extra: &str| {
            DecoderConfig::from_json_str(&format!("{{{base}, {extra}}}"), Path::new("c.json"))
        };
        let c =
            parse(r#""rope_parameters": {"rope_theta": 500.0, "rope_type": "default"}"#).unwrap();
        assert_eq!(c.rope_theta, 500.0);
        let c = parse(r#""rope_theta": 250.0, "rope_scaling": null"#).unwrap();
        assert_eq!(c.rope_theta, 250.0);
        let err = parse(r#""rope_scaling": {"rope_type": "llama3", "factor": 8.0}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("c.json") && err.contains("llama3"), "{err}");
    }

    #[test]
    fn parses_llama_and_granite_fields() {
        let json = r#"{"vocab_size": 10, "hidden_size": 8, "intermediate_size": 16,
            "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
            "rms_norm_eps": 1e-5, "rope_theta": 500.0, "tie_word_embeddings": true,
            "attention_multiplier": 0.25, "embedding_multiplier": 12.0,
            "residual_multiplier": 0.5, "logits_scaling": 4.0, "eos_token_id": [3, 4]}"#;
        let c = DecoderConfig::from_json_str(json, Path::new("config.json")).unwrap();
        assert_eq!(c.kv_heads(), 2);
        assert_eq!(c.head_dim(), 2);
        assert_eq!(c.attention_scale(), 0.25);
        assert_eq!(c.eos_token_id, Some(3));
        assert!(c.tie_word_embeddings);
    }

    #[test]
    fn llama_defaults_and_validation() {
        let c = DecoderConfig::llama(10, 8, 16, 1, 2, 1);
        assert!((c.attention_scale() - 0.5).abs() < 1e-12);
        let bad = r#"{"vocab_size": 10, "hidden_size": 8, "intermediate_size": 16,
            "num_hidden_layers": 1, "num_attention_heads": 4, "num_key_value_heads": 3}"#;
        assert!(DecoderConfig::from_json_str(bad, Path::new("c.json")).is_err());
    }
}
