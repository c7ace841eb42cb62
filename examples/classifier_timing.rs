//! Time the classifier on this machine: batch-1 latency, batched
//! throughput, and (with `--compare-backends`) matmul and encoder speed on
//! burn's `flex` and `ndarray` CPU backends.
//!
//! ```sh
//! cargo run --release --example classifier_timing -- --model models/minilm-lora
//! cargo run --release --example classifier_timing -- --base <minilm-dir> --compare-backends
//! cargo run --release --example classifier_timing -- --base <minilm-dir> --data rsolv-classify/data/dev.jsonl
//! ```
//!
//! `--model` is an exported classifier directory; `--base` a Hugging Face
//! MiniLM directory, timed with an untrained head (same cost).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::bail;
use clap::Parser;
use rsolv::classify::burn::tensor::Device;
use rsolv::classify::{
    Classifier, ClassifierModel, FindingText, LABELS, backend_name, default_device,
    load_pretrained, read_jsonl,
};

#[derive(Debug, Parser)]
struct Args {
    /// Exported classifier directory.
    #[arg(long)]
    model: Option<PathBuf>,
    /// Hugging Face MiniLM directory (timed with an untrained head).
    #[arg(long)]
    base: Option<PathBuf>,
    /// Batch-1 calls to time.
    #[arg(long, default_value_t = 100)]
    runs: usize,
    /// Findings in the throughput run.
    #[arg(long, default_value_t = 512)]
    findings: usize,
    /// Also compare the flex and ndarray backends.
    #[arg(long)]
    compare_backends: bool,
    /// Time on the findings of this labeled JSONL set (e.g. the crate's
    /// data/dev.jsonl, cycled) instead of the built-in synthetic ones.
    #[arg(long)]
    data: Option<PathBuf>,
}

fn findings(args: &Args, n: usize) -> anyhow::Result<Vec<FindingText>> {
    if let Some(path) = &args.data {
        let samples = read_jsonl(path)?;
        if samples.is_empty() {
            bail!("{} holds no findings", path.display());
        }
        return Ok((0..n).map(|i| samples[i % samples.len()].text()).collect());
    }
    Ok(synthetic_findings(n))
}

fn synthetic_findings(n: usize) -> Vec<FindingText> {
    let kinds = [
        (
            "SQL injection",
            "User-controlled input from the request is concatenated into a SQL query string and executed without parameters, allowing an attacker to read or modify the database.",
            "app/models/user.py",
        ),
        (
            "Cross-site scripting",
            "The search term is written into the HTML response without escaping, so a crafted link can run script in the victim's browser.",
            "src/views/search.js",
        ),
        (
            "Hard-coded credential",
            "An API secret key is committed in the source file and deployed with the application; anyone with read access to the repository can use it.",
            "config/settings.go",
        ),
        (
            "Path traversal",
            "A file name taken from the query string is joined to the uploads directory without normalisation, so ../ sequences read arbitrary files.",
            "lib/files/download.rb",
        ),
    ];
    (0..n)
        .map(|i| {
            let (title, description, filename) = kinds[i % kinds.len()];
            FindingText {
                title: format!("{title} #{i}"),
                description: description.repeat(1 + i % 3),
                filename: filename.to_owned(),
            }
        })
        .collect()
}

fn load(args: &Args, device: &Device) -> anyhow::Result<Classifier> {
    if let Some(dir) = &args.model {
        return Ok(Classifier::load_on(dir, device)?);
    }
    let Some(base) = &args.base else {
        bail!("give --model or --base");
    };
    let pretrained = load_pretrained(base, 128, device)?;
    let model = ClassifierModel::new(pretrained.encoder, LABELS.len(), 0.0, device);
    Ok(Classifier::from_parts(
        model,
        pretrained.text,
        LABELS.to_vec(),
        device.clone(),
    ))
}

fn time_classifier(name: &str, classifier: &Classifier, args: &Args) -> anyhow::Result<()> {
    let one = findings(args, args.runs)?;
    for f in one.iter().take(5) {
        classifier.classify(f)?;
    }
    let mut times: Vec<f64> = one
        .iter()
        .map(|f| {
            let t = Instant::now();
            classifier
                .classify(f)
                .map(|_| t.elapsed().as_secs_f64() * 1e3)
        })
        .collect::<Result<_, _>>()?;
    times.sort_by(f64::total_cmp);
    let p = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    let tokens: Vec<usize> = one
        .iter()
        .map(|f| {
            classifier
                .text_encoder()
                .token_ids(&f.model_text())
                .map(|t| t.len())
        })
        .collect::<Result<_, _>>()?;
    let mean_tokens = tokens.iter().sum::<usize>() as f64 / tokens.len() as f64;
    println!(
        "[{name}] batch 1: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms over {} findings (mean {:.0} tokens)",
        p(0.5),
        p(0.9),
        p(0.99),
        times.len(),
        mean_tokens
    );
    let many = findings(args, args.findings)?;
    let t = Instant::now();
    classifier.classify_batch(&many)?;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "[{name}] batched: {} findings in {:.2} s = {:.0} findings/s",
        many.len(),
        secs,
        many.len() as f64 / secs
    );
    Ok(())
}

fn matmul_gflops(device: &Device) -> f64 {
    use rsolv::classify::burn::tensor::{Distribution, Tensor};
    let n = 512;
    let a = Tensor::<2>::random([n, n], Distribution::Default, device);
    let b = Tensor::<2>::random([n, n], Distribution::Default, device);
    let _ = a.clone().matmul(b.clone()).into_data();
    let reps = 20;
    let t = Instant::now();
    for _ in 0..reps {
        let _ = a.clone().matmul(b.clone()).into_data();
    }
    2.0 * (n * n * n) as f64 * reps as f64 / t.elapsed().as_secs_f64() / 1e9
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.compare_backends {
        #[allow(deprecated)]
        let devices = [("flex", Device::flex()), ("ndarray", Device::ndarray())];
        for (name, device) in devices {
            println!(
                "[{name}] matmul 512x512: {:.1} GFLOP/s",
                matmul_gflops(&device)
            );
            let classifier = load(&args, &device)?;
            time_classifier(name, &classifier, &args)?;
        }
        return Ok(());
    }
    let device = default_device();
    let classifier = load(&args, &device)?;
    time_classifier(backend_name(), &classifier, &args)
}
