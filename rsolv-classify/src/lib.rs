//! rsolv's security-finding classifier.
//!
//! A finding (title, description, file name) gets one of the 54 labels of
//! [`rsolv_core::VulnClass`]. The models (burn, LoRA fine-tuning, pretrained
//! weight loading, inference and evaluation) are being built in this crate;
//! until they land it only re-exports the label space they predict over.
//!
//! ```
//! assert_eq!(rsolv_classify::LABELS.len(), 54);
//! assert_eq!(rsolv_classify::LABELS[0].as_str(), "sqli");
//! ```
#![deny(missing_docs)]

pub mod decoder;
pub mod gguf;

pub use rsolv_core::VulnClass;

/// The classifier's output space, in the order of its output units.
pub const LABELS: &[VulnClass] = VulnClass::ALL;
