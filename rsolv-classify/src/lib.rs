//! rsolv's security-finding classifier.
//!
//! A finding (title, description, file name) gets one of the 54 labels of
//! [`rsolv_core::VulnClass`]. The model is a BERT-style sentence encoder
//! (all-MiniLM-L6-v2 by default) with mean pooling and a linear head,
//! fine-tuned with LoRA, all in [burn](https://burn.dev):
//!
//! Everything lives in [`encoder`] and is re-exported here:
//!
//! - [`model`]: the encoder ([`EncoderConfig`] from a Hugging Face
//!   `config.json`, [`Encoder`]) and the [`ClassifierModel`];
//! - [`load_pretrained`]: a Hugging Face directory (`config.json`,
//!   `model.safetensors`, `tokenizer.json`) into an encoder and a
//!   [`TextEncoder`]; nothing is ever downloaded;
//! - [`finetune`](finetune()) / [`TrainingSettings`]: LoRA fine-tuning
//!   (AdamW, warmup + cosine, gradient accumulation, checkpoints, resume);
//! - [`export_classifier`]: merges the adapters and writes a self-contained
//!   f16 model directory;
//! - [`Classifier`]: loads such a directory and classifies [`FindingText`]s;
//! - [`evaluate_classifier`]: accuracy on a labelled JSONL set
//!   ([`read_labeled_jsonl`]).
//!
//! # Model files
//!
//! A fine-tuned classifier is exported as a self-contained directory
//! ([`export_classifier`], loaded by [`Classifier::load`]): the merged
//! encoder and head in f16 (~45 MB for MiniLM), too big for git. The same
//! directory also holds `adapter.safetensors` (LoRA factors and head, ~1 MB
//! at rank 8), `labels.json` and `training.json`; those three files plus the
//! pip-installed base model are enough to rebuild the classifier at load
//! time ([`Classifier::from_adapter`]), which is the form to bundle.
//!
//! # Backends
//!
//! The default build runs on burn's pure-Rust CPU backend (`flex`, see
//! [`default_device`]). Two opt-in features select another one:
//!
//! - `tch`: LibTorch through burn-tch, which pins PyTorch 2.9.0. Offline
//!   setup: `pip install torch==2.9.0`, then build with
//!   `LIBTORCH_USE_PYTORCH=1` and put torch's `lib/` directory
//!   (`python -c 'import torch, os; print(os.path.dirname(torch.__file__))'`
//!   followed by `/lib`) on `LD_LIBRARY_PATH` when running.
//! - `cuda`: burn's CUDA runtime (needs an NVIDIA driver and toolkit).
//!
//! ```
//! use rsolv_classify::{FindingText, LABELS};
//!
//! assert_eq!(LABELS.len(), 54);
//! assert_eq!(LABELS[0].as_str(), "sqli");
//! let finding = FindingText {
//!     title: "SQL injection".into(),
//!     description: "User input reaches a raw query.".into(),
//!     filename: "app/db.py".into(),
//! };
//! assert_eq!(finding.model_text(), "SQL injection\napp/db.py\nUser input reaches a raw query.");
//! ```
#![deny(missing_docs)]

pub mod encoder;
mod error;
mod finding;

/// The burn version this crate is built on (devices, tensors), re-exported.
pub use burn;
pub use encoder::model::{
    self, ClassifierModel, Encoder, EncoderConfig, EncoderInput, EncoderLayer,
};
pub use encoder::{
    Classifier, DEFAULT_MAX_LEN, EvalReport, ExampleRecord, FineTuned, LabelMap, LabeledFinding,
    LoraSettings, LoraTarget, ModelFiles, PretrainedEncoder, TOP_K, TextEncoder, TrainingRecord,
    TrainingSettings, apply_lora, backend_name, batch_from_ids, default_device,
    evaluate_classifier, export_classifier, finetune, finetune_model, learning_rate_at,
    load_hf_weights, load_pretrained, load_trainable, merge_lora, read_labeled_jsonl,
    save_trainable,
};
pub use error::{Error, Result};
pub use finding::{FindingText, Prediction};
pub use rsolv_core::VulnClass;

/// The classifier's output space, in the order of its output units.
pub const LABELS: &[VulnClass] = VulnClass::ALL;
