//! Classification with a chat-tuned decoder: the 54 labels are scored as
//! constrained continuations of a chat prompt.
//!
//! The prompt is a system message listing every label with its definition,
//! a user message with the finding, and the assistant header; the response
//! is the label followed by the end-of-turn token. Inference never samples:
//! each label's score is the sum of the log-probabilities of its tokens and
//! the end-of-turn token, and a softmax over the 54 scores gives the
//! probabilities. The system prompt's keys and values are computed once.

use burn::tensor::activation::log_softmax;
use burn::tensor::{Int, Tensor, TensorData};
use rsolv_core::VulnClass;

use super::error::{DecoderError, Result};
use super::lm::{CausalLm, ids_tensor};
use super::model::KvCache;
use super::tokenizer::{ChatTemplate, encode};
use tokenizers::Tokenizer;

/// The text of a finding the decoder classifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecoderFinding<'a> {
    /// The finding's title (rule message or issue title).
    pub title: &'a str,
    /// A longer description.
    pub description: &'a str,
    /// The file the finding is in.
    pub filename: &'a str,
}

impl<'a> From<&'a crate::FindingText> for DecoderFinding<'a> {
    fn from(f: &'a crate::FindingText) -> Self {
        Self {
            title: &f.title,
            description: &f.description,
            filename: &f.filename,
        }
    }
}

/// A probability for every label, in [`VulnClass::ALL`] order.
#[derive(Debug, Clone, PartialEq)]
pub struct DecoderPrediction {
    /// Probabilities, in [`VulnClass::ALL`] order; they sum to 1.
    pub probabilities: Vec<f32>,
}

impl DecoderPrediction {
    /// Softmax of per-label log-probability scores.
    fn from_scores(scores: &[f32]) -> Self {
        let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let exp: Vec<f32> = scores.iter().map(|s| (s - max).exp()).collect();
        let total: f32 = exp.iter().sum();
        Self {
            probabilities: exp.into_iter().map(|e| e / total).collect(),
        }
    }

    /// The most probable label and its probability.
    pub fn top(&self) -> (VulnClass, f32) {
        let (i, p) =
            self.probabilities
                .iter()
                .copied()
                .enumerate()
                .fold(
                    (0, f32::MIN),
                    |best, cur| if cur.1 > best.1 { cur } else { best },
                );
        (VulnClass::ALL[i], p)
    }
}

/// One supervised example: the full conversation's ids and which of them
/// belong to the response (the label and the end-of-turn token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainingExample {
    /// Token ids of system prompt, user message, assistant header, response.
    pub ids: Vec<u32>,
    /// `true` for response tokens: the only ones the loss is computed on.
    pub loss_mask: Vec<bool>,
}

/// The system prompt: the task and every label with its definition.
pub fn system_prompt() -> String {
    let mut s = String::from(
        "You classify security findings. Answer with exactly one label from this list, \
         and nothing else.\n\nLabels:\n",
    );
    for class in VulnClass::ALL {
        s.push_str(&format!("- {}: {}\n", class.as_str(), class.definition()));
    }
    s
}

/// The user message for a finding.
pub fn user_message(finding: &DecoderFinding<'_>) -> String {
    format!(
        "Title: {}\nDescription: {}\nFile: {}",
        finding.title, finding.description, finding.filename
    )
}

/// The conversation around a finding, tokenized: the system message, the
/// user message of a finding, and the 54 responses. Training and inference
/// share it, so both see exactly the same tokens.
#[derive(Debug, Clone)]
pub struct DecoderPrompt {
    template: ChatTemplate,
    system: String,
    system_ids: Vec<u32>,
    /// Each label's response tokens, end-of-turn token last.
    responses: Vec<Vec<u32>>,
    max_description_tokens: Option<usize>,
}

impl DecoderPrompt {
    /// Tokenizes `system` and the 54 responses with `tokenizer`'s chat
    /// template.
    pub fn new(tokenizer: &Tokenizer, system: &str) -> Result<Self> {
        let template = ChatTemplate::detect(tokenizer).ok_or_else(|| {
            DecoderError::Tokenizer("the tokenizer has no known chat template's tokens".into())
        })?;
        let eot = tokenizer
            .token_to_id(template.end_of_turn())
            .ok_or_else(|| DecoderError::Tokenizer("no end-of-turn token".into()))?;
        let system_ids = encode(tokenizer, &template.message("system", system))?;
        let mut responses = Vec::with_capacity(VulnClass::ALL.len());
        for class in VulnClass::ALL {
            let mut ids = encode(tokenizer, class.as_str())?;
            ids.push(eot);
            responses.push(ids);
        }
        Ok(Self {
            template,
            system: system.to_owned(),
            system_ids,
            responses,
            max_description_tokens: None,
        })
    }

    /// Cuts descriptions to their first `n` tokens (training and inference
    /// alike; `None`: no limit).
    pub fn with_max_description_tokens(mut self, n: Option<usize>) -> Self {
        self.max_description_tokens = n;
        self
    }

    /// The system message text.
    pub fn system(&self) -> &str {
        &self.system
    }

    /// The system message's token ids (the prefix of every conversation).
    pub fn system_ids(&self) -> &[u32] {
        &self.system_ids
    }

    /// The description limit in tokens, if any.
    pub fn max_description_tokens(&self) -> Option<usize> {
        self.max_description_tokens
    }

    /// The user message and assistant header of a finding, tokenized.
    pub fn finding_ids(
        &self,
        tokenizer: &Tokenizer,
        finding: &DecoderFinding<'_>,
    ) -> Result<Vec<u32>> {
        let cut;
        let finding = match self.max_description_tokens {
            Some(n) => {
                let ids = encode(tokenizer, finding.description)?;
                if ids.len() > n {
                    cut = tokenizer
                        .decode(&ids[..n], false)
                        .map_err(|e| DecoderError::Tokenizer(e.to_string()))?;
                    &DecoderFinding {
                        description: &cut,
                        ..*finding
                    }
                } else {
                    finding
                }
            }
            None => finding,
        };
        let text = format!(
            "{}{}",
            self.template.message("user", &user_message(finding)),
            self.template.assistant_header()
        );
        encode(tokenizer, &text)
    }

    /// Conversation ids and loss mask for fine-tuning on `(finding, label)`.
    pub fn training_example(
        &self,
        tokenizer: &Tokenizer,
        finding: &DecoderFinding<'_>,
        label: VulnClass,
    ) -> Result<TrainingExample> {
        let mut ids = self.system_ids.clone();
        ids.extend(self.finding_ids(tokenizer, finding)?);
        let prompt_len = ids.len();
        ids.extend(&self.responses[label.index()]);
        let loss_mask = (0..ids.len()).map(|i| i >= prompt_len).collect();
        Ok(TrainingExample { ids, loss_mask })
    }
}

/// A decoder language model turned into a 54-way classifier.
#[derive(Debug)]
pub struct DecoderClassifier {
    lm: CausalLm,
    prompt: DecoderPrompt,
    system_cache: KvCache,
    tree: LabelTree,
}

/// The 54 responses as a token tree: each distinct response prefix (without
/// its last token) is one node, so shared leading tokens run once.
#[derive(Debug, Clone, PartialEq, Eq)]
struct LabelTree {
    ids: Vec<u32>,
    parents: Vec<Option<usize>>,
    /// `(row, token)` pairs whose log-probability is needed: row 0 is the
    /// position before the response, row `1 + i` is node `i`.
    picks: Vec<(usize, u32)>,
    /// For each label, the indices into `picks` whose sum is its score.
    label_picks: Vec<Vec<usize>>,
}

impl LabelTree {
    fn new(responses: &[Vec<u32>]) -> Self {
        let mut tree = Self {
            ids: Vec::new(),
            parents: Vec::new(),
            picks: Vec::new(),
            label_picks: Vec::new(),
        };
        let mut nodes = std::collections::HashMap::new();
        let mut pick_index = std::collections::HashMap::new();
        for response in responses {
            let mut row = 0;
            let mut parent = None;
            let mut mine = Vec::with_capacity(response.len());
            for (k, &token) in response.iter().enumerate() {
                let pick = *pick_index.entry((row, token)).or_insert_with(|| {
                    tree.picks.push((row, token));
                    tree.picks.len() - 1
                });
                mine.push(pick);
                if k + 1 < response.len() {
                    let node = *nodes.entry((parent, token)).or_insert_with(|| {
                        tree.ids.push(token);
                        tree.parents.push(parent);
                        tree.ids.len() - 1
                    });
                    parent = Some(node);
                    row = node + 1;
                }
            }
            tree.label_picks.push(mine);
        }
        tree
    }
}

impl DecoderClassifier {
    /// Wraps a chat model with the standard [`system_prompt`]; encodes it and
    /// runs it once.
    pub fn new(lm: CausalLm) -> Result<Self> {
        Self::with_system_prompt(lm, &system_prompt())
    }

    /// Wraps a chat model with a custom system prompt.
    pub fn with_system_prompt(lm: CausalLm, system: &str) -> Result<Self> {
        let prompt = DecoderPrompt::new(&lm.tokenizer, system)?;
        Ok(Self::with_prompt(lm, prompt))
    }

    /// Wraps a chat model with a prepared prompt; runs the system message
    /// once and keeps its keys and values.
    pub fn with_prompt(lm: CausalLm, prompt: DecoderPrompt) -> Self {
        let mut system_cache = lm.model.new_cache();
        lm.extend(&prompt.system_ids, &mut system_cache);
        Self::with_prompt_cache(lm, prompt, system_cache)
    }

    /// Wraps a chat model with a prepared prompt and the keys and values of
    /// its system message computed earlier by the same model.
    pub(crate) fn with_prompt_cache(
        lm: CausalLm,
        prompt: DecoderPrompt,
        system_cache: KvCache,
    ) -> Self {
        let tree = LabelTree::new(&prompt.responses);
        Self {
            lm,
            prompt,
            system_cache,
            tree,
        }
    }

    /// The prompt around each finding.
    pub fn prompt(&self) -> &DecoderPrompt {
        &self.prompt
    }

    /// The keys and values of the system message.
    pub fn system_cache(&self) -> &KvCache {
        &self.system_cache
    }

    /// The wrapped model.
    pub fn lm(&self) -> &CausalLm {
        &self.lm
    }

    /// Number of tokens run per finding to score every label (the distinct
    /// response prefixes).
    pub fn label_tree_len(&self) -> usize {
        self.tree.ids.len()
    }

    /// Number of tokens of the cached system prompt.
    pub fn system_len(&self) -> usize {
        self.prompt.system_ids.len()
    }

    fn finding_ids(&self, finding: &DecoderFinding<'_>) -> Result<Vec<u32>> {
        self.prompt.finding_ids(&self.lm.tokenizer, finding)
    }

    /// Conversation ids and loss mask for fine-tuning on `(finding, label)`.
    pub fn training_example(
        &self,
        finding: &DecoderFinding<'_>,
        label: VulnClass,
    ) -> Result<TrainingExample> {
        self.prompt
            .training_example(&self.lm.tokenizer, finding, label)
    }

    /// Log-probability score of every label (in [`VulnClass::ALL`] order):
    /// the summed log-probabilities of its tokens and the end-of-turn token.
    pub fn label_scores(&self, finding: &DecoderFinding<'_>) -> Result<Vec<f32>> {
        let model = &self.lm.model;
        let mut cache = self.system_cache.clone();
        let hidden = self.lm.extend(&self.finding_ids(finding)?, &mut cache);
        let l = hidden.dims()[1];
        let tree = &self.tree;
        let tree_hidden = model.forward_tree(&tree.ids, &tree.parents, &cache);
        self.tree_scores(Tensor::cat(
            vec![hidden.narrow(1, l - 1, 1), tree_hidden],
            1,
        ))
    }

    /// The 54 label scores from the hidden states of one finding's scoring
    /// rows, `[1, 1 + tree nodes, hidden]`: row 0 is the finding's last
    /// token, row `1 + i` tree node `i`.
    fn tree_scores(&self, rows: Tensor<3>) -> Result<Vec<f32>> {
        let model = &self.lm.model;
        let device = model.device();
        let tree = &self.tree;
        let logp = log_softmax(model.logits(rows), 2).squeeze_dim::<2>(0);
        let (pick_rows, pick_tokens): (Vec<i64>, Vec<i64>) = tree
            .picks
            .iter()
            .map(|&(r, t)| (r as i64, i64::from(t)))
            .unzip();
        let m = pick_rows.len();
        let picked = logp
            .select(
                0,
                Tensor::from_data(TensorData::new(pick_rows, [m]), &device),
            )
            .gather(
                1,
                Tensor::from_data(TensorData::new(pick_tokens, [m, 1]), &device),
            );
        let picked = to_vec(picked)?;
        Ok(tree
            .label_picks
            .iter()
            .map(|picks| picks.iter().map(|&p| picked[p]).sum())
            .collect())
    }

    /// [`Self::label_scores`] of several findings in one forward pass: each
    /// finding's tokens form a chain after the cached system prompt and its
    /// 54-label tree hangs off the chain's last token, all packed into one
    /// sequence whose mask lets every token see only the system prompt and
    /// its own ancestors. Findings of different lengths need no padding.
    ///
    /// Same scores as one at a time (within float rounding). On a CPU it is
    /// slower per finding than [`Self::label_scores`] (the mask grows with
    /// the square of the packed length: 3.3 s against 2.4 s per finding for
    /// 5 findings on SmolLM2-135M, 2 cores), so the [`crate::LabelScorer`]
    /// path scores one at a time; it is meant for accelerators, where one
    /// large pass beats many small ones.
    pub fn label_scores_many(&self, findings: &[DecoderFinding<'_>]) -> Result<Vec<Vec<f32>>> {
        let model = &self.lm.model;
        let tree = &self.tree;
        let mut ids = Vec::new();
        let mut parents: Vec<Option<usize>> = Vec::new();
        // Per finding: the index of its last token and of its tree's first node.
        let mut anchors = Vec::with_capacity(findings.len());
        for finding in findings {
            let chain = self.finding_ids(finding)?;
            let start = ids.len();
            for (k, &t) in chain.iter().enumerate() {
                ids.push(t);
                parents.push(k.checked_sub(1).map(|k| start + k));
            }
            let last = ids.len() - 1;
            let first = ids.len();
            for (&t, parent) in tree.ids.iter().zip(&tree.parents) {
                ids.push(t);
                parents.push(Some(parent.map_or(last, |p| first + p)));
            }
            anchors.push((last, first));
        }
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let hidden = model.forward_tree(&ids, &parents, &self.system_cache);
        anchors
            .iter()
            .map(|&(last, first)| {
                self.tree_scores(Tensor::cat(
                    vec![
                        hidden.clone().narrow(1, last, 1),
                        hidden.clone().narrow(1, first, tree.ids.len()),
                    ],
                    1,
                ))
            })
            .collect()
    }

    /// Probabilities of the 54 labels for several findings, scored
    /// together (see [`Self::label_scores_many`]).
    pub fn predict_many(&self, findings: &[DecoderFinding<'_>]) -> Result<Vec<DecoderPrediction>> {
        Ok(self
            .label_scores_many(findings)?
            .into_iter()
            .map(|scores| DecoderPrediction::from_scores(&scores))
            .collect())
    }

    /// The same scores computed with one padded row per label (every label
    /// token run separately): the reference for [`Self::label_scores`].
    pub fn label_scores_batched(&self, finding: &DecoderFinding<'_>) -> Result<Vec<f32>> {
        let model = &self.lm.model;
        let device = model.device();
        let mut cache = self.system_cache.clone();
        let hidden = self.lm.extend(&self.finding_ids(finding)?, &mut cache);
        let l = hidden.dims()[1];
        let first = to_vec(log_softmax(model.logits(hidden.narrow(1, l - 1, 1)), 2))?;
        // Label token k is fed to predict token k + 1; rows are right-padded.
        let n = self.prompt.responses.len();
        let width = self
            .prompt
            .responses
            .iter()
            .map(|r| r.len() - 1)
            .max()
            .unwrap_or(1)
            .max(1);
        let mut inputs = Vec::with_capacity(n * width);
        let mut targets = Vec::with_capacity(n * width);
        for r in &self.prompt.responses {
            let pad = r[r.len() - 1];
            for k in 0..width {
                let input = if k + 1 < r.len() { r[k] } else { pad };
                inputs.push(i64::from(input));
                targets.push(i64::from(*r.get(k + 1).unwrap_or(&pad)));
            }
        }
        let inputs: Tensor<2, Int> =
            Tensor::from_data(TensorData::new(inputs, [n, width]), &device);
        let targets: Tensor<3, Int> =
            Tensor::from_data(TensorData::new(targets, [n, width, 1]), &device);
        let hidden = model.forward_shared_prefix(inputs, &cache);
        let picked = to_vec(log_softmax(model.logits(hidden), 2).gather(2, targets))?;
        Ok(self
            .prompt
            .responses
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let rest: f32 = picked[i * width..i * width + r.len() - 1].iter().sum();
                first[r[0] as usize] + rest
            })
            .collect())
    }

    /// Probabilities of the 54 labels for a finding.
    pub fn predict(&self, finding: &DecoderFinding<'_>) -> Result<DecoderPrediction> {
        Ok(DecoderPrediction::from_scores(&self.label_scores(finding)?))
    }
}

fn to_vec<const D: usize>(t: Tensor<D>) -> Result<Vec<f32>> {
    t.into_data()
        .try_into_vec_as::<f32>()
        .map_err(|e| DecoderError::Tensor(format!("{e:?}")))
}

/// Mean next-token cross-entropy over response positions.
///
/// `logits [b, l, vocab]` come from a forward pass over `ids [b, l]`;
/// position `i` predicts `ids[i + 1]`, which counts when `mask[i + 1]` is 1
/// (see [`TrainingExample::loss_mask`]). Returns a one-element tensor that
/// carries gradients on an autodiff device.
pub fn masked_cross_entropy(logits: Tensor<3>, ids: Tensor<2, Int>, mask: Tensor<2>) -> Tensor<1> {
    let [b, l, _] = logits.dims();
    let logp = log_softmax(logits.narrow(1, 0, l - 1), 2);
    let targets = ids.narrow(1, 1, l - 1).reshape([b, l - 1, 1]);
    let picked = logp.gather(2, targets).reshape([b, l - 1]);
    let mask = mask.narrow(1, 1, l - 1);
    let count = mask.clone().sum().clamp_min(1.0);
    (picked * mask).sum().neg() / count
}

/// A training example as `[1, n]` id and loss-mask tensors for
/// [`masked_cross_entropy`].
pub fn example_tensors(
    example: &TrainingExample,
    device: &burn::tensor::Device,
) -> (Tensor<2, Int>, Tensor<2>) {
    let n = example.ids.len();
    let mask: Vec<f32> = example
        .loss_mask
        .iter()
        .map(|&m| f32::from(u8::from(m)))
        .collect();
    (
        ids_tensor(&example.ids, device),
        Tensor::from_data(TensorData::new(mask, [1, n]), device),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_tree_shares_prefixes() {
        // "ab<eot>", "ac<eot>", "d<eot>" with eot = 9.
        let tree = LabelTree::new(&[vec![1, 2, 9], vec![1, 3, 9], vec![4, 9]]);
        assert_eq!(tree.ids, vec![1, 2, 3, 4]);
        assert_eq!(tree.parents, vec![None, Some(0), Some(0), None]);
        let picks = |label: usize| -> Vec<(usize, u32)> {
            tree.label_picks[label]
                .iter()
                .map(|&p| tree.picks[p])
                .collect()
        };
        assert_eq!(picks(0), vec![(0, 1), (1, 2), (2, 9)]);
        assert_eq!(picks(1), vec![(0, 1), (1, 3), (3, 9)]);
        assert_eq!(picks(2), vec![(0, 4), (4, 9)]);
    }

    #[test]
    fn system_prompt_lists_every_label() {
        let s = system_prompt();
        for class in VulnClass::ALL {
            assert!(s.contains(&format!("- {}: ", class.as_str())));
        }
    }

    #[test]
    fn masked_cross_entropy_of_uniform_logits_is_log_vocab() {
        let device = burn::tensor::Device::flex();
        let logits = Tensor::<3>::zeros([1, 4, 8], &device);
        let ids = ids_tensor(&[1, 2, 3, 4], &device);
        let mask =
            Tensor::<2>::from_data(TensorData::new(vec![0f32, 0.0, 1.0, 1.0], [1, 4]), &device);
        let loss: f32 = masked_cross_entropy(logits, ids, mask).into_scalar();
        assert!((loss - 8f32.ln()).abs() < 1e-5);
    }
}
