//! Dev-set floors for the baselines, so a change to the generator, the
//! features or the bundled model that costs accuracy fails CI.

use std::path::Path;

use rsolv_classify::{EvalOptions, KeywordScorer, NgramModel, evaluate, read_jsonl};

fn dev() -> Vec<rsolv_classify::Sample> {
    read_jsonl(&Path::new(env!("CARGO_MANIFEST_DIR")).join("data/dev.jsonl")).expect("dev.jsonl")
}

fn options() -> EvalOptions {
    EvalOptions {
        check_determinism: true,
        ..EvalOptions::default()
    }
}

#[test]
fn bundled_ngram_model_on_dev() {
    let model = NgramModel::bundled().expect("bundled model");
    let report = evaluate(&model, &dev(), &options());
    // Measured: accuracy 90.3%, macro-F1 0.904, family accuracy 93.3%.
    assert!(report.accuracy >= 0.88, "accuracy {}", report.accuracy);
    assert!(report.macro_f1 >= 0.88, "macro-F1 {}", report.macro_f1);
    assert!(
        report.family_accuracy >= 0.91,
        "family {}",
        report.family_accuracy
    );
    assert_eq!(report.determinism_agreement, Some(1.0));
    assert!(report.ece < 0.15, "ECE {}", report.ece);
}

#[test]
fn keyword_baseline_on_dev() {
    let scorer = KeywordScorer::new().expect("keyword scorer");
    let report = evaluate(&scorer, &dev(), &options());
    // Measured: accuracy 68.1%, macro-F1 0.687.
    assert!(report.accuracy >= 0.65, "accuracy {}", report.accuracy);
    assert_eq!(report.determinism_agreement, Some(1.0));
}
