//! The decoder half of the classifier: a Llama-style causal language model
//! in burn (Llama, SmolLM2, Granite dense), its loaders (Hugging Face
//! directories and GGUF files), greedy generation, and classification by
//! scoring the 54 labels as constrained chat responses.

mod classify;
mod config;
mod error;
mod lm;
mod model;
mod tokenizer;
mod weights;

pub use classify::{
    DecoderClassifier, DecoderFinding, DecoderPrediction, TrainingExample, example_tensors,
    masked_cross_entropy, system_prompt, user_message,
};
pub use config::DecoderConfig;
pub use error::{DecoderError, Result};
pub use lm::{CausalLm, config_from_gguf, ids_tensor, load_hf_weights, smollm2_gguf_path};
pub use model::{Attention, Decoder, DecoderLayer, KvCache, Mlp};
pub use tokenizer::{ChatTemplate, encode, tokenizer_from_file, tokenizer_from_gguf};
pub use weights::{WeightMap, hf_name, permute_rope_rows, unpermute_rope_rows};
