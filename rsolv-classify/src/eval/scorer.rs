//! The interface every classification approach implements.

use crate::{FindingText, Prediction};

/// Anything that turns a finding into a probability for each label.
///
/// Probabilities are in [`rsolv_core::VulnClass::ALL`] order and sum to 1
/// (up to rounding). The keyword and n-gram baselines implement it; the
/// neural classifiers plug into the evaluation harness by implementing it
/// too.
pub trait LabelScorer {
    /// A short name for reports (`keyword`, `ngram`, `minilm-lora`).
    fn name(&self) -> &str;

    /// The label probabilities of one finding.
    fn predict_proba(&self, finding: &FindingText) -> Vec<f32>;

    /// The label probabilities of many findings. The default calls
    /// [`LabelScorer::predict_proba`] for each; batched models override it.
    fn predict_proba_batch(&self, findings: &[FindingText]) -> Vec<Vec<f32>> {
        findings.iter().map(|f| self.predict_proba(f)).collect()
    }

    /// The best label with its confidence and the `k` best labels.
    fn predict(&self, finding: &FindingText, k: usize) -> Prediction {
        Prediction::from_probabilities(&self.predict_proba(finding), k)
    }
}

/// Turn raw scores into probabilities (numerically stable softmax).
pub fn softmax(scores: &mut [f32]) {
    let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for s in scores.iter_mut() {
        *s = (*s - max).exp();
        sum += *s;
    }
    if sum > 0.0 {
        for s in scores.iter_mut() {
            *s /= sum;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_sums_to_one() {
        let mut scores = vec![1.0, 2.0, 1000.0];
        softmax(&mut scores);
        assert!((scores.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!(scores[2] > 0.99);
    }
}
