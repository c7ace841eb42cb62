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
//!   reported as Markdown ([`markdown`]), JSON and SVG ([`confusion_svg`]).
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
#![deny(missing_docs)]

pub mod decoder;
pub mod gguf;

mod baseline;
mod data;
mod error;
mod eval;
mod finding;

pub use baseline::{
    BoxedScorer, FeatureConfig, KeywordScorer, NGRAM_FILE, NgramModel, NgramTrainConfig,
    load_scorer,
};
pub use eval::{
    AbstainPoint, ApproachReport, ComparisonReport, ConfusedPair, EvalOptions, LabelMetrics,
    LabelScorer, confusion_svg, evaluate, markdown, softmax,
};

pub use data::{
    GeneratorConfig, Sample, balance, generate, label_counts, parse_jsonl, read_jsonl,
    to_jsonl_string, write_jsonl,
};
pub use error::{Error, Result};
pub use finding::{FindingText, Prediction};
pub use rsolv_core::VulnClass;

/// The classifier's output space, in the order of its output units.
pub const LABELS: &[VulnClass] = VulnClass::ALL;
