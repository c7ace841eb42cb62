//! LoRA on the encoder, merging, and exporting a self-contained model.
//!
//! Fine-tuning attaches burn's [`Lora`] adapters to the chosen projections
//! of every encoder layer; all encoder weights stay frozen and only the
//! adapters and the classification head train. Before export the adapters
//! are folded into the weights ([`Module::materialize`]), so the exported
//! model is a plain encoder that loads without the base model.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use burn::module::{Lora, Module, ParamGroup};
use burn::store::{HalfPrecisionAdapter, ModuleSnapshot, SafetensorsStore};
use serde::{Deserialize, Serialize};

use crate::encoder::classifier::LabelMap;
use crate::encoder::loader::weights_error;
use crate::encoder::model::{ClassifierModel, EncoderConfig};
use crate::encoder::tokenize::TextEncoder;
use crate::{Error, Result};

/// A projection inside each encoder layer that can carry a LoRA adapter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoraTarget {
    /// Attention query projection.
    Query,
    /// Attention key projection.
    Key,
    /// Attention value projection.
    Value,
    /// Attention output projection.
    AttnOut,
    /// Feed-forward expansion.
    FfnIn,
    /// Feed-forward projection back to the hidden width.
    FfnOut,
}

impl LoraTarget {
    /// Every target: attention q/k/v/o and both MLP projections.
    pub const ALL: [LoraTarget; 6] = [
        Self::Query,
        Self::Key,
        Self::Value,
        Self::AttnOut,
        Self::FfnIn,
        Self::FfnOut,
    ];

    /// The field name in [`crate::encoder::model::EncoderLayer`].
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Query => "query",
            Self::Key => "key",
            Self::Value => "value",
            Self::AttnOut => "attn_out",
            Self::FfnIn => "ffn_in",
            Self::FfnOut => "ffn_out",
        }
    }
}

impl fmt::Display for LoraTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for LoraTarget {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| {
                Error::TrainingConfig(format!(
                    "unknown LoRA target `{s}` (expected one of query, key, value, attn_out, ffn_in, ffn_out)"
                ))
            })
    }
}

/// LoRA hyper-parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoraSettings {
    /// Rank of the adapters.
    pub rank: usize,
    /// Scaling numerator (the update is scaled by `alpha / rank`).
    pub alpha: f64,
    /// Dropout probability on the encoder's hidden states and attention
    /// probabilities while fine-tuning (burn's LoRA has no separate
    /// adapter-input dropout, so this replaces the model's own dropout).
    pub dropout: f64,
    /// Which projections get adapters.
    pub targets: Vec<LoraTarget>,
}

impl Default for LoraSettings {
    fn default() -> Self {
        Self {
            rank: 8,
            alpha: 16.0,
            dropout: 0.1,
            targets: LoraTarget::ALL.to_vec(),
        }
    }
}

impl LoraSettings {
    /// Checks rank, dropout and targets.
    pub fn validate(&self) -> Result<()> {
        if self.rank == 0 {
            return Err(Error::TrainingConfig("LoRA rank must be at least 1".into()));
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(Error::TrainingConfig(format!(
                "dropout {} is not in [0, 1)",
                self.dropout
            )));
        }
        if self.targets.is_empty() {
            return Err(Error::TrainingConfig("no LoRA targets".into()));
        }
        Ok(())
    }

    /// The parameter group of the targeted weights, as paths inside the
    /// [`crate::encoder::model::Encoder`].
    fn param_group(&self) -> ParamGroup {
        let names: Vec<&str> = self.targets.iter().map(|t| t.as_str()).collect();
        let pattern = format!(r"^layers\.\d+\.({})\.weight$", names.join("|"));
        ParamGroup::from_regex(pattern).expect("the LoRA target pattern is a valid regex")
    }
}

/// Prepares `model` for LoRA fine-tuning: adapters on the targeted encoder
/// projections, every encoder weight frozen, the head left trainable, and
/// the encoder's dropout set to `settings.dropout`.
pub fn apply_lora(mut model: ClassifierModel, settings: &LoraSettings) -> Result<ClassifierModel> {
    settings.validate()?;
    model.encoder.embeddings.dropout.prob = settings.dropout;
    for layer in &mut model.encoder.layers {
        layer.attn_dropout.prob = settings.dropout;
        layer.hidden_dropout.prob = settings.dropout;
    }
    model.encoder = model.encoder.apply_lora(
        Lora::new(settings.rank, settings.alpha).set_param_group(settings.param_group()),
    );
    Ok(model)
}

/// Folds the LoRA adapters into the weights and switches to inference mode.
pub fn merge_lora(model: &ClassifierModel) -> ClassifierModel {
    model.valid().materialize()
}

/// The weights that LoRA fine-tuning changes (adapter factors and head):
/// a regex over module paths.
pub(crate) const TRAINABLE_PATHS: &str = r"(\.lora\.|^head\.)";

/// Saves only the trained part (LoRA factors and head) to `path`, in f32.
pub fn save_trainable(model: &ClassifierModel, path: &Path) -> Result<()> {
    crate::train::save_matching(model, TRAINABLE_PATHS, path)
}

/// Loads what [`save_trainable`] wrote into a model prepared with the same
/// [`apply_lora`] settings.
pub fn load_trainable(model: &mut ClassifierModel, path: &Path) -> Result<()> {
    crate::train::load_matching(model, TRAINABLE_PATHS, path)
}

/// What an export records about its training run (`training.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingRecord {
    /// The base model directory the run started from.
    pub base_model: String,
    /// Training set file and size.
    pub train_data: String,
    /// Number of training examples.
    pub train_examples: usize,
    /// Dev set file, if any.
    pub dev_data: Option<String>,
    /// Dev accuracy of the exported model, if measured.
    pub dev_accuracy: Option<f64>,
    /// The LoRA settings.
    pub lora: LoraSettings,
    /// The rest of the training settings, as JSON.
    pub settings: serde_json::Value,
    /// Optimizer steps taken.
    pub steps: usize,
    /// Mean training loss of the last epoch.
    pub final_loss: Option<f64>,
    /// Wall-clock seconds of training.
    pub seconds: f64,
    /// The backend the run used.
    pub backend: String,
}

/// Writes a self-contained classifier directory: `model.safetensors` (the
/// LoRA-merged encoder and head in f16), `config.json`, `tokenizer.json`,
/// `labels.json`, `adapter.safetensors` (only the LoRA factors and head, for
/// rebuilding from the base model), `training.json` and `TRAINING.md`.
pub fn export_classifier(
    model: &ClassifierModel,
    config: &EncoderConfig,
    text: &TextEncoder,
    labels: &LabelMap,
    record: &TrainingRecord,
    dir: &Path,
) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(Error::io_at(dir))?;
    save_trainable(model, &dir.join("adapter.safetensors"))?;

    let merged = merge_lora(model);
    let weights = dir.join("model.safetensors");
    let mut store = SafetensorsStore::from_file(&weights)
        .with_to_adapter(HalfPrecisionAdapter::new())
        .metadata("rsolv.format", "classifier-v1")
        .overwrite(true);
    merged
        .save_into(&mut store)
        .map_err(|e| weights_error(&weights, e))?;

    write_json(&dir.join("config.json"), config)?;
    write_json(&dir.join("labels.json"), labels)?;
    write_json(&dir.join("training.json"), record)?;
    let tokenizer = dir.join("tokenizer.json");
    text.tokenizer()
        .save(&tokenizer, false)
        .map_err(|e| Error::Tokenizer(format!("{}: {e}", tokenizer.display())))?;
    let readme = dir.join("TRAINING.md");
    std::fs::write(&readme, training_markdown(record)).map_err(Error::io_at(&readme))?;
    Ok(())
}

pub(crate) fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(Error::json_at(path, None))?;
    std::fs::write(path, text + "\n").map_err(Error::io_at(path))
}

fn training_markdown(r: &TrainingRecord) -> String {
    let targets: Vec<&str> = r.lora.targets.iter().map(|t| t.as_str()).collect();
    format!(
        "# How this model was trained\n\n\
         - base model: `{}`\n\
         - training data: `{}` ({} examples)\n\
         - dev data: `{}`\n\
         - dev accuracy: {}\n\
         - LoRA: rank {}, alpha {}, dropout {}, targets {}\n\
         - optimizer steps: {}, final epoch mean loss: {}\n\
         - wall clock: {:.0} s on {}\n\
         - settings: `{}`\n\n\
         The LoRA adapters are merged into `model.safetensors` (f16); \
         `adapter.safetensors` holds only the adapters and the head, to \
         rebuild the model from the base. Reproduce with \
         `cargo run --release --example train_classifier` and the settings above.\n",
        r.base_model,
        r.train_data,
        r.train_examples,
        r.dev_data.as_deref().unwrap_or("none"),
        r.dev_accuracy
            .map_or("not measured".to_owned(), |a| format!("{:.2} %", a * 100.0)),
        r.lora.rank,
        r.lora.alpha,
        r.lora.dropout,
        targets.join(", "),
        r.steps,
        r.final_loss.map_or("n/a".to_owned(), |l| format!("{l:.4}")),
        r.seconds,
        r.backend,
        r.settings,
    )
}
