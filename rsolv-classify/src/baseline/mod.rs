//! Non-neural classifiers: keyword scoring and a hashed n-gram logistic
//! regression.

mod features;
mod keyword;
mod ngram;
mod ngram_file;

pub use features::FeatureConfig;
pub use keyword::KeywordScorer;
pub use ngram::{NgramModel, NgramTrainConfig};
pub use ngram_file::NGRAM_FILE;

use std::path::Path;

use crate::eval::LabelScorer;
use crate::{Error, Result};

/// A classifier that can be shared across threads.
pub type BoxedScorer = Box<dyn LabelScorer + Send + Sync>;

/// Load the classifier saved in `dir`, recognised by its files:
///
/// - `ngram.bin`: an [`NgramModel`];
/// - `labels.json` and `model.safetensors`: an exported fine-tuned encoder
///   ([`crate::Classifier::load`]);
/// - `labels.json`, `adapter.safetensors` and `training.json` only: the
///   bundle-sized form of one, rebuilt over the base model that
///   `training.json` names ([`crate::Classifier::from_adapter`]).
pub fn load_scorer(dir: &Path) -> Result<BoxedScorer> {
    if dir.join(NGRAM_FILE).is_file() {
        return Ok(Box::new(NgramModel::load(dir)?));
    }
    if dir.join(crate::decoder::DECODER_CLASSIFIER_FILE).is_file() {
        return Ok(Box::new(crate::decoder::DecoderClassifier::load(
            dir,
            &crate::default_device(),
        )?));
    }
    if dir.join("labels.json").is_file() {
        if dir.join("model.safetensors").is_file() {
            return Ok(Box::new(crate::Classifier::load(dir)?));
        }
        let record = dir.join("training.json");
        if dir.join("adapter.safetensors").is_file() && record.is_file() {
            let text = std::fs::read_to_string(&record).map_err(Error::io_at(&record))?;
            let record: crate::TrainingRecord =
                serde_json::from_str(&text).map_err(Error::json_at(&record, None))?;
            return Ok(Box::new(crate::Classifier::from_adapter(
                dir,
                Path::new(&record.base_model),
                &crate::default_device(),
            )?));
        }
    }
    Err(Error::BadModel {
        path: dir.to_owned(),
        message: format!(
            "no model found (expected {NGRAM_FILE}, classifier.json of a decoder export, \
             or labels.json with model.safetensors or adapter.safetensors)"
        ),
    })
}
