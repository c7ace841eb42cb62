//! One transformer layer: self-attention and a GELU feed-forward block,
//! each followed by a residual connection and LayerNorm (post-norm, as BERT).

use burn::module::Module;
use burn::nn::{Dropout, LayerNorm, Linear};
use burn::tensor::Tensor;
use burn::tensor::activation::softmax;

use super::activation::gelu;

/// Added to the attention scores of padding keys: far below any real score,
/// yet finite so a row of padding alone still softmaxes without NaN.
const MASKED_SCORE: f32 = -1.0e9;

/// A BERT encoder layer. Field names are the LoRA target names
/// ([`crate::encoder::LoraTarget`]).
#[derive(Module, Debug)]
pub struct EncoderLayer {
    /// Query projection.
    pub query: Linear,
    /// Key projection.
    pub key: Linear,
    /// Value projection.
    pub value: Linear,
    /// Attention output projection.
    pub attn_out: Linear,
    /// LayerNorm after attention.
    pub attn_norm: LayerNorm,
    /// Feed-forward expansion.
    pub ffn_in: Linear,
    /// Feed-forward projection back to the hidden width.
    pub ffn_out: Linear,
    /// LayerNorm after the feed-forward block.
    pub ffn_norm: LayerNorm,
    /// Dropout on attention probabilities while training.
    pub attn_dropout: Dropout,
    /// Dropout on sub-layer outputs while training.
    pub hidden_dropout: Dropout,
    /// Number of attention heads.
    pub num_heads: usize,
}

impl EncoderLayer {
    /// `x`: `[batch, seq, hidden]`; `mask_bias`: `[batch, 1, 1, seq]`,
    /// 0 for real tokens and [`MASKED_SCORE`] for padding, `None` when the
    /// batch has no padding.
    pub fn forward(&self, x: Tensor<3>, mask_bias: Option<Tensor<4>>) -> Tensor<3> {
        let [batch, seq, hidden] = x.dims();
        let heads = self.num_heads;
        let head_dim = hidden / heads;
        let split = |t: Tensor<3>| t.reshape([batch, seq, heads, head_dim]).swap_dims(1, 2);

        let q = split(self.query.forward(x.clone()));
        let k = split(self.key.forward(x.clone()));
        let v = split(self.value.forward(x.clone()));
        let scores = q
            .matmul(k.swap_dims(2, 3))
            .div_scalar((head_dim as f32).sqrt());
        // burn's fused `attention` op was slower on flex at these sizes
        // (0.85 ms against 0.49 ms per layer for 72 tokens; see
        // examples/encoder_profile.rs), and it has no dropout.
        let scores = match mask_bias {
            Some(bias) => scores + bias,
            None => scores,
        };
        let context = self.attn_dropout.forward(softmax(scores, 3)).matmul(v);
        let context = context.swap_dims(1, 2).reshape([batch, seq, hidden]);
        let attended = self
            .attn_norm
            .forward(self.hidden_dropout.forward(self.attn_out.forward(context)) + x);

        let ffn = self
            .ffn_out
            .forward(gelu(self.ffn_in.forward(attended.clone())));
        self.ffn_norm
            .forward(self.hidden_dropout.forward(ffn) + attended)
    }
}

/// The additive attention bias for a `[batch, seq]` 0/1 mask, or `None`
/// when no position is padding (a single finding, or equal lengths).
pub(crate) fn mask_bias(attention_mask: Tensor<2>) -> Option<Tensor<4>> {
    let [batch, seq] = attention_mask.dims();
    if !attention_mask.is_autodiff() {
        let min: f32 = attention_mask.clone().min().into_scalar();
        if min > 0.5 {
            return None;
        }
    }
    Some(
        attention_mask
            .neg()
            .add_scalar(1.0)
            .mul_scalar(MASKED_SCORE)
            .reshape([batch, 1, 1, seq]),
    )
}
