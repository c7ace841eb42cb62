//! The fine-tuning loop both model families share: AdamW, linear warmup then
//! cosine decay, gradient accumulation, seeded data order and dropout,
//! checkpoints that a later run resumes from, a progress bar.
//!
//! A family supplies the model (LoRA applied, on an autodiff device), the
//! number of examples, which module paths are trainable, and a closure that
//! computes the loss of a micro-batch of example indices.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::optim::{AdamWConfig, GradientsAccumulator, GradientsParams, ModuleOptimizer};
use burn::store::{ModuleSnapshot, SafetensorsStore};
use burn::tensor::{Device, Tensor};
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};

use crate::encoder::{LoraSettings, SplitMix64, weights_error, write_json};
use crate::{Error, Result};

/// Training hyper-parameters (both families).
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
    /// Truncation length in tokens (the encoder's input; the decoder's
    /// user message).
    pub max_len: usize,
    /// Seed of the head init, adapter init, data order and dropout.
    pub seed: u64,
    /// LoRA settings.
    pub lora: LoraSettings,
    /// Encoder only: dropout on the pooled embedding before the head.
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
    /// Defaults for fine-tuning a decoder: smaller batches accumulated to an
    /// effective 16, a lower peak learning rate, no dropout.
    pub fn decoder() -> Self {
        Self {
            epochs: 2,
            learning_rate: 1e-4,
            batch_size: 4,
            grad_accum: 4,
            max_len: 256,
            lora: LoraSettings {
                dropout: 0.0,
                ..LoraSettings::default()
            },
            head_dropout: 0.0,
            ..Self::default()
        }
    }

    pub(crate) fn validate(&self) -> Result<()> {
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

/// Saves the tensors whose module paths match `trainable` to `path`, in f32.
pub(crate) fn save_matching<M: Module>(model: &M, trainable: &str, path: &Path) -> Result<()> {
    let mut store = SafetensorsStore::from_file(path)
        .with_regex(trainable)
        .overwrite(true);
    model
        .save_into(&mut store)
        .map_err(|e| weights_error(path, e))
}

/// Loads what [`save_matching`] wrote into a model of the same shape.
pub(crate) fn load_matching<M: Module>(model: &mut M, trainable: &str, path: &Path) -> Result<()> {
    if !path.is_file() {
        return Err(Error::MissingFile {
            path: path.to_owned(),
        });
    }
    let mut store = SafetensorsStore::from_file(path)
        .with_regex(trainable)
        .allow_partial(true);
    let result = model
        .load_from(&mut store)
        .map_err(|e| weights_error(path, e))?;
    if !result.errors.is_empty() || result.applied.is_empty() {
        return Err(weights_error(
            path,
            format!(
                "applied {} tensors, errors {:?}",
                result.applied.len(),
                result.errors
            ),
        ));
    }
    Ok(())
}

/// What a finished (or stopped) run returns.
#[derive(Debug)]
pub(crate) struct Trained<M> {
    pub model: M,
    /// Optimizer steps taken in total (resumed ones included).
    pub steps: usize,
    /// Mean loss of each completed epoch.
    pub epoch_losses: Vec<f64>,
    /// Wall-clock seconds of this run.
    pub seconds: f64,
    /// Examples processed per second in this run.
    pub examples_per_second: f64,
}

/// The model's trainable state and the optimizer's, in `dir`.
fn checkpoint_paths(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    (
        dir.join("trainable.safetensors"),
        dir.join("optimizer.bpk"),
        dir.join("state.json"),
    )
}

/// Runs the loop over `n_examples` examples. `loss_of(model, rows)` returns
/// the mean loss of the examples `rows` (a micro-batch); `trainable` is a
/// regex over module paths naming what a checkpoint saves.
///
/// With `checkpoint_dir`, checkpoints are written there and a run whose
/// directory already holds one resumes from it (the settings must match).
/// The data order and dropout masks of each step depend only on the seed and
/// the step, so a resumed run takes the same steps as an uninterrupted one.
pub(crate) fn run<M: Module>(
    mut model: M,
    n_examples: usize,
    settings: &TrainingSettings,
    trainable: &str,
    checkpoint_dir: Option<&Path>,
    device: &Device,
    mut loss_of: impl FnMut(&M, &[usize]) -> Result<Tensor<1>>,
) -> Result<Trained<M>> {
    settings.validate()?;
    if n_examples == 0 {
        return Err(Error::Dataset("the training set is empty".into()));
    }
    let per_step = settings.batch_size * settings.grad_accum;
    let steps_per_epoch = n_examples.div_ceil(per_step);
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
            load_matching(&mut model, trainable, &weights)?;
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
            order = (0..n_examples).collect();
            SplitMix64::new(settings.seed ^ (epoch as u64 + 1).wrapping_mul(0x9E37_79B9))
                .shuffle(&mut order);
            order_epoch = epoch;
        }
        // Dropout masks depend only on (seed, step): a resumed run matches.
        device.seed(SplitMix64::new(settings.seed.wrapping_add(step as u64)).next_u64());
        let within = step % steps_per_epoch;
        let micro = |m: usize| {
            micro_batch(
                &order,
                within * settings.grad_accum + m,
                settings.batch_size,
            )
        };
        let micro_total: usize = (0..settings.grad_accum).map(|m| micro(m).len()).sum();
        let mut accumulator = GradientsAccumulator::<M>::new();
        let mut step_loss = 0.0f64;
        let mut step_examples = 0usize;
        for m in 0..settings.grad_accum {
            let rows = micro(m);
            if rows.is_empty() {
                continue;
            }
            // Each micro-batch weighs by its share of the step's examples.
            let loss = loss_of(&model, rows)?.mul_scalar(rows.len() as f32 / micro_total as f32);
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
        // The last step saves too when it stops mid-epoch (max_steps), to
        // keep the place for a resume.
        if let Some(dir) = checkpoint_dir
            && (periodic || epoch_done || step == stop_at)
        {
            save_checkpoint(
                dir,
                &model,
                trainable,
                &optim,
                step,
                settings,
                &epoch_losses,
            )?;
        }
    }
    if epoch_loss.1 > 0 {
        epoch_losses.push(epoch_loss.0 / epoch_loss.1 as f64);
    }
    progress.finish();
    let seconds = started.elapsed().as_secs_f64();
    Ok(Trained {
        model,
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

fn save_checkpoint<M: Module>(
    dir: &Path,
    model: &M,
    trainable: &str,
    optim: &ModuleOptimizer,
    step: usize,
    settings: &TrainingSettings,
    epoch_losses: &[f64],
) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(Error::io_at(dir))?;
    let (weights, optim_path, state_path) = checkpoint_paths(dir);
    save_matching(model, trainable, &weights)?;
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
