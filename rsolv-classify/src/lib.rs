//! rsolv's security-finding classifier.
//!
//! A finding (title, description, file name) gets one of the 54 labels of
//! [`rsolv_core::VulnClass`]. This crate holds:
//!
//! - **data**: a seeded generator of synthetic labeled findings
//!   ([`generate`], templates in `data/templates/`), the committed
//!   `data/train.jsonl` and hand-written `data/dev.jsonl`, and JSONL
//!   loading with validation ([`read_jsonl`]) and balancing ([`balance`]);
//! - **baselines**: [`KeywordScorer`] (weighted keyword hits) and
//!   [`NgramModel`] (hashed n-gram logistic regression, deterministic
//!   training, a small file format, a bundled default model);
//! - **evaluation**: the [`LabelScorer`] trait every approach implements
//!   and [`evaluate`], which measures accuracy, macro-F1, per-label scores,
//!   family accuracy, confusions, latency, determinism and calibration,
//!   reported as Markdown ([`markdown`]), JSON and SVG ([`confusion_svg`]);
//! - **neural models** (burn): the BERT/MiniLM [`encoder`] with mean pooling and a
//!   classification head, fine-tuned with LoRA, and the Llama-family [`decoder`]
//!   (Hugging Face and [`gguf`] loaders, constrained label scoring):
//!   - [`model`]: the encoder ([`EncoderConfig`] from a Hugging Face
//!     `config.json`, [`Encoder`]) and the [`ClassifierModel`];
//!   - [`load_pretrained`]: a Hugging Face directory (`config.json`,
//!     `model.safetensors`, `tokenizer.json`) into an encoder and a
//!     [`TextEncoder`]; nothing is ever downloaded;
//!   - [`finetune`](finetune()) / [`TrainingSettings`]: LoRA fine-tuning
//!     (AdamW, warmup + cosine, gradient accumulation, checkpoints, resume);
//!   - [`export_classifier`]: merges the adapters and writes a self-contained
//!     f16 model directory;
//!   - [`Classifier`]: loads such a directory and classifies [`FindingText`]s;
//!   - [`evaluate_classifier`]: accuracy on a labelled JSONL set
//!     ([`read_labeled_jsonl`]);
//!   - [`KnnScorer`]: no training, nearest-neighbour voting on the
//!     pretrained encoder's sentence embeddings ([`SentenceEmbedder`]) of a
//!     labeled set such as [`bundled_train_set`], cached on disk.
//!
//! ```
//! use rsolv_classify::{
//!     EvalOptions, FindingText, GeneratorConfig, KeywordScorer, LabelScorer, NgramModel,
//!     NgramTrainConfig, VulnClass, evaluate, generate,
//! };
//!
//! assert_eq!(rsolv_classify::LABELS.len(), 54);
//! assert_eq!(rsolv_classify::LABELS[0].as_str(), "sqli");
//!
//! // Synthetic data: the same seed gives the same samples.
//! let samples = generate(&GeneratorConfig { per_label: 2, seed: 7 })?;
//! assert_eq!(samples.len(), 2 * 54);
//!
//! // The bundled default model.
//! let model = NgramModel::bundled()?;
//! let finding = FindingText::new(
//!     "Passwords hashed with MD5",
//!     "hashlib.md5(password).hexdigest() is stored as the password hash",
//!     "accounts/models.py",
//! );
//! assert_eq!(model.predict(&finding, 3).label, VulnClass::WeakHash);
//!
//! // Any approach goes through the same harness.
//! let report = evaluate(&KeywordScorer::new()?, &samples, &EvalOptions::default());
//! assert_eq!(report.samples, 108);
//! # let _ = NgramTrainConfig::default();
//! # Ok::<(), rsolv_classify::Error>(())
//! ```
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

pub mod decoder;
pub mod encoder;
pub mod gguf;

mod baseline;
mod data;
mod error;
mod eval;
mod finding;
mod train;

pub use baseline::{
    BoxedScorer, FeatureConfig, KeywordScorer, NGRAM_FILE, NgramModel, NgramTrainConfig,
    load_scorer,
};
pub use eval::{
    AbstainPoint, ApproachReport, ComparisonReport, ConfusedPair, EvalOptions, LabelMetrics,
    LabelScorer, confusion_svg, evaluate, markdown, softmax,
};

pub use data::{
    GeneratorConfig, Sample, balance, bundled_train_set, generate, label_counts, parse_jsonl,
    read_jsonl, to_jsonl_string, write_jsonl,
};

/// The burn version this crate is built on (devices, tensors), re-exported.
pub use burn;
pub use encoder::model::{
    self, ClassifierModel, Encoder, EncoderConfig, EncoderInput, EncoderLayer,
};
pub use encoder::{
    Classifier, DEFAULT_MAX_LEN, EvalReport, ExampleRecord, FineTuned, KnnScorer, KnnSettings,
    LabelMap, LabeledFinding, LoraSettings, LoraTarget, ModelFiles, PretrainedEncoder,
    SentenceEmbedder, TOP_K, TextEncoder, TrainingRecord, TrainingSettings, apply_lora,
    backend_name, batch_from_ids, default_device, evaluate_classifier, export_classifier, finetune,
    finetune_model, learning_rate_at, load_hf_weights, load_pretrained, load_trainable, merge_lora,
    minilm_dir, read_labeled_jsonl, save_trainable,
};
pub use error::{Error, Result};
pub use finding::{FindingText, Prediction};
pub use rsolv_core::VulnClass;

/// The classifier's output space, in the order of its output units.
pub const LABELS: &[VulnClass] = VulnClass::ALL;

/// The first file of the installed pip package `package` whose path ends
/// with `suffix` (found with `python3 -m pip show -f`), if it exists.
/// Nothing is installed or downloaded.
pub(crate) fn pip_package_file(package: &str, suffix: &str) -> Option<std::path::PathBuf> {
    let out = std::process::Command::new("python3")
        .args(["-m", "pip", "show", "-f", package])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let location = text
        .lines()
        .find_map(|l| l.strip_prefix("Location:"))?
        .trim();
    text.lines()
        .map(str::trim)
        .find(|l| l.ends_with(suffix))
        .map(|f| std::path::Path::new(location).join(f))
        .filter(|p| p.is_file())
}
