//! LoRA fine-tuning, merging, export and resume on the tiny BERT.

use rsolv_classify::burn::module::Module;
use rsolv_classify::burn::tensor::Device;
use rsolv_classify::{
    Classifier, ClassifierModel, LABELS, LoraSettings, LoraTarget, TrainingRecord,
    TrainingSettings, apply_lora, export_classifier, finetune, load_pretrained, merge_lora,
};

use super::{rng_lock, tiny_dir, tiny_training_set};

fn settings(max_steps: usize) -> TrainingSettings {
    TrainingSettings {
        epochs: 6,
        learning_rate: 5e-3,
        batch_size: 3,
        grad_accum: 2,
        max_len: 32,
        seed: 11,
        lora: LoraSettings {
            rank: 2,
            alpha: 4.0,
            dropout: 0.1,
            targets: LoraTarget::ALL.to_vec(),
        },
        max_steps: Some(max_steps),
        progress: false,
        ..TrainingSettings::default()
    }
}

fn probabilities(classifier: &Classifier) -> Vec<Vec<f32>> {
    let texts: Vec<String> = tiny_training_set()
        .iter()
        .map(|e| e.finding.model_text())
        .collect();
    classifier.probabilities(&texts).expect("probabilities")
}

fn max_diff(a: &[Vec<f32>], b: &[Vec<f32>]) -> f32 {
    a.iter()
        .flatten()
        .zip(b.iter().flatten())
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn lora_adapts_only_the_targets() {
    let _rng = rng_lock();
    let device = Device::flex();
    let base = load_pretrained(&tiny_dir(), 32, &device).expect("loads");
    let model = ClassifierModel::new(base.encoder, LABELS.len(), 0.0, &device);
    let before = model.num_params();
    let lora = LoraSettings {
        rank: 2,
        alpha: 4.0,
        dropout: 0.0,
        targets: vec![LoraTarget::Query, LoraTarget::FfnIn],
    };
    let model = apply_lora(model, &lora).expect("applies");
    // Per layer: query 32x32 -> (32 + 32) * 2, ffn_in 32x64 -> (32 + 64) * 2.
    assert_eq!(
        model.num_params() - before,
        2 * ((32 + 32) * 2 + (32 + 64) * 2)
    );
    assert!(model.encoder.layers[0].query.weight.adapter().is_some());
    assert!(model.encoder.layers[0].key.weight.adapter().is_none());
    assert!(
        model
            .encoder
            .embeddings
            .word_embeddings
            .weight
            .adapter()
            .is_none()
    );
}

#[test]
fn training_lowers_the_loss_and_merged_matches_unmerged() {
    let _rng = rng_lock();
    let tuned = finetune(&tiny_dir(), &tiny_training_set(), &settings(12), None).expect("trains");
    assert_eq!(tuned.steps, 12);
    let losses = &tuned.epoch_losses;
    assert!(losses.last() < losses.first(), "losses {losses:?}");

    let device = Device::flex();
    let unmerged = Classifier::from_parts(
        tuned.model.valid().to_device(&device),
        tuned.text.clone(),
        LABELS.to_vec(),
        device.clone(),
    );
    let merged = Classifier::from_parts(
        merge_lora(&tuned.model).to_device(&device),
        tuned.text.clone(),
        LABELS.to_vec(),
        device.clone(),
    );
    assert!(
        merged.model().encoder.layers[0]
            .query
            .weight
            .adapter()
            .is_none()
    );
    let diff = max_diff(&probabilities(&unmerged), &probabilities(&merged));
    assert!(diff < 1e-5, "merged differs by {diff}");

    // The export loads without the base model and predicts the same, up to f16 rounding.
    let out = tempfile::tempdir().expect("tempdir");
    let record = TrainingRecord {
        base_model: tiny_dir().display().to_string(),
        train_data: "tiny".into(),
        train_examples: 8,
        dev_data: None,
        dev_accuracy: None,
        lora: settings(12).lora,
        settings: serde_json::Value::Null,
        steps: tuned.steps,
        final_loss: tuned.epoch_losses.last().copied(),
        seconds: tuned.seconds,
        backend: "test".into(),
    };
    export_classifier(
        &tuned.model,
        &tuned.config,
        &tuned.text,
        &tuned.labels,
        &record,
        out.path(),
    )
    .expect("exports");
    for file in [
        "model.safetensors",
        "config.json",
        "tokenizer.json",
        "labels.json",
        "training.json",
        "TRAINING.md",
        "adapter.safetensors",
    ] {
        assert!(out.path().join(file).is_file(), "{file} written");
    }
    let loaded = Classifier::load_on(out.path(), &device).expect("export loads");
    let diff = max_diff(&probabilities(&merged), &probabilities(&loaded));
    assert!(diff < 2e-2, "f16 export differs by {diff}");

    // The small form (adapters + head) rebuilt on the base model.
    let rebuilt = Classifier::from_adapter(out.path(), &tiny_dir(), &device).expect("rebuilds");
    let diff = max_diff(&probabilities(&merged), &probabilities(&rebuilt));
    assert!(diff < 1e-5, "adapter rebuild differs by {diff}");
}

#[test]
fn resumed_run_matches_an_uninterrupted_one() {
    let _rng = rng_lock();
    let data = tiny_training_set();
    let straight = finetune(&tiny_dir(), &data, &settings(4), None).expect("trains");

    let checkpoints = tempfile::tempdir().expect("tempdir");
    let mut first = settings(4);
    first.max_steps = Some(2);
    let half = finetune(&tiny_dir(), &data, &first, Some(checkpoints.path())).expect("first half");
    assert_eq!(half.steps, 2);
    let resumed =
        finetune(&tiny_dir(), &data, &settings(4), Some(checkpoints.path())).expect("resumes");
    assert_eq!(resumed.steps, 4);

    let device = Device::flex();
    let classify = |model: &ClassifierModel| {
        Classifier::from_parts(
            merge_lora(model).to_device(&device),
            straight.text.clone(),
            LABELS.to_vec(),
            device.clone(),
        )
    };
    let diff = max_diff(
        &probabilities(&classify(&straight.model)),
        &probabilities(&classify(&resumed.model)),
    );
    assert!(diff < 1e-5, "resumed run differs by {diff}");
}
