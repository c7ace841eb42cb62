//! LoRA fine-tuning of the encoder classifier, on the shared loop of
//! [`crate::train`].

use std::path::Path;

use burn::module::Module;
use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Tensor, TensorData};

use crate::encoder::classifier::{Classifier, LabelMap};
use crate::encoder::examples::LabeledFinding;
use crate::encoder::finetune::{TRAINABLE_PATHS, apply_lora};
use crate::encoder::loader::load_pretrained;
use crate::encoder::model::{ClassifierModel, EncoderConfig};
use crate::encoder::tokenize::{TextEncoder, batch_from_ids};
pub use crate::train::{TrainingSettings, learning_rate_at};
use crate::{Error, LABELS, Result};

/// A fine-tuned model, still with its LoRA adapters.
#[derive(Debug)]
pub struct FineTuned {
    /// The model (LoRA adapters attached).
    pub model: ClassifierModel,
    /// The base model's config.
    pub config: EncoderConfig,
    /// The tokenizer.
    pub text: TextEncoder,
    /// The output labels.
    pub labels: LabelMap,
    /// Optimizer steps taken in total (resumed ones included).
    pub steps: usize,
    /// Mean loss of each completed epoch.
    pub epoch_losses: Vec<f64>,
    /// Wall-clock seconds of this run (not counting resumed-from time).
    pub seconds: f64,
    /// Examples processed per second in this run.
    pub examples_per_second: f64,
}

impl FineTuned {
    /// An inference [`Classifier`] with the adapters merged.
    pub fn classifier(&self, device: &Device) -> Result<Classifier> {
        let merged = crate::encoder::finetune::merge_lora(&self.model).to_device(device);
        Ok(Classifier::from_parts(
            merged,
            self.text.clone(),
            self.labels.classes()?,
            device.clone(),
        ))
    }
}

/// Fine-tunes the encoder in `base_dir` (a Hugging Face BERT/MiniLM
/// directory) on `train` with LoRA.
///
/// With `checkpoint_dir`, checkpoints are written there and a run whose
/// directory already holds one resumes from it (the settings must match).
/// The run is reproducible: the data order and dropout masks of each step
/// depend only on the seed and the step, so a resumed run takes the same
/// steps as an uninterrupted one.
pub fn finetune(
    base_dir: &Path,
    train: &[LabeledFinding],
    settings: &TrainingSettings,
    checkpoint_dir: Option<&Path>,
) -> Result<FineTuned> {
    settings.validate()?;
    if train.is_empty() {
        return Err(Error::Dataset("the training set is empty".into()));
    }
    let device = crate::default_device().autodiff();
    device.seed(settings.seed);
    let base = load_pretrained(base_dir, settings.max_len, &device)?;
    let model = ClassifierModel::new(base.encoder, LABELS.len(), settings.head_dropout, &device);
    let model = apply_lora(model, &settings.lora)?;
    finetune_model(
        model,
        base.config,
        base.text,
        train,
        settings,
        checkpoint_dir,
        &device,
    )
}

/// [`finetune`] on an already built model (LoRA applied, on an autodiff
/// device).
pub fn finetune_model(
    model: ClassifierModel,
    config: EncoderConfig,
    text: TextEncoder,
    train: &[LabeledFinding],
    settings: &TrainingSettings,
    checkpoint_dir: Option<&Path>,
    device: &Device,
) -> Result<FineTuned> {
    let label_index = |label| LABELS.iter().position(|l| *l == label).unwrap_or(0);
    let examples: Vec<(Vec<u32>, usize)> = train
        .iter()
        .map(|ex| {
            Ok((
                text.token_ids(&ex.finding.model_text())?,
                label_index(ex.label),
            ))
        })
        .collect::<Result<_>>()?;
    let trained = crate::train::run(
        model,
        examples.len(),
        settings,
        TRAINABLE_PATHS,
        checkpoint_dir,
        device,
        |model, rows| {
            let ids: Vec<Vec<u32>> = rows.iter().map(|&i| examples[i].0.clone()).collect();
            let targets: Vec<usize> = rows.iter().map(|&i| examples[i].1).collect();
            let input = batch_from_ids(&ids, text.pad_id(), device);
            Ok(cross_entropy(model.forward(&input), &targets, device))
        },
    )?;
    Ok(FineTuned {
        model: trained.model,
        config,
        text,
        labels: LabelMap::taxonomy(settings.max_len),
        steps: trained.steps,
        epoch_losses: trained.epoch_losses,
        seconds: trained.seconds,
        examples_per_second: trained.examples_per_second,
    })
}

/// Mean negative log-likelihood of `targets` under `logits`.
fn cross_entropy(logits: Tensor<2>, targets: &[usize], device: &Device) -> Tensor<1> {
    let [batch, classes] = logits.dims();
    let mut one_hot = vec![0.0f32; batch * classes];
    for (row, &t) in targets.iter().enumerate() {
        one_hot[row * classes + t] = 1.0;
    }
    let one_hot = Tensor::<2>::from_data(TensorData::new(one_hot, [batch, classes]), device);
    (log_softmax(logits, 1) * one_hot)
        .sum()
        .div_scalar(batch as f32)
        .neg()
}
