//! `rsolv dataset`: the classifier's labeled data.
//!
//! `generate` writes the seeded synthetic training set (optionally merged
//! with users' own labeled JSONL and balanced per label); `validate`
//! checks JSONL files and prints their label counts; `train-ngram` trains
//! the hashed n-gram baseline.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Subcommand;
use rsolv_classify::{
    FeatureConfig, GeneratorConfig, NGRAM_FILE, NgramModel, NgramTrainConfig, Sample, balance,
    generate, label_counts, read_jsonl,
};
use serde_json::json;

use crate::{GlobalArgs, Io, Status, output};

/// `rsolv dataset ...`
#[derive(Debug, Subcommand)]
pub enum DatasetCommand {
    /// Write the synthetic training set: `--per-label` findings for each of
    /// the 54 labels, the same bytes for the same `--seed`.
    Generate {
        /// The JSONL file to write.
        #[arg(long, short)]
        out: PathBuf,
        /// Samples per label.
        #[arg(long, default_value_t = 100)]
        per_label: usize,
        /// The random seed.
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Your own labeled JSONL files to add (validated; `title` and
        /// `label` required).
        #[arg(long)]
        extra: Vec<PathBuf>,
        /// After adding --extra, cap or upsample every label to exactly
        /// this many samples.
        #[arg(long)]
        balance: Option<usize>,
    },
    /// Train the hashed n-gram model on labeled JSONL and save it as
    /// `DIR/ngram.bin` (deterministic for the same data and seed).
    TrainNgram {
        /// Training JSONL files.
        #[arg(long, required = true)]
        data: Vec<PathBuf>,
        /// The model directory to write.
        #[arg(long, short)]
        out: PathBuf,
        /// Passes over the data.
        #[arg(long, default_value_t = 8)]
        epochs: usize,
        /// log2 of the number of hash buckets.
        #[arg(long, default_value_t = 18)]
        buckets_log2: u8,
        /// Shuffling seed.
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Fit the softmax temperature on these held-out labeled JSONL
        /// files (findings like the ones you will classify, never the
        /// training data). Without it the temperature stays 1. Generated
        /// findings are a poor choice: the model is nearly perfect on them,
        /// so the fit sharpens every confidence to ~1.
        #[arg(long)]
        calibrate_on: Vec<PathBuf>,
    },
    /// Check labeled JSONL files and count their labels.
    Validate {
        /// The JSONL files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

pub(crate) fn run(
    global: &GlobalArgs,
    command: DatasetCommand,
    io: &mut Io<'_>,
) -> anyhow::Result<Status> {
    match command {
        DatasetCommand::Generate {
            out,
            per_label,
            seed,
            extra,
            balance: per_label_after,
        } => {
            let mut samples = generate(&GeneratorConfig { per_label, seed })?;
            for path in &extra {
                samples.extend(read_jsonl(path)?);
            }
            if let Some(n) = per_label_after {
                samples = balance(samples, n, seed);
            }
            let text = rsolv_classify::to_jsonl_string(&samples);
            rsolv_rules::write_atomically(&out, &text)
                .with_context(|| format!("cannot write {}", out.display()))?;
            summary(global, io, &out, &samples)
        }
        DatasetCommand::TrainNgram {
            data,
            out,
            epochs,
            buckets_log2,
            seed,
            calibrate_on,
        } => {
            let mut samples = Vec::new();
            for path in &data {
                samples.extend(read_jsonl(path)?);
            }
            let config = NgramTrainConfig {
                features: FeatureConfig {
                    buckets_log2,
                    ..FeatureConfig::default()
                },
                epochs,
                seed,
                ..NgramTrainConfig::default()
            };
            let start = std::time::Instant::now();
            let mut model = NgramModel::train(&samples, &config)?;
            if !calibrate_on.is_empty() {
                let mut held_out = Vec::new();
                for path in &calibrate_on {
                    held_out.extend(read_jsonl(path)?);
                }
                model.calibrate(&held_out);
            }
            let seconds = start.elapsed().as_secs_f64();
            model.save(&out)?;
            let bytes = std::fs::metadata(out.join(NGRAM_FILE))?.len();
            if global.json {
                output::json(
                    io.out,
                    &json!({
                        "model": out.join(NGRAM_FILE),
                        "samples": samples.len(),
                        "used_buckets": model.used_buckets(),
                        "bytes": bytes,
                        "train_seconds": seconds,
                        "temperature": model.temperature(),
                    }),
                )?;
            } else {
                writeln!(
                    io.out,
                    "trained on {} samples in {seconds:.1} s: {} ({} bytes, {} buckets used, temperature {:.2})",
                    samples.len(),
                    out.join(NGRAM_FILE).display(),
                    bytes,
                    model.used_buckets(),
                    model.temperature()
                )?;
            }
            Ok(Status::Success)
        }
        DatasetCommand::Validate { files } => {
            let mut all = Vec::new();
            for path in &files {
                all.extend(read_jsonl(path)?);
            }
            let name = files
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ");
            summary(global, io, &PathBuf::from(name), &all)
        }
    }
}

fn summary(
    global: &GlobalArgs,
    io: &mut Io<'_>,
    path: &std::path::Path,
    samples: &[Sample],
) -> anyhow::Result<Status> {
    let counts = label_counts(samples);
    if global.json {
        let labels: serde_json::Map<String, serde_json::Value> = counts
            .iter()
            .map(|(label, n)| (label.to_string(), json!(n)))
            .collect();
        output::json(
            io.out,
            &json!({ "file": path, "samples": samples.len(), "labels": labels }),
        )?;
    } else {
        let missing: Vec<String> = counts
            .iter()
            .filter(|(_, n)| *n == 0)
            .map(|(label, _)| label.to_string())
            .collect();
        writeln!(
            io.out,
            "{}: {} samples, {} labels{}",
            path.display(),
            samples.len(),
            counts.len() - missing.len(),
            if missing.is_empty() {
                String::new()
            } else {
                format!(" (none for: {})", missing.join(", "))
            }
        )?;
    }
    Ok(Status::Success)
}
