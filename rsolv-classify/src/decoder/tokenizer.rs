//! Tokenizers for decoder models: Hugging Face `tokenizer.json`, or a
//! byte-level BPE rebuilt from GGUF metadata; and the chat templates.

use std::path::Path;

use tokenizers::decoders::byte_level::ByteLevel as ByteLevelDecoder;
use tokenizers::models::bpe::{BPE, Vocab};
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::pre_tokenizers::digits::Digits;
use tokenizers::pre_tokenizers::sequence::Sequence;
use tokenizers::{AddedToken, Tokenizer};

use super::error::{DecoderError, Result};
use crate::gguf::{GgufFile, GgufValue};

/// GGUF token types that are control or user-defined tokens, matched whole.
const TOKEN_TYPE_CONTROL: u64 = 3;
const TOKEN_TYPE_USER_DEFINED: u64 = 4;

/// Loads a Hugging Face `tokenizer.json`.
pub fn tokenizer_from_file(path: &Path) -> Result<Tokenizer> {
    Tokenizer::from_file(path)
        .map_err(|e| DecoderError::Tokenizer(format!("{}: {e}", path.display())))
}

/// Rebuilds a byte-level BPE tokenizer (`tokenizer.ggml.model = gpt2`) from
/// GGUF metadata: `tokenizer.ggml.tokens`, `merges`, `token_type`.
///
/// Control and user-defined tokens (`<|im_start|>`, …) become special tokens
/// matched whole. Pre-tokenisation is GPT-2's byte-level regex, preceded by
/// single-digit splitting when `tokenizer.ggml.pre` is `smollm` (as in
/// SmolLM2's own tokenizer).
pub fn tokenizer_from_gguf(file: &GgufFile) -> Result<Tokenizer> {
    let fail = |m: String| DecoderError::Tokenizer(format!("{}: {m}", file.path().display()));
    let model = file.require_str("tokenizer.ggml.model")?;
    if model != "gpt2" {
        return Err(fail(format!(
            "tokenizer model {model:?} is not byte-level BPE (gpt2)"
        )));
    }
    let strings = |key: &str| -> Result<Vec<String>> {
        file.get(key)
            .and_then(GgufValue::as_array)
            .ok_or_else(|| fail(format!("missing {key}")))?
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| fail(format!("{key}: not a string")))
            })
            .collect()
    };
    let tokens = strings("tokenizer.ggml.tokens")?;
    let merges: Vec<(String, String)> = strings("tokenizer.ggml.merges")?
        .into_iter()
        .filter_map(|m| m.split_once(' ').map(|(a, b)| (a.to_owned(), b.to_owned())))
        .collect();
    let types: Vec<u64> = file
        .get("tokenizer.ggml.token_type")
        .and_then(GgufValue::as_array)
        .map(|a| a.iter().map(|v| v.as_u64().unwrap_or(1)).collect())
        .unwrap_or_default();
    let vocab: Vocab = tokens
        .iter()
        .enumerate()
        .map(|(id, t)| (t.clone(), id as u32))
        .collect();
    let bpe = BPE::builder()
        .vocab_and_merges(vocab, merges)
        .build()
        .map_err(|e| fail(e.to_string()))?;
    let mut tokenizer = Tokenizer::new(bpe);
    let byte_level = ByteLevel::new(false, true, true);
    if file.get("tokenizer.ggml.pre").and_then(GgufValue::as_str) == Some("smollm") {
        tokenizer.with_pre_tokenizer(Some(Sequence::new(vec![
            Digits::new(true).into(),
            byte_level.into(),
        ])));
    } else {
        tokenizer.with_pre_tokenizer(Some(byte_level));
    }
    tokenizer.with_decoder(Some(ByteLevelDecoder::default()));
    let specials: Vec<AddedToken> = tokens
        .iter()
        .zip(types.iter())
        .filter(|(_, ty)| matches!(**ty, TOKEN_TYPE_CONTROL | TOKEN_TYPE_USER_DEFINED))
        .map(|(t, _)| AddedToken::from(t.clone(), true))
        .collect();
    tokenizer
        .add_special_tokens(specials)
        .map_err(|e| fail(e.to_string()))?;
    Ok(tokenizer)
}

/// Encodes text without adding any special tokens of a post-processor.
pub fn encode(tokenizer: &Tokenizer, text: &str) -> Result<Vec<u32>> {
    tokenizer
        .encode(text, false)
        .map(|e| e.get_ids().to_vec())
        .map_err(|e| DecoderError::Tokenizer(e.to_string()))
}

/// The chat formats of the supported model families.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChatTemplate {
    /// ChatML (SmolLM2, Qwen): `<|im_start|>role\n…<|im_end|>\n`.
    ChatMl,
    /// IBM Granite: `<|start_of_role|>role<|end_of_role|>…<|end_of_text|>\n`.
    Granite,
}

impl ChatTemplate {
    /// Picks the template whose special tokens the tokenizer knows.
    pub fn detect(tokenizer: &Tokenizer) -> Option<Self> {
        if tokenizer.token_to_id("<|im_start|>").is_some() {
            Some(Self::ChatMl)
        } else if tokenizer.token_to_id("<|start_of_role|>").is_some() {
            Some(Self::Granite)
        } else {
            None
        }
    }

    /// One complete message.
    pub fn message(self, role: &str, content: &str) -> String {
        match self {
            Self::ChatMl => format!("<|im_start|>{role}\n{content}<|im_end|>\n"),
            Self::Granite => {
                format!("<|start_of_role|>{role}<|end_of_role|>{content}<|end_of_text|>\n")
            }
        }
    }

    /// The header that opens the assistant's turn (the generation prompt).
    pub fn assistant_header(self) -> &'static str {
        match self {
            Self::ChatMl => "<|im_start|>assistant\n",
            Self::Granite => "<|start_of_role|>assistant<|end_of_role|>",
        }
    }

    /// The token that ends a turn.
    pub fn end_of_turn(self) -> &'static str {
        match self {
            Self::ChatMl => "<|im_end|>",
            Self::Granite => "<|end_of_text|>",
        }
    }

    /// A system + user conversation ending in the assistant header.
    pub fn prompt(self, system: &str, user: &str) -> String {
        format!(
            "{}{}{}",
            self.message("system", system),
            self.message("user", user),
            self.assistant_header()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chatml_prompt_layout() {
        let p = ChatTemplate::ChatMl.prompt("sys", "hi");
        assert_eq!(
            p,
            "<|im_start|>system\nsys<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n"
        );
        assert!(
            ChatTemplate::Granite
                .prompt("s", "u")
                .ends_with("<|end_of_role|>")
        );
    }
}
