//! Text to [`EncoderInput`] with a Hugging Face `tokenizer.json`.

use std::path::Path;

use burn::tensor::{Device, Int, Tensor, TensorData};
use tokenizers::{Tokenizer, TruncationParams};

use crate::encoder::model::EncoderInput;
use crate::{Error, Result};

/// Default longest input, in tokens (special tokens included). Findings are
/// short; 128 keeps a 2-core CPU fast and covers a title, a path and the
/// first paragraph of a description.
pub const DEFAULT_MAX_LEN: usize = 128;

/// A tokenizer that truncates each text to `max_len` tokens and pads a batch
/// to its longest text (not to a fixed length: a `tokenizer.json` that pads
/// to 128 has its padding switched off).
#[derive(Debug, Clone)]
pub struct TextEncoder {
    tokenizer: Tokenizer,
    max_len: usize,
    pad_id: u32,
}

impl TextEncoder {
    /// Loads `tokenizer.json`, truncating inputs to `max_len` tokens.
    pub fn from_file(path: &Path, max_len: usize) -> Result<Self> {
        if !path.is_file() {
            return Err(Error::MissingFile {
                path: path.to_owned(),
            });
        }
        let tokenizer = Tokenizer::from_file(path)
            .map_err(|e| Error::Tokenizer(format!("{}: {e}", path.display())))?;
        Self::new(tokenizer, max_len)
    }

    /// Wraps a loaded tokenizer.
    pub fn new(mut tokenizer: Tokenizer, max_len: usize) -> Result<Self> {
        if max_len < 2 {
            return Err(Error::Tokenizer(format!(
                "max_len {max_len} leaves no room for text"
            )));
        }
        let pad_id = tokenizer
            .get_padding()
            .map(|p| p.pad_id)
            .or_else(|| tokenizer.token_to_id("[PAD]"))
            .unwrap_or(0);
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: max_len,
                ..TruncationParams::default()
            }))
            .map_err(|e| Error::Tokenizer(e.to_string()))?;
        Ok(Self {
            tokenizer,
            max_len,
            pad_id,
        })
    }

    /// The truncation length.
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// The id padding positions get.
    pub fn pad_id(&self) -> u32 {
        self.pad_id
    }

    /// The underlying tokenizer (for saving it next to an exported model).
    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    /// Token ids of one text, special tokens included, truncated.
    pub fn token_ids(&self, text: &str) -> Result<Vec<u32>> {
        let encoding = self
            .tokenizer
            .encode(text, true)
            .map_err(|e| Error::Tokenizer(e.to_string()))?;
        Ok(encoding.get_ids().to_vec())
    }

    /// Tokenizes `texts` into one batch padded to its longest text.
    pub fn encode<S: AsRef<str>>(&self, texts: &[S], device: &Device) -> Result<EncoderInput> {
        let ids = texts
            .iter()
            .map(|t| self.token_ids(t.as_ref()))
            .collect::<Result<Vec<_>>>()?;
        Ok(batch_from_ids(&ids, self.pad_id, device))
    }
}

/// Builds a padded batch from token id sequences (token type 0 everywhere).
pub fn batch_from_ids(ids: &[Vec<u32>], pad_id: u32, device: &Device) -> EncoderInput {
    let batch = ids.len();
    let seq = ids.iter().map(Vec::len).max().unwrap_or(0).max(1);
    let mut flat_ids = Vec::with_capacity(batch * seq);
    let mut mask = Vec::with_capacity(batch * seq);
    for row in ids {
        flat_ids.extend(row.iter().map(|&id| i64::from(id)));
        flat_ids.extend(std::iter::repeat_n(i64::from(pad_id), seq - row.len()));
        mask.extend(std::iter::repeat_n(1.0f32, row.len()));
        mask.extend(std::iter::repeat_n(0.0f32, seq - row.len()));
    }
    EncoderInput {
        input_ids: Tensor::<2, Int>::from_data(TensorData::new(flat_ids, [batch, seq]), device),
        token_type_ids: Tensor::<2, Int>::zeros([batch, seq], device),
        attention_mask: Tensor::<2>::from_data(TensorData::new(mask, [batch, seq]), device),
    }
}

/// Inputs larger than this are split into several forward passes. On the
/// 2-core CPU, 4 to 16 findings per pass ran at about the same speed per
/// finding and 32 was slower (the activations outgrow the caches); 8 also
/// keeps the padding within a pass small.
const MAX_FORWARD_BATCH: usize = 8;

/// Runs `forward` over token id sequences in passes of at most
/// [`MAX_FORWARD_BATCH`], grouping sequences of similar length so little
/// time goes to padding, and returns one output row per input, in input
/// order. `forward` maps a batch to a `[batch, width]` tensor.
pub(crate) fn forward_by_length(
    ids: &[Vec<u32>],
    pad_id: u32,
    device: &Device,
    mut forward: impl FnMut(&EncoderInput) -> Result<Tensor<2>>,
) -> Result<Vec<Vec<f32>>> {
    let mut order: Vec<usize> = (0..ids.len()).collect();
    order.sort_by_key(|&i| (ids[i].len(), i));
    let mut out = vec![Vec::new(); ids.len()];
    for chunk in order.chunks(MAX_FORWARD_BATCH) {
        let batch: Vec<Vec<u32>> = chunk.iter().map(|&i| ids[i].clone()).collect();
        let output = forward(&batch_from_ids(&batch, pad_id, device))?;
        let width = output.dims()[1];
        let values: Vec<f32> = output
            .into_data()
            .try_into_vec_as::<f32>()
            .map_err(|e| Error::TensorData(format!("{e:?}")))?;
        for (row, &i) in chunk.iter().enumerate() {
            out[i] = values[row * width..(row + 1) * width].to_vec();
        }
    }
    Ok(out)
}
