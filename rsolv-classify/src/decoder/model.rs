//! The Llama-style decoder: RMSNorm, rotary embeddings (Hugging Face's
//! rotate-half convention), grouped-query causal attention with a KV cache,
//! SwiGLU MLP, optionally tied output embeddings, and Granite's multipliers.

use burn::module::Module;
use burn::nn::{
    Dropout, DropoutConfig, Embedding, EmbeddingConfig, Linear, LinearConfig, RmsNorm,
    RmsNormConfig,
};
use burn::tensor::activation::{silu, softmax};
use burn::tensor::{Bool, Device, Int, Tensor, TensorData};

use super::config::DecoderConfig;

/// Keys and values of the tokens seen so far, per layer.
///
/// Tensors are `[batch, kv_heads, seq, head_dim]`, before grouped-query
/// expansion. Cloning is cheap (tensors are reference counted), so a cached
/// prefix (the classifier's system prompt) is computed once and cloned for
/// every continuation.
#[derive(Debug, Clone)]
pub struct KvCache {
    layers: Vec<Option<(Tensor<4>, Tensor<4>)>>,
    len: usize,
}

impl KvCache {
    /// An empty cache for a model with `num_layers` layers.
    pub fn new(num_layers: usize) -> Self {
        Self {
            layers: vec![None; num_layers],
            len: 0,
        }
    }

    /// Number of cached positions.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing is cached yet.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// A cache from per-layer `(keys, values)` of `len` positions.
    pub fn from_layers(layers: Vec<(Tensor<4>, Tensor<4>)>, len: usize) -> Self {
        Self {
            layers: layers.into_iter().map(Some).collect(),
            len,
        }
    }

    /// Per-layer `(keys, values)`, `[batch, kv_heads, seq, head_dim]`
    /// (`None` for a layer not run yet).
    pub fn layers(&self) -> &[Option<(Tensor<4>, Tensor<4>)>] {
        &self.layers
    }

    /// Batch size of the cached keys (1 when empty).
    pub fn batch_size(&self) -> usize {
        self.layers
            .iter()
            .flatten()
            .next()
            .map_or(1, |(k, _)| k.dims()[0])
    }
}

/// How the new tokens see earlier ones.
enum Past<'a> {
    /// No earlier tokens.
    None,
    /// Earlier tokens of the same sequences (same batch size): appended.
    Append(&'a (Tensor<4>, Tensor<4>)),
    /// One earlier sequence (batch 1) shared by every row of the batch.
    Shared(&'a (Tensor<4>, Tensor<4>)),
}

/// Grouped-query attention with rotary position embeddings.
#[derive(Module, Debug)]
pub struct Attention {
    /// Query projection (`hidden -> heads * head_dim`).
    pub q_proj: Linear,
    /// Key projection (`hidden -> kv_heads * head_dim`).
    pub k_proj: Linear,
    /// Value projection (`hidden -> kv_heads * head_dim`).
    pub v_proj: Linear,
    /// Output projection (`heads * head_dim -> hidden`).
    pub o_proj: Linear,
    /// Dropout on the attention probabilities (active only in training).
    pub dropout: Dropout,
    n_heads: usize,
    n_kv_heads: usize,
    head_dim: usize,
    scale: f64,
}

/// The SwiGLU feed-forward block: `down(silu(gate(x)) * up(x))`.
#[derive(Module, Debug)]
pub struct Mlp {
    /// Gate projection.
    pub gate_proj: Linear,
    /// Up projection.
    pub up_proj: Linear,
    /// Down projection.
    pub down_proj: Linear,
}

/// One pre-norm decoder layer.
#[derive(Module, Debug)]
pub struct DecoderLayer {
    /// Norm before attention.
    pub input_layernorm: RmsNorm,
    /// Self-attention.
    pub self_attn: Attention,
    /// Norm before the MLP.
    pub post_attention_layernorm: RmsNorm,
    /// Feed-forward block.
    pub mlp: Mlp,
    residual_multiplier: f64,
}

/// A Llama-style causal language model.
#[derive(Module, Debug)]
pub struct Decoder {
    /// Token embeddings `[vocab, hidden]`.
    pub embed_tokens: Embedding,
    /// The decoder layers.
    pub layers: Vec<DecoderLayer>,
    /// Final norm.
    pub norm: RmsNorm,
    /// Output projection; `None` when tied to `embed_tokens`.
    pub lm_head: Option<Linear>,
    head_dim: usize,
    rope_theta: f64,
    embedding_multiplier: f64,
    logits_scaling: f64,
}

fn linear(d_in: usize, d_out: usize, device: &Device) -> Linear {
    LinearConfig::new(d_in, d_out).with_bias(false).init(device)
}

impl Decoder {
    pub(crate) fn new(config: &DecoderConfig, device: &Device) -> Self {
        let (h, hd) = (config.hidden_size, config.head_dim());
        let (nh, nkv) = (config.num_attention_heads, config.kv_heads());
        let norm = || {
            RmsNormConfig::new(h)
                .with_epsilon(config.rms_norm_eps)
                .init(device)
        };
        let layers = (0..config.num_hidden_layers)
            .map(|_| DecoderLayer {
                input_layernorm: norm(),
                self_attn: Attention {
                    q_proj: linear(h, nh * hd, device),
                    k_proj: linear(h, nkv * hd, device),
                    v_proj: linear(h, nkv * hd, device),
                    o_proj: linear(nh * hd, h, device),
                    dropout: DropoutConfig::new(config.attention_dropout).init(),
                    n_heads: nh,
                    n_kv_heads: nkv,
                    head_dim: hd,
                    scale: config.attention_scale(),
                },
                post_attention_layernorm: norm(),
                mlp: Mlp {
                    gate_proj: linear(h, config.intermediate_size, device),
                    up_proj: linear(h, config.intermediate_size, device),
                    down_proj: linear(config.intermediate_size, h, device),
                },
                residual_multiplier: config.residual_multiplier,
            })
            .collect();
        Self {
            embed_tokens: EmbeddingConfig::new(config.vocab_size, h).init(device),
            layers,
            norm: norm(),
            lm_head: (!config.tie_word_embeddings).then(|| linear(h, config.vocab_size, device)),
            head_dim: hd,
            rope_theta: config.rope_theta,
            embedding_multiplier: config.embedding_multiplier,
            logits_scaling: config.logits_scaling,
        }
    }

    /// The device the weights live on.
    pub fn device(&self) -> Device {
        self.embed_tokens.weight.val().device()
    }

    /// Number of decoder layers.
    pub fn num_layers(&self) -> usize {
        self.layers.len()
    }

    /// Vocabulary size.
    pub fn vocab_size(&self) -> usize {
        self.embed_tokens.weight.val().dims()[0]
    }

    /// An empty KV cache sized for this model.
    pub fn new_cache(&self) -> KvCache {
        KvCache::new(self.layers.len())
    }

    /// Full forward pass without a cache: `[batch, seq]` ids to
    /// `[batch, seq, vocab]` logits.
    pub fn forward(&self, ids: Tensor<2, Int>) -> Tensor<3> {
        let mut cache = self.new_cache();
        self.logits(self.forward_cached(ids, &mut cache))
    }

    /// Runs `ids` after the tokens already in `cache` (same batch size, or an
    /// empty cache) and appends their keys and values. Returns the final
    /// normalised hidden states `[batch, seq, hidden]`; see [`Self::logits`].
    pub fn forward_cached(&self, ids: Tensor<2, Int>, cache: &mut KvCache) -> Tensor<3> {
        let start = cache.len;
        let seq = ids.dims()[1];
        let device = self.device();
        let mut x = self.embed(ids);
        let positions: Vec<usize> = (start..start + seq).collect();
        let (cos, sin) = self.rope_tables(&positions);
        let mask = Tensor::<2, Bool>::tril_mask([seq, start + seq], start as i64, &device);
        for (layer, slot) in self.layers.iter().zip(cache.layers.iter_mut()) {
            let past = match slot.as_ref() {
                Some(kv) => Past::Append(kv),
                None => Past::None,
            };
            let (out, kv) = layer.forward(x, &cos, &sin, past, &mask);
            x = out;
            *slot = Some(kv);
        }
        cache.len += seq;
        self.norm.forward(x)
    }

    /// Runs a batch of continuations that all follow the single (batch 1)
    /// sequence in `prefix`, without expanding the prefix's keys and values
    /// per row. The cache is not modified. Rows are right-padded freely:
    /// causal attention never lets a real token see a later padding token.
    pub fn forward_shared_prefix(&self, ids: Tensor<2, Int>, prefix: &KvCache) -> Tensor<3> {
        let start = prefix.len;
        let seq = ids.dims()[1];
        let device = self.device();
        let mut x = self.embed(ids);
        let positions: Vec<usize> = (start..start + seq).collect();
        let (cos, sin) = self.rope_tables(&positions);
        let mask = Tensor::<2, Bool>::tril_mask([seq, seq], 0, &device);
        for (layer, slot) in self.layers.iter().zip(prefix.layers.iter()) {
            let past = match slot.as_ref() {
                Some(kv) => Past::Shared(kv),
                None => Past::None,
            };
            x = layer.forward(x, &cos, &sin, past, &mask).0;
        }
        self.norm.forward(x)
    }

    /// Runs a token tree packed into one sequence after the (batch 1)
    /// `prefix`: token `i` has parent `parents[i]` (an earlier index, or
    /// `None` when it directly follows the prefix), sees the prefix, its
    /// ancestors and itself, and sits at position `prefix + depth`. Scoring
    /// many continuations that share leading tokens this way runs each
    /// shared token once. Returns hidden states `[1, n, hidden]`.
    pub fn forward_tree(
        &self,
        ids: &[u32],
        parents: &[Option<usize>],
        prefix: &KvCache,
    ) -> Tensor<3> {
        let n = ids.len();
        let start = prefix.len;
        let device = self.device();
        let mut depth = vec![0usize; n];
        let mut visible = vec![false; n * n];
        for i in 0..n {
            visible[i * n + i] = true;
            if let Some(p) = parents[i] {
                assert!(p < i, "a parent must come before its child");
                depth[i] = depth[p] + 1;
                for j in 0..p + 1 {
                    if visible[p * n + j] {
                        visible[i * n + j] = true;
                    }
                }
            }
        }
        let mut masked = Vec::with_capacity(n * (start + n));
        for i in 0..n {
            masked.extend(std::iter::repeat_n(false, start));
            masked.extend(visible[i * n..(i + 1) * n].iter().map(|v| !v));
        }
        let mask = Tensor::<2, Bool>::from_data(TensorData::new(masked, [n, start + n]), &device);
        let positions: Vec<usize> = depth.iter().map(|d| start + d).collect();
        let (cos, sin) = self.rope_tables(&positions);
        let v: Vec<i64> = ids.iter().map(|&i| i64::from(i)).collect();
        let mut x = self.embed(Tensor::from_data(TensorData::new(v, [1, n]), &device));
        for (layer, slot) in self.layers.iter().zip(prefix.layers.iter()) {
            let past = match slot.as_ref() {
                Some(kv) => Past::Append(kv),
                None => Past::None,
            };
            x = layer.forward(x, &cos, &sin, past, &mask).0;
        }
        self.norm.forward(x)
    }

    /// Projects normalised hidden states `[batch, seq, hidden]` to logits
    /// `[batch, seq, vocab]` (tied or separate head, Granite's scaling).
    pub fn logits(&self, hidden: Tensor<3>) -> Tensor<3> {
        let [b, l, h] = hidden.dims();
        let logits = match &self.lm_head {
            Some(head) => head.forward(hidden),
            None => {
                let w = self.embed_tokens.weight.val();
                let v = w.dims()[0];
                hidden
                    .reshape([b * l, h])
                    .matmul(w.transpose())
                    .reshape([b, l, v])
            }
        };
        if self.logits_scaling == 1.0 {
            logits
        } else {
            logits / self.logits_scaling
        }
    }

    fn embed(&self, ids: Tensor<2, Int>) -> Tensor<3> {
        let x = self.embed_tokens.forward(ids);
        if self.embedding_multiplier == 1.0 {
            x
        } else {
            x * self.embedding_multiplier
        }
    }

    /// `cos` and `sin` tables `[1, 1, seq, head_dim]` for `positions`, laid
    /// out for rotate-half (`[f, f]`).
    fn rope_tables(&self, positions: &[usize]) -> (Tensor<4>, Tensor<4>) {
        let seq = positions.len();
        let hd = self.head_dim;
        let half = hd / 2;
        // Hugging Face computes the inverse frequencies in f32.
        let inv_freq: Vec<f32> = (0..half)
            .map(|i| 1.0 / (self.rope_theta as f32).powf((2 * i) as f32 / hd as f32))
            .collect();
        let mut cos = Vec::with_capacity(seq * hd);
        let mut sin = Vec::with_capacity(seq * hd);
        for &p in positions {
            for _ in 0..2 {
                for f in &inv_freq {
                    let angle = p as f32 * f;
                    cos.push(angle.cos());
                    sin.push(angle.sin());
                }
            }
        }
        let device = self.device();
        let cos = Tensor::<4>::from_data(TensorData::new(cos, [1, 1, seq, hd]), &device);
        let sin = Tensor::<4>::from_data(TensorData::new(sin, [1, 1, seq, hd]), &device);
        (cos, sin)
    }
}

impl DecoderLayer {
    fn forward(
        &self,
        x: Tensor<3>,
        cos: &Tensor<4>,
        sin: &Tensor<4>,
        past: Past<'_>,
        mask: &Tensor<2, Bool>,
    ) -> (Tensor<3>, (Tensor<4>, Tensor<4>)) {
        let (attn, kv) = self.self_attn.forward(
            self.input_layernorm.forward(x.clone()),
            cos,
            sin,
            past,
            mask,
        );
        let x = x + self.scaled(attn);
        let mlp = self
            .mlp
            .forward(self.post_attention_layernorm.forward(x.clone()));
        (x + self.scaled(mlp), kv)
    }

    fn scaled(&self, x: Tensor<3>) -> Tensor<3> {
        if self.residual_multiplier == 1.0 {
            x
        } else {
            x * self.residual_multiplier
        }
    }
}

impl Mlp {
    fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let gate = silu(self.gate_proj.forward(x.clone()));
        self.down_proj.forward(gate * self.up_proj.forward(x))
    }
}

/// Rotate-half rotary embedding of `[batch, heads, seq, head_dim]`.
fn apply_rope(x: Tensor<4>, cos: &Tensor<4>, sin: &Tensor<4>) -> Tensor<4> {
    let hd = x.dims()[3];
    let x1 = x.clone().narrow(3, 0, hd / 2);
    let x2 = x.clone().narrow(3, hd / 2, hd / 2);
    let rotated = Tensor::cat(vec![x2.neg(), x1], 3);
    x * cos.clone() + rotated * sin.clone()
}

/// Scores `q·kᵀ` of `q [b, heads, l, d]` against `k [b, kv_heads, t, d]`
/// without copying `k` per query head: query head `h` reads key head
/// `h / (heads / kv_heads)`, as in Hugging Face's `repeat_kv`.
fn gqa_scores(q: Tensor<4>, k: Tensor<4>) -> Tensor<4> {
    let [b, nh, l, d] = q.dims();
    let [_, nkv, t, _] = k.dims();
    let g = nh / nkv;
    q.reshape([b, nkv, g * l, d])
        .matmul(k.swap_dims(2, 3))
        .reshape([b, nh, l, t])
}

/// `p·v` of `p [b, heads, l, t]` with `v [b, kv_heads, t, d]`.
fn gqa_apply(p: Tensor<4>, v: Tensor<4>) -> Tensor<4> {
    let [b, nh, l, t] = p.dims();
    let [_, nkv, _, d] = v.dims();
    let g = nh / nkv;
    p.reshape([b, nkv, g * l, t])
        .matmul(v)
        .reshape([b, nh, l, d])
}

/// Folds the batch into the rows so a batch-1 key/value set serves all rows.
fn fold_batch(x: Tensor<4>) -> Tensor<4> {
    let [b, nh, l, d] = x.dims();
    x.swap_dims(0, 1).reshape([1, nh, b * l, d])
}

fn unfold_batch(x: Tensor<4>, b: usize) -> Tensor<4> {
    let [_, nh, bl, d] = x.dims();
    x.reshape([nh, b, bl / b, d]).swap_dims(0, 1)
}

impl Attention {
    fn forward(
        &self,
        x: Tensor<3>,
        cos: &Tensor<4>,
        sin: &Tensor<4>,
        past: Past<'_>,
        mask: &Tensor<2, Bool>,
    ) -> (Tensor<3>, (Tensor<4>, Tensor<4>)) {
        let [b, l, _] = x.dims();
        let (nh, nkv, hd) = (self.n_heads, self.n_kv_heads, self.head_dim);
        let heads = |t: Tensor<3>, n: usize| t.reshape([b, l, n, hd]).swap_dims(1, 2);
        let q = apply_rope(heads(self.q_proj.forward(x.clone()), nh), cos, sin);
        let k = apply_rope(heads(self.k_proj.forward(x.clone()), nkv), cos, sin);
        let v = heads(self.v_proj.forward(x), nkv);
        let q = q * self.scale;

        let (out, kv) = match past {
            Past::None | Past::Append(_) => {
                let (k, v) = match past {
                    Past::Append((pk, pv)) => (
                        Tensor::cat(vec![pk.clone(), k], 2),
                        Tensor::cat(vec![pv.clone(), v], 2),
                    ),
                    _ => (k, v),
                };
                let t = k.dims()[2];
                let mask = mask.clone().unsqueeze::<4>().expand([b, nh, l, t]);
                let scores = gqa_scores(q, k.clone()).mask_fill(mask, f32::NEG_INFINITY);
                let out = gqa_apply(self.dropout.forward(softmax(scores, 3)), v.clone());
                (out, (k, v))
            }
            Past::Shared((pk, pv)) => {
                let p = pk.dims()[2];
                let prefix_scores = unfold_batch(gqa_scores(fold_batch(q.clone()), pk.clone()), b);
                let mask = mask.clone().unsqueeze::<4>().expand([b, nh, l, l]);
                let own_scores = gqa_scores(q, k.clone()).mask_fill(mask, f32::NEG_INFINITY);
                let probs = self
                    .dropout
                    .forward(softmax(Tensor::cat(vec![prefix_scores, own_scores], 3), 3));
                let from_prefix = unfold_batch(
                    gqa_apply(fold_batch(probs.clone().narrow(3, 0, p)), pv.clone()),
                    b,
                );
                let from_own = gqa_apply(probs.narrow(3, p, l), v.clone());
                (from_prefix + from_own, (k, v))
            }
        };
        let out = out.swap_dims(1, 2).reshape([b, l, nh * hd]);
        (self.o_proj.forward(out), kv)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> (Decoder, Device) {
        let device = Device::flex();
        device.seed(7);
        let mut config = DecoderConfig::llama(17, 8, 12, 2, 4, 2);
        config.tie_word_embeddings = true;
        (config.init(&device), device)
    }

    fn ids(v: &[i64], device: &Device) -> Tensor<2, Int> {
        Tensor::from_data(TensorData::new(v.to_vec(), [1, v.len()]), device)
    }

    fn max_abs_diff(a: Tensor<3>, b: Tensor<3>) -> f32 {
        (a - b).abs().max().into_scalar()
    }

    #[test]
    fn cached_decoding_matches_full_forward() {
        let (model, device) = tiny();
        let tokens = [1, 5, 9, 3, 16, 2];
        let full = model.forward(ids(&tokens, &device));
        let mut cache = model.new_cache();
        let first = model.logits(model.forward_cached(ids(&tokens[..4], &device), &mut cache));
        let mut steps = vec![first];
        for &t in &tokens[4..] {
            steps.push(model.logits(model.forward_cached(ids(&[t], &device), &mut cache)));
        }
        assert_eq!(cache.len(), tokens.len());
        assert!(max_abs_diff(full, Tensor::cat(steps, 1)) < 1e-5);
    }

    #[test]
    fn tree_matches_separate_continuations() {
        let (model, device) = tiny();
        let mut prefix = model.new_cache();
        model.forward_cached(ids(&[1, 5, 9], &device), &mut prefix);
        // Branches [3, 4] and [3, 8, 2] share their first token.
        let tree = model.logits(model.forward_tree(
            &[3, 4, 8, 2],
            &[None, Some(0), Some(0), Some(2)],
            &prefix,
        ));
        for (branch, nodes) in [(vec![3i64, 4], vec![0, 1]), (vec![3, 8, 2], vec![0, 2, 3])] {
            let mut cache = prefix.clone();
            let own = model.logits(model.forward_cached(ids(&branch, &device), &mut cache));
            for (k, node) in nodes.into_iter().enumerate() {
                let got = tree.clone().narrow(1, node, 1);
                assert!(max_abs_diff(got, own.clone().narrow(1, k, 1)) < 1e-5);
            }
        }
    }

    #[test]
    fn shared_prefix_matches_appending() {
        let (model, device) = tiny();
        let mut prefix = model.new_cache();
        model.forward_cached(ids(&[1, 5, 9], &device), &mut prefix);
        let batch: Tensor<2, Int> =
            Tensor::from_data(TensorData::new(vec![3i64, 4, 7, 8], [2, 2]), &device);
        let shared = model.logits(model.forward_shared_prefix(batch, &prefix));
        for (row, pair) in [[3i64, 4], [7, 8]].iter().enumerate() {
            let mut cache = prefix.clone();
            let own = model.logits(model.forward_cached(ids(pair, &device), &mut cache));
            let got = shared.clone().narrow(0, row, 1);
            assert!(max_abs_diff(got, own) < 1e-5);
        }
    }
}
