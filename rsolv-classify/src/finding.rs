//! What the classifier reads and what it answers.

use rsolv_core::VulnClass;
use serde::{Deserialize, Serialize};

/// The text of one security finding, as a scanner or reviewer wrote it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingText {
    /// A one-line summary (a scanner's rule id or a review comment's title).
    pub title: String,
    /// The longer explanation.
    #[serde(default)]
    pub description: String,
    /// The file the finding is about (a path; may be empty).
    #[serde(default)]
    pub filename: String,
}

impl FindingText {
    /// A finding from its three parts.
    pub fn new(
        title: impl Into<String>,
        description: impl Into<String>,
        filename: impl Into<String>,
    ) -> Self {
        FindingText {
            title: title.into(),
            description: description.into(),
            filename: filename.into(),
        }
    }

    /// The text a neural model reads: title, file name and description on
    /// separate lines (tokenizers truncate the tail, so the description
    /// goes last).
    pub fn model_text(&self) -> String {
        format!("{}\n{}\n{}", self.title, self.filename, self.description)
    }
}

/// A classifier's answer for one finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// The most probable label.
    pub label: VulnClass,
    /// Its probability, in `[0, 1]`.
    pub confidence: f32,
    /// The `k` most probable labels with their probabilities, best first
    /// (the first entry is `label`).
    pub top_k: Vec<(VulnClass, f32)>,
    /// The probability of every label, in [`VulnClass::ALL`] order.
    #[serde(default)]
    pub probabilities: Vec<f32>,
}

impl Prediction {
    /// The prediction for a probability vector over [`VulnClass::ALL`]
    /// order, keeping the `k` best labels. Ties go to the earlier label.
    ///
    /// # Panics
    ///
    /// If `probs` is not one entry per label.
    pub fn from_probabilities(probs: &[f32], k: usize) -> Prediction {
        assert_eq!(
            probs.len(),
            VulnClass::ALL.len(),
            "one probability per label"
        );
        let mut order: Vec<usize> = (0..probs.len()).collect();
        order.sort_by(|&a, &b| probs[b].total_cmp(&probs[a]).then(a.cmp(&b)));
        let top_k: Vec<(VulnClass, f32)> = order
            .iter()
            .take(k.max(1))
            .map(|&i| (VulnClass::ALL[i], probs[i]))
            .collect();
        Prediction {
            label: top_k[0].0,
            confidence: top_k[0].1,
            top_k,
            probabilities: probs.to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prediction_orders_by_probability_then_label() {
        let mut probs = vec![0.0; VulnClass::ALL.len()];
        let index = |c: VulnClass| VulnClass::ALL.iter().position(|l| *l == c).unwrap();
        probs[index(VulnClass::Xss)] = 0.5;
        probs[index(VulnClass::Sqli)] = 0.25;
        probs[index(VulnClass::Ssrf)] = 0.25;
        let p = Prediction::from_probabilities(&probs, 3);
        assert_eq!(p.label, VulnClass::Xss);
        assert_eq!(p.confidence, 0.5);
        assert_eq!(p.top_k[1].0, VulnClass::Sqli);
        assert_eq!(p.top_k[2].0, VulnClass::Ssrf);
        assert_eq!(p.probabilities, probs);
    }
}
