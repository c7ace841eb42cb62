//! The decoder half of the classifier: a Llama-style causal language model
//! in burn (Llama, SmolLM2, Granite dense), its loaders (Hugging Face
//! directories and GGUF files), greedy generation, and classification by
//! scoring the 54 labels as constrained chat responses.
//!
//! ```
//! use burn::tensor::Device;
//! use rsolv_classify::decoder::{DecoderConfig, ids_tensor};
//!
//! let device = Device::flex();
//! let model = DecoderConfig::llama(32, 16, 32, 2, 4, 2).init(&device);
//! let logits = model.forward(ids_tensor(&[1, 2, 3], &device));
//! assert_eq!(logits.dims(), [1, 3, 32]);
//! ```
//!
//! Real checkpoints: [`CausalLm::from_hf_dir`] (Llama, SmolLM2, Granite
//! dense `config.json` + safetensors + `tokenizer.json`) and
//! [`CausalLm::from_gguf`] (llama architecture; F32, F16, BF16, Q4_0, Q4_1,
//! Q8_0 and Q6_K tensors). [`DecoderClassifier`] turns a chat model into a
//! 54-way classifier; [`DecoderClassifier::training_example`] and
//! [`masked_cross_entropy`] feed a fine-tuning loop.

mod classify;
mod config;
mod error;
mod lm;
mod model;
mod tokenizer;
mod training;
mod weights;

pub use classify::{
    DecoderClassifier, DecoderFinding, DecoderPrediction, DecoderPrompt, TrainingExample,
    example_tensors, masked_cross_entropy, system_prompt, user_message,
};
pub use config::DecoderConfig;
pub use error::{DecoderError, Result};
pub use lm::{CausalLm, config_from_gguf, ids_tensor, load_hf_weights, smollm2_gguf_path};
pub use model::{Attention, Decoder, DecoderLayer, KvCache, Mlp};
pub use tokenizer::{ChatTemplate, encode, tokenizer_from_file, tokenizer_from_gguf};
pub use training::{
    DECODER_CLASSIFIER_FILE, DECODER_TRAINABLE, DecoderFineTuned, SYSTEM_CACHE_FILE,
    apply_decoder_lora, export_decoder_classifier, finetune_decoder, finetune_decoder_with,
    load_decoder_adapter, response_loss,
};
pub use weights::{WeightMap, hf_name, permute_rope_rows, unpermute_rope_rows};
