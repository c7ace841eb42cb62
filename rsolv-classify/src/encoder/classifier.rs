//! The [`Classifier`] API: findings in, labels with confidences out.

use std::path::Path;

use burn::module::Module;
use burn::store::{HalfPrecisionAdapter, ModuleSnapshot, SafetensorsStore};
use burn::tensor::Device;
use burn::tensor::activation::softmax;
use serde::{Deserialize, Serialize};

use crate::encoder::loader::weights_error;
use crate::encoder::model::{ClassifierModel, EncoderConfig};
use crate::encoder::tokenize::{TextEncoder, forward_by_length};
use crate::eval::LabelScorer;
use crate::{Error, FindingText, LABELS, Prediction, Result, VulnClass};

/// How many top labels a [`Prediction`] lists.
pub const TOP_K: usize = 5;

/// `labels.json`: the label of each output unit and the tokenizer length.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelMap {
    /// Taxonomy ids, in output-unit order.
    pub labels: Vec<String>,
    /// Truncation length the model was trained with.
    pub max_len: usize,
}

impl LabelMap {
    /// The full taxonomy, in [`LABELS`] order.
    pub fn taxonomy(max_len: usize) -> Self {
        Self {
            labels: LABELS.iter().map(|l| l.as_str().to_owned()).collect(),
            max_len,
        }
    }

    /// Parses the label ids.
    pub fn classes(&self) -> Result<Vec<VulnClass>> {
        self.labels
            .iter()
            .map(|l| {
                l.parse().map_err(|_| Error::UnknownLabel {
                    label: l.clone(),
                    location: Some("labels.json".to_owned()),
                })
            })
            .collect()
    }
}

/// A loaded classifier, ready for inference (dropout off, no autodiff).
#[derive(Debug)]
pub struct Classifier {
    model: ClassifierModel,
    text: TextEncoder,
    labels: Vec<VulnClass>,
    device: Device,
}

impl Classifier {
    /// Loads an exported classifier directory (`config.json`,
    /// `model.safetensors`, `tokenizer.json`, `labels.json`, as written by
    /// [`crate::export_classifier`]) on the [default device](crate::default_device).
    pub fn load(dir: &Path) -> Result<Self> {
        Self::load_on(dir, &crate::default_device())
    }

    /// [`Classifier::load`] on a given device.
    pub fn load_on(dir: &Path, device: &Device) -> Result<Self> {
        let config = EncoderConfig::from_file(&dir.join("config.json"))?;
        let label_map = read_label_map(&dir.join("labels.json"))?;
        let labels = label_map.classes()?;
        let text = TextEncoder::from_file(&dir.join("tokenizer.json"), label_map.max_len)?;
        let weights = dir.join("model.safetensors");
        if !weights.is_file() {
            return Err(Error::MissingFile { path: weights });
        }
        let mut model = ClassifierModel::new(config.init(device), labels.len(), 0.0, device);
        let mut store = SafetensorsStore::from_file(&weights)
            .with_from_adapter(HalfPrecisionAdapter::new())
            .allow_partial(true);
        let result = model
            .load_from(&mut store)
            .map_err(|e| weights_error(&weights, e))?;
        if !result.missing.is_empty() || !result.errors.is_empty() {
            return Err(weights_error(
                &weights,
                format!("missing {:?}, errors {:?}", result.missing, result.errors),
            ));
        }
        Ok(Self::from_parts(model, text, labels, device.clone()))
    }

    /// Rebuilds a classifier from the small trained part of an export
    /// (`adapter.safetensors`, `labels.json`, `training.json` in
    /// `adapter_dir`) and the base model it was trained from (a Hugging Face
    /// directory): the base weights are loaded, the LoRA adapters and head
    /// applied and merged. This is the form small enough to bundle in git.
    pub fn from_adapter(adapter_dir: &Path, base_dir: &Path, device: &Device) -> Result<Self> {
        let label_map = read_label_map(&adapter_dir.join("labels.json"))?;
        let labels = label_map.classes()?;
        let record_path = adapter_dir.join("training.json");
        if !record_path.is_file() {
            return Err(Error::MissingFile { path: record_path });
        }
        let text = std::fs::read_to_string(&record_path).map_err(Error::io_at(&record_path))?;
        let record: crate::TrainingRecord =
            serde_json::from_str(&text).map_err(Error::json_at(&record_path, None))?;
        let base = crate::load_pretrained(base_dir, label_map.max_len, device)?;
        let model = ClassifierModel::new(base.encoder, labels.len(), 0.0, device);
        let mut model = crate::apply_lora(model, &record.lora)?;
        crate::load_trainable(&mut model, &adapter_dir.join("adapter.safetensors"))?;
        Ok(Self::from_parts(
            crate::merge_lora(&model),
            base.text,
            labels,
            device.clone(),
        ))
    }

    /// Wraps an in-memory model (e.g. right after fine-tuning).
    pub fn from_parts(
        model: ClassifierModel,
        text: TextEncoder,
        labels: Vec<VulnClass>,
        device: Device,
    ) -> Self {
        Self {
            model: model.valid(),
            text,
            labels,
            device,
        }
    }

    /// The label of each output unit.
    pub fn labels(&self) -> &[VulnClass] {
        &self.labels
    }

    /// The tokenizer.
    pub fn text_encoder(&self) -> &TextEncoder {
        &self.text
    }

    /// The model.
    pub fn model(&self) -> &ClassifierModel {
        &self.model
    }

    /// Classifies one finding.
    pub fn classify(&self, finding: &FindingText) -> Result<Prediction> {
        let mut predictions = self.classify_texts(&[finding.model_text()])?;
        Ok(predictions.remove(0))
    }

    /// Classifies many findings; the result is in input order and does not
    /// depend on how the input is batched (beyond float rounding).
    pub fn classify_batch(&self, findings: &[FindingText]) -> Result<Vec<Prediction>> {
        let texts: Vec<String> = findings.iter().map(FindingText::model_text).collect();
        self.classify_texts(&texts)
    }

    /// Class probabilities for raw model texts, `[n][num_labels]`.
    pub fn probabilities(&self, texts: &[String]) -> Result<Vec<Vec<f32>>> {
        let ids = texts
            .iter()
            .map(|t| self.text.token_ids(t))
            .collect::<Result<Vec<_>>>()?;
        forward_by_length(&ids, self.text.pad_id(), &self.device, |input| {
            Ok(softmax(self.model.forward(input), 1))
        })
    }

    fn classify_texts(&self, texts: &[String]) -> Result<Vec<Prediction>> {
        Ok(self
            .probabilities(texts)?
            .into_iter()
            .map(|p| prediction(&self.labels, p))
            .collect())
    }
}

fn prediction(labels: &[VulnClass], probabilities: Vec<f32>) -> Prediction {
    let mut ranked: Vec<(VulnClass, f32)> = labels
        .iter()
        .copied()
        .zip(probabilities.iter().copied())
        .collect();
    // Stable sort: ties keep taxonomy order, so the result is deterministic.
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    ranked.truncate(TOP_K);
    let (label, confidence) = ranked[0];
    Prediction {
        label,
        confidence,
        top_k: ranked,
        probabilities,
    }
}

pub(crate) fn read_label_map(path: &Path) -> Result<LabelMap> {
    if !path.is_file() {
        return Err(Error::MissingFile {
            path: path.to_owned(),
        });
    }
    let text = std::fs::read_to_string(path).map_err(Error::io_at(path))?;
    serde_json::from_str(&text).map_err(Error::json_at(path, None))
}

/// The fine-tuned classifier in the evaluation harness and the CLI. A
/// finding the tokenizer rejects gets uniform probabilities, since
/// [`LabelScorer`] has no error path.
impl LabelScorer for Classifier {
    fn name(&self) -> &str {
        "minilm-lora"
    }

    fn predict_proba(&self, finding: &FindingText) -> Vec<f32> {
        self.predict_proba_batch(std::slice::from_ref(finding))
            .remove(0)
    }

    fn predict_proba_batch(&self, findings: &[FindingText]) -> Vec<Vec<f32>> {
        let texts: Vec<String> = findings.iter().map(FindingText::model_text).collect();
        match self.probabilities(&texts) {
            Ok(rows) => rows
                .into_iter()
                .map(|p| self.in_taxonomy_order(&p))
                .collect(),
            Err(_) => vec![vec![1.0 / LABELS.len() as f32; LABELS.len()]; findings.len()],
        }
    }
}

impl Classifier {
    /// Output-unit probabilities rearranged into [`LABELS`] order (labels
    /// the model lacks get 0).
    fn in_taxonomy_order(&self, probabilities: &[f32]) -> Vec<f32> {
        let mut out = vec![0.0; LABELS.len()];
        for (label, &p) in self.labels.iter().zip(probabilities) {
            if let Some(i) = LABELS.iter().position(|l| l == label) {
                out[i] = p;
            }
        }
        out
    }
}
