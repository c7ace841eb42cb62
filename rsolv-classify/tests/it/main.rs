//! Integration tests of rsolv-classify (one binary, see STYLE.md).
//!
//! The CI tests use `tests/fixtures/parity/bert-tiny`, a 2-layer,
//! 32-wide BERT written by `scripts/make_parity_fixtures.py`, so they run
//! in a debug build in seconds. Tests needing the real MiniLM are
//! `#[ignore]`d and explain how to get it.

mod baselines;
mod classifier;
mod data;
mod decoder;
mod finetune;
mod knn;
mod parity;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rsolv_classify::burn::tensor::Device;
use rsolv_classify::{
    Classifier, ClassifierModel, FindingText, LABELS, LabeledFinding, VulnClass, load_pretrained,
};

/// The tiny BERT fixture directory.
pub(crate) fn tiny_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/parity/bert-tiny")
}

/// burn's device RNG is process-wide: tests that seed it and draw from it
/// hold this lock so parallel tests cannot interleave draws.
pub(crate) fn rng_lock() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A classifier on the tiny BERT with a head seeded by `seed`.
pub(crate) fn tiny_classifier(seed: u64) -> Classifier {
    let _rng = rng_lock();
    let device = Device::flex();
    device.seed(seed);
    let base = load_pretrained(&tiny_dir(), 64, &device).expect("tiny fixture loads");
    let model = ClassifierModel::new(base.encoder, LABELS.len(), 0.0, &device);
    Classifier::from_parts(model, base.text, LABELS.to_vec(), device)
}

pub(crate) fn finding(title: &str, description: &str, filename: &str) -> FindingText {
    FindingText {
        title: title.into(),
        description: description.into(),
        filename: filename.into(),
    }
}

/// A small training set in the tiny fixture's vocabulary.
pub(crate) fn tiny_training_set() -> Vec<LabeledFinding> {
    let rows = [
        (
            "sql injection",
            "user input reaches the raw query",
            "app/db.py",
            VulnClass::Sqli,
        ),
        (
            "raw sql query",
            "request input in the query",
            "src/main.go",
            VulnClass::Sqli,
        ),
        (
            "cross site scripting",
            "user input in the html response",
            "app.js",
            VulnClass::Xss,
        ),
        (
            "xss in html",
            "the response reaches html",
            "server.js",
            VulnClass::Xss,
        ),
        (
            "hard coded password",
            "secret key in the file",
            "src/main.java",
            VulnClass::HardcodedSecret,
        ),
        (
            "hard coded token",
            "password and secret token",
            "app.rb",
            VulnClass::HardcodedSecret,
        ),
        (
            "command injection",
            "user input reaches os shell exec",
            "handler.py",
            VulnClass::CommandInjection,
        ),
        (
            "open redirect",
            "redirect to user url",
            "server.go",
            VulnClass::OpenRedirect,
        ),
    ];
    rows.iter()
        .enumerate()
        .map(
            |(i, (title, description, filename, label))| LabeledFinding {
                id: i.to_string(),
                finding: finding(title, description, filename),
                label: *label,
            },
        )
        .collect()
}
