//! Word + position + token-type embeddings, normalized.

use burn::module::Module;
use burn::nn::{Dropout, Embedding, LayerNorm};
use burn::tensor::{Int, Tensor};

/// The input embeddings of a BERT encoder.
#[derive(Module, Debug)]
pub struct Embeddings {
    /// Token embeddings.
    pub word_embeddings: Embedding,
    /// Absolute position embeddings.
    pub position_embeddings: Embedding,
    /// Segment embeddings (every input here is segment 0).
    pub token_type_embeddings: Embedding,
    /// Normalization of the sum.
    pub layer_norm: LayerNorm,
    /// Dropout while training.
    pub dropout: Dropout,
}

impl Embeddings {
    /// `[batch, seq]` token ids and token types to `[batch, seq, hidden]`.
    pub fn forward(&self, input_ids: Tensor<2, Int>, token_type_ids: Tensor<2, Int>) -> Tensor<3> {
        let [batch, seq] = input_ids.dims();
        let device = input_ids.device();
        let positions = Tensor::<1, Int>::arange(0..seq as i64, &device)
            .reshape([1, seq])
            .expand([batch, seq]);
        let x = self.word_embeddings.forward(input_ids)
            + self.position_embeddings.forward(positions)
            + self.token_type_embeddings.forward(token_type_ids);
        self.dropout.forward(self.layer_norm.forward(x))
    }
}
