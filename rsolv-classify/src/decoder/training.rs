//! LoRA fine-tuning of a decoder classifier, as in the reference recipe:
//! chat-formatted examples (system message with the 54 labels, the finding
//! as the user message, the label as the response), loss on the response
//! tokens only, LoRA adapters on the attention and MLP projections with the
//! base frozen; then the adapters are merged and the model is exported as a
//! self-contained 16-bit Hugging Face directory.
//!
//! Every example starts with the same system message, so each micro-batch
//! runs it once (batch 1) and the findings attend to its keys and values
//! ([`Decoder::forward_shared_prefix`]); gradients flow through that shared
//! prefix into the adapters as through a full forward pass.

use std::path::Path;

use burn::module::{Lora, Module, ParamGroup};
use burn::tensor::{Device, Int, Tensor, TensorData};
use serde::{Deserialize, Serialize};
use tokenizers::Tokenizer;

use super::classify::{DecoderClassifier, DecoderPrompt, TrainingExample};
use super::classify::{masked_cross_entropy, system_prompt};
use super::config::DecoderConfig;
use super::lm::{CausalLm, ids_tensor};
use super::model::{Decoder, KvCache};
use super::weights::WeightMap;
use crate::encoder::{LabeledFinding, LoraSettings, LoraTarget, TrainingRecord, write_json};
use crate::train::{TrainingSettings, load_matching, save_matching};
use crate::{Error, Result, VulnClass};

/// Module paths of the adapter factors: what a checkpoint and
/// `adapter.safetensors` hold.
pub const DECODER_TRAINABLE: &str = r"\.lora\.";

/// The file that marks an exported decoder classifier directory.
pub const DECODER_CLASSIFIER_FILE: &str = "classifier.json";

/// The decoder projections a LoRA target stands for.
fn decoder_paths(target: LoraTarget) -> &'static [&'static str] {
    match target {
        LoraTarget::Query => &["self_attn\\.q_proj"],
        LoraTarget::Key => &["self_attn\\.k_proj"],
        LoraTarget::Value => &["self_attn\\.v_proj"],
        LoraTarget::AttnOut => &["self_attn\\.o_proj"],
        LoraTarget::FfnIn => &["mlp\\.gate_proj", "mlp\\.up_proj"],
        LoraTarget::FfnOut => &["mlp\\.down_proj"],
    }
}

/// Attaches LoRA adapters to the targeted projections of every layer
/// (`query`/`key`/`value`/`attn_out` are q/k/v/o, `ffn_in` the gate and up
/// projections, `ffn_out` the down projection), freezes every base weight,
/// and sets the attention dropout to `settings.dropout`.
pub fn apply_decoder_lora(mut model: Decoder, settings: &LoraSettings) -> Result<Decoder> {
    settings.validate()?;
    for layer in &mut model.layers {
        layer.self_attn.dropout.prob = settings.dropout;
    }
    let paths: Vec<&str> = settings
        .targets
        .iter()
        .flat_map(|t| decoder_paths(*t).iter().copied())
        .collect();
    let pattern = format!(r"^layers\.\d+\.({})\.weight$", paths.join("|"));
    let group = ParamGroup::from_regex(pattern)
        .map_err(|e| Error::TrainingConfig(format!("LoRA target pattern: {e:?}")))?;
    Ok(model.apply_lora(Lora::new(settings.rank, settings.alpha).set_param_group(group)))
}

/// A fine-tuned decoder, still with its LoRA adapters (on the training
/// device).
#[derive(Debug)]
pub struct DecoderFineTuned {
    /// The base configuration.
    pub config: DecoderConfig,
    /// The model with adapters.
    pub model: Decoder,
    /// The tokenizer.
    pub tokenizer: Tokenizer,
    /// The prompt the model was trained with.
    pub prompt: DecoderPrompt,
    /// Optimizer steps taken in total (resumed ones included).
    pub steps: usize,
    /// Mean loss of each completed epoch.
    pub epoch_losses: Vec<f64>,
    /// Wall-clock seconds of this run.
    pub seconds: f64,
    /// Examples processed per second in this run.
    pub examples_per_second: f64,
}

impl DecoderFineTuned {
    /// The adapters folded into the weights, for inference.
    pub fn merged(&self) -> Decoder {
        self.model.valid().materialize()
    }

    /// An inference classifier with the adapters merged.
    pub fn classifier(&self) -> DecoderClassifier {
        self.classifier_with(self.merged())
    }

    /// An inference classifier that keeps the adapters separate (the
    /// reference for the merge: both give the same probabilities).
    pub fn unmerged_classifier(&self) -> DecoderClassifier {
        self.classifier_with(self.model.valid())
    }

    fn classifier_with(&self, model: Decoder) -> DecoderClassifier {
        let lm = CausalLm::assemble(self.config.clone(), model, self.tokenizer.clone());
        DecoderClassifier::with_prompt(lm, self.prompt.clone())
    }
}

/// Fine-tunes `lm` (loaded on an autodiff device, no adapters yet) with
/// LoRA on `train`, with the standard [`system_prompt`]. `settings.max_len`
/// limits each description in tokens.
///
/// With `checkpoint_dir`, checkpoints are written there and a run whose
/// directory holds one resumes from it (see [`crate::finetune`]).
pub fn finetune_decoder(
    lm: CausalLm,
    train: &[LabeledFinding],
    settings: &TrainingSettings,
    checkpoint_dir: Option<&Path>,
) -> Result<DecoderFineTuned> {
    let prompt = DecoderPrompt::new(&lm.tokenizer, &system_prompt())?
        .with_max_description_tokens(Some(settings.max_len));
    finetune_decoder_with(lm, prompt, train, settings, checkpoint_dir)
}

/// [`finetune_decoder`] with a prepared prompt.
pub fn finetune_decoder_with(
    lm: CausalLm,
    prompt: DecoderPrompt,
    train: &[LabeledFinding],
    settings: &TrainingSettings,
    checkpoint_dir: Option<&Path>,
) -> Result<DecoderFineTuned> {
    settings.validate()?;
    let device = lm.model.device();
    if !device.is_autodiff() {
        return Err(Error::TrainingConfig(
            "the model must be loaded on an autodiff device (Device::autodiff())".into(),
        ));
    }
    device.seed(settings.seed);
    let model = apply_decoder_lora(lm.model, &settings.lora)?;
    let examples: Vec<TrainingExample> = train
        .iter()
        .map(|ex| Ok(prompt.training_example(&lm.tokenizer, &(&ex.finding).into(), ex.label)?))
        .collect::<Result<_>>()?;
    let trained = crate::train::run(
        model,
        examples.len(),
        settings,
        DECODER_TRAINABLE,
        checkpoint_dir,
        &device,
        |model, rows| {
            let batch: Vec<&TrainingExample> = rows.iter().map(|&i| &examples[i]).collect();
            Ok(response_loss(model, prompt.system_ids(), &batch))
        },
    )?;
    Ok(DecoderFineTuned {
        config: lm.config,
        model: trained.model,
        tokenizer: lm.tokenizer,
        prompt,
        steps: trained.steps,
        epoch_losses: trained.epoch_losses,
        seconds: trained.seconds,
        examples_per_second: trained.examples_per_second,
    })
}

/// Mean cross-entropy over the response tokens of `batch`, whose examples
/// all start with `system` (the shared prefix runs once, batch 1). Equals
/// [`masked_cross_entropy`] over full forward passes of the examples.
pub fn response_loss(model: &Decoder, system: &[u32], batch: &[&TrainingExample]) -> Tensor<1> {
    let device = model.device();
    let mut cache = model.new_cache();
    model.forward_cached(ids_tensor(system, &device), &mut cache);
    let pad = system.last().copied().unwrap_or(0);
    let (ids, mask) = padded_rest(batch, system.len(), pad, &device);
    let hidden = model.forward_shared_prefix(ids.clone(), &cache);
    masked_cross_entropy(model.logits(hidden), ids, mask)
}

/// The part of each example after the shared `prefix`, right-padded with
/// `pad` into `[rows, width]` ids and a loss mask that is 0 on padding.
fn padded_rest(
    batch: &[&TrainingExample],
    prefix: usize,
    pad: u32,
    device: &Device,
) -> (Tensor<2, Int>, Tensor<2>) {
    let rows = batch.len();
    let width = batch
        .iter()
        .map(|ex| ex.ids.len() - prefix)
        .max()
        .unwrap_or(1);
    let mut ids = Vec::with_capacity(rows * width);
    let mut mask = Vec::with_capacity(rows * width);
    for ex in batch {
        for k in prefix..prefix + width {
            ids.push(i64::from(*ex.ids.get(k).unwrap_or(&pad)));
            mask.push(f32::from(u8::from(*ex.loss_mask.get(k).unwrap_or(&false))));
        }
    }
    (
        Tensor::from_data(TensorData::new(ids, [rows, width]), device),
        Tensor::from_data(TensorData::new(mask, [rows, width]), device),
    )
}

/// `classifier.json` of an exported decoder classifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ClassifierFile {
    format: String,
    /// The system message the model was trained with.
    system_prompt: String,
    /// Descriptions are cut to this many tokens.
    max_description_tokens: Option<usize>,
    /// The labels, in the order the model scores them.
    labels: Vec<String>,
}

const FORMAT: &str = "rsolv-decoder-classifier-v1";

/// Writes a self-contained decoder classifier directory that loads with
/// [`DecoderClassifier::load`] (and with Hugging Face transformers):
/// `model.safetensors` (adapters merged, f16, Hugging Face names),
/// `config.json`, `tokenizer.json`, `classifier.json` (system prompt and
/// labels), `adapter.safetensors` (only the LoRA factors), `training.json`.
pub fn export_decoder_classifier(
    fine: &DecoderFineTuned,
    record: &TrainingRecord,
    dir: &Path,
) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(Error::io_at(dir))?;
    save_matching(
        &fine.model,
        DECODER_TRAINABLE,
        &dir.join("adapter.safetensors"),
    )?;
    let merged = fine.merged();
    let mut config = fine.config.clone();
    config.tie_word_embeddings = merged.lm_head.is_none();
    config.attention_dropout = 0.0;
    WeightMap::from_decoder(&merged)?.write_safetensors(
        &dir.join("model.safetensors"),
        true,
        &[("format", "pt"), ("rsolv.format", FORMAT)],
    )?;
    write_json(&dir.join("config.json"), &hf_config_json(&config))?;
    write_json(
        &dir.join(DECODER_CLASSIFIER_FILE),
        &ClassifierFile {
            format: FORMAT.into(),
            system_prompt: fine.prompt.system().to_owned(),
            max_description_tokens: fine.prompt.max_description_tokens(),
            labels: VulnClass::ALL
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
        },
    )?;
    write_json(&dir.join("training.json"), record)?;
    let tokenizer = dir.join("tokenizer.json");
    fine.tokenizer
        .save(&tokenizer, false)
        .map_err(|e| Error::Tokenizer(format!("{}: {e}", tokenizer.display())))?;
    // The system prompt's keys and values, computed once by the exported
    // (f16-rounded) model, so loading need not run the prompt again.
    let exported = DecoderClassifier::load(dir, &crate::default_device())?;
    write_system_cache(dir, &exported)
}

/// The system prompt's keys and values of an export (see
/// [`DecoderClassifier::load`]).
pub const SYSTEM_CACHE_FILE: &str = "system_cache.safetensors";

/// What a system cache was computed from: the model file and the prompt.
fn cache_key(dir: &Path, system: &str) -> Result<String> {
    use sha2::{Digest, Sha256};
    let model = dir.join("model.safetensors");
    let bytes = std::fs::read(&model).map_err(Error::io_at(&model))?;
    let mut hash = Sha256::new();
    hash.update(&bytes);
    hash.update(system.as_bytes());
    Ok(hash.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

fn write_system_cache(dir: &Path, classifier: &DecoderClassifier) -> Result<()> {
    let cache = classifier.system_cache();
    let mut map = WeightMap::new();
    for (i, layer) in cache.layers().iter().enumerate() {
        let Some((k, v)) = layer else { continue };
        for (name, t) in [("keys", k), ("values", v)] {
            let dims = t.dims().to_vec();
            let values = t
                .clone()
                .into_data()
                .try_into_vec_as::<f32>()
                .map_err(|e| Error::TensorData(format!("{e:?}")))?;
            map.insert(format!("layers.{i}.{name}"), dims, values);
        }
    }
    let key = cache_key(dir, classifier.prompt().system())?;
    let len = cache.len().to_string();
    map.write_safetensors(
        &dir.join(SYSTEM_CACHE_FILE),
        false,
        &[("rsolv.cache_key", &key), ("rsolv.positions", &len)],
    )?;
    Ok(())
}

/// The cached system prompt of an export, when its key matches the model
/// and prompt; `None` when there is none or it is stale.
fn read_system_cache(
    dir: &Path,
    system: &str,
    layers: usize,
    device: &Device,
) -> Result<Option<KvCache>> {
    let path = dir.join(SYSTEM_CACHE_FILE);
    if !path.is_file() {
        return Ok(None);
    }
    let meta = WeightMap::read_safetensors_metadata(&path)?;
    let positions = meta
        .get("rsolv.positions")
        .and_then(|p| p.parse::<usize>().ok());
    let (Some(key), Some(positions)) = (meta.get("rsolv.cache_key"), positions) else {
        return Ok(None);
    };
    if *key != cache_key(dir, system)? {
        return Ok(None);
    }
    let mut map = WeightMap::new();
    map.read_safetensors(&path)?;
    let mut kv = Vec::with_capacity(layers);
    for i in 0..layers {
        let tensor = |name: &str| -> Option<Tensor<4>> {
            let (shape, values) = map.get(&format!("layers.{i}.{name}"))?;
            let shape: [usize; 4] = shape.try_into().ok()?;
            Some(Tensor::from_data(
                TensorData::new(values.to_vec(), shape),
                device,
            ))
        };
        match (tensor("keys"), tensor("values")) {
            (Some(k), Some(v)) => kv.push((k, v)),
            _ => return Ok(None),
        }
    }
    Ok(Some(KvCache::from_layers(kv, positions)))
}

/// The config as a Hugging Face `config.json` (with `model_type` and
/// `architectures`, so transformers loads the export too).
fn hf_config_json(config: &DecoderConfig) -> serde_json::Value {
    let granite = config.embedding_multiplier != 1.0
        || config.attention_multiplier.is_some()
        || config.residual_multiplier != 1.0
        || config.logits_scaling != 1.0;
    let (model_type, architecture) = if granite {
        ("granite", "GraniteForCausalLM")
    } else {
        ("llama", "LlamaForCausalLM")
    };
    let mut json = serde_json::to_value(config).unwrap_or_default();
    if let Some(map) = json.as_object_mut() {
        map.retain(|_, v| !v.is_null());
        map.insert("model_type".into(), model_type.into());
        map.insert("architectures".into(), serde_json::json!([architecture]));
        map.insert("torch_dtype".into(), "float16".into());
    }
    json
}

impl DecoderClassifier {
    /// Loads a directory written by [`export_decoder_classifier`]; needs no
    /// base model. The system prompt's keys and values come from
    /// [`SYSTEM_CACHE_FILE`] when it was computed from this very model file
    /// and prompt (a SHA-256 of both); else (none, stale or unreadable) the
    /// prompt is run again.
    pub fn load(dir: &Path, device: &Device) -> Result<Self> {
        let file = dir.join(DECODER_CLASSIFIER_FILE);
        if !file.is_file() {
            return Err(Error::MissingFile { path: file });
        }
        let text = std::fs::read_to_string(&file).map_err(Error::io_at(&file))?;
        let meta: ClassifierFile =
            serde_json::from_str(&text).map_err(Error::json_at(&file, None))?;
        let expected: Vec<&str> = VulnClass::ALL.iter().map(|c| c.as_str()).collect();
        if meta.format != FORMAT || meta.labels != expected {
            return Err(Error::BadModel {
                path: file,
                message: format!(
                    "format `{}` with {} labels; this build reads `{FORMAT}` with the {} taxonomy labels in order",
                    meta.format,
                    meta.labels.len(),
                    expected.len()
                ),
            });
        }
        for file in ["config.json", "model.safetensors", "tokenizer.json"] {
            if !dir.join(file).is_file() {
                return Err(Error::MissingFile {
                    path: dir.join(file),
                });
            }
        }
        let lm = CausalLm::from_hf_dir(dir, device)?;
        let prompt = DecoderPrompt::new(&lm.tokenizer, &meta.system_prompt)?
            .with_max_description_tokens(meta.max_description_tokens);
        let layers = lm.model.num_layers();
        Ok(
            // A missing, stale or unreadable cache is only slower: the
            // prompt runs again.
            match read_system_cache(dir, &meta.system_prompt, layers, device) {
                Ok(Some(cache)) => Self::with_prompt_cache(lm, prompt, cache),
                Ok(None) | Err(_) => Self::with_prompt(lm, prompt),
            },
        )
    }
}

impl crate::LabelScorer for DecoderClassifier {
    fn name(&self) -> &str {
        "decoder-lora"
    }

    /// Probabilities in [`VulnClass::ALL`] order (the taxonomy order); a
    /// finding the tokenizer rejects gets the uniform distribution.
    fn predict_proba(&self, finding: &crate::FindingText) -> Vec<f32> {
        match self.predict(&finding.into()) {
            Ok(p) => p.probabilities,
            Err(_) => uniform(),
        }
    }
}

fn uniform() -> Vec<f32> {
    vec![1.0 / VulnClass::ALL.len() as f32; VulnClass::ALL.len()]
}

/// Loads the adapters of an export's `adapter.safetensors` (or a
/// checkpoint's `trainable.safetensors`) onto a base model prepared with
/// [`apply_decoder_lora`] and the same settings.
pub fn load_decoder_adapter(model: &mut Decoder, path: &Path) -> Result<()> {
    load_matching(model, DECODER_TRAINABLE, path)
}
