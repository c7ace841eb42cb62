//! The hashed n-gram model: multinomial logistic regression over the
//! sparse features of [`FeatureConfig`], trained with seeded SGD.
//!
//! Training is deterministic: the same samples, configuration and seed
//! give the same weights, bit for bit (one thread, fixed order). Weights
//! are stored as one int8 row per used bucket with an f32 scale; training
//! ends by rounding the weights the same way, so the model evaluated after
//! training is exactly the model a saved file loads.

use rsolv_core::VulnClass;

use super::features::FeatureConfig;
use crate::data::rng::SplitMix64;
use crate::eval::{LabelScorer, softmax};
use crate::{Error, FindingText, Result, Sample};

/// How to train an [`NgramModel`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NgramTrainConfig {
    /// The features.
    pub features: FeatureConfig,
    /// Passes over the data.
    pub epochs: usize,
    /// The initial SGD step size (decays linearly to a tenth).
    pub learning_rate: f32,
    /// L2 penalty, applied to the rows a sample touches.
    pub l2: f32,
    /// Rows whose largest absolute weight is below this are dropped.
    pub prune_below: f32,
    /// Shuffling seed (also drives feature dropout).
    pub seed: u64,
    /// Share of a sample's features dropped at random in each training
    /// step (inverted dropout); 0 turns it off. It keeps the model from
    /// leaning on one telltale token of the generated data.
    pub dropout: f32,
}

impl Default for NgramTrainConfig {
    fn default() -> Self {
        NgramTrainConfig {
            features: FeatureConfig::default(),
            epochs: 12,
            learning_rate: 0.5,
            l2: 1e-5,
            prune_below: 0.01,
            seed: 7,
            dropout: 0.3,
        }
    }
}

/// A trained hashed n-gram classifier.
#[derive(Debug, Clone, PartialEq)]
pub struct NgramModel {
    pub(crate) features: FeatureConfig,
    pub(crate) bias: Vec<f32>,
    /// Per bucket: the row in `rows`, or `u32::MAX` when the bucket has no
    /// weights.
    pub(crate) index: Vec<u32>,
    /// `(bucket, scale, int8 weights per label)` for every used bucket,
    /// in bucket order.
    pub(crate) rows: Vec<(u32, f32, Vec<i8>)>,
    /// Logits are divided by this before the softmax (temperature
    /// scaling, Guo et al. 2017); 1 until [`NgramModel::calibrate`].
    pub(crate) temperature: f32,
}

const CLASSES: usize = VulnClass::ALL.len();

impl NgramModel {
    /// Train on labeled samples.
    pub fn train(samples: &[Sample], config: &NgramTrainConfig) -> Result<NgramModel> {
        if samples.is_empty() {
            return Err(Error::InvalidArgument("no training samples".into()));
        }
        let fc = config.features;
        let data: Vec<(Vec<(u32, f32)>, usize)> = samples
            .iter()
            .map(|s| (fc.extract(&s.text()), s.label.index()))
            .collect();
        let mut weights = vec![0f32; fc.buckets() * CLASSES];
        let mut bias = vec![0f32; CLASSES];
        let mut order: Vec<usize> = (0..data.len()).collect();
        let mut rng = SplitMix64::new(config.seed);
        let total_steps = (config.epochs * data.len()).max(1) as f32;
        let mut step = 0usize;
        let mut probs = vec![0f32; CLASSES];
        let keep = 1.0 - config.dropout.clamp(0.0, 0.9);
        let mut kept: Vec<(u32, f32)> = Vec::new();
        for _ in 0..config.epochs {
            rng.shuffle(&mut order);
            for &i in &order {
                let (features, label) = &data[i];
                let lr = config.learning_rate * (1.0 - 0.9 * step as f32 / total_steps);
                step += 1;
                let features = if keep < 1.0 {
                    kept.clear();
                    for &(f, v) in features {
                        if rng.chance(f64::from(keep)) {
                            kept.push((f, v / keep));
                        }
                    }
                    &kept
                } else {
                    features
                };
                probs.copy_from_slice(&bias);
                for &(f, v) in features {
                    let row = &weights[f as usize * CLASSES..][..CLASSES];
                    for (p, w) in probs.iter_mut().zip(row) {
                        *p += v * w;
                    }
                }
                softmax(&mut probs);
                probs[*label] -= 1.0;
                for (b, g) in bias.iter_mut().zip(&probs) {
                    *b -= lr * g;
                }
                for &(f, v) in features {
                    let row = &mut weights[f as usize * CLASSES..][..CLASSES];
                    for (w, g) in row.iter_mut().zip(&probs) {
                        *w -= lr * (v * g + config.l2 * *w);
                    }
                }
            }
        }
        let mut rows = Vec::new();
        for (bucket, row) in weights.chunks_exact(CLASSES).enumerate() {
            let max = row.iter().fold(0f32, |m, w| m.max(w.abs()));
            if max < config.prune_below || max == 0.0 {
                continue;
            }
            let scale = max / 127.0;
            let q = row
                .iter()
                .map(|w| (w / scale).round().clamp(-127.0, 127.0) as i8)
                .collect();
            rows.push((bucket as u32, scale, q));
        }
        Ok(NgramModel::from_parts(fc, bias, rows))
    }

    pub(crate) fn from_parts(
        features: FeatureConfig,
        bias: Vec<f32>,
        rows: Vec<(u32, f32, Vec<i8>)>,
    ) -> NgramModel {
        let mut index = vec![u32::MAX; features.buckets()];
        for (i, (bucket, _, _)) in rows.iter().enumerate() {
            index[*bucket as usize] = i as u32;
        }
        NgramModel {
            features,
            bias,
            index,
            rows,
            temperature: 1.0,
        }
    }

    /// The softmax temperature.
    pub fn temperature(&self) -> f32 {
        self.temperature
    }

    /// Fit the softmax temperature on held-out labeled samples: the value
    /// on a fixed grid that minimises their negative log-likelihood. The
    /// predicted labels do not change, only the confidences. Returns the
    /// temperature chosen.
    pub fn calibrate(&mut self, samples: &[Sample]) -> f32 {
        let logits: Vec<(Vec<f32>, usize)> = samples
            .iter()
            .map(|s| (self.logits(&s.text()), s.label.index()))
            .collect();
        let mut best = (f64::INFINITY, 1.0);
        for step in 1..=200 {
            let t = step as f32 * 0.01;
            let mut nll = 0.0;
            for (z, label) in &logits {
                let mut p: Vec<f32> = z.iter().map(|x| x / t).collect();
                softmax(&mut p);
                nll -= f64::from(p[*label].max(1e-12)).ln();
            }
            if nll < best.0 {
                best = (nll, t);
            }
        }
        self.temperature = best.1;
        best.1
    }

    fn logits(&self, finding: &FindingText) -> Vec<f32> {
        let mut scores = self.bias.clone();
        for (f, v) in self.features.extract(finding) {
            let row = self.index[f as usize];
            if row == u32::MAX {
                continue;
            }
            let (_, scale, weights) = &self.rows[row as usize];
            let k = v * scale;
            for (s, &w) in scores.iter_mut().zip(weights) {
                *s += k * f32::from(w);
            }
        }
        scores
    }

    /// The feature configuration the model was trained with.
    pub fn feature_config(&self) -> FeatureConfig {
        self.features
    }

    /// How many hash buckets carry weights.
    pub fn used_buckets(&self) -> usize {
        self.rows.len()
    }
}

impl LabelScorer for NgramModel {
    fn name(&self) -> &str {
        "ngram"
    }

    fn predict_proba(&self, finding: &FindingText) -> Vec<f32> {
        let mut scores = self.logits(finding);
        if self.temperature != 1.0 {
            for s in scores.iter_mut() {
                *s /= self.temperature;
            }
        }
        softmax(&mut scores);
        scores
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{GeneratorConfig, generate};

    fn small_config() -> NgramTrainConfig {
        NgramTrainConfig {
            features: FeatureConfig {
                buckets_log2: 14,
                ..FeatureConfig::default()
            },
            epochs: 3,
            ..NgramTrainConfig::default()
        }
    }

    #[test]
    fn training_is_deterministic_and_learns() {
        let samples = generate(&GeneratorConfig {
            per_label: 8,
            seed: 1,
        })
        .expect("generates");
        let a = NgramModel::train(&samples, &small_config()).expect("trains");
        let b = NgramModel::train(&samples, &small_config()).expect("trains");
        assert_eq!(a, b);
        let correct = samples
            .iter()
            .filter(|s| a.predict(&s.text(), 1).label == s.label)
            .count();
        assert!(
            correct * 10 > samples.len() * 8,
            "{correct}/{}",
            samples.len()
        );
    }

    #[test]
    fn calibration_keeps_labels() {
        let samples = generate(&GeneratorConfig {
            per_label: 4,
            seed: 2,
        })
        .expect("generates");
        let mut model = NgramModel::train(&samples, &small_config()).expect("trains");
        let before: Vec<_> = samples
            .iter()
            .map(|s| model.predict(&s.text(), 1).label)
            .collect();
        let t = model.calibrate(&samples);
        assert!(t > 0.0 && t <= 2.0);
        let after: Vec<_> = samples
            .iter()
            .map(|s| model.predict(&s.text(), 1).label)
            .collect();
        assert_eq!(before, after);
    }

    #[test]
    fn empty_training_set_is_an_error() {
        assert!(NgramModel::train(&[], &small_config()).is_err());
    }
}
