//! The Classifier API on the tiny BERT.

use rsolv_classify::{FindingText, TOP_K};

use super::{finding, tiny_classifier};

fn findings() -> Vec<FindingText> {
    vec![
        finding(
            "sql injection",
            "user input reaches the raw query",
            "app/db.py",
        ),
        finding("cross site scripting", "html response", "server.js"),
        finding("hard coded password", "secret key in src main", "main.java"),
        finding(
            "open redirect",
            "redirect to a user url from the request",
            "handler.go",
        ),
        finding("x", "", ""),
    ]
}

fn assert_close(a: &[f32], b: &[f32], tolerance: f32) {
    let worst = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max);
    assert!(worst <= tolerance, "probabilities differ by {worst}");
}

#[test]
fn predictions_are_well_formed() {
    let classifier = tiny_classifier(1);
    let prediction = classifier.classify(&findings()[0]).expect("classifies");
    assert_eq!(prediction.probabilities.len(), 54);
    let total: f32 = prediction.probabilities.iter().sum();
    assert!((total - 1.0).abs() < 1e-4, "sum {total}");
    assert_eq!(prediction.top_k.len(), TOP_K);
    assert_eq!(
        prediction.top_k[0],
        (prediction.label, prediction.confidence)
    );
    assert!(prediction.top_k.windows(2).all(|w| w[0].1 >= w[1].1));
}

#[test]
fn deterministic_across_runs_and_batch_sizes() {
    let findings = findings();
    let first = tiny_classifier(7);
    let second = tiny_classifier(7);
    let all = first.classify_batch(&findings).expect("batch");
    let again = second.classify_batch(&findings).expect("batch");
    for (a, b) in all.iter().zip(&again) {
        assert_eq!(a.label, b.label);
        assert_eq!(a.probabilities, b.probabilities, "same seed, same numbers");
    }
    for (i, f) in findings.iter().enumerate() {
        let one = first.classify(f).expect("single");
        assert_eq!(one.label, all[i].label);
        assert_close(&one.probabilities, &all[i].probabilities, 1e-5);
    }
    let pairs: Vec<_> = findings
        .chunks(2)
        .flat_map(|c| first.classify_batch(c).expect("pairs"))
        .collect();
    for (a, b) in pairs.iter().zip(&all) {
        assert_eq!(a.label, b.label);
        assert_close(&a.probabilities, &b.probabilities, 1e-5);
    }
}
