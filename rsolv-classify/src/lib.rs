//! rsolv's security-finding classifier.
//!
//! A finding (title, description, file name) gets one of the 54 labels of
//! [`rsolv_core::VulnClass`]. This crate holds the labeled data (a seeded
//! generator of synthetic findings, a hand-written development split,
//! loading of users' own JSONL), non-neural baselines (keyword scoring and
//! a hashed n-gram logistic regression) and an evaluation harness that
//! compares any [`LabelScorer`].
//!
//! ```
//! use rsolv_classify::{GeneratorConfig, generate};
//!
//! assert_eq!(rsolv_classify::LABELS.len(), 54);
//! assert_eq!(rsolv_classify::LABELS[0].as_str(), "sqli");
//! let samples = generate(&GeneratorConfig { per_label: 2, seed: 7 })?;
//! assert_eq!(samples.len(), 2 * 54);
//! # Ok::<(), rsolv_classify::Error>(())
//! ```
#![deny(missing_docs)]

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
