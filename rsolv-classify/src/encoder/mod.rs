//! The encoder family: a BERT/MiniLM sentence encoder with a linear head,
//! fine-tuned with LoRA (see the crate docs for the overview).

mod accuracy;
mod backend;
mod classifier;
mod embedder;
mod examples;
mod finetune;
mod knn;
mod loader;
pub mod model;
mod tokenize;
mod training;

pub use accuracy::{EvalReport, evaluate_classifier};
pub use backend::{backend_name, default_device};
pub use classifier::{Classifier, LabelMap, TOP_K};
pub use embedder::SentenceEmbedder;
pub use examples::{ExampleRecord, LabeledFinding, read_labeled_jsonl};
pub use finetune::{
    LoraSettings, LoraTarget, TrainingRecord, apply_lora, export_classifier, load_trainable,
    merge_lora, save_trainable,
};
pub use knn::{KnnScorer, KnnSettings};
pub use loader::{ModelFiles, PretrainedEncoder, load_hf_weights, load_pretrained, minilm_dir};
pub use tokenize::{DEFAULT_MAX_LEN, TextEncoder, batch_from_ids};
pub use training::{FineTuned, TrainingSettings, finetune, finetune_model, learning_rate_at};

pub(crate) use examples::SplitMix64;
pub(crate) use finetune::write_json;
pub(crate) use loader::weights_error;
