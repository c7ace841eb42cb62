//! Accuracy of a [`Classifier`] on labelled findings.

use crate::FindingText;
use crate::Result;
use crate::encoder::classifier::Classifier;
use crate::encoder::examples::LabeledFinding;

/// How a classifier did on a labelled set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EvalReport {
    /// Number of examples.
    pub examples: usize,
    /// Top-1 accuracy.
    pub accuracy: f64,
    /// Share of examples whose label is among the top 3.
    pub top3_accuracy: f64,
    /// Unweighted mean F1 over the labels that occur in the set.
    pub macro_f1: f64,
}

/// Classifies `examples` and scores the predictions.
pub fn evaluate_classifier(
    classifier: &Classifier,
    examples: &[LabeledFinding],
) -> Result<EvalReport> {
    let findings: Vec<FindingText> = examples.iter().map(|e| e.finding.clone()).collect();
    let predictions = classifier.classify_batch(&findings)?;
    let n = examples.len().max(1) as f64;
    let mut correct = 0usize;
    let mut top3 = 0usize;
    let labels = classifier.labels();
    let (mut tp, mut fp, mut fn_) = (
        vec![0usize; labels.len()],
        vec![0usize; labels.len()],
        vec![0usize; labels.len()],
    );
    let index = |l| labels.iter().position(|x| *x == l);
    for (example, prediction) in examples.iter().zip(&predictions) {
        if prediction.label == example.label {
            correct += 1;
            if let Some(i) = index(example.label) {
                tp[i] += 1;
            }
        } else {
            if let Some(i) = index(prediction.label) {
                fp[i] += 1;
            }
            if let Some(i) = index(example.label) {
                fn_[i] += 1;
            }
        }
        if prediction
            .top_k
            .iter()
            .take(3)
            .any(|(l, _)| *l == example.label)
        {
            top3 += 1;
        }
    }
    let f1s: Vec<f64> = (0..labels.len())
        .filter(|&i| tp[i] + fn_[i] > 0)
        .map(|i| 2.0 * tp[i] as f64 / (2 * tp[i] + fp[i] + fn_[i]) as f64)
        .collect();
    Ok(EvalReport {
        examples: examples.len(),
        accuracy: correct as f64 / n,
        top3_accuracy: top3 as f64 / n,
        macro_f1: f1s.iter().sum::<f64>() / f1s.len().max(1) as f64,
    })
}
