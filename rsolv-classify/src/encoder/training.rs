//! The LoRA fine-tuning loop: AdamW, linear warmup then cosine decay,
//! gradient accumulation, seeded data order and dropout, checkpoints that a
//! later run resumes from.

use std::path::{Path, PathBuf};
use std::time::Instant;

use std::collections::BTreeMap;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::optim::{AdamWConfig, GradientsAccumulator, GradientsParams};
use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Tensor, TensorData};
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};

use crate::encoder::classifier::{Classifier, LabelMap};
use crate::encoder::examples::{LabeledFinding, SplitMix64};
use crate::encoder::finetune::{
    LoraSettings, apply_lora, load_trainable, save_trainable, write_json,
};
use crate::encoder::loader::load_pretrained;
use crate::encoder::model::{ClassifierModel, EncoderConfig};
use crate::encoder::tokenize::{TextEncoder, batch_from_ids};
use crate::{Error, LABELS, Result};

/// Training hyper-parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingSettings {
    /// Passes over the training set.
    pub epochs: usize,
    /// Peak learning rate.
    pub learning_rate: f64,
    /// Examples per forward pass.
    pub batch_size: usize,
    /// Forward passes per optimizer step (effective batch =
    /// `batch_size * grad_accum`).
    pub grad_accum: usize,
    /// Fraction of the steps spent warming the learning rate up linearly.
    pub warmup_ratio: f64,
    /// AdamW decoupled weight decay.
    pub weight_decay: f32,
    /// Truncation length in tokens.
    pub max_len: usize,
    /// Seed of the head init, adapter init, data order and dropout.
    pub seed: u64,
    /// LoRA settings.
    pub lora: LoraSettings,
    /// Dropout on the pooled embedding before the head.
    pub head_dropout: f64,
    /// Save a checkpoint every this many optimizer steps (0: only at the
    /// end of each epoch). Needs a checkpoint directory.
    pub checkpoint_every: usize,
    /// Stop after this many optimizer steps (for smoke tests and timing).
    pub max_steps: Option<usize>,
    /// Show a progress bar on stderr.
    pub progress: bool,
}

impl Default for TrainingSettings {
    fn default() -> Self {
        Self {
            epochs: 3,
            learning_rate: 2e-4,
            batch_size: 16,
            grad_accum: 1,
            warmup_ratio: 0.06,
            weight_decay: 0.01,
            max_len: 128,
            seed: 42,
            lora: LoraSettings::default(),
            head_dropout: 0.1,
            checkpoint_every: 0,
            max_steps: None,
            progress: true,
        }
    }
}

impl TrainingSettings {
    fn validate(&self) -> Result<()> {
        self.lora.validate()?;
        if self.epochs == 0 || self.batch_size == 0 || self.grad_accum == 0 {
            return Err(Error::TrainingConfig(
                "epochs, batch size and gradient accumulation must be at least 1".into(),
            ));
        }
        if self.learning_rate.is_nan()
            || self.learning_rate <= 0.0
            || !(0.0..1.0).contains(&self.warmup_ratio)
        {
            return Err(Error::TrainingConfig(
                "learning rate must be positive and warmup ratio in [0, 1)".into(),
            ));
        }
        Ok(())
    }
}

/// The learning rate at optimizer step `step` (0-based) of `total`: linear
/// warmup over `warmup` steps, then cosine decay to zero.
pub fn learning_rate_at(peak: f64, step: usize, warmup: usize, total: usize) -> f64 {
    if step < warmup {
        return peak * (step + 1) as f64 / warmup as f64;
    }
    let span = total.saturating_sub(warmup).max(1) as f64;
    let progress = ((step - warmup) as f64 / span).min(1.0);
    peak * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos())
}

/// Where a run is, saved in a checkpoint's `state.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct CheckpointState {
    step: usize,
    settings: TrainingSettings,
    epoch_losses: Vec<f64>,
    /// Parameter ids by module path: burn keys optimizer state by id, and a
    /// resumed run's freshly built model gets these ids back.
    param_ids: BTreeMap<String, u64>,
}

/// Collects parameter ids by module path.
#[derive(Default)]
struct ParamIdCollector {
    path: Vec<String>,
    ids: BTreeMap<String, u64>,
}

impl ModuleVisitor for ParamIdCollector {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_owned());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        self.ids.insert(self.path.join("."), param.id.val());
    }
}

/// Gives parameters the ids recorded for their paths.
struct ParamIdAssigner<'a> {
    path: Vec<String>,
    ids: &'a BTreeMap<String, u64>,
}

impl ModuleMapper for ParamIdAssigner<'_> {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_owned());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        match self.ids.get(&self.path.join(".")) {
            Some(&id) => {
                let (_, value, mapper) = param.consume();
                Param::from_mapped_value(ParamId::from(id), value, mapper)
            }
            None => param,
        }
    }
}

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

/// The model's trainable state and the optimizer's, in `dir`.
fn checkpoint_paths(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    (
        dir.join("trainable.safetensors"),
        dir.join("optimizer.bpk"),
        dir.join("state.json"),
    )
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
    mut model: ClassifierModel,
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

    let per_step = settings.batch_size * settings.grad_accum;
    let steps_per_epoch = examples.len().div_ceil(per_step);
    // The schedule spans every epoch; `max_steps` only stops the run early,
    // so a run stopped and resumed follows the same schedule.
    let total_steps = steps_per_epoch * settings.epochs;
    let stop_at = settings
        .max_steps
        .map_or(total_steps, |m| m.min(total_steps));
    let warmup = (total_steps as f64 * settings.warmup_ratio).round() as usize;

    let mut optim = AdamWConfig::new()
        .with_weight_decay(settings.weight_decay)
        .init();
    let mut step = 0;
    let mut epoch_losses = Vec::new();
    if let Some(dir) = checkpoint_dir {
        let (weights, optim_path, state_path) = checkpoint_paths(dir);
        if state_path.is_file() {
            let text = std::fs::read_to_string(&state_path).map_err(Error::io_at(&state_path))?;
            let state: CheckpointState =
                serde_json::from_str(&text).map_err(Error::json_at(&state_path, None))?;
            let mut current = settings.clone();
            current.max_steps = state.settings.max_steps;
            current.progress = state.settings.progress;
            if current != state.settings {
                return Err(Error::TrainingConfig(format!(
                    "{} was written with different settings; use a fresh checkpoint directory",
                    state_path.display()
                )));
            }
            load_trainable(&mut model, &weights)?;
            model = model.map(&mut ParamIdAssigner {
                path: Vec::new(),
                ids: &state.param_ids,
            });
            optim = optim.load(&optim_path).map_err(|e| Error::OptimizerState {
                path: optim_path.clone(),
                message: format!("{e:?}"),
            })?;
            step = state.step;
            epoch_losses = state.epoch_losses;
        }
    }

    let progress = if settings.progress {
        let bar = ProgressBar::new(stop_at as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "{elapsed_precise} [{bar:30}] step {pos}/{len} eta {eta} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_position(step as u64);
        bar
    } else {
        ProgressBar::hidden()
    };

    let started = Instant::now();
    let mut seen = 0usize;
    let mut epoch_loss = (0.0f64, 0usize);
    let mut order_epoch = usize::MAX;
    let mut order: Vec<usize> = Vec::new();
    while step < stop_at {
        let epoch = step / steps_per_epoch;
        if epoch != order_epoch {
            order = (0..examples.len()).collect();
            SplitMix64::new(settings.seed ^ (epoch as u64 + 1).wrapping_mul(0x9E37_79B9))
                .shuffle(&mut order);
            order_epoch = epoch;
        }
        // Dropout masks depend only on (seed, step): a resumed run matches.
        device.seed(SplitMix64::new(settings.seed.wrapping_add(step as u64)).next_u64());
        let within = step % steps_per_epoch;
        let mut accumulator = GradientsAccumulator::<ClassifierModel>::new();
        let mut step_loss = 0.0f64;
        let mut step_examples = 0usize;
        let micro_total: usize = (0..settings.grad_accum)
            .map(|m| {
                micro_batch(
                    &order,
                    within * settings.grad_accum + m,
                    settings.batch_size,
                )
                .len()
            })
            .sum();
        for m in 0..settings.grad_accum {
            let rows = micro_batch(
                &order,
                within * settings.grad_accum + m,
                settings.batch_size,
            );
            if rows.is_empty() {
                continue;
            }
            let ids: Vec<Vec<u32>> = rows.iter().map(|&i| examples[i].0.clone()).collect();
            let targets: Vec<usize> = rows.iter().map(|&i| examples[i].1).collect();
            let input = batch_from_ids(&ids, text.pad_id(), device);
            let logits = model.forward(&input);
            // Each micro-batch weighs by its share of the step's examples.
            let loss = cross_entropy(logits, &targets, device)
                .mul_scalar(rows.len() as f32 / micro_total as f32);
            let loss_value: f32 = loss.clone().into_scalar();
            step_loss += f64::from(loss_value);
            step_examples += rows.len();
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            accumulator.accumulate(&model, grads);
        }
        let lr = learning_rate_at(settings.learning_rate, step, warmup, total_steps);
        model = optim.step(lr, model, accumulator.grads());
        step += 1;
        seen += step_examples;
        epoch_loss.0 += step_loss;
        epoch_loss.1 += 1;
        let rate = seen as f64 / started.elapsed().as_secs_f64().max(1e-9);
        progress.set_position(step as u64);
        progress.set_message(format!(
            "epoch {} loss {step_loss:.4} lr {lr:.2e} {rate:.1} ex/s",
            epoch + 1
        ));

        let epoch_done = step % steps_per_epoch == 0;
        if epoch_done {
            epoch_losses.push(epoch_loss.0 / epoch_loss.1.max(1) as f64);
            epoch_loss = (0.0, 0);
        }
        let periodic = settings.checkpoint_every > 0 && step % settings.checkpoint_every == 0;
        if let Some(dir) = checkpoint_dir
            && (periodic || epoch_done)
        {
            save_checkpoint(dir, &model, &optim, step, settings, &epoch_losses)?;
        }
    }
    if let Some(dir) = checkpoint_dir
        && step % steps_per_epoch != 0
    {
        // Stopped mid-epoch (max_steps): keep the place for a resume.
        save_checkpoint(dir, &model, &optim, step, settings, &epoch_losses)?;
    }
    if epoch_loss.1 > 0 {
        epoch_losses.push(epoch_loss.0 / epoch_loss.1 as f64);
    }
    progress.finish();
    let seconds = started.elapsed().as_secs_f64();
    Ok(FineTuned {
        model,
        config,
        text,
        labels: LabelMap::taxonomy(settings.max_len),
        steps: step,
        epoch_losses,
        seconds,
        examples_per_second: seen as f64 / seconds.max(1e-9),
    })
}

fn micro_batch(order: &[usize], index: usize, batch_size: usize) -> &[usize] {
    let start = (index * batch_size).min(order.len());
    let end = (start + batch_size).min(order.len());
    &order[start..end]
}

fn save_checkpoint(
    dir: &Path,
    model: &ClassifierModel,
    optim: &burn::optim::ModuleOptimizer,
    step: usize,
    settings: &TrainingSettings,
    epoch_losses: &[f64],
) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(Error::io_at(dir))?;
    let (weights, optim_path, state_path) = checkpoint_paths(dir);
    save_trainable(model, &weights)?;
    optim.save(&optim_path).map_err(|e| Error::OptimizerState {
        path: optim_path.clone(),
        message: format!("{e:?}"),
    })?;
    let mut ids = ParamIdCollector::default();
    model.visit(&mut ids);
    write_json(
        &state_path,
        &CheckpointState {
            step,
            settings: settings.clone(),
            epoch_losses: epoch_losses.to_vec(),
            param_ids: ids.ids,
        },
    )
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_warms_up_then_decays_to_zero() {
        let lr = |s| learning_rate_at(1.0, s, 10, 110);
        assert!((lr(0) - 0.1).abs() < 1e-12);
        assert!((lr(9) - 1.0).abs() < 1e-12);
        assert!((lr(10) - 1.0).abs() < 1e-12);
        assert!((lr(60) - 0.5).abs() < 1e-12);
        assert!(lr(110) < 1e-12);
        assert!(lr(30) > lr(40));
    }
}
