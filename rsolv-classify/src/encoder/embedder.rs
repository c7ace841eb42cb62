//! Sentence embeddings: a pretrained encoder, mean pooling, unit length.

use std::path::Path;

use burn::tensor::Device;

use crate::encoder::model::{Encoder, l2_normalize};
use crate::encoder::tokenize::{TextEncoder, forward_by_length};
use crate::{FindingText, Result};

/// A pretrained sentence encoder (all-MiniLM-L6-v2 and the like): the mean
/// of the last hidden state over real tokens, scaled to unit L2 norm, so a
/// dot product of two embeddings is their cosine similarity.
#[derive(Debug)]
pub struct SentenceEmbedder {
    encoder: Encoder,
    text: TextEncoder,
    device: Device,
}

impl SentenceEmbedder {
    /// Loads a Hugging Face encoder directory ([`crate::load_pretrained`]),
    /// truncating inputs to `max_len` tokens.
    pub fn load(dir: &Path, max_len: usize, device: &Device) -> Result<Self> {
        let pretrained = crate::load_pretrained(dir, max_len, device)?;
        Ok(Self {
            encoder: pretrained.encoder,
            text: pretrained.text,
            device: device.clone(),
        })
    }

    /// The width of an embedding.
    pub fn dim(&self) -> usize {
        self.encoder.hidden_size
    }

    /// The tokenizer.
    pub fn text_encoder(&self) -> &TextEncoder {
        &self.text
    }

    /// Unit-length embeddings of raw texts, in input order.
    pub fn embed_texts<S: AsRef<str>>(&self, texts: &[S]) -> Result<Vec<Vec<f32>>> {
        let ids = texts
            .iter()
            .map(|t| self.text.token_ids(t.as_ref()))
            .collect::<Result<Vec<_>>>()?;
        forward_by_length(&ids, self.text.pad_id(), &self.device, |input| {
            Ok(l2_normalize(self.encoder.embed(input)))
        })
    }

    /// Unit-length embeddings of findings ([`FindingText::model_text`]).
    pub fn embed(&self, findings: &[FindingText]) -> Result<Vec<Vec<f32>>> {
        let texts: Vec<String> = findings.iter().map(FindingText::model_text).collect();
        self.embed_texts(&texts)
    }
}
