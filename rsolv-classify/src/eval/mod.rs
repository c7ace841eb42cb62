//! The evaluation harness: run any [`LabelScorer`] over a labeled set and
//! measure accuracy, macro-F1, per-label precision/recall/F1, family
//! accuracy, the confusion matrix and its most-confused pairs, latency,
//! throughput, determinism and calibration; report several approaches side
//! by side as Markdown, JSON and SVG heatmaps.

mod metrics;
mod report;
mod scorer;
mod svg;

use std::time::Instant;

use crate::{Prediction, Sample};
pub use metrics::{AbstainPoint, ApproachReport, ConfusedPair, LabelMetrics};
pub use report::{ComparisonReport, markdown};
pub use scorer::{LabelScorer, softmax};
pub use svg::confusion_svg;

/// What to measure besides accuracy.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalOptions {
    /// Run everything twice and compare (determinism).
    pub check_determinism: bool,
    /// Confidence thresholds for the abstention table.
    pub abstain_thresholds: Vec<f32>,
    /// Bins of the expected calibration error.
    pub calibration_bins: usize,
    /// How many most-confused pairs to list.
    pub confused_pairs: usize,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions {
            check_determinism: true,
            abstain_thresholds: vec![0.3, 0.5, 0.7, 0.9],
            calibration_bins: 10,
            confused_pairs: 10,
        }
    }
}

/// Evaluate one approach on `samples`.
pub fn evaluate(
    scorer: &dyn LabelScorer,
    samples: &[Sample],
    options: &EvalOptions,
) -> ApproachReport {
    let texts: Vec<_> = samples.iter().map(Sample::text).collect();
    // Latency: one finding at a time, as the CLI classifies.
    let mut latencies_ms = Vec::with_capacity(texts.len());
    let mut probabilities = Vec::with_capacity(texts.len());
    for text in &texts {
        let start = Instant::now();
        probabilities.push(scorer.predict_proba(text));
        latencies_ms.push(start.elapsed().as_secs_f64() * 1e3);
    }
    // Throughput and determinism: the whole set again, batched.
    let start = Instant::now();
    let second = scorer.predict_proba_batch(&texts);
    let batch_seconds = start.elapsed().as_secs_f64();
    let predictions: Vec<Prediction> = probabilities
        .iter()
        .map(|p| Prediction::from_probabilities(p, 3))
        .collect();
    let agreement = if options.check_determinism {
        let same = probabilities
            .iter()
            .zip(&second)
            .filter(|(a, b)| a == b)
            .count();
        Some(same as f64 / samples.len().max(1) as f64)
    } else {
        None
    };
    let mut report = metrics::compute(scorer.name(), samples, &predictions, options);
    latencies_ms.sort_by(f64::total_cmp);
    report.latency_p50_ms = percentile(&latencies_ms, 0.50);
    report.latency_p95_ms = percentile(&latencies_ms, 0.95);
    report.throughput_per_s = if batch_seconds > 0.0 {
        samples.len() as f64 / batch_seconds
    } else {
        0.0
    };
    report.determinism_agreement = agreement;
    report
}

/// The `q` quantile of sorted values (nearest rank).
fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_nearest_rank() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile(&v, 0.5), 2.0);
        assert_eq!(percentile(&v, 0.95), 4.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
    }
}
