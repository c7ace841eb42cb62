//! Metrics over predictions: accuracy, macro-F1, per-label scores, family
//! accuracy, confusion matrix, calibration and abstention.

use rsolv_core::VulnClass;
use serde::Serialize;

use super::EvalOptions;
use crate::{Prediction, Sample};

/// Precision, recall and F1 of one label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelMetrics {
    /// The label.
    pub label: VulnClass,
    /// How many samples have this label.
    pub support: usize,
    /// Of the samples predicted as this label, the share that have it.
    pub precision: f64,
    /// Of the samples with this label, the share predicted as it.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
}

/// A pair of labels the approach confuses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfusedPair {
    /// The correct label.
    pub truth: VulnClass,
    /// What was predicted instead.
    pub predicted: VulnClass,
    /// How often.
    pub count: usize,
}

/// Accuracy and coverage when the approach abstains below a confidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AbstainPoint {
    /// Predictions below this confidence are withheld.
    pub threshold: f32,
    /// The share of samples that still get a prediction.
    pub coverage: f64,
    /// Accuracy on those samples.
    pub accuracy: f64,
}

/// Everything measured for one approach on one data set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApproachReport {
    /// The approach's name.
    pub name: String,
    /// How many samples.
    pub samples: usize,
    /// Share of exact label matches.
    pub accuracy: f64,
    /// Share of samples whose label is among the three best.
    pub top3_accuracy: f64,
    /// Unweighted mean of the per-label F1 over labels with support.
    pub macro_f1: f64,
    /// Share of predictions in the right taxonomy family.
    pub family_accuracy: f64,
    /// Per label, in taxonomy order.
    pub per_label: Vec<LabelMetrics>,
    /// `confusion[truth][predicted]`, taxonomy order.
    pub confusion: Vec<Vec<usize>>,
    /// The most frequent off-diagonal cells.
    pub most_confused: Vec<ConfusedPair>,
    /// Accuracy per sample `source` (`gen:hard`, `dev:hand`, …), as
    /// `(source, samples, accuracy)` sorted by source.
    pub per_source: Vec<(String, usize, f64)>,
    /// Expected calibration error (equal-width confidence bins).
    pub ece: f64,
    /// Mean confidence of the predictions.
    pub mean_confidence: f64,
    /// Coverage and accuracy when abstaining below each threshold.
    pub abstention: Vec<AbstainPoint>,
    /// Median time to classify one finding, in milliseconds.
    pub latency_p50_ms: f64,
    /// 95th percentile of the same.
    pub latency_p95_ms: f64,
    /// Findings per second, batched.
    pub throughput_per_s: f64,
    /// Share of samples whose probabilities were bit-identical in two runs
    /// (`None` when not checked).
    pub determinism_agreement: Option<f64>,
}

pub(super) fn compute(
    name: &str,
    samples: &[Sample],
    predictions: &[Prediction],
    options: &EvalOptions,
) -> ApproachReport {
    let n = VulnClass::ALL.len();
    let mut confusion = vec![vec![0usize; n]; n];
    let (mut correct, mut top3, mut family) = (0usize, 0usize, 0usize);
    for (sample, p) in samples.iter().zip(predictions) {
        confusion[sample.label.index()][p.label.index()] += 1;
        correct += (p.label == sample.label) as usize;
        family += (p.label.family() == sample.label.family()) as usize;
        top3 += p.top_k.iter().take(3).any(|(l, _)| *l == sample.label) as usize;
    }
    let total = samples.len().max(1) as f64;
    let per_label: Vec<LabelMetrics> = VulnClass::ALL
        .iter()
        .map(|&label| {
            let i = label.index();
            let tp = confusion[i][i] as f64;
            let support: usize = confusion[i].iter().sum();
            let predicted: usize = confusion.iter().map(|row| row[i]).sum();
            let precision = ratio(tp, predicted as f64);
            let recall = ratio(tp, support as f64);
            LabelMetrics {
                label,
                support,
                precision,
                recall,
                f1: ratio(2.0 * precision * recall, precision + recall),
            }
        })
        .collect();
    let supported: Vec<&LabelMetrics> = per_label.iter().filter(|m| m.support > 0).collect();
    let macro_f1 = ratio(supported.iter().map(|m| m.f1).sum(), supported.len() as f64);
    let mut most_confused: Vec<ConfusedPair> = Vec::new();
    for (t, row) in confusion.iter().enumerate() {
        for (p, &count) in row.iter().enumerate() {
            if t != p && count > 0 {
                most_confused.push(ConfusedPair {
                    truth: VulnClass::ALL[t],
                    predicted: VulnClass::ALL[p],
                    count,
                });
            }
        }
    }
    most_confused.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(a.truth.cmp(&b.truth))
            .then(a.predicted.cmp(&b.predicted))
    });
    most_confused.truncate(options.confused_pairs);
    let mut by_source: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
    for (sample, p) in samples.iter().zip(predictions) {
        let entry = by_source.entry(sample.source.as_str()).or_default();
        entry.0 += 1;
        entry.1 += (p.label == sample.label) as usize;
    }
    let per_source = by_source
        .into_iter()
        .map(|(source, (n, ok))| (source.to_owned(), n, ok as f64 / n as f64))
        .collect();
    let outcomes: Vec<(f32, bool)> = samples
        .iter()
        .zip(predictions)
        .map(|(s, p)| (p.confidence, p.label == s.label))
        .collect();
    ApproachReport {
        name: name.to_owned(),
        samples: samples.len(),
        accuracy: correct as f64 / total,
        top3_accuracy: top3 as f64 / total,
        macro_f1,
        family_accuracy: family as f64 / total,
        per_label,
        confusion,
        most_confused,
        per_source,
        ece: expected_calibration_error(&outcomes, options.calibration_bins),
        mean_confidence: outcomes.iter().map(|(c, _)| f64::from(*c)).sum::<f64>() / total,
        abstention: options
            .abstain_thresholds
            .iter()
            .map(|&threshold| abstain(&outcomes, threshold))
            .collect(),
        latency_p50_ms: 0.0,
        latency_p95_ms: 0.0,
        throughput_per_s: 0.0,
        determinism_agreement: None,
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}

/// ECE: the sample-weighted mean gap between confidence and accuracy over
/// equal-width confidence bins (Guo et al., 2017).
pub(super) fn expected_calibration_error(outcomes: &[(f32, bool)], bins: usize) -> f64 {
    let bins = bins.max(1);
    let mut sums = vec![(0usize, 0f64, 0usize); bins];
    for &(confidence, correct) in outcomes {
        let b = ((f64::from(confidence) * bins as f64) as usize).min(bins - 1);
        sums[b].0 += 1;
        sums[b].1 += f64::from(confidence);
        sums[b].2 += correct as usize;
    }
    let total = outcomes.len().max(1) as f64;
    sums.iter()
        .filter(|(count, _, _)| *count > 0)
        .map(|&(count, conf, hits)| {
            let c = count as f64;
            (c / total) * (conf / c - hits as f64 / c).abs()
        })
        .sum()
}

fn abstain(outcomes: &[(f32, bool)], threshold: f32) -> AbstainPoint {
    let kept: Vec<&(f32, bool)> = outcomes.iter().filter(|(c, _)| *c >= threshold).collect();
    AbstainPoint {
        threshold,
        coverage: ratio(kept.len() as f64, outcomes.len() as f64),
        accuracy: ratio(
            kept.iter().filter(|(_, ok)| *ok).count() as f64,
            kept.len() as f64,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(label: VulnClass) -> Sample {
        Sample {
            id: String::new(),
            title: String::new(),
            description: String::new(),
            filename: String::new(),
            label,
            source: String::new(),
        }
    }

    fn predict(label: VulnClass, confidence: f32) -> Prediction {
        Prediction {
            label,
            confidence,
            top_k: vec![(label, confidence)],
            probabilities: Vec::new(),
        }
    }

    #[test]
    fn metrics_of_a_small_case() {
        let samples = [
            sample(VulnClass::Sqli),
            sample(VulnClass::Sqli),
            sample(VulnClass::Xss),
            sample(VulnClass::WeakHash),
        ];
        let predictions = [
            predict(VulnClass::Sqli, 0.9),
            predict(VulnClass::NosqlInjection, 0.6),
            predict(VulnClass::Xss, 0.8),
            predict(VulnClass::WeakCrypto, 0.4),
        ];
        let r = compute("t", &samples, &predictions, &EvalOptions::default());
        assert_eq!(r.accuracy, 0.5);
        // sqli→nosql stays in the injection family, weak_hash→weak_crypto in
        // crypto_secrets.
        assert_eq!(r.family_accuracy, 1.0);
        let sqli = &r.per_label[VulnClass::Sqli.index()];
        assert_eq!((sqli.precision, sqli.recall), (1.0, 0.5));
        // Three labels with support: sqli F1 2/3, xss 1, weak_hash 0.
        assert!((r.macro_f1 - (2.0 / 3.0 + 1.0) / 3.0).abs() < 1e-9);
        assert_eq!(r.most_confused.len(), 2);
        assert_eq!(r.per_source, vec![(String::new(), 4, 0.5)]);
        let half = r
            .abstention
            .iter()
            .find(|a| a.threshold == 0.5)
            .expect("0.5");
        assert_eq!((half.coverage, half.accuracy), (0.75, 2.0 / 3.0));
    }

    #[test]
    fn ece_of_perfect_calibration_is_zero() {
        let outcomes = [(1.0, true), (1.0, true), (0.05, false)];
        assert!(expected_calibration_error(&outcomes, 10) < 0.06);
        let overconfident = [(1.0, false), (1.0, false)];
        assert_eq!(expected_calibration_error(&overconfident, 10), 1.0);
    }
}
