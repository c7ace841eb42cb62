//! The committed training and development data.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use rsolv_classify::{GeneratorConfig, VulnClass, generate, label_counts, read_jsonl};

fn data_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(name)
}

/// `data/train.jsonl` is exactly what `rsolv dataset generate --per-label
/// 100 --seed 7` writes.
#[test]
fn train_jsonl_is_reproducible_from_its_seed() {
    let committed = std::fs::read_to_string(data_file("train.jsonl")).expect("train.jsonl");
    let samples = generate(&GeneratorConfig {
        per_label: 100,
        seed: 7,
    })
    .expect("generates");
    let regenerated = rsolv_classify::to_jsonl_string(&samples);
    assert!(
        committed == regenerated,
        "data/train.jsonl differs from the generator's output: regenerate it with \
         `cargo run --release --bin rsolv -- dataset generate --out rsolv-classify/data/train.jsonl --per-label 100 --seed 7`"
    );
}

#[test]
fn dev_jsonl_covers_every_label_and_is_hand_written() {
    let dev = read_jsonl(&data_file("dev.jsonl")).expect("dev.jsonl is valid");
    assert!(dev.len() >= 216, "{} dev samples", dev.len());
    for (label, n) in label_counts(&dev) {
        assert!(n >= 4, "only {n} dev samples for {label}");
    }
    assert!(dev.iter().all(|s| s.source == "dev:hand"));
    let ids: HashSet<&str> = dev.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids.len(), dev.len(), "dev ids are unique");
}

#[test]
fn test2_jsonl_covers_every_label_and_is_hand_written() {
    let test2 = read_jsonl(&data_file("test2.jsonl")).expect("test2.jsonl is valid");
    let counts = label_counts(&test2);
    assert_eq!(counts.len(), VulnClass::ALL.len(), "every label is present");
    for (label, n) in counts {
        assert!(n >= 2, "only {n} test2 samples for {label}");
    }
    assert!(test2.iter().all(|s| s.source.starts_with("test2:")));
    let ids: HashSet<&str> = test2.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids.len(), test2.len(), "test2 ids are unique");
}

/// No dev or test2 title or description occurs verbatim in generated data
/// (checked against a larger generation than the committed one, and two
/// seeds).
#[test]
fn dev_text_never_appears_in_generated_data() {
    let mut dev = read_jsonl(&data_file("dev.jsonl")).expect("dev.jsonl is valid");
    dev.extend(read_jsonl(&data_file("test2.jsonl")).expect("test2.jsonl is valid"));
    for seed in [7, 8] {
        let generated = generate(&GeneratorConfig {
            per_label: 150,
            seed,
        })
        .expect("generates");
        let mut texts = HashSet::new();
        for sample in &generated {
            texts.insert(sample.title.to_lowercase());
            texts.insert(sample.description.to_lowercase());
        }
        for sample in &dev {
            assert!(
                !texts.contains(&sample.title.to_lowercase()),
                "dev title found in generated data: {}",
                sample.title
            );
            assert!(
                !texts.contains(&sample.description.to_lowercase()),
                "dev description found in generated data: {}",
                sample.description
            );
        }
    }
}

#[test]
fn generated_data_is_balanced_and_tagged() {
    let samples = read_jsonl(&data_file("train.jsonl")).expect("train.jsonl is valid");
    assert_eq!(samples.len(), 100 * VulnClass::ALL.len());
    assert!(label_counts(&samples).iter().all(|(_, n)| *n == 100));
    assert!(samples.iter().all(|s| s.source.starts_with("gen:")));
    let hard = samples.iter().filter(|s| s.source == "gen:hard").count();
    assert!(hard > 300, "{hard} hard cases");
}
