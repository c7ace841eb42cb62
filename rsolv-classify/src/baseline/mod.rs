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

/// Load the classifier saved in `dir`. Today that is an n-gram model
/// (`ngram.bin`); other model kinds are recognised by their files here as
/// they are added.
pub fn load_scorer(dir: &Path) -> Result<BoxedScorer> {
    if dir.join(NGRAM_FILE).is_file() {
        return Ok(Box::new(NgramModel::load(dir)?));
    }
    Err(Error::BadModel {
        path: dir.to_owned(),
        message: format!("no model found (expected {NGRAM_FILE})"),
    })
}
