//! A BERT/MiniLM encoder in burn, and the classification model built on it.
//!
//! The layout follows the Hugging Face `BertModel` so its weights load
//! directly (see [`crate::encoder::load_pretrained`]): embeddings (word + position + token
//! type, LayerNorm), post-norm transformer layers with masked multi-head
//! self-attention and an exact-GELU feed-forward block, then mean pooling
//! over the attention mask (what sentence-transformers' MiniLM models use).

mod activation;
mod config;
mod embeddings;
mod layer;

use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig};
use burn::tensor::{Device, Int, Tensor};

pub use config::EncoderConfig;
pub use embeddings::Embeddings;
pub use layer::EncoderLayer;

/// A tokenized batch, padded to its longest sequence.
#[derive(Debug, Clone)]
pub struct EncoderInput {
    /// `[batch, seq]` token ids.
    pub input_ids: Tensor<2, Int>,
    /// `[batch, seq]` token types (segment ids).
    pub token_type_ids: Tensor<2, Int>,
    /// `[batch, seq]`, 1.0 for real tokens and 0.0 for padding.
    pub attention_mask: Tensor<2>,
}

/// A BERT-style encoder: [`Embeddings`] then [`EncoderLayer`]s.
#[derive(Module, Debug)]
pub struct Encoder {
    /// Input embeddings.
    pub embeddings: Embeddings,
    /// The transformer layers.
    pub layers: Vec<EncoderLayer>,
    /// Width of the hidden states.
    pub hidden_size: usize,
}

impl Encoder {
    /// The last hidden state, `[batch, seq, hidden]`.
    pub fn forward(&self, input: &EncoderInput) -> Tensor<3> {
        let bias = layer::mask_bias(input.attention_mask.clone());
        let mut x = self
            .embeddings
            .forward(input.input_ids.clone(), input.token_type_ids.clone());
        for layer in &self.layers {
            x = layer.forward(x, bias.clone());
        }
        x
    }

    /// Mean of the last hidden state over real tokens, `[batch, hidden]`.
    pub fn embed(&self, input: &EncoderInput) -> Tensor<2> {
        mean_pool(self.forward(input), input.attention_mask.clone())
    }
}

/// Averages `[batch, seq, hidden]` hidden states over the positions where
/// the `[batch, seq]` mask is 1.
pub fn mean_pool(hidden: Tensor<3>, attention_mask: Tensor<2>) -> Tensor<2> {
    let [batch, seq, _] = hidden.dims();
    let mask = attention_mask.reshape([batch, seq, 1]);
    let summed = (hidden * mask.clone()).sum_dim(1).squeeze_dim::<2>(1);
    let counts = mask.sum_dim(1).squeeze_dim::<2>(1).clamp_min(1e-9);
    summed / counts
}

/// Scales each row of `[batch, dim]` to unit L2 norm.
pub fn l2_normalize(x: Tensor<2>) -> Tensor<2> {
    let norms = x.clone().powi_scalar(2).sum_dim(1).sqrt().clamp_min(1e-12);
    x / norms
}

/// The classifier: an [`Encoder`], mean pooling and a linear layer over the
/// labels.
#[derive(Module, Debug)]
pub struct ClassifierModel {
    /// The (LoRA-adapted while fine-tuning) encoder.
    pub encoder: Encoder,
    /// Dropout on the pooled embedding while training.
    pub dropout: Dropout,
    /// Pooled embedding to one logit per label.
    pub head: Linear,
}

impl ClassifierModel {
    /// Wraps `encoder` with a freshly initialized head for `num_labels`.
    pub fn new(encoder: Encoder, num_labels: usize, dropout: f64, device: &Device) -> Self {
        let head = LinearConfig::new(encoder.hidden_size, num_labels).init(device);
        Self {
            encoder,
            dropout: DropoutConfig::new(dropout).init(),
            head,
        }
    }

    /// `[batch, num_labels]` logits.
    pub fn forward(&self, input: &EncoderInput) -> Tensor<2> {
        let pooled = self.encoder.embed(input);
        self.head.forward(self.dropout.forward(pooled))
    }
}
