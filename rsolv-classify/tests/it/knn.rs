//! The nearest-neighbour scorer on the tiny BERT, and the fine-tuned
//! classifier as a [`LabelScorer`].

use rsolv_classify::burn::tensor::Device;
use rsolv_classify::{EvalOptions, KnnScorer, KnnSettings, LABELS, LabelScorer, Sample, evaluate};

use super::{finding, tiny_classifier, tiny_dir, tiny_training_set};

fn samples() -> Vec<Sample> {
    tiny_training_set()
        .into_iter()
        .map(|l| Sample {
            id: l.id,
            title: l.finding.title,
            description: l.finding.description,
            filename: l.finding.filename,
            label: l.label,
            source: "test".into(),
        })
        .collect()
}

fn build(settings: KnnSettings, cache: Option<&std::path::Path>) -> KnnScorer {
    KnnScorer::build(&tiny_dir(), &samples(), settings, cache, &Device::flex())
        .expect("index builds")
}

#[test]
fn a_labeled_finding_is_its_own_nearest_neighbour() {
    let knn = build(
        KnnSettings {
            k: 1,
            ..KnnSettings::default()
        },
        None,
    );
    assert_eq!(knn.len(), samples().len());
    for sample in samples() {
        let p = knn.predict_proba(&sample.text());
        assert_eq!(p.len(), LABELS.len());
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-4);
        assert!(p.iter().all(|&x| x > 0.0), "smoothing keeps every label");
        let best = rsolv_classify::Prediction::from_probabilities(&p, 1).label;
        assert_eq!(best, sample.label, "{}", sample.title);
    }
}

#[test]
fn batched_and_single_predictions_agree() {
    let knn = build(KnnSettings::default(), None);
    let texts: Vec<_> = samples().iter().map(Sample::text).collect();
    let batched = knn.predict_proba_batch(&texts);
    for (text, row) in texts.iter().zip(&batched) {
        let single = knn.predict_proba(text);
        let worst = single
            .iter()
            .zip(row)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(worst < 1e-3, "differ by {worst}");
    }
}

#[test]
fn embeddings_are_cached_by_content() {
    let dir = tempfile::tempdir().expect("temp dir");
    let first = build(KnnSettings::default(), Some(dir.path()));
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .expect("cache dir")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].extension().is_some_and(|e| e == "emb"));
    let probe = finding("sql injection in raw query", "user input", "db.py");
    let second = build(KnnSettings::default(), Some(dir.path()));
    assert_eq!(first.predict_proba(&probe), second.predict_proba(&probe));
    // Another truncation length is another key.
    build(
        KnnSettings {
            max_len: 16,
            ..KnnSettings::default()
        },
        Some(dir.path()),
    );
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 2);
}

#[test]
fn invalid_settings_are_rejected() {
    let result = KnnScorer::build(
        &tiny_dir(),
        &samples(),
        KnnSettings {
            k: 0,
            ..KnnSettings::default()
        },
        None,
        &Device::flex(),
    );
    assert!(result.is_err());
    assert!(
        KnnScorer::build(
            &tiny_dir(),
            &[],
            KnnSettings::default(),
            None,
            &Device::flex()
        )
        .is_err()
    );
}

#[test]
fn the_classifier_runs_in_the_evaluation_harness() {
    let classifier = tiny_classifier(3);
    assert_eq!(LabelScorer::name(&classifier), "minilm-lora");
    let report = evaluate(&classifier, &samples(), &EvalOptions::default());
    assert_eq!(report.samples, samples().len());
    let p = classifier.predict_proba(&samples()[0].text());
    assert_eq!(p.len(), LABELS.len());
    assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-4);
}
